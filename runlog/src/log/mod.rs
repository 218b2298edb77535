//! The run log: a directory of content-addressed blobs and a hash chain of
//! receipts, enough to replay any receipt and to verify the whole chain.
//!
//! A run (`imr_host::runner::execute`) returns its receipt with the bytes it names;
//! the log stores both:
//!
//! ```no_run
//! use imr_runlog::log::Log;
//! # fn demo(receipt: &imr_runlog::Receipt,
//! #         blobs: &imr_runlog::RunBlobs<'_>) -> Result<(), Box<dyn std::error::Error>> {
//! let mut log = Log::open_append("run-log".as_ref())?;
//! let previous = log.head()?.map(|r| r.hash);
//! assert_eq!(receipt.previous, previous, "a receipt chains to the log's head");
//! let appended = log.append(receipt, blobs)?;
//! println!("receipt {} is {}", appended.seq, appended.hash);
//! # Ok(()) }
//! ```
//!
//! * Every access goes through a cap-std [`Dir`] opened on the log, and every
//!   name is built from a sequence number or checked to be a blake3 digest, so
//!   neither a crafted receipt (`/etc/passwd`, `../x`) nor a symlink out of the
//!   log reaches anything outside it.
//! * Appends are atomic and durable: blobs are written (temporary file, fsync,
//!   rename) and their directory synced before the receipt that names them is
//!   written the same way. A crash leaves at worst unreferenced blobs and
//!   temporary files; the log verifies up to its last complete receipt.
//! * One appender at a time: [`Log::open_append`] takes an exclusive lock and a
//!   second appender gets [`LogError::Locked`] at once.

mod blobs;
mod durable;
mod error;
pub mod layout;
mod lock;
pub mod regular;
mod signatures;

use std::path::{Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::Dir;

pub use blobs::{BlobState, Blobs};
pub use error::LogError;
pub use signatures::MAX_SIGNATURE_BYTES;

use crate::receipt::Receipt;
use crate::run_blobs::{Pieces, RunBlobs};
use durable::{remove_stale_temporaries, sync_dir, write_then_rename};
use layout::{
    parse_receipt_name, parse_signature_name, receipt_name, BLOBS, LOG_FORMAT, MARKER, RECEIPTS,
    TMP_PREFIX,
};
use lock::LockGuard;

/// An open run log.
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    blobs: Blobs,
    receipts: Dir,
    /// Held when open for appending.
    lock: Option<LockGuard>,
    /// The number of receipts and the last one's hash (appenders only).
    next: u64,
    head: Option<String>,
}

/// Where an append landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The receipt's sequence number.
    pub seq: u64,
    /// The receipt's hash.
    pub hash: String,
}

/// Every receipt file of a log, read leniently (for verification).
#[derive(Debug, Default)]
pub struct Scan {
    /// Receipt files in sequence order, parsed or with the reason they are not receipts.
    pub entries: Vec<(u64, Result<Receipt, String>)>,
    /// Sequence numbers below the last one that have no file.
    pub missing: Vec<u64>,
    /// Files in `receipts/` that are not receipt files.
    pub strays: Vec<String>,
}

fn open_dir(root: &Dir, path: &Path, name: &str) -> Result<Dir, LogError> {
    root.open_dir(name).map_err(|source| LogError::Io {
        path: path.to_path_buf(),
        action: "open",
        name: name.to_string(),
        source,
    })
}

fn check_marker(root: &Dir, path: &Path) -> Result<(), LogError> {
    let bytes = regular::read_regular(root, MARKER, regular::MAX_RECEIPT_BYTES).map_err(|_| {
        LogError::NotALog {
            path: path.to_path_buf(),
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| LogError::NotALog {
        path: path.to_path_buf(),
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|_| LogError::NotALog {
        path: path.to_path_buf(),
    })?;
    let found = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if found != LOG_FORMAT {
        return Err(LogError::Format {
            path: path.to_path_buf(),
            found: found.to_string(),
        });
    }
    Ok(())
}

/// The state the next epoch starts from after `receipt`: its output state, or,
/// when the run failed, the state it was handed (a failed epoch changes nothing).
pub fn carried_state(receipt: &Receipt) -> &str {
    receipt.state_out.as_deref().unwrap_or(&receipt.state_in)
}

impl Log {
    /// Opens an existing log for reading.
    pub fn open(path: &Path) -> Result<Self, LogError> {
        let root =
            Dir::open_ambient_dir(path, ambient_authority()).map_err(|source| LogError::Open {
                path: path.to_path_buf(),
                source,
            })?;
        check_marker(&root, path)?;
        Self::from_root(root, path, None)
    }

    /// Opens a log for appending, creating it (and the directory) when missing.
    /// Takes the log's lock: fails at once with [`LogError::Locked`] when
    /// another process holds it. Checks that the receipts are numbered without
    /// gaps and that the last one is intact, and removes temporary files a
    /// crashed appender left.
    pub fn open_append(path: &Path) -> Result<Self, LogError> {
        let open_err = |source| LogError::Open {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(path).map_err(open_err)?;
        let root = Dir::open_ambient_dir(path, ambient_authority()).map_err(open_err)?;
        let lock = LockGuard::acquire(&root, path)?;
        if !root.exists(MARKER) {
            Self::initialize(&root, path)?;
        }
        check_marker(&root, path)?;
        let mut log = Self::from_root(root, path, Some(lock))?;
        let io = |action, name: &str, source| LogError::Io {
            path: path.to_path_buf(),
            action,
            name: name.to_string(),
            source,
        };
        remove_stale_temporaries(log.blobs.dir()).map_err(|e| io("clean", BLOBS, e))?;
        remove_stale_temporaries(&log.receipts).map_err(|e| io("clean", RECEIPTS, e))?;
        let seqs = log.receipt_seqs()?;
        let count = seqs.len() as u64;
        if let Some(gap) = (0..count).find(|&i| seqs[i as usize] != i) {
            return Err(LogError::Gap {
                path: path.to_path_buf(),
                seq: gap,
                count,
            });
        }
        if count > 0 {
            let head = log.receipt(count - 1)?;
            if !head.hash_is_valid() {
                return Err(LogError::CorruptHead {
                    path: path.to_path_buf(),
                    seq: count - 1,
                });
            }
            log.head = Some(head.hash);
        }
        log.next = count;
        Ok(log)
    }

    /// Creates the layout in an empty directory (under the lock).
    fn initialize(root: &Dir, path: &Path) -> Result<(), LogError> {
        let io = |action, name: &str, source| LogError::Io {
            path: path.to_path_buf(),
            action,
            name: name.to_string(),
            source,
        };
        let entries = root.entries().map_err(|e| io("list", ".", e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io("list", ".", e))?;
            if entry.file_name() != layout::LOCK {
                return Err(LogError::NotALog {
                    path: path.to_path_buf(),
                });
            }
        }
        for dir in [BLOBS, RECEIPTS] {
            root.create_dir(dir).map_err(|e| io("create", dir, e))?;
        }
        let marker = format!("{{\"format\":\"{LOG_FORMAT}\"}}\n");
        write_then_rename(root, MARKER, marker.as_bytes()).map_err(|e| io("write", MARKER, e))?;
        sync_dir(root).map_err(|e| io("sync", ".", e))
    }

    fn from_root(root: Dir, path: &Path, lock: Option<LockGuard>) -> Result<Self, LogError> {
        let blobs = Blobs::new(open_dir(&root, path, BLOBS)?, path);
        let receipts = open_dir(&root, path, RECEIPTS)?;
        Ok(Self {
            path: path.to_path_buf(),
            blobs,
            receipts,
            lock,
            next: 0,
            head: None,
        })
    }

    /// The log's directory, as it was given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The blob store.
    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    /// Whether this handle holds the lock and may append.
    pub fn is_appender(&self) -> bool {
        self.lock.is_some()
    }

    fn io(&self, action: &'static str, name: String, source: std::io::Error) -> LogError {
        LogError::Io {
            path: self.path.clone(),
            action,
            name,
            source,
        }
    }

    /// Sequence numbers of the receipt files, sorted, plus stray names.
    fn list_receipts(&self) -> Result<(Vec<u64>, Vec<String>), LogError> {
        let mut seqs = Vec::new();
        let mut strays = Vec::new();
        let entries = self
            .receipts
            .entries()
            .map_err(|e| self.io("list", RECEIPTS.into(), e))?;
        for entry in entries {
            let entry = entry.map_err(|e| self.io("list", RECEIPTS.into(), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            match parse_receipt_name(&name) {
                Some(seq) => seqs.push(seq),
                None if name.starts_with(TMP_PREFIX) => {}
                None if parse_signature_name(&name).is_some() => {}
                None => strays.push(name),
            }
        }
        seqs.sort_unstable();
        strays.sort();
        Ok((seqs, strays))
    }

    fn receipt_seqs(&self) -> Result<Vec<u64>, LogError> {
        Ok(self.list_receipts()?.0)
    }

    /// Reads receipt `seq`.
    pub fn receipt(&self, seq: u64) -> Result<Receipt, LogError> {
        let name = receipt_name(seq);
        let bytes = regular::read_regular(&self.receipts, &name, regular::MAX_RECEIPT_BYTES)
            .map_err(|e| self.io("read", format!("{RECEIPTS}/{name}"), e))?;
        serde_json::from_slice(&bytes).map_err(|e| LogError::BadReceipt {
            path: self.path.clone(),
            seq,
            message: e.to_string(),
        })
    }

    /// Reads every receipt file leniently: what verification starts from.
    pub fn scan(&self) -> Result<Scan, LogError> {
        let (seqs, strays) = self.list_receipts()?;
        let mut scan = Scan {
            strays,
            ..Scan::default()
        };
        let mut expected = 0;
        for seq in seqs {
            scan.missing.extend(expected..seq);
            expected = seq + 1;
            let entry = match self.receipt(seq) {
                Ok(r) => Ok(r),
                Err(LogError::BadReceipt { message, .. }) => Err(message),
                Err(e) => Err(e.to_string()),
            };
            scan.entries.push((seq, entry));
        }
        Ok(scan)
    }

    /// Every receipt, in order; fails on a gap or an unreadable receipt.
    pub fn receipts(&self) -> Result<Vec<Receipt>, LogError> {
        let seqs = self.receipt_seqs()?;
        let count = seqs.len() as u64;
        let mut out = Vec::with_capacity(seqs.len());
        for (i, seq) in seqs.into_iter().enumerate() {
            if seq != i as u64 {
                return Err(LogError::Gap {
                    path: self.path.clone(),
                    seq: i as u64,
                    count,
                });
            }
            out.push(self.receipt(seq)?);
        }
        Ok(out)
    }

    /// The number of receipt files.
    pub fn len(&self) -> Result<u64, LogError> {
        Ok(self.receipt_seqs()?.len() as u64)
    }

    /// Whether the log holds no receipt.
    pub fn is_empty(&self) -> Result<bool, LogError> {
        Ok(self.len()? == 0)
    }

    /// The last receipt, if any.
    pub fn head(&self) -> Result<Option<Receipt>, LogError> {
        match self.receipt_seqs()?.last() {
            Some(&seq) => self.receipt(seq).map(Some),
            None => Ok(None),
        }
    }

    /// Finds a receipt by sequence number (`17`), file name (`00000017.json`),
    /// hash, or a unique hash prefix of at least 8 hex digits.
    pub fn find(&self, reference: &str) -> Result<(u64, Receipt), LogError> {
        let unknown = || LogError::UnknownReceipt {
            path: self.path.clone(),
            reference: reference.to_string(),
        };
        let as_seq = parse_receipt_name(reference).or_else(|| {
            (reference.len() < 8 && reference.bytes().all(|b| b.is_ascii_digit()))
                .then(|| reference.parse().ok())
                .flatten()
        });
        if let Some(seq) = as_seq {
            if !self.receipt_seqs()?.contains(&seq) {
                return Err(unknown());
            }
            return Ok((seq, self.receipt(seq)?));
        }
        if reference.len() < 8 || !reference.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let wanted = reference.to_ascii_lowercase();
        let mut found = None;
        for seq in self.receipt_seqs()? {
            let Ok(r) = self.receipt(seq) else { continue };
            if r.hash.starts_with(&wanted) {
                if found.is_some() {
                    return Err(unknown());
                }
                found = Some((seq, r));
            }
        }
        found.ok_or_else(unknown)
    }

    /// Appends a run: stores the blobs its receipt names (component, canonical
    /// epoch, state in and out, outcome, guest log: the bytes `execute` returned
    /// with the receipt), then the receipt, each atomically and durably. The
    /// receipt must record a result (not a non-deterministic error), chain to the
    /// log's last receipt (`previous`), and name exactly these bytes.
    pub fn append(
        &mut self,
        receipt: &Receipt,
        blobs: &RunBlobs<'_>,
    ) -> Result<Appended, LogError> {
        if self.lock.is_none() {
            return Err(LogError::ReadOnly {
                path: self.path.clone(),
            });
        }
        let r = receipt;
        if let Some(e) = &r.error {
            if !e.deterministic() {
                return Err(LogError::NotAResult(e.to_string()));
            }
        }
        if r.previous != self.head {
            return Err(LogError::Unchained {
                expected: self.head.clone(),
                found: r.previous.clone(),
            });
        }
        let computed = r.compute_hash();
        if r.hash != computed {
            return Err(LogError::Mismatch {
                field: "hash",
                expected: r.hash.clone(),
                actual: computed,
            });
        }
        self.store_blobs(r, blobs)?;
        let seq = self.next;
        let name = receipt_name(seq);
        let full = format!("{RECEIPTS}/{name}");
        if self.receipts.symlink_metadata(&name).is_ok() {
            return Err(self.io(
                "create",
                full,
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the receipt exists"),
            ));
        }
        write_then_rename(&self.receipts, &name, r.to_json_pretty().as_bytes())
            .map_err(|e| self.io("write", full.clone(), e))?;
        sync_dir(&self.receipts).map_err(|e| self.io("sync", RECEIPTS.into(), e))?;
        self.next = seq + 1;
        self.head = Some(r.hash.clone());
        Ok(Appended {
            seq,
            hash: r.hash.clone(),
        })
    }

    /// Stores the blobs `r` names, each checked against its name in `r` (a blob the receipt
    /// names but that is missing, or the reverse, is a [`LogError::Mismatch`]), and syncs the
    /// blob directory when one was written.
    fn store_blobs(&self, r: &Receipt, blobs: &RunBlobs<'_>) -> Result<(), LogError> {
        let expect = |field: &'static str, expected: &str, actual: String| {
            if expected == actual {
                Ok(())
            } else {
                Err(LogError::Mismatch {
                    field,
                    expected: expected.to_string(),
                    actual,
                })
            }
        };
        let mut wrote = false;
        let mut put = |field: &'static str, expected: Option<&str>, bytes: Option<Pieces<'_>>| {
            let Some(bytes) = bytes else {
                return match expected {
                    Some(e) => Err(LogError::Mismatch {
                        field,
                        expected: e.to_string(),
                        actual: "nothing".into(),
                    }),
                    None => Ok(()),
                };
            };
            let (name, written) = self.blobs.put(bytes)?;
            wrote |= written;
            match expected {
                Some(e) => expect(field, e, name),
                None => Err(LogError::Mismatch {
                    field,
                    expected: "nothing".into(),
                    actual: name,
                }),
            }
        };
        put(
            "component",
            Some(&r.component),
            Some(blobs.component.into()),
        )?;
        put("epoch", Some(&r.epoch), Some(blobs.epoch.into()))?;
        put("state_in", Some(&r.state_in), Some(blobs.state_in.into()))?;
        put(
            "state_out",
            r.state_out.as_deref(),
            blobs.state_out.map(Pieces::from),
        )?;
        put("outcome", r.outcome.as_deref(), blobs.outcome)?;
        put("log", Some(&r.log), Some(blobs.log.into()))?;
        if wrote {
            sync_dir(self.blobs.dir()).map_err(|e| self.io("sync", BLOBS.into(), e))?;
        }
        Ok(())
    }

    /// Reads and checks the blob a receipt's `field` names.
    pub fn blob(&self, field: &str, name: &str) -> Result<Vec<u8>, LogError> {
        self.blobs.get(field, name)
    }

    /// Another read-only handle on the same log (for worker threads).
    pub fn reader(&self) -> Result<Self, LogError> {
        let clone = |dir: &Dir, name: &str| {
            dir.try_clone()
                .map_err(|e| self.io("open", name.to_string(), e))
        };
        Ok(Self {
            path: self.path.clone(),
            blobs: Blobs::new(clone(self.blobs.dir(), BLOBS)?, &self.path),
            receipts: clone(&self.receipts, RECEIPTS)?,
            lock: None,
            next: 0,
            head: None,
        })
    }
}

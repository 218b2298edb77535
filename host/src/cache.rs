//! The compiled-artifact cache.
//!
//! A cache entry is native code that wasmtime maps and runs without checking
//! it, so the cache must only ever hand back code that *this user* compiled
//! from *this component* for *this engine*:
//!
//! * **Authenticated entries.** Each entry carries a keyed blake3 MAC, under a
//!   per-user secret key (`key` in the cache directory, 32 random bytes created
//!   with mode 0600 on first use), over the entry's own key (component hash,
//!   engine compatibility hash, protocol version, backend) *and* its payload.
//!   An entry compiled from another component and copied under this one's name,
//!   or forged by someone without the key, fails the MAC and is a miss.
//! * **A private directory.** The directory (and the key file) must be owned by
//!   the current user and not writable by group or others; otherwise the cache
//!   is refused ([`CacheOutcome::Untrusted`]) and the component is compiled
//!   without it. There is no shared-temp fallback: without `$IMR_CACHE_DIR`,
//!   `$XDG_CACHE_HOME` or `$HOME` there is no default cache.
//! * **Regular files only.** Entries and the key are opened without following
//!   symlinks and without blocking (a FIFO planted as an entry cannot hang a
//!   run), checked to be regular files of bounded size through the opened handle.
//!
//! Any other problem with an entry (missing, truncated, corrupted, incompatible)
//! is a miss: the component is recompiled and the entry rewritten, never an
//! error. Artifacts are never copied between machines.
//!
//! **Loading a hit without a copy.** An entry is wasmtime's artifact followed by
//! its MAC and the format's magic, so that on Linux the verified file can be
//! mapped in place ([`Component::deserialize_file`]) instead of being copied into
//! fresh anonymous memory, which page-faulted on every page and was about half of
//! a cached load (issue 12). The file is opened once, without following symlinks;
//! the MAC is checked over the bytes read through that handle, and wasmtime maps
//! the same open file (`/proc/self/fd/N`), so an entry renamed over the verified
//! one in between is never the one mapped. imr only ever replaces entries by an
//! atomic rename; a mapped entry rewritten *in place* afterwards would change
//! under the running code, but only the cache's owner can do that, and the owner
//! can read the key and forge entries anyway (the directory's privacy is the
//! boundary). Elsewhere, and if `/proc` is not mounted, the verified bytes are
//! copied as before.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use wasmtime::component::Component;

use crate::engine::{DeterministicEngine, PROTOCOL_VERSION};
use crate::fsutil::write_atomic;

/// Entry format: payload (wasmtime's artifact, mapped in place on a hit), 32-byte MAC, magic.
/// (Version 2 put the magic and the MAC first; such an entry is a miss and is rewritten.)
const MAGIC: &[u8; 8] = b"IMRCWSM3";
/// Bytes after the payload: the MAC and the magic.
const TRAILER: usize = 32 + MAGIC.len();
/// The secret key's file name inside the cache directory.
pub const KEY_FILE: &str = "key";
/// Entries larger than this are not read (compiled components are far smaller).
pub const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// How a component was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Loaded from a valid cache entry.
    Hit,
    /// Compiled, and the entry written.
    Miss,
    /// The entry existed but could not be used (corrupt, forged, not a
    /// regular file, ...); recompiled and rewritten.
    Repaired,
    /// No cache in use: compiled.
    Disabled,
    /// The cache directory or its key is not private to this user (see
    /// [`ArtifactCache::check`]): compiled without the cache.
    Untrusted,
}

/// A directory of compiled artifacts, private to this user and machine.
#[derive(Debug, Clone)]
pub struct ArtifactCache {
    dir: PathBuf,
}

/// Why a cache directory is refused.
#[derive(Debug, thiserror::Error)]
pub enum CacheRefused {
    /// The directory or key file belongs to another user.
    #[error("{path} is owned by uid {owner}, not by the current user (uid {me})")]
    NotOwned {
        /// The path checked.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// The current effective uid.
        me: u32,
    },
    /// The directory is writable by group or others, or the key readable by them.
    #[error("{path} has mode {mode:o}: it must not be accessible to group or others")]
    Permissions {
        /// The path checked.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The path is not a directory (or the key not a regular file).
    #[error("{path} is not a {expected}")]
    WrongKind {
        /// The path checked.
        path: PathBuf,
        /// What it should be.
        expected: &'static str,
    },
    /// The key file is malformed.
    #[error("{path} is not a 32-byte cache key")]
    BadKey {
        /// The key file.
        path: PathBuf,
    },
    /// An I/O error while preparing the directory or the key.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

impl ArtifactCache {
    /// A cache in `dir` (created, mode 0700, on first use).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The default location: `$IMR_CACHE_DIR`, else `$XDG_CACHE_HOME/imr`, else
    /// `~/.cache/imr`; `None` when none of these variables is set (there is no
    /// fallback to a shared temporary directory).
    pub fn default_dir() -> Option<PathBuf> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(d) = var("IMR_CACHE_DIR") {
            return Some(PathBuf::from(d));
        }
        if let Some(d) = var("XDG_CACHE_HOME") {
            return Some(PathBuf::from(d).join("imr"));
        }
        var("HOME").map(|h| PathBuf::from(h).join(".cache").join("imr"))
    }

    /// The cache directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The material an entry's name and MAC are bound to: component hash,
    /// engine compatibility hash, imr's configuration hash, protocol version, backend.
    fn entry_key(engine: &DeterministicEngine, component_hash: &str) -> Vec<u8> {
        let mut key = Vec::with_capacity(160);
        key.extend_from_slice(component_hash.as_bytes());
        key.push(0);
        key.extend_from_slice(engine.compatibility_hash().as_bytes());
        key.push(0);
        // imr's own settings, the stack-limit instrumentation among them: what is cached is
        // the instrumented component.
        // (The run limits are not: they are the store's, and do not change the compiled code.)
        key.extend_from_slice(engine.compile_hash().as_bytes());
        key.push(0);
        key.extend_from_slice(&PROTOCOL_VERSION.to_le_bytes());
        key.extend_from_slice(engine.backend().to_string().as_bytes());
        key
    }

    /// The entry file for this component under this engine.
    pub fn entry_path(&self, engine: &DeterministicEngine, component_hash: &str) -> PathBuf {
        self.path_for(&Self::entry_key(engine, component_hash))
    }

    /// The entry file named by this key material.
    fn path_for(&self, entry_key: &[u8]) -> PathBuf {
        let name = blake3::hash(entry_key);
        self.dir.join(format!("{}.cwasm", name.to_hex()))
    }

    /// Checks that the directory is private to the current user (creating it,
    /// mode 0700, when missing) and returns the secret MAC key (creating it,
    /// mode 0600, on first use).
    pub fn check(&self) -> Result<[u8; 32], CacheRefused> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CacheRefused::Io { path, source }
        };
        if !self.dir.exists() {
            create_private_dir(&self.dir).map_err(io(&self.dir))?;
        }
        let meta = fs::symlink_metadata(&self.dir).map_err(io(&self.dir))?;
        if !meta.is_dir() {
            return Err(CacheRefused::WrongKind {
                path: self.dir.clone(),
                expected: "directory",
            });
        }
        check_private(&self.dir, &meta, 0o022)?;
        let key_path = self.dir.join(KEY_FILE);
        match read_regular(&key_path, 64) {
            Ok((bytes, meta)) => {
                check_private(&key_path, &meta, 0o077)?;
                bytes
                    .try_into()
                    .map_err(|_| CacheRefused::BadKey { path: key_path })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                getrandom::fill(&mut key)
                    .map_err(|e| io(&key_path)(std::io::Error::other(e.to_string())))?;
                create_key_file(&key_path, &key).map_err(io(&key_path))?;
                // Another process may have won the race: use whatever key is on disk.
                let (bytes, meta) = read_regular(&key_path, 64).map_err(io(&key_path))?;
                check_private(&key_path, &meta, 0o077)?;
                bytes
                    .try_into()
                    .map_err(|_| CacheRefused::BadKey { path: key_path })
            }
            Err(e) => Err(io(&key_path)(e)),
        }
    }

    /// Loads the compiled component, compiling (and caching) it on a miss. A
    /// cache directory that is not private to this user is not used
    /// ([`CacheOutcome::Untrusted`]).
    pub fn load_or_compile(
        &self,
        engine: &DeterministicEngine,
        component_hash: &str,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        match self.lookup(engine, component_hash) {
            Lookup::Hit(component) => Ok((component, CacheOutcome::Hit)),
            miss => miss.compile(engine, wasm),
        }
    }

    /// Looks the component up without compiling anything: a [`Lookup::Hit`] is the compiled
    /// component of a valid entry; anything else compiles the bytes with [`Lookup::compile`].
    ///
    /// A hit needs only the original component's hash: the entry's key also holds the engine's
    /// compatibility hash and every compile-relevant setting (the stack-limit instrumentation and
    /// the compile limits among them, [`DeterministicEngine::compile_hash`]), and its MAC proves
    /// that this user's imr wrote it after the component passed those checks. So a caller can
    /// leave the checks and the instrumentation of the bytes to a miss.
    pub fn lookup(&self, engine: &DeterministicEngine, component_hash: &str) -> Lookup {
        let Ok(secret) = self.check() else {
            return Lookup::Untrusted;
        };
        let entry_key = Self::entry_key(engine, component_hash);
        let path = self.path_for(&entry_key);
        let existed = fs::symlink_metadata(&path).is_ok();
        if existed {
            if let Some(c) = try_load(engine, &path, &secret, &entry_key) {
                return Lookup::Hit(c);
            }
        }
        Lookup::Miss(Entry {
            path,
            secret,
            entry_key,
            existed,
        })
    }
}

/// What [`ArtifactCache::lookup`] found.
pub enum Lookup {
    /// A valid entry: the compiled component.
    Hit(Component),
    /// No valid entry: [`Lookup::compile`] compiles and writes it.
    Miss(Entry),
    /// The cache directory or its key is not private to this user: compile without it.
    Untrusted,
}

/// The entry a [`Lookup::Miss`] will write.
pub struct Entry {
    path: PathBuf,
    secret: [u8; 32],
    entry_key: Vec<u8>,
    existed: bool,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("Entry")
            .field("path", &self.path)
            .field("existed", &self.existed)
            .finish_non_exhaustive()
    }
}

impl Lookup {
    /// The compiled component: a hit as it is; otherwise `wasm` compiled, and on a miss
    /// written to the cache (a cache that cannot be written is not an error).
    pub fn compile(
        self,
        engine: &DeterministicEngine,
        wasm: &[u8],
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let entry = match self {
            Lookup::Hit(component) => return Ok((component, CacheOutcome::Hit)),
            Lookup::Untrusted => {
                let component = Component::new(engine.wasmtime(), wasm)?;
                return Ok((component, CacheOutcome::Untrusted));
            }
            Lookup::Miss(entry) => entry,
        };
        let compiled = engine.wasmtime().precompile_component(wasm)?;
        let mut file = Vec::with_capacity(compiled.len() + TRAILER);
        file.extend_from_slice(&compiled);
        file.extend_from_slice(mac(&entry.secret, &entry.entry_key, &compiled).as_bytes());
        file.extend_from_slice(MAGIC);
        // A cache that cannot be written is not an error: the run goes on. A
        // planted non-file under the entry's name is replaced by the rename.
        let _ = write_atomic(&entry.path, &file);
        // SAFETY: `compiled` was produced just now by this engine.
        let component = unsafe { Component::deserialize(engine.wasmtime(), &compiled)? };
        Ok((
            component,
            if entry.existed {
                CacheOutcome::Repaired
            } else {
                CacheOutcome::Miss
            },
        ))
    }
}

/// The keyed MAC of an entry: its own key material, then its payload.
fn mac(secret: &[u8; 32], entry_key: &[u8], payload: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new_keyed(secret);
    h.update(&(entry_key.len() as u64).to_le_bytes());
    h.update(entry_key);
    crate::hashing::update(&mut h, payload);
    h.finalize()
}

fn try_load(
    engine: &DeterministicEngine,
    path: &Path,
    secret: &[u8; 32],
    entry_key: &[u8],
) -> Option<Component> {
    let (file, bytes, _) = read_regular_file(path, MAX_ENTRY_BYTES).ok()?;
    let payload = verified_payload(&bytes, secret, entry_key)?;
    // SAFETY: the MAC proves this user's imr wrote this payload for exactly this
    // component, engine compatibility hash, protocol version and backend, in a
    // directory only this user can write; wasmtime also checks compatibility.
    unsafe { deserialize_verified(engine, &file, payload) }
}

/// The component of a verified entry: `file` mapped in place where possible, else
/// `payload` (the artifact read from `file`) copied.
///
/// # Safety
/// `payload` must be a verified artifact, read from `file`, followed in it by the trailer only.
unsafe fn deserialize_verified(
    engine: &DeterministicEngine,
    file: &fs::File,
    payload: &[u8],
) -> Option<Component> {
    #[cfg(target_os = "linux")]
    {
        // The open file that was verified, not the path again (see the module docs).
        // wasmtime's ELF parser ignores the trailer after the artifact.
        use std::os::fd::AsRawFd;
        let verified = format!("/proc/self/fd/{}", file.as_raw_fd());
        // SAFETY: the caller's.
        if let Ok(component) = unsafe { Component::deserialize_file(engine.wasmtime(), verified) } {
            return Some(component);
        }
    }
    let _ = file;
    // SAFETY: the caller's.
    unsafe { Component::deserialize(engine.wasmtime(), payload).ok() }
}

/// The artifact of an entry whose magic and MAC are right.
fn verified_payload<'a>(bytes: &'a [u8], secret: &[u8; 32], entry_key: &[u8]) -> Option<&'a [u8]> {
    let (payload, trailer) = bytes.split_at_checked(bytes.len().checked_sub(TRAILER)?)?;
    let (sum, magic) = trailer.split_at(32);
    if magic != MAGIC {
        return None;
    }
    // `blake3::Hash` compares in constant time.
    (mac(secret, entry_key, payload) == blake3::Hash::from_bytes(sum.try_into().ok()?))
        .then_some(payload)
}

/// Reads `path` if it is a regular file of at most `max` bytes, opening it
/// without following symlinks and without blocking (FIFOs, devices).
fn read_regular(path: &Path, max: u64) -> std::io::Result<(Vec<u8>, fs::Metadata)> {
    read_regular_file(path, max).map(|(_, bytes, meta)| (bytes, meta))
}

/// [`read_regular`], keeping the open file.
fn read_regular_file(path: &Path, max: u64) -> std::io::Result<(fs::File, Vec<u8>, fs::Metadata)> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32 | nonblock());
    }
    let mut file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > max {
        return Err(std::io::Error::other("too large"));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    (&mut file).take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other("too large"));
    }
    Ok((file, bytes, meta))
}

#[cfg(unix)]
fn nonblock() -> i32 {
    rustix::fs::OFlags::NONBLOCK.bits() as i32
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &fs::Metadata, forbidden: u32) -> Result<(), CacheRefused> {
    use std::os::unix::fs::MetadataExt;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(CacheRefused::NotOwned {
            path: path.to_path_buf(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.mode() & 0o7777;
    if mode & forbidden != 0 {
        return Err(CacheRefused::Permissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &fs::Metadata, _: u32) -> Result<(), CacheRefused> {
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn create_key_file(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(key)?;
            f.sync_all()
        }
        // Created by a concurrent process: the caller reads that one.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component whose only export is a function named `name`, compiled for `engine`.
    fn artifact(engine: &DeterministicEngine, name: &str) -> Vec<u8> {
        let wat = format!(
            r#"(component
                (core module $m (func (export "f")))
                (core instance $i (instantiate $m))
                (func (export "{name}") (canon lift (core func $i "f"))))"#
        );
        let wasm = wat::parse_str(wat).unwrap();
        engine.wasmtime().precompile_component(&wasm).unwrap()
    }

    fn exports(engine: &DeterministicEngine, c: &Component) -> Vec<String> {
        crate::mechanism::component_exports(engine, c)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    /// What is loaded is the file that was verified, even when another entry was renamed
    /// over its path after it was opened (as a concurrent repair or an attacker would).
    #[test]
    fn the_verified_open_file_is_loaded_not_the_path() {
        let engine = DeterministicEngine::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("entry.cwasm");
        let with_trailer = |artifact: &[u8]| {
            let mut entry = artifact.to_vec();
            entry.extend_from_slice(&[0u8; 32]);
            entry.extend_from_slice(MAGIC);
            entry
        };
        let verified = artifact(&engine, "verified");
        fs::write(&path, with_trailer(&verified)).unwrap();
        let (file, bytes, _) = read_regular_file(&path, MAX_ENTRY_BYTES).unwrap();
        let other = dir.path().join("other.cwasm");
        fs::write(&other, with_trailer(&artifact(&engine, "swapped"))).unwrap();
        fs::rename(&other, &path).unwrap();
        let payload = &bytes[..bytes.len() - TRAILER];
        assert_eq!(payload, verified.as_slice());
        // SAFETY: compiled just now by this engine.
        let loaded = unsafe { deserialize_verified(&engine, &file, payload) }.unwrap();
        assert_eq!(exports(&engine, &loaded), ["verified"]);
    }

    /// On Linux a hit maps the entry file instead of copying it (the copy page-faulted on every
    /// page and was about half of a cached load): the loaded image lies in a mapping of the entry.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_hit_maps_the_entry_in_place() {
        let engine = DeterministicEngine::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(dir.path());
        let wasm = wat::parse_str(
            r#"(component
                (core module $m (func (export "f")))
                (core instance $i (instantiate $m))
                (func (export "g") (canon lift (core func $i "f"))))"#,
        )
        .unwrap();
        let Lookup::Miss(entry) = cache.lookup(&engine, "mapped") else {
            panic!("an empty cache is a miss");
        };
        let (_, outcome) = Lookup::Miss(entry).compile(&engine, &wasm).unwrap();
        assert_eq!(outcome, CacheOutcome::Miss);
        let Lookup::Hit(component) = cache.lookup(&engine, "mapped") else {
            panic!("the entry just written is a hit");
        };
        let start = component.image_range().start as usize;
        let entry = fs::canonicalize(cache.entry_path(&engine, "mapped")).unwrap();
        let maps = fs::read_to_string("/proc/self/maps").unwrap();
        let mapping = maps
            .lines()
            .find(|line| {
                let range = line.split(' ').next().unwrap();
                let (lo, hi) = range.split_once('-').unwrap();
                let lo = usize::from_str_radix(lo, 16).unwrap();
                let hi = usize::from_str_radix(hi, 16).unwrap();
                (lo..hi).contains(&start)
            })
            .expect("the image is mapped");
        assert!(
            mapping.ends_with(entry.to_str().unwrap()),
            "the image is not a mapping of {}: {mapping}",
            entry.display()
        );
    }
}

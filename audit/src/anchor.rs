//! The on-chain anchor of a run log's head, and the completeness check against it.
//!
//! A validator commits to its run log by publishing, with subtensor's `commitments` pallet, one
//! `Raw` field carrying the head receipt's hash and the receipt count, under the subnet's netuid.
//! Layout (followed from opentensor/subtensor `pallets/commitments/src/{lib,types}.rs` and
//! `runtime/src/lib.rs`, commit 14bc6f9f):
//!
//! - call: `Commitments` is pallet index 18 in the subtensor runtime, `set_commitment` is
//!   `call_index(0)`, arguments `(netuid: NetUid, info: Box<CommitmentInfo<MaxFields>>)`;
//!   `NetUid` is a `u16` newtype (little-endian), the box encodes as its content;
//! - `CommitmentInfo { fields: BoundedVec<Data, MaxFields> }`: compact length, then the fields;
//!   `MaxFields` is 3 in the runtime;
//! - `Data::Raw(bytes)` (at most 128 bytes) encodes as one byte `len + 1` then the bytes; the
//!   other variants (`None` = 0, hashes 130..=133, `TimelockEncrypted` 134, `ResetBondsFlag` 135,
//!   `BigRaw` 136) are recognised when decoding but never produced.
//!
//! imr's field is `Raw(b"imr1" ++ head hash (32 bytes) ++ count (u64 little-endian))`: 44 bytes,
//! within `Raw`'s 128-byte limit. Receipts are numbered by their `seq` (0-based), so an anchor with
//! count `n` commits to receipts `0..n` and its head is receipt `n - 1`.

use parity_scale_codec::{Compact, Decode, Encode};
use serde::Serialize;
use thiserror::Error;

/// Index of the `Commitments` pallet in subtensor's `construct_runtime!`.
pub const COMMITMENTS_PALLET_INDEX: u8 = 18;
/// `call_index` of `set_commitment` in the commitments pallet.
pub const SET_COMMITMENT_CALL_INDEX: u8 = 0;
/// The runtime's `MaxCommitFields`.
pub const MAX_FIELDS: usize = 3;
/// The largest `Data::Raw` payload.
pub const RAW_MAX_BYTES: usize = 128;
/// Tag opening imr's commitment field (format version 1).
pub const TAG: &[u8; 4] = b"imr1";
/// Length of imr's field payload: tag, head hash, count.
pub const PAYLOAD_BYTES: usize = 4 + 32 + 8;

/// What a validator commits to on chain: its log's head receipt hash, receipt count and netuid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Anchor {
    /// The subnet the log belongs to (the call's `netuid` argument).
    pub netuid: u16,
    /// Hash of the log's last receipt (receipt `count - 1`).
    pub head: [u8; 32],
    /// Number of receipts in the log.
    pub count: u64,
}

/// The JSON form of an anchor, with the call data it encodes to.
#[derive(Debug, Clone, Serialize)]
pub struct AnchorJson {
    /// Pallet name in the runtime metadata.
    pub pallet: &'static str,
    /// Call name.
    pub call: &'static str,
    /// The subnet.
    pub netuid: u16,
    /// Head receipt hash, lower-case hex.
    pub head: String,
    /// Receipt count.
    pub count: u64,
    /// The `Raw` field's payload, hex (what `Commitments.CommitmentOf` will hold).
    pub field_raw: String,
    /// The call's arguments, SCALE, hex (for `compose_call`-style clients).
    pub args_scale: String,
    /// The whole call (pallet index, call index, arguments), SCALE, hex.
    pub call_scale: String,
}

/// An anchor as an auditor gives it: `HASH` or `HASH:COUNT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnchorRef {
    /// The anchored head receipt hash.
    pub head: [u8; 32],
    /// The anchored receipt count, when known.
    pub count: Option<u64>,
}

/// Why call data is not an imr anchor, or why a log does not match its anchor.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AnchorError {
    /// The bytes are not a well-formed `set_commitment` call.
    #[error("not a set_commitment call: {0}")]
    Malformed(String),
    /// The call is well formed but carries no imr field.
    #[error("the commitment has no imr field (a Raw field of {PAYLOAD_BYTES} bytes opening with \"imr1\")")]
    NoImrField,
    /// `HASH[:COUNT]` could not be parsed.
    #[error("bad anchor {given:?}: {reason}")]
    BadRef {
        /// What was given.
        given: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The log ends before the anchored head.
    #[error("log truncated: it has {have} receipts but the anchor commits to {anchored}; the first missing receipt is {first_missing}")]
    Truncated {
        /// Receipts in the log.
        have: u64,
        /// Receipts the anchor commits to.
        anchored: u64,
        /// The first receipt (seq) the log lacks.
        first_missing: u64,
    },
    /// The receipt at the anchored position has another hash.
    #[error("receipt {seq} has hash {found}, but the anchored head is {anchored}")]
    HeadMismatch {
        /// The receipt at the anchored head's position.
        seq: u64,
        /// Its hash.
        found: String,
        /// The anchored hash.
        anchored: String,
    },
    /// No count was given and no receipt of the log has the anchored hash.
    #[error("no receipt of the log's {have} has the anchored head {anchored}: the log ends before it or diverges; the first missing receipt is at least {have}")]
    HeadNotFound {
        /// Receipts in the log.
        have: u64,
        /// The anchored hash.
        anchored: String,
    },
}

impl Anchor {
    /// The payload of imr's `Raw` field: `b"imr1"`, the head hash, the count (u64 LE).
    pub fn field_payload(&self) -> [u8; PAYLOAD_BYTES] {
        let mut p = [0u8; PAYLOAD_BYTES];
        p[..4].copy_from_slice(TAG);
        p[4..36].copy_from_slice(&self.head);
        p[36..].copy_from_slice(&self.count.to_le_bytes());
        p
    }

    /// SCALE of `CommitmentInfo { fields: [Data::Raw(payload)] }`.
    pub fn commitment_info_scale(&self) -> Vec<u8> {
        let mut out = Compact(1u32).encode();
        out.push(PAYLOAD_BYTES as u8 + 1);
        out.extend_from_slice(&self.field_payload());
        out
    }

    /// SCALE of `set_commitment`'s arguments `(netuid, info)`.
    pub fn args_scale(&self) -> Vec<u8> {
        let mut out = self.netuid.encode();
        out.extend(self.commitment_info_scale());
        out
    }

    /// SCALE of the whole call: pallet index, call index, arguments.
    pub fn call_scale(&self) -> Vec<u8> {
        let mut out = vec![COMMITMENTS_PALLET_INDEX, SET_COMMITMENT_CALL_INDEX];
        out.extend(self.args_scale());
        out
    }

    /// The JSON form.
    pub fn to_json(&self) -> AnchorJson {
        AnchorJson {
            pallet: "Commitments",
            call: "set_commitment",
            netuid: self.netuid,
            head: hex::encode(self.head),
            count: self.count,
            field_raw: hex::encode(self.field_payload()),
            args_scale: hex::encode(self.args_scale()),
            call_scale: hex::encode(self.call_scale()),
        }
    }

    /// Decode a whole `set_commitment` call (as [`Anchor::call_scale`] writes it, or as any client
    /// would for a commitment with up to [`MAX_FIELDS`] fields), reading `Data` as the pallet does,
    /// and return the imr field's anchor.
    pub fn decode_call(bytes: &[u8]) -> Result<Anchor, AnchorError> {
        let bad = |m: &str| AnchorError::Malformed(m.to_string());
        let mut input = bytes;
        let idx = <[u8; 2]>::decode(&mut input).map_err(|_| bad("shorter than the call index"))?;
        if idx != [COMMITMENTS_PALLET_INDEX, SET_COMMITMENT_CALL_INDEX] {
            return Err(AnchorError::Malformed(format!(
                "call index {}/{} is not Commitments.set_commitment ({COMMITMENTS_PALLET_INDEX}/{SET_COMMITMENT_CALL_INDEX})",
                idx[0], idx[1]
            )));
        }
        let netuid = u16::decode(&mut input).map_err(|_| bad("no netuid"))?;
        let n = <Compact<u32>>::decode(&mut input)
            .map_err(|_| bad("no field count"))?
            .0 as usize;
        if n > MAX_FIELDS {
            return Err(AnchorError::Malformed(format!(
                "{n} fields, the runtime allows {MAX_FIELDS}"
            )));
        }
        let mut found = None;
        for _ in 0..n {
            let field = read_data(&mut input)?;
            if let Some(raw) = field {
                if raw.len() == PAYLOAD_BYTES && raw.starts_with(TAG) && found.is_none() {
                    let mut head = [0u8; 32];
                    head.copy_from_slice(&raw[4..36]);
                    let mut count = [0u8; 8];
                    count.copy_from_slice(&raw[36..]);
                    found = Some(Anchor {
                        netuid,
                        head,
                        count: u64::from_le_bytes(count),
                    });
                }
            }
        }
        if !input.is_empty() {
            return Err(AnchorError::Malformed(format!(
                "{} trailing bytes",
                input.len()
            )));
        }
        found.ok_or(AnchorError::NoImrField)
    }
}

/// Read one `Data` as the pallet decodes it; `Some(bytes)` for a `Raw` field.
fn read_data(input: &mut &[u8]) -> Result<Option<Vec<u8>>, AnchorError> {
    let bad = |m: String| AnchorError::Malformed(m);
    let take = |input: &mut &[u8], n: usize| -> Result<Vec<u8>, AnchorError> {
        if input.len() < n {
            return Err(AnchorError::Malformed(format!(
                "a field needs {n} bytes, {} left",
                input.len()
            )));
        }
        let (head, rest) = input.split_at(n);
        *input = rest;
        Ok(head.to_vec())
    };
    let b = take(input, 1)?[0];
    match b {
        0 | 135 => Ok(None),
        1..=129 => Ok(Some(take(input, usize::from(b) - 1)?)),
        130..=133 => take(input, 32).map(|_| None),
        134 => {
            let len = <Compact<u32>>::decode(input)
                .map_err(|_| bad("timelocked field without length".into()))?
                .0 as usize;
            take(input, len)?;
            u64::decode(input).map_err(|_| bad("timelocked field without reveal round".into()))?;
            Ok(None)
        }
        136 => {
            let len = <Compact<u32>>::decode(input)
                .map_err(|_| bad("BigRaw field without length".into()))?
                .0 as usize;
            take(input, len).map(|_| None)
        }
        other => Err(bad(format!("invalid Data leading byte {other}"))),
    }
}

impl std::str::FromStr for AnchorRef {
    type Err = AnchorError;

    /// Parse `HASH` or `HASH:COUNT` (HASH: 64 hex digits, COUNT: a positive integer).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| AnchorError::BadRef {
            given: s.to_string(),
            reason: reason.to_string(),
        };
        let (hash, count) = match s.split_once(':') {
            Some((h, c)) => (h, Some(c)),
            None => (s, None),
        };
        let bytes = hex::decode(hash).map_err(|_| bad("the hash is not hex"))?;
        let head: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("the hash is not 32 bytes (64 hex digits)"))?;
        let count = match count {
            None => None,
            Some(c) => match c.parse::<u64>() {
                Ok(0) => {
                    return Err(bad(
                        "the count is 0: an anchor commits to at least one receipt",
                    ))
                }
                Ok(n) => Some(n),
                Err(_) => return Err(bad("the count is not a non-negative integer")),
            },
        };
        Ok(AnchorRef { head, count })
    }
}

/// Check a log's receipt hashes (in `seq` order, receipt 0 first) against an anchor: the log must
/// contain the anchored head at the anchored position (a log may have grown past its anchor).
/// With a count, a log shorter than the count is reported with its first missing receipt; without
/// one, the head must be some receipt of the log.
pub fn check(hashes: &[[u8; 32]], anchor: &AnchorRef) -> Result<(), AnchorError> {
    let have = hashes.len() as u64;
    match anchor.count {
        Some(count) => {
            if have < count {
                return Err(AnchorError::Truncated {
                    have,
                    anchored: count,
                    first_missing: have,
                });
            }
            let seq = count - 1;
            let found = hashes[seq as usize];
            if found != anchor.head {
                return Err(AnchorError::HeadMismatch {
                    seq,
                    found: hex::encode(found),
                    anchored: hex::encode(anchor.head),
                });
            }
            Ok(())
        }
        None => {
            if hashes.contains(&anchor.head) {
                Ok(())
            } else {
                Err(AnchorError::HeadNotFound {
                    have,
                    anchored: hex::encode(anchor.head),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor() -> Anchor {
        let mut head = [0u8; 32];
        for (i, b) in head.iter_mut().enumerate() {
            *b = i as u8;
        }
        Anchor {
            netuid: 0x0102,
            head,
            count: 0x0304,
        }
    }

    /// Expected bytes derived by hand from the pallet's types (module docs).
    #[test]
    fn call_bytes_are_the_hand_derived_ones() {
        let mut expected = vec![
            18, 0, // Commitments pallet 18, set_commitment call 0
            0x02, 0x01, // netuid 0x0102, u16 LE
            0x04, // compact(1): one field
            45,   // Data::Raw of 44 bytes: leading byte 44 + 1
            b'i', b'm', b'r', b'1',
        ];
        expected.extend(0u8..32); // head
        expected.extend([0x04, 0x03, 0, 0, 0, 0, 0, 0]); // count 0x0304, u64 LE
        assert_eq!(anchor().call_scale(), expected);
        assert_eq!(anchor().args_scale(), expected[2..]);
        assert_eq!(expected.len(), 2 + 2 + 1 + 1 + 44);
        const { assert!(PAYLOAD_BYTES <= RAW_MAX_BYTES) };
    }

    #[test]
    fn decode_round_trip_and_other_fields() {
        let a = anchor();
        assert_eq!(Anchor::decode_call(&a.call_scale()), Ok(a));
        // Same anchor behind a None, a BlakeTwo256 and before nothing else: still found.
        let mut bytes = vec![18, 0, 0x02, 0x01, 0x0c, 0, 130];
        bytes.extend([7u8; 32]);
        bytes.extend(&a.commitment_info_scale()[1..]);
        assert_eq!(Anchor::decode_call(&bytes), Ok(a));
    }

    #[test]
    fn decode_rejects_what_the_pallet_rejects() {
        let a = anchor();
        let mut wrong_pallet = a.call_scale();
        wrong_pallet[0] = 7;
        assert!(matches!(
            Anchor::decode_call(&wrong_pallet),
            Err(AnchorError::Malformed(_))
        ));
        let mut too_many = a.call_scale();
        too_many[4] = 0x10; // compact(4) > MaxFields
        assert!(matches!(
            Anchor::decode_call(&too_many),
            Err(AnchorError::Malformed(_))
        ));
        let mut bad_lead = a.call_scale();
        bad_lead[5] = 200;
        assert!(matches!(
            Anchor::decode_call(&bad_lead),
            Err(AnchorError::Malformed(_))
        ));
        let short = &a.call_scale()[..20];
        assert!(matches!(
            Anchor::decode_call(short),
            Err(AnchorError::Malformed(_))
        ));
        let mut trailing = a.call_scale();
        trailing.push(0);
        assert!(matches!(
            Anchor::decode_call(&trailing),
            Err(AnchorError::Malformed(_))
        ));
        let not_ours = [18, 0, 1, 0, 0x04, 4, b'a', b'b', b'c'];
        assert_eq!(Anchor::decode_call(&not_ours), Err(AnchorError::NoImrField));
    }

    fn log(n: u8) -> Vec<[u8; 32]> {
        (0..n).map(|i| [i + 1; 32]).collect()
    }

    #[test]
    fn complete_log_passes_and_truncated_log_names_first_missing() {
        let l = log(5);
        let full = AnchorRef {
            head: l[4],
            count: Some(5),
        };
        assert_eq!(check(&l, &full), Ok(()));
        assert_eq!(
            check(&l[..4], &full),
            Err(AnchorError::Truncated {
                have: 4,
                anchored: 5,
                first_missing: 4
            })
        );
        // A log grown past its anchor still contains it.
        let older = AnchorRef {
            head: l[2],
            count: Some(3),
        };
        assert_eq!(check(&l, &older), Ok(()));
        // The head at the anchored position differs.
        let other = AnchorRef {
            head: [9; 32],
            count: Some(5),
        };
        assert!(matches!(
            check(&l, &other),
            Err(AnchorError::HeadMismatch { seq: 4, .. })
        ));
        // Without a count.
        assert_eq!(
            check(
                &l,
                &AnchorRef {
                    head: l[4],
                    count: None
                }
            ),
            Ok(())
        );
        assert!(matches!(
            check(
                &l[..4],
                &AnchorRef {
                    head: l[4],
                    count: None
                }
            ),
            Err(AnchorError::HeadNotFound { have: 4, .. })
        ));
    }

    #[test]
    fn anchor_ref_parsing() {
        let h = "ab".repeat(32);
        let r: AnchorRef = format!("{h}:12").parse().unwrap();
        assert_eq!(
            r,
            AnchorRef {
                head: [0xab; 32],
                count: Some(12)
            }
        );
        assert_eq!(h.parse::<AnchorRef>().unwrap().count, None);
        for bad in [
            "xyz",
            "abab",
            &format!("{h}:"),
            &format!("{h}:0"),
            &format!("{h}:-1"),
        ] {
            assert!(
                matches!(bad.parse::<AnchorRef>(), Err(AnchorError::BadRef { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn json_carries_the_same_bytes() {
        let j = serde_json::to_value(anchor().to_json()).unwrap();
        assert_eq!(j["call_scale"], hex::encode(anchor().call_scale()));
        assert_eq!(j["count"], 0x0304);
        assert_eq!(j["netuid"], 0x0102);
    }
}

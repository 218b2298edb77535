//! The on-disk layout of a run log, and the names allowed in it.
//!
//! ```text
//! LOG/
//!   imr-log.json          format marker: {"format":"imr-run-log/1"}
//!   lock                  held (flock) by the one process appending
//!   blobs/<blake3 hex>    content-addressed blobs: components, canonical epochs,
//!                         states, outcomes (scores, state, diagnostics), guest logs
//!   receipts/<n>.json     receipt n (8 decimal digits), chained to receipt n-1
//!   receipts/<n>.sig.json optional: the validator's signature of receipt n's hash
//! ```
//!
//! Every name used inside the log is built here from a sequence number or
//! checked to be a blake3 hex digest, so a crafted receipt cannot name a path.

/// The format marker file.
pub const MARKER: &str = "imr-log.json";
/// The format tag of this layout.
pub const LOG_FORMAT: &str = "imr-run-log/1";
/// The lock file.
pub const LOCK: &str = "lock";
/// The blob directory.
pub const BLOBS: &str = "blobs";
/// The receipt directory.
pub const RECEIPTS: &str = "receipts";
/// The prefix of temporary files (ignored by readers, removed by the next appender).
pub const TMP_PREFIX: &str = ".tmp-";

/// The run log a receipt file sits in (`LOG/receipts/<n>.json` with the
/// marker in `LOG`), if it is in one.
pub fn enclosing_log(file: &std::path::Path) -> Option<std::path::PathBuf> {
    let dir = file.parent()?;
    if dir.file_name()? != RECEIPTS {
        return None;
    }
    let log = dir.parent()?;
    let log = if log.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        log
    };
    log.join(MARKER).is_file().then(|| log.to_path_buf())
}

/// The file name of receipt `seq`.
pub fn receipt_name(seq: u64) -> String {
    format!("{seq:08}.json")
}

/// The sequence number a receipt file name stands for, if it is one.
pub fn parse_receipt_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seq: u64 = digits.parse().ok()?;
    (receipt_name(seq) == name).then_some(seq)
}

/// The file name of receipt `seq`'s signature (see `imr_signing::signature_file_name`).
pub fn signature_name(seq: u64) -> String {
    imr_signing::signature_file_name(seq)
}

/// The sequence number a signature file name stands for, if it is one.
pub fn parse_signature_name(name: &str) -> Option<u64> {
    let seq = parse_receipt_name(&format!("{}.json", name.strip_suffix(".sig.json")?))?;
    (signature_name(seq) == name).then_some(seq)
}

/// Whether `name` is a blob name: exactly 64 lower-case hex digits (a blake3
/// digest). Anything else (a path, `..`, an absolute path) is refused.
pub fn is_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_names_round_trip_and_refuse_others() {
        assert_eq!(receipt_name(7), "00000007.json");
        assert_eq!(parse_receipt_name("00000007.json"), Some(7));
        assert_eq!(parse_receipt_name("123456789.json"), Some(123_456_789));
        for bad in [
            "7.json",
            "0000007.json",
            "00000007.json.tmp",
            "../00000007.json",
            "+0000007.json",
        ] {
            assert_eq!(parse_receipt_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn signature_names_pair_with_receipt_names() {
        assert_eq!(signature_name(7), "00000007.sig.json");
        assert_eq!(parse_signature_name("00000007.sig.json"), Some(7));
        for bad in [
            "7.sig.json",
            "00000007.json",
            "00000007.sig.json.x",
            "x.sig.json",
        ] {
            assert_eq!(parse_signature_name(bad), None, "{bad}");
        }
        assert_eq!(parse_receipt_name("00000007.sig.json"), None);
    }

    #[test]
    fn blob_names_are_digests_only() {
        assert!(is_blob_name(&"ab".repeat(32)));
        for bad in [
            "/etc/passwd".to_string(),
            format!("../{}", "a".repeat(61)),
            "A".repeat(64),
            "a".repeat(63),
            "a".repeat(65),
            String::new(),
        ] {
            assert!(!is_blob_name(&bad), "{bad}");
        }
    }
}

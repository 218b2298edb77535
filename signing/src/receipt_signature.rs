//! The signature of one receipt, stored as its own file `receipts/<seq>.sig.json` beside
//! the receipt.
//!
//! Why a separate file rather than a field in the receipt: a receipt's hash is computed over
//! its canonical content and the next receipt chains to it, and anchors (issue 17 item 2)
//! commit to those hashes. A signature inside the receipt would either have to be excluded
//! from the hashed content (two notions of "the receipt", easy to get wrong in every reader)
//! or change the hash and the chain of every signed log. As a separate record over the
//! receipt hash, signing leaves receipts, hashes, anchors and old readers unchanged, unsigned
//! logs stay valid as they are, and a log can be signed after the fact (or re-signed by a
//! second key) without rewriting it. The record repeats the receipt hash it signs, so a
//! record copied next to another receipt is reported as such ([`SignatureError::WrongReceipt`])
//! rather than as a bare bad signature.
//!
//! The signed message is the receipt hash's 32 raw bytes under the sr25519 signing context
//! `b"substrate"`, what `sp_core::sr25519::Pair::sign` and bittensor's `Keypair.sign` use.

use schnorrkel::{PublicKey, Signature};
use serde::{Deserialize, Serialize};

use crate::keys::HotkeySigner;
use crate::ss58::ss58_decode;

/// The only signature scheme: sr25519 (schnorrkel).
pub const SIGNATURE_SCHEME: &str = "sr25519";
/// Substrate's sr25519 signing context.
pub const SIGNING_CONTEXT: &[u8] = b"substrate";
/// [`SIGNING_CONTEXT`] as stored in a record.
pub const SIGNING_CONTEXT_NAME: &str = "substrate";

/// One receipt's signature, serialized as `receipts/<seq>.sig.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureRecord {
    /// Always `"sr25519"`.
    pub scheme: String,
    /// Always `"substrate"` (the signing context).
    pub context: String,
    /// The signer's ss58 address.
    pub signer: String,
    /// The signed receipt hash (64 lowercase hex characters).
    pub receipt_hash: String,
    /// The 64-byte signature (128 lowercase hex characters).
    pub signature: String,
}

impl SignatureRecord {
    /// Parse a record from its JSON file contents.
    pub fn from_json(data: &[u8]) -> Result<Self, SignatureError> {
        serde_json::from_slice(data)
            .map_err(|e| SignatureError::Malformed(format!("not a signature record: {e}")))
    }

    /// The record as pretty JSON (what is written to the `.sig.json` file).
    pub fn to_json(&self) -> String {
        // Serializing a struct of strings cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Why a receipt's signature does not verify. Each case is distinct so a report can say what
/// happened to which receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The record names (and is validly signed by) another key than the expected one.
    #[error("signed by {found}, expected {expected}")]
    WrongSigner {
        /// The expected ss58 address.
        expected: String,
        /// The record's signer.
        found: String,
    },
    /// The signature does not verify for the record's signer and receipt hash.
    #[error("signature does not verify")]
    BadSignature,
    /// The record signs another receipt hash than this receipt's (moved or swapped).
    #[error("signature is for receipt hash {signed}, this receipt's hash is {actual}")]
    WrongReceipt {
        /// The hash the record signs.
        signed: String,
        /// This receipt's hash.
        actual: String,
    },
    /// The record or an argument is malformed.
    #[error("malformed signature record: {0}")]
    Malformed(String),
}

/// The signature file name of receipt `seq`: `<seq>.sig.json` with the 8 digits of the
/// receipt's own name (`00000007.sig.json` beside `00000007.json`).
pub fn signature_file_name(seq: u64) -> String {
    format!("{seq:08}.sig.json")
}

fn parse_hash(hex_hash: &str) -> Result<[u8; 32], SignatureError> {
    let bytes = hex::decode(hex_hash.trim())
        .map_err(|_| SignatureError::Malformed("receipt hash is not hex".into()))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| SignatureError::Malformed("receipt hash is not 32 bytes".into()))
}

/// Sign a receipt hash (64 hex characters) with `signer`.
pub fn sign(
    signer: &HotkeySigner,
    receipt_hash_hex: &str,
) -> Result<SignatureRecord, SignatureError> {
    let hash = parse_hash(receipt_hash_hex)?;
    let sig = signer.sign_raw(SIGNING_CONTEXT, &hash);
    Ok(SignatureRecord {
        scheme: SIGNATURE_SCHEME.to_string(),
        context: SIGNING_CONTEXT_NAME.to_string(),
        signer: signer.ss58_address(),
        receipt_hash: hex::encode(hash),
        signature: hex::encode(sig),
    })
}

/// Verify `record` for the receipt whose hash is `expected_receipt_hash_hex`, optionally
/// requiring the signer `expected_signer` (an ss58 address; any network prefix).
///
/// Checks, in order: the record is well formed; it signs this receipt's hash
/// ([`SignatureError::WrongReceipt`]); the signature verifies for the record's signer
/// ([`SignatureError::BadSignature`]); the signer is the expected key
/// ([`SignatureError::WrongSigner`]).
pub fn verify(
    record: &SignatureRecord,
    expected_receipt_hash_hex: &str,
    expected_signer: Option<&str>,
) -> Result<(), SignatureError> {
    if record.scheme != SIGNATURE_SCHEME {
        return Err(SignatureError::Malformed(format!(
            "unsupported scheme {:?}",
            record.scheme.chars().take(40).collect::<String>()
        )));
    }
    if record.context != SIGNING_CONTEXT_NAME {
        return Err(SignatureError::Malformed(format!(
            "unsupported signing context {:?}",
            record.context.chars().take(40).collect::<String>()
        )));
    }
    let actual = parse_hash(expected_receipt_hash_hex)?;
    let signed = parse_hash(&record.receipt_hash)?;
    if signed != actual {
        return Err(SignatureError::WrongReceipt {
            signed: hex::encode(signed),
            actual: hex::encode(actual),
        });
    }
    let (signer_key, _) = ss58_decode(&record.signer)
        .map_err(|e| SignatureError::Malformed(format!("signer: {e}")))?;
    let sig_bytes = hex::decode(record.signature.trim())
        .map_err(|_| SignatureError::Malformed("signature is not hex".into()))?;
    if sig_bytes.len() != 64 {
        return Err(SignatureError::Malformed(format!(
            "signature is {} bytes, not 64",
            sig_bytes.len()
        )));
    }
    let public = PublicKey::from_bytes(&signer_key)
        .map_err(|_| SignatureError::Malformed("signer is not an sr25519 public key".into()))?;
    // A flipped byte may also break the signature's encoding (the sr25519 marker bit or a
    // non-canonical scalar): that is a bad signature, not a malformed record.
    let signature = Signature::from_bytes(&sig_bytes).map_err(|_| SignatureError::BadSignature)?;
    public
        .verify_simple(SIGNING_CONTEXT, &actual, &signature)
        .map_err(|_| SignatureError::BadSignature)?;
    if let Some(expected) = expected_signer {
        let (expected_key, _) = ss58_decode(expected)
            .map_err(|e| SignatureError::Malformed(format!("expected signer: {e}")))?;
        if expected_key != signer_key {
            return Err(SignatureError::WrongSigner {
                expected: expected.trim().to_string(),
                found: record.signer.clone(),
            });
        }
    }
    Ok(())
}

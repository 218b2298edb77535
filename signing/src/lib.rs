//! Signed receipts for imr run logs (issue 17 item 1, the library part).
//!
//! A validator signs each receipt's hash with its bittensor hotkey: sr25519 (`schnorrkel`)
//! under Substrate's signing context `b"substrate"`, exactly as `sp_core::sr25519::Pair::sign`
//! and the bittensor SDK's `Keypair.sign` do, so a signature made here verifies with any
//! Substrate tool and vice versa.
//!
//! - [`keys`]: the [`HotkeySigner`] (from a seed, a secret URI, a bittensor wallet hotkey
//!   file or an environment variable) and ss58 address encoding/decoding.
//! - [`receipt_signature`]: the [`SignatureRecord`] stored beside each receipt
//!   (`receipts/<seq>.sig.json`), [`sign`] and [`verify`].
//!
//! This crate is pure: it reads a key file or an environment variable only when asked, and
//! never prints or logs secret material.

pub mod key_source;
pub mod keys;
pub mod receipt_signature;
pub mod ss58;

pub use key_source::{KeySource, KeySourceError};
pub use keys::{HotkeySigner, KeyError};
pub use receipt_signature::{
    sign, signature_file_name, verify, SignatureError, SignatureRecord, SIGNATURE_SCHEME,
    SIGNING_CONTEXT, SIGNING_CONTEXT_NAME,
};
pub use ss58::{ss58_decode, ss58_encode, Ss58Error, SS58_PREFIX_SUBSTRATE};

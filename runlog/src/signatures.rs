//! Who produced a run log: checking the validator's signatures of its receipts.
//!
//! A validator signs each receipt's hash with its hotkey (`imr run --sign-with`, or
//! `imr_host::Session::sign_with`); the signatures sit beside the receipts
//! (see [`crate::log`]). An auditor names the key to expect, as an ss58 address or as
//! the validator's uid in each epoch's metagraph, and may require every receipt to be signed.

use imr_signing::SignatureError;

use crate::log::Log;
use crate::receipt::Receipt;

/// Whose signature an auditor expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpectedSigner {
    /// This ss58 address.
    Address(String),
    /// The hotkey of this uid in each receipt's epoch (its metagraph), so a validator whose
    /// uid is known is checked without looking its address up.
    Uid(u16),
}

/// What `verify` checks of signatures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignaturePolicy {
    /// The expected signer; `None` accepts any valid signature.
    pub signer: Option<ExpectedSigner>,
    /// Whether every receipt must be signed (unsigned logs are otherwise valid).
    pub required: bool,
}

/// What checking one receipt's signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Signed by this ss58 address, and the signature verifies (for the expected signer).
    Signed(String),
    /// No signature, and none is required.
    Unsigned,
    /// A problem: missing when required, malformed, for another receipt, invalid, or from
    /// another key.
    Problem(String),
}

/// Checks the signature of receipt `seq` under `policy`.
pub fn check_signature(
    log: &Log,
    seq: u64,
    receipt: &Receipt,
    policy: &SignaturePolicy,
) -> SignatureCheck {
    let record = match log.signature(seq) {
        Ok(Some(record)) => record,
        Ok(None) if policy.required => {
            return SignatureCheck::Problem(
                "is missing, and signatures are required (--require-signatures)".into(),
            )
        }
        Ok(None) => return SignatureCheck::Unsigned,
        Err(e) => return SignatureCheck::Problem(e.to_string()),
    };
    let expected = match &policy.signer {
        None => None,
        Some(ExpectedSigner::Address(address)) => Some(address.clone()),
        Some(ExpectedSigner::Uid(uid)) => match hotkey_of(log, receipt, *uid) {
            Ok(hotkey) => Some(hotkey),
            Err(problem) => return SignatureCheck::Problem(problem),
        },
    };
    match imr_signing::verify(&record, &receipt.hash, expected.as_deref()) {
        Ok(()) => SignatureCheck::Signed(record.signer),
        Err(e @ SignatureError::WrongReceipt { .. }) => {
            SignatureCheck::Problem(format!("{e} (moved or swapped from another receipt?)"))
        }
        Err(e) => SignatureCheck::Problem(e.to_string()),
    }
}

/// The hotkey of `uid` in the metagraph of the epoch `receipt` ran.
fn hotkey_of(log: &Log, receipt: &Receipt, uid: u16) -> Result<String, String> {
    let bytes = log
        .blob("epoch", &receipt.epoch)
        .map_err(|e| format!("cannot read the epoch to find uid {uid}'s hotkey: {e}"))?;
    let (epoch, _chain) = imr_types::scale::decode_epoch(&bytes).map_err(|e| {
        format!("cannot read the epoch to find uid {uid}'s hotkey: invalid canonical epoch encoding: {e}")
    })?;
    epoch
        .neurons
        .iter()
        .find(|n| n.uid == uid)
        .map(|n| n.hotkey.clone())
        .ok_or_else(|| format!("uid {uid} is not in this epoch's metagraph"))
}

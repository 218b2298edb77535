//! Drand quicknet timelock encryption of commit-reveal v4 weight commits, byte-compatible with
//! what subtensor decrypts.
//!
//! The SDKs (bittensor-drand `encrypt_and_compress`, bittensor 11.x
//! `bittensor_core::timelock::encrypt_and_compress`) and the chain
//! (`reveal_crv3_commits_for_subnet`) all use ideal-lab5's `timelock` crate (`tle`) over
//! `TinyBLS381`, drand quicknet's scheme `bls-unchained-g1-rfc9380` (signatures in G1, the
//! public key in G2), with AES-GCM for the body:
//!
//! * the identity of round `r` is `sha256(r as big-endian u64)`, hashed to G1 with the DST
//!   `BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_`; drand's signature for round `r` is that
//!   point times the beacon's secret key, and is the decryption key;
//! * the ciphertext is the ark-serialize compressed `TLECiphertext { header, body,
//!   cipher_suite }`.
//!
//! [`encrypt`] encrypts to the quicknet public key ([`QUICKNET_PUBLIC_KEY_HEX`], a constant);
//! [`encrypt_to`] to any beacon key (tests use a locally generated one); [`decrypt`] is the
//! chain's decryption routine (`tld::<TinyBLS381, AESGCMStreamCipherProvider>` on the
//! compressed ciphertext and the compressed signature).
//!
//! Randomness: [`Randomness::Os`] (the default; an encryption must not be predictable) or
//! [`Randomness::Seeded`], for reproducible tests only. The ciphertext is an output: it is
//! different on every OS-random run and is never part of what replay reproduces.

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand_chacha::ChaCha20Rng;
use rand_core::{CryptoRng, OsRng, RngCore, SeedableRng};
use sha2::{Digest, Sha256};
use timelock::curves::drand::TinyBLS381;
use timelock::ibe::fullident::Identity;
use timelock::stream_ciphers::AESGCMStreamCipherProvider;
use timelock::tlock::{tld, tle, TLECiphertext};
use w3f_bls::EngineBLS;

/// drand quicknet's public key (compressed G2), as pinned by bittensor-drand and
/// bittensor-core (`DRAND_PUBLIC_KEY`) and published at
/// `https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/info`.
pub const QUICKNET_PUBLIC_KEY_HEX: &str = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a";

/// drand quicknet's chain hash.
pub const QUICKNET_CHAIN_HASH: &str =
    "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971";

/// Where the encryption's randomness (the 32-byte ephemeral key and the IBE/AES nonces) comes
/// from.
#[derive(Clone, Default)]
pub enum Randomness {
    /// The operating system's CSPRNG: the default, and the only choice for a real commit.
    #[default]
    Os,
    /// ChaCha20 seeded with these 32 bytes: the same seed gives the same ciphertext. For tests
    /// only: anyone who knows the seed can decrypt before the reveal round.
    Seeded([u8; 32]),
}

impl std::fmt::Debug for Randomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The seed is a secret: never print it.
        match self {
            Randomness::Os => f.write_str("Os"),
            Randomness::Seeded(_) => f.write_str("Seeded(<secret>)"),
        }
    }
}

/// Why an encryption or a decryption failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TlockError {
    /// The beacon public key is not a compressed G2 point.
    #[error("the beacon public key is not a compressed BLS12-381 G2 point: {0}")]
    PublicKey(String),
    /// `tle` refused to encrypt.
    #[error("timelock encryption failed: {0}")]
    Encrypt(String),
    /// The ciphertext is not a compressed `TLECiphertext`.
    #[error("the ciphertext does not deserialize: {0}")]
    Ciphertext(String),
    /// The signature is not a compressed G1 point.
    #[error("the round signature is not a compressed BLS12-381 G1 point: {0}")]
    Signature(String),
    /// `tld` refused to decrypt (wrong round's signature, tampered ciphertext).
    #[error("timelock decryption failed: {0}")]
    Decrypt(String),
}

/// The message drand signs for `round`: `sha256(round.to_be_bytes())`.
pub fn round_message(round: u64) -> [u8; 32] {
    Sha256::digest(round.to_be_bytes()).into()
}

/// The IBE identity of `round`, as the SDKs build it (`Identity::new(b"", [round_message])`).
pub fn round_identity(round: u64) -> Identity {
    Identity::new(b"", vec![round_message(round).to_vec()])
}

/// The quicknet public key's bytes.
pub fn quicknet_public_key() -> Vec<u8> {
    // A constant of valid hex: decoding cannot fail (a unit test proves it).
    hex::decode(QUICKNET_PUBLIC_KEY_HEX).unwrap_or_default()
}

/// Timelock-encrypt `plaintext` to drand quicknet's round `reveal_round`: the compressed
/// `TLECiphertext` the chain's `commit` argument carries.
pub fn encrypt(
    plaintext: &[u8],
    reveal_round: u64,
    randomness: &Randomness,
) -> Result<Vec<u8>, TlockError> {
    encrypt_to(&quicknet_public_key(), plaintext, reveal_round, randomness)
}

/// Timelock-encrypt `plaintext` to round `reveal_round` of the beacon with this compressed G2
/// public key.
pub fn encrypt_to(
    public_key: &[u8],
    plaintext: &[u8],
    reveal_round: u64,
    randomness: &Randomness,
) -> Result<Vec<u8>, TlockError> {
    let pk = <TinyBLS381 as EngineBLS>::PublicKeyGroup::deserialize_compressed(public_key)
        .map_err(|e| TlockError::PublicKey(format!("{e:?}")))?;
    match randomness {
        Randomness::Os => seal(pk, plaintext, reveal_round, OsRng),
        Randomness::Seeded(seed) => {
            seal(pk, plaintext, reveal_round, ChaCha20Rng::from_seed(*seed))
        }
    }
}

fn seal<R: RngCore + CryptoRng>(
    pk: <TinyBLS381 as EngineBLS>::PublicKeyGroup,
    plaintext: &[u8],
    reveal_round: u64,
    mut rng: R,
) -> Result<Vec<u8>, TlockError> {
    // As the SDKs do: a fresh 32-byte key for the body, then tle with the same generator.
    let mut esk = [0u8; 32];
    rng.fill_bytes(&mut esk);
    let ct = tle::<TinyBLS381, AESGCMStreamCipherProvider, R>(
        pk,
        esk,
        plaintext,
        round_identity(reveal_round),
        rng,
    )
    .map_err(|e| TlockError::Encrypt(format!("{e:?}")))?;
    let mut out = Vec::new();
    ct.serialize_compressed(&mut out)
        .map_err(|e| TlockError::Encrypt(format!("{e:?}")))?;
    Ok(out)
}

/// The chain's decryption: deserialize the compressed ciphertext and the compressed round
/// signature, then `tld::<TinyBLS381, AESGCMStreamCipherProvider>`.
pub fn decrypt(ciphertext: &[u8], signature: &[u8]) -> Result<Vec<u8>, TlockError> {
    let ct = TLECiphertext::<TinyBLS381>::deserialize_compressed(ciphertext)
        .map_err(|e| TlockError::Ciphertext(format!("{e:?}")))?;
    let sig = <TinyBLS381 as EngineBLS>::SignatureGroup::deserialize_compressed(signature)
        .map_err(|e| TlockError::Signature(format!("{e:?}")))?;
    tld::<TinyBLS381, AESGCMStreamCipherProvider>(ct, sig)
        .map_err(|e| TlockError::Decrypt(format!("{e:?}")))
}

/// Why a timelocked commit could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The plan failed (no schedule, tempo 0, bad hotkey, ...).
    #[error(transparent)]
    Plan(#[from] imr_weights::WeightsError),
    /// The encryption failed.
    #[error(transparent)]
    Encrypt(#[from] TlockError),
}

/// The whole commit-reveal v4 path for an emission, as the SDKs take it on a commit-reveal
/// subnet: the plan (payload hash, reveal round from `params.schedule` by the `sdk`'s formula,
/// pre-flight), the encryption of the `WeightsTlockPayload` to quicknet's reveal round with
/// `randomness`, and the `commit_timelocked_mechanism_weights` arguments around the
/// ciphertext. The hotkey is `params.hotkey`. The plaintext is dropped after encryption.
pub fn timelocked_commit(
    emission: &imr_weights::Emission,
    params: &imr_weights::ChainParams,
    sdk: imr_weights::Sdk,
    randomness: &Randomness,
) -> Result<imr_weights::timelocked::TimelockedCommit, CommitError> {
    let hotkey = params
        .hotkey
        .as_deref()
        .ok_or_else(|| imr_weights::WeightsError::ChainParams {
            problem: "a timelocked commit needs \"hotkey\" (the validator's ss58 address or hex public key)".into(),
        })?;
    let key = imr_weights::call_data::parse_hotkey(hotkey)?;
    let (plan, plaintext) = imr_weights::timelocked::plan(emission, params, &key, sdk)?;
    let ciphertext = encrypt(&plaintext, plan.reveal.reveal_round, randomness)?;
    Ok(imr_weights::timelocked::with_ciphertext(
        plan,
        &ciphertext,
        params,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quicknet_key_is_a_g2_point() {
        assert_eq!(quicknet_public_key().len(), 96);
        assert!(
            <TinyBLS381 as EngineBLS>::PublicKeyGroup::deserialize_compressed(
                quicknet_public_key().as_slice()
            )
            .is_ok()
        );
    }

    #[test]
    fn the_seed_is_not_printed() {
        let s = format!("{:?}", Randomness::Seeded([7; 32]));
        assert!(!s.contains('7'), "{s}");
    }
}

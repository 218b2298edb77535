//! Timelock round trips: a locally generated beacon key signs the round identity as drand would
//! and the chain's decryption gives the plaintext back bit for bit; the real quicknet key and a
//! published quicknet signature; and the commit size against the chain's 5,000-byte bound.

use ark_ec::Group;
use ark_ff::UniformRand;
use ark_serialize::CanonicalSerialize;
use imr_tlock::{decrypt, encrypt, encrypt_to, round_message, Randomness, TlockError};
use imr_weights::chain::MAX_COMMIT_SIZE_BYTES;
use imr_weights::timelocked::payload;
use parity_scale_codec::Decode;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use timelock::curves::drand::TinyBLS381;
use w3f_bls::{EngineBLS, Message, SecretKeyVT};

/// The chain's own definition (subtensor `WeightsTlockPayload`), to decode what it decrypts.
#[derive(Decode, Debug, PartialEq)]
struct WeightsTlockPayload {
    hotkey: Vec<u8>,
    uids: Vec<u16>,
    values: Vec<u16>,
    version_key: u64,
}

type Scalar = <TinyBLS381 as EngineBLS>::Scalar;

/// A local beacon: a secret scalar and its compressed G2 public key.
fn beacon(seed: u64) -> (Scalar, Vec<u8>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let sk = Scalar::rand(&mut rng);
    let pk = <TinyBLS381 as EngineBLS>::PublicKeyGroup::generator() * sk;
    let mut bytes = Vec::new();
    pk.serialize_compressed(&mut bytes).expect("serialize pk");
    (sk, bytes)
}

/// What drand publishes for `round`: a BLS signature (w3f-bls, the quicknet engine: G1,
/// hash-to-curve with the quicknet DST) on `sha256(round)`, compressed.
fn drand_signature(sk: Scalar, round: u64) -> Vec<u8> {
    let message = Message::new(b"", &round_message(round));
    let sig = SecretKeyVT::<TinyBLS381>(sk).sign(&message);
    let mut bytes = Vec::new();
    sig.0
        .serialize_compressed(&mut bytes)
        .expect("serialize sig");
    bytes
}

fn alice() -> Vec<u8> {
    hex::decode("d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d").expect("hex")
}

#[test]
fn local_beacon_round_trip_gives_the_payload_back_bit_for_bit() {
    let (sk, pk) = beacon(1);
    let round = 20_000_123;
    let plaintext = payload(
        &alice(),
        &[0, 2, 3, 7],
        &[12743, 65535, 25487, 1],
        10_005_000,
    );
    for randomness in [Randomness::Os, Randomness::Seeded([9; 32])] {
        let ct = encrypt_to(&pk, &plaintext, round, &randomness).expect("encrypt");
        let back = decrypt(&ct, &drand_signature(sk, round)).expect("decrypt");
        assert_eq!(back, plaintext);
        let decoded = WeightsTlockPayload::decode(&mut back.as_slice()).expect("scale");
        assert_eq!(
            decoded,
            WeightsTlockPayload {
                hotkey: alice(),
                uids: vec![0, 2, 3, 7],
                values: vec![12743, 65535, 25487, 1],
                version_key: 10_005_000,
            }
        );
        // Another round's signature does not open it.
        assert!(matches!(
            decrypt(&ct, &drand_signature(sk, round + 1)),
            Err(TlockError::Decrypt(_))
        ));
    }
}

#[test]
fn os_randomness_differs_and_a_seed_reproduces() {
    let plaintext = payload(&alice(), &[1], &[65535], 0);
    let a = encrypt(&plaintext, 5, &Randomness::Os).expect("a");
    let b = encrypt(&plaintext, 5, &Randomness::Os).expect("b");
    assert_ne!(a, b, "two OS-random encryptions must differ");
    let s1 = encrypt(&plaintext, 5, &Randomness::Seeded([1; 32])).expect("s1");
    let s2 = encrypt(&plaintext, 5, &Randomness::Seeded([1; 32])).expect("s2");
    assert_eq!(s1, s2);
    assert_ne!(
        s1,
        encrypt(&plaintext, 5, &Randomness::Seeded([2; 32])).expect("s3")
    );
}

#[test]
fn quicknet_key_and_a_published_quicknet_signature() {
    // drand quicknet round 1000 (https://api.drand.sh/52db9ba7…e971/public/1000); the same
    // pulse subtensor's and the timelock crate's tests use.
    let sig = hex::decode(
        "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39",
    )
    .expect("hex");
    let plaintext = payload(&alice(), &[0, 1], &[65535, 100], 0);
    let ct = encrypt(&plaintext, 1000, &Randomness::Os).expect("encrypt");
    assert_eq!(decrypt(&ct, &sig).expect("decrypt"), plaintext);
    let wrong_round = encrypt(&plaintext, 1001, &Randomness::Os).expect("encrypt");
    assert!(decrypt(&wrong_round, &sig).is_err());
}

#[test]
fn commit_size_against_the_chains_bound() {
    let full = |n: u16| {
        let uids: Vec<u16> = (0..n).collect();
        let values = vec![65535u16; usize::from(n)];
        payload(&alice(), &uids, &values, u64::MAX)
    };
    // 256 uids (the most a mechanism may have): 33 + 514 + 514 + 8 plaintext bytes, fits.
    let p256 = full(256);
    assert_eq!(p256.len(), 33 + 2 + 512 + 2 + 512 + 8);
    let c256 = encrypt(&p256, 1_000_000, &Randomness::Os).expect("256");
    assert!(c256.len() <= MAX_COMMIT_SIZE_BYTES, "{}", c256.len());
    // 4096 uids cannot be committed: the ciphertext exceeds BoundedVec<u8, 5000>.
    let c4096 = encrypt(&full(4096), 1_000_000, &Randomness::Os).expect("4096");
    assert!(c4096.len() > MAX_COMMIT_SIZE_BYTES, "{}", c4096.len());
    // The overhead is fixed: the ciphertext grows byte for byte with the plaintext.
    let c255 = encrypt(&full(255), 1_000_000, &Randomness::Os).expect("255");
    assert_eq!(c256.len() - c255.len(), p256.len() - full(255).len());
}

#[test]
fn malformed_inputs_are_errors_not_panics() {
    assert!(matches!(
        encrypt_to(&[1, 2, 3], b"x", 1, &Randomness::Os),
        Err(TlockError::PublicKey(_))
    ));
    assert!(matches!(
        decrypt(&[0; 10], &[0; 48]),
        Err(TlockError::Ciphertext(_))
    ));
    let ct = encrypt(b"x", 1, &Randomness::Os).expect("encrypt");
    assert!(matches!(
        decrypt(&ct, &[1; 48]),
        Err(TlockError::Signature(_))
    ));
}

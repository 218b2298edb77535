//! Signing receipt hashes and the distinct verification failures.

use imr_signing::{sign, verify, HotkeySigner, SignatureError, SignatureRecord};

const HASH_A: &str = "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4";
const HASH_B: &str = "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f53";

fn signer() -> HotkeySigner {
    HotkeySigner::from_seed([42u8; 32])
}

#[test]
fn round_trip() {
    let s = signer();
    let rec = sign(&s, HASH_A).unwrap();
    assert_eq!(rec.scheme, "sr25519");
    assert_eq!(rec.context, "substrate");
    assert_eq!(rec.signer, s.ss58_address());
    assert_eq!(rec.receipt_hash, HASH_A);
    assert_eq!(rec.signature.len(), 128);
    verify(&rec, HASH_A, None).unwrap();
    verify(&rec, HASH_A, Some(&s.ss58_address())).unwrap();
    // Through JSON, as stored in receipts/<seq>.sig.json.
    let back = SignatureRecord::from_json(rec.to_json().as_bytes()).unwrap();
    assert_eq!(back, rec);
    verify(&back, HASH_A, Some(&s.ss58_address())).unwrap();
    assert_eq!(imr_signing::signature_file_name(7), "00000007.sig.json");
}

#[test]
fn verifies_with_substrate_semantics() {
    // The signature is schnorrkel's sign_simple(b"substrate", hash bytes), what
    // sp_core::sr25519::Pair::verify checks.
    let s = signer();
    let rec = sign(&s, HASH_A).unwrap();
    let public = schnorrkel::PublicKey::from_bytes(&s.public_key()).unwrap();
    let sig = schnorrkel::Signature::from_bytes(&hex::decode(&rec.signature).unwrap()).unwrap();
    public
        .verify_simple(b"substrate", &hex::decode(HASH_A).unwrap(), &sig)
        .unwrap();
}

#[test]
fn wrong_key_is_wrong_signer() {
    let rec = sign(&signer(), HASH_A).unwrap();
    let other = HotkeySigner::from_secret_uri("//Bob")
        .unwrap()
        .ss58_address();
    assert_eq!(
        verify(&rec, HASH_A, Some(&other)),
        Err(SignatureError::WrongSigner {
            expected: other.clone(),
            found: signer().ss58_address()
        })
    );
}

#[test]
fn flipped_signature_byte_is_bad_signature() {
    let rec = sign(&signer(), HASH_A).unwrap();
    let sig = hex::decode(&rec.signature).unwrap();
    for i in [0usize, 10, 31, 32, 50, 63] {
        let mut flipped = sig.clone();
        flipped[i] ^= 0x01;
        let bad = SignatureRecord {
            signature: hex::encode(&flipped),
            ..rec.clone()
        };
        assert_eq!(
            verify(&bad, HASH_A, None),
            Err(SignatureError::BadSignature),
            "byte {i}"
        );
    }
    // A signer substituted into the record (the signature is not theirs) is a bad signature.
    let substituted = SignatureRecord {
        signer: HotkeySigner::from_secret_uri("//Bob")
            .unwrap()
            .ss58_address(),
        ..rec
    };
    assert_eq!(
        verify(&substituted, HASH_A, None),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn moved_record_is_wrong_receipt() {
    let rec = sign(&signer(), HASH_A).unwrap();
    assert_eq!(
        verify(&rec, HASH_B, None),
        Err(SignatureError::WrongReceipt {
            signed: HASH_A.into(),
            actual: HASH_B.into()
        })
    );
    // Rewriting the record's hash to the new receipt leaves a signature that does not verify.
    let relabelled = SignatureRecord {
        receipt_hash: HASH_B.into(),
        ..rec
    };
    assert_eq!(
        verify(&relabelled, HASH_B, None),
        Err(SignatureError::BadSignature)
    );
}

#[test]
fn malformed_records_are_malformed() {
    for data in [
        "{",
        "[]",
        "{\"scheme\":\"sr25519\"}",
        "{\"scheme\":\"sr25519\",\"context\":\"substrate\",\"signer\":\"x\",\"receipt_hash\":\"00\",\"signature\":\"00\",\"extra\":1}",
    ] {
        assert!(
            matches!(SignatureRecord::from_json(data.as_bytes()), Err(SignatureError::Malformed(_))),
            "{data}"
        );
    }
    let rec = sign(&signer(), HASH_A).unwrap();
    let cases = [
        SignatureRecord {
            scheme: "ed25519".into(),
            ..rec.clone()
        },
        SignatureRecord {
            context: "polkadot".into(),
            ..rec.clone()
        },
        SignatureRecord {
            signer: "not-ss58".into(),
            ..rec.clone()
        },
        SignatureRecord {
            signature: "zz".into(),
            ..rec.clone()
        },
        SignatureRecord {
            signature: "00".repeat(63),
            ..rec.clone()
        },
        SignatureRecord {
            receipt_hash: "abc".into(),
            ..rec.clone()
        },
    ];
    for bad in cases {
        assert!(
            matches!(
                verify(&bad, HASH_A, None),
                Err(SignatureError::Malformed(_))
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        verify(&rec, "nothex", None),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        sign(&signer(), "00"),
        Err(SignatureError::Malformed(_))
    ));
    assert!(matches!(
        verify(&rec, HASH_A, Some("garbage")),
        Err(SignatureError::Malformed(_))
    ));
}

//! Key construction: seeds, secret URIs, wallet hotkey files, the environment, ss58.

use imr_signing::keys::DEV_PHRASE;
use imr_signing::{ss58_decode, ss58_encode, HotkeySigner, KeyError, Ss58Error};

const ALICE_SS58: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const ALICE_HEX: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
const BOB_SS58: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const TEST_SEED: [u8; 32] = [7u8; 32];

#[test]
fn alice_and_bob_are_substrates_dev_accounts() {
    let alice = HotkeySigner::from_secret_uri("//Alice").unwrap();
    assert_eq!(hex::encode(alice.public_key()), ALICE_HEX);
    assert_eq!(alice.ss58_address(), ALICE_SS58);
    let bob = HotkeySigner::from_secret_uri("//Bob").unwrap();
    assert_eq!(bob.ss58_address(), BOB_SS58);
    // The explicit dev phrase gives the same key.
    let explicit = HotkeySigner::from_secret_uri(&format!("{DEV_PHRASE}//Alice")).unwrap();
    assert_eq!(explicit.public_key(), alice.public_key());
    // A password changes the key.
    let pw = HotkeySigner::from_secret_uri("//Alice///password").unwrap();
    assert_ne!(pw.public_key(), alice.public_key());
}

#[test]
fn sp_core_from_seed_vector() {
    // sp_core sr25519 `test_vector_should_work`.
    let seed: [u8; 32] =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap()
            .try_into()
            .unwrap();
    let signer = HotkeySigner::from_seed(seed);
    assert_eq!(
        hex::encode(signer.public_key()),
        "44a996beb1eef7bdcab976ab6d2ca26104834164ecf28fb375600576fcc6eb0f"
    );
    let via_uri = HotkeySigner::from_secret_uri(&format!("0x{}", hex::encode(seed))).unwrap();
    assert_eq!(via_uri.public_key(), signer.public_key());
}

#[test]
fn bad_uris_are_errors() {
    for uri in [
        "0x1234",
        "0xzz",
        "not a valid mnemonic phrase",
        "//",
        "0x00//a///pw",
    ] {
        assert!(HotkeySigner::from_secret_uri(uri).is_err(), "{uri}");
    }
}

#[test]
fn ss58_round_trip_and_checksum() {
    let key: [u8; 32] = hex::decode(ALICE_HEX).unwrap().try_into().unwrap();
    assert_eq!(ss58_encode(&key, 42).unwrap(), ALICE_SS58);
    assert_eq!(ss58_decode(ALICE_SS58).unwrap(), (key, 42));
    let mut bad = ALICE_SS58.to_string();
    bad.replace_range(5..6, "x");
    assert!(ss58_decode(&bad).is_err());
    assert_eq!(ss58_decode("0OIl"), Err(Ss58Error::NotBase58));
    assert!(ss58_encode(&key, 46).is_err());
    let two_byte = ss58_encode(&key, 1000).unwrap();
    assert_eq!(ss58_decode(&two_byte).unwrap(), (key, 1000));
}

#[test]
fn debug_shows_no_secret() {
    let signer = HotkeySigner::from_seed(TEST_SEED);
    let shown = format!("{signer:?} {signer:#?}");
    assert!(shown.contains(&signer.ss58_address()));
    let seed_hex = hex::encode(TEST_SEED);
    assert!(!shown.to_lowercase().contains(&seed_hex));
    assert!(!shown.contains("0707"));
    assert!(!shown.contains("7, 7, 7"));
}

/// A hotkey file as btwallet's `serialized_keypair_to_keyfile_data` writes it.
fn wallet_json(signer: &HotkeySigner, seed: Option<&[u8; 32]>, phrase: Option<&str>) -> String {
    let public = format!("0x{}", hex::encode(signer.public_key()));
    let mut map = serde_json::Map::new();
    map.insert("accountId".into(), public.clone().into());
    map.insert("publicKey".into(), public.into());
    if let Some(seed) = seed {
        map.insert(
            "secretSeed".into(),
            format!("0x{}", hex::encode(seed)).into(),
        );
    }
    if let Some(phrase) = phrase {
        map.insert("secretPhrase".into(), phrase.into());
    }
    map.insert("ss58Address".into(), signer.ss58_address().into());
    serde_json::Value::Object(map).to_string()
}

#[test]
fn wallet_hotkey_file_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wallets/default/hotkeys/default");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();

    let expected = HotkeySigner::from_seed(TEST_SEED);
    std::fs::write(&path, wallet_json(&expected, Some(&TEST_SEED), None)).unwrap();
    let loaded = HotkeySigner::from_wallet_file(&path).unwrap();
    assert_eq!(loaded.public_key(), expected.public_key());

    // secretPhrase takes precedence, as in btwallet.
    let from_phrase = HotkeySigner::from_mnemonic(DEV_PHRASE, "").unwrap();
    std::fs::write(&path, wallet_json(&from_phrase, None, Some(DEV_PHRASE))).unwrap();
    let loaded = HotkeySigner::from_wallet_file(&path).unwrap();
    assert_eq!(loaded.public_key(), from_phrase.public_key());

    // privateKey only: the 64-byte schnorrkel secret (sp_core's Pair::to_raw_vec).
    let secret = schnorrkel::MiniSecretKey::from_bytes(&TEST_SEED)
        .unwrap()
        .expand(schnorrkel::ExpansionMode::Ed25519)
        .to_bytes();
    let public = format!("0x{}", hex::encode(expected.public_key()));
    let json = serde_json::json!({
        "privateKey": format!("0x{}", hex::encode(secret)),
        "publicKey": public,
        "accountId": public,
        "ss58Address": expected.ss58_address(),
    });
    std::fs::write(&path, json.to_string()).unwrap();
    let loaded = HotkeySigner::from_wallet_file(&path).unwrap();
    assert_eq!(loaded.public_key(), expected.public_key());
    // Same signature scheme either way: a signature by the loaded key verifies for the seed's.
    let rec = imr_signing::sign(&loaded, &"ab".repeat(32)).unwrap();
    imr_signing::verify(&rec, &"ab".repeat(32), Some(&expected.ss58_address())).unwrap();
}

#[test]
fn wallet_file_with_wrong_public_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotkey");
    let other = HotkeySigner::from_seed([9u8; 32]);
    std::fs::write(&path, wallet_json(&other, Some(&TEST_SEED), None)).unwrap();
    let err = HotkeySigner::from_wallet_file(&path).unwrap_err();
    assert!(matches!(err, KeyError::PublicKeyMismatch { .. }), "{err}");
    assert!(!err.to_string().contains(&hex::encode(TEST_SEED)));
}

#[test]
fn encrypted_and_malformed_wallet_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hotkey");
    for (data, kind) in [
        (&b"$NACL\x01\x02\x03"[..], "NaCl"),
        (&b"$ANSIBLE_VAULT;1.1;AES256\n6162"[..], "Ansible Vault"),
        (&b"gAAAAABfoo"[..], "legacy"),
    ] {
        std::fs::write(&path, data).unwrap();
        match HotkeySigner::from_wallet_file(&path) {
            Err(KeyError::Encrypted { kind: k, .. }) => assert_eq!(k, kind),
            other => panic!("expected Encrypted, got {other:?}"),
        }
    }
    for data in [
        "{",
        "[]",
        "{\"publicKey\": \"0x00\"}",
        "{\"secretSeed\": 5}",
    ] {
        std::fs::write(&path, data).unwrap();
        assert!(
            matches!(
                HotkeySigner::from_wallet_file(&path),
                Err(KeyError::MalformedFile { .. })
            ),
            "{data}"
        );
    }
    // A seed without any public key field to check it against is refused too.
    std::fs::write(
        &path,
        format!("{{\"secretSeed\": \"0x{}\"}}", hex::encode(TEST_SEED)),
    )
    .unwrap();
    assert!(HotkeySigner::from_wallet_file(&path).is_err());
    assert!(matches!(
        HotkeySigner::from_wallet_file(dir.path().join("missing")),
        Err(KeyError::Io { .. })
    ));
}

#[test]
fn from_env_reads_a_uri_or_seed() {
    // Variable names unique to this test (tests run in parallel threads).
    std::env::set_var("IMR_SIGNING_TEST_KEY_URI", "//Alice");
    assert_eq!(
        HotkeySigner::from_env("IMR_SIGNING_TEST_KEY_URI")
            .unwrap()
            .ss58_address(),
        ALICE_SS58
    );
    std::env::set_var(
        "IMR_SIGNING_TEST_KEY_SEED",
        format!("0x{}", hex::encode(TEST_SEED)),
    );
    assert_eq!(
        HotkeySigner::from_env("IMR_SIGNING_TEST_KEY_SEED")
            .unwrap()
            .public_key(),
        HotkeySigner::from_seed(TEST_SEED).public_key()
    );
    assert!(matches!(
        HotkeySigner::from_env("IMR_SIGNING_TEST_KEY_UNSET"),
        Err(KeyError::MissingEnv(_))
    ));
}

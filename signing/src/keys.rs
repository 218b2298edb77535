//! The hotkey that signs receipts: an sr25519 keypair, built the way Substrate and the
//! bittensor wallet build it, whose secret half is never printed.
//!
//! Sources followed (ported, not copied): `sp_core::sr25519::Pair` (`from_seed`: mini secret
//! expanded in Ed25519 mode; hard/soft junctions; the dev phrase), `substrate-bip39`
//! (mnemonic -> mini secret), and opentensor/btwallet `src/keyfile.rs` (the hotkey file's JSON
//! fields and the `$NACL` / `$ANSIBLE_VAULT` / `gAAAAA` encryption markers).

use std::fmt;
use std::path::Path;

use schnorrkel::derive::{ChainCode, Derivation};
use schnorrkel::{ExpansionMode, Keypair, MiniSecretKey, SecretKey};
use zeroize::Zeroizing;

use crate::ss58::{ss58_encode, SS58_PREFIX_SUBSTRATE};

/// Substrate's development phrase: `//Alice`, `//Bob`, ... are hard junctions from it.
pub const DEV_PHRASE: &str =
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

/// Largest hotkey file read (a real one is well under 1 KiB).
const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// Why a signing key could not be built. Messages never contain secret material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The secret URI could not be parsed or its phrase is not a valid BIP39 mnemonic.
    #[error("invalid secret URI: {0}")]
    InvalidUri(String),
    /// A hex seed or private key has the wrong form or length.
    #[error("invalid secret seed: {0}")]
    InvalidSeed(String),
    /// The key file could not be read.
    #[error("cannot read key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The key file is encrypted (the hotkey must be unencrypted to sign non-interactively).
    #[error("key file {path} is encrypted ({kind}); imr reads only unencrypted hotkey files")]
    Encrypted {
        /// The file.
        path: String,
        /// `NaCl`, `Ansible Vault` or `legacy`.
        kind: &'static str,
    },
    /// The key file is not a bittensor keyfile JSON object or lacks secret material.
    #[error("key file {path} is malformed: {reason}")]
    MalformedFile {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The public key derived from the file's secret differs from the file's `publicKey`.
    #[error("key file {path}: derived public key {derived} does not match the file's {stored}")]
    PublicKeyMismatch {
        /// The file.
        path: String,
        /// Public key derived from the secret (hex).
        derived: String,
        /// The file's `publicKey`/`accountId`/`ss58Address` (as written).
        stored: String,
    },
    /// The environment variable is unset or not unicode.
    #[error("environment variable {0} is not set (or not unicode)")]
    MissingEnv(String),
}

/// An sr25519 hotkey able to sign receipt hashes.
///
/// Its [`fmt::Debug`] shows only the ss58 address; the secret is never displayed.
#[derive(Clone)]
pub struct HotkeySigner {
    keypair: Keypair,
}

impl fmt::Debug for HotkeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HotkeySigner")
            .field("ss58", &self.ss58_address())
            .finish_non_exhaustive()
    }
}

impl HotkeySigner {
    fn from_mini(mini: &MiniSecretKey) -> Self {
        HotkeySigner {
            keypair: mini.expand_to_keypair(ExpansionMode::Ed25519),
        }
    }

    /// The key `sp_core::sr25519::Pair::from_seed(seed)` gives (and bittensor's
    /// `Keypair.create_from_seed`): the 32-byte mini secret expanded in Ed25519 mode.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        // A 32-byte slice always forms a mini secret key.
        match MiniSecretKey::from_bytes(&seed) {
            Ok(mini) => Self::from_mini(&mini),
            Err(_) => unreachable_seed(),
        }
    }

    /// A key from a 64-byte sr25519 secret key in schnorrkel's byte form (key ++ nonce), as
    /// bittensor writes in a keyfile's `privateKey` (`sp_core`'s `Pair::to_raw_vec`).
    pub fn from_private_key(bytes: &[u8]) -> Result<Self, KeyError> {
        let secret = SecretKey::from_bytes(bytes)
            .map_err(|_| KeyError::InvalidSeed("private key must be 64 bytes".into()))?;
        Ok(HotkeySigner {
            keypair: secret.to_keypair(),
        })
    }

    /// `sp_core::sr25519::Pair::from_seed_slice`, which btwallet's `create_from_seed` and
    /// `create_from_private_key` use: 32 bytes are a seed ([`HotkeySigner::from_seed`]), 64
    /// bytes a secret key ([`HotkeySigner::from_private_key`]), any other length an error.
    pub fn from_seed_slice(bytes: &[u8]) -> Result<Self, KeyError> {
        match bytes.len() {
            32 => {
                let mut seed = Zeroizing::new([0u8; 32]);
                seed.copy_from_slice(bytes);
                Ok(Self::from_seed(*seed))
            }
            64 => Self::from_private_key(bytes),
            n => Err(KeyError::InvalidSeed(format!(
                "secret is {n} bytes, not 32 (seed) or 64 (secret key)"
            ))),
        }
    }

    /// A key from a BIP39 English mnemonic and an optional password, as `substrate-bip39`
    /// derives it (PBKDF2-HMAC-SHA512 over the entropy, 2048 rounds, salt
    /// `"mnemonic" ++ password`, first 32 bytes as the mini secret).
    pub fn from_mnemonic(phrase: &str, password: &str) -> Result<Self, KeyError> {
        let mnemonic = bip39::Mnemonic::parse_in(bip39::Language::English, phrase)
            .map_err(|_| KeyError::InvalidUri("phrase is not a valid BIP39 mnemonic".into()))?;
        let mini = substrate_bip39::mini_secret_from_entropy(&mnemonic.to_entropy(), password)
            .map_err(|_| KeyError::InvalidUri("mnemonic entropy is invalid".into()))?;
        Ok(Self::from_mini(&mini))
    }

    /// A key from a Substrate secret URI: `PHRASE_OR_0xSEED[//hard|/soft]*[///password]`.
    ///
    /// The phrase part is a 0x-prefixed hex seed (32 bytes, or a 64-byte secret key, as
    /// `sp_core` accepts) or a BIP39 mnemonic; an empty phrase
    /// means [`DEV_PHRASE`], so `//Alice` is Substrate's Alice. Junctions are derived as
    /// `sp_core` does: a number is its u64 little-endian encoding, text its SCALE encoding,
    /// zero-padded to 32 bytes (hashed with BLAKE2b-256 when longer).
    pub fn from_secret_uri(uri: &str) -> Result<Self, KeyError> {
        let uri = uri.trim();
        let (body, password) = match uri.find("///") {
            Some(i) => (&uri[..i], Some(&uri[i + 3..])),
            None => (uri, None),
        };
        let (phrase, path) = match body.find('/') {
            Some(i) => (&body[..i], &body[i..]),
            None => (body, ""),
        };
        let phrase = phrase.trim();
        let mut keypair = if let Some(hex_seed) = phrase
            .strip_prefix("0x")
            .or_else(|| phrase.strip_prefix("0X"))
        {
            if password.is_some() {
                return Err(KeyError::InvalidUri(
                    "a password applies only to a mnemonic phrase".into(),
                ));
            }
            let bytes = Zeroizing::new(
                hex::decode(hex_seed.trim())
                    .map_err(|_| KeyError::InvalidSeed("seed is not hex".into()))?,
            );
            Self::from_seed_slice(&bytes)?.keypair
        } else {
            let phrase = if phrase.is_empty() {
                DEV_PHRASE
            } else {
                phrase
            };
            Self::from_mnemonic(phrase, password.unwrap_or(""))?.keypair
        };
        for (hard, junction) in parse_path(path)? {
            let cc = ChainCode(junction);
            keypair = if hard {
                let (mini, _) = keypair.secret.hard_derive_mini_secret_key(Some(cc), b"");
                mini.expand_to_keypair(ExpansionMode::Ed25519)
            } else {
                keypair.derived_key_simple(cc, []).0
            };
        }
        Ok(HotkeySigner { keypair })
    }

    /// A key from a bittensor wallet hotkey file
    /// (`~/.bittensor/wallets/<wallet>/hotkeys/<hotkey>`), as btwallet's keyfile.rs reads it:
    /// `secretPhrase` first, then `secretSeed`, then `privateKey`. Encrypted files are
    /// refused; the derived public key must equal the file's `publicKey` (and `accountId`,
    /// `ss58Address` when present).
    pub fn from_wallet_file(path: impl AsRef<Path>) -> Result<Self, KeyError> {
        use std::io::Read;
        let path = path.as_ref();
        let shown = path.display().to_string();
        let io = |source| KeyError::Io {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let mut data = Zeroizing::new(Vec::new());
        file.take(MAX_KEY_FILE_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(io)?;
        if data.len() as u64 > MAX_KEY_FILE_BYTES {
            return Err(malformed(&shown, "file is too large for a hotkey file"));
        }
        Self::from_wallet_json(&data, &shown)
    }

    /// [`HotkeySigner::from_wallet_file`] on bytes already read; `origin` names them in errors.
    pub fn from_wallet_json(data: &[u8], origin: &str) -> Result<Self, KeyError> {
        let trimmed = data.trim_ascii_start();
        for (marker, kind) in [
            (&b"$NACL"[..], "NaCl"),
            (&b"$ANSIBLE_VAULT"[..], "Ansible Vault"),
            (&b"gAAAAA"[..], "legacy"),
        ] {
            if trimmed.starts_with(marker) {
                return Err(KeyError::Encrypted {
                    path: origin.to_string(),
                    kind,
                });
            }
        }
        let value: serde_json::Value = serde_json::from_slice(data)
            .map_err(|_| malformed(origin, "not JSON (and not a known encrypted format)"))?;
        let obj = value
            .as_object()
            .ok_or_else(|| malformed(origin, "not a JSON object"))?;
        let field = |name: &str| -> Result<Option<&str>, KeyError> {
            match obj.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(malformed(origin, &format!("field {name} is not a string"))),
            }
        };
        let signer = if let Some(phrase) = field("secretPhrase")? {
            Self::from_mnemonic(phrase, "")?
        } else if let Some(seed) = field("secretSeed")? {
            let bytes = Zeroizing::new(
                hex::decode(strip_0x(seed))
                    .map_err(|_| KeyError::InvalidSeed("secretSeed is not hex".into()))?,
            );
            Self::from_seed_slice(&bytes)?
        } else if let Some(key) = field("privateKey")? {
            let bytes = Zeroizing::new(
                hex::decode(strip_0x(key))
                    .map_err(|_| KeyError::InvalidSeed("privateKey is not hex".into()))?,
            );
            Self::from_seed_slice(&bytes)?
        } else {
            return Err(malformed(
                origin,
                "no secretPhrase, secretSeed or privateKey (a public-only key file cannot sign)",
            ));
        };
        let derived = signer.public_key();
        let derived_hex = format!("0x{}", hex::encode(derived));
        let mismatch = |stored: &str| KeyError::PublicKeyMismatch {
            path: origin.to_string(),
            derived: derived_hex.clone(),
            stored: stored.to_string(),
        };
        let mut checked = false;
        for name in ["publicKey", "accountId"] {
            if let Some(stored) = field(name)? {
                let bytes = hex::decode(strip_0x(stored))
                    .map_err(|_| malformed(origin, &format!("{name} is not hex")))?;
                if bytes != derived {
                    return Err(mismatch(stored));
                }
                checked = true;
            }
        }
        if let Some(stored) = field("ss58Address")? {
            match crate::ss58::ss58_decode(stored) {
                Ok((key, _)) if key == derived => checked = true,
                Ok(_) => return Err(mismatch(stored)),
                Err(_) => return Err(malformed(origin, "ss58Address is not an ss58 address")),
            }
        }
        if !checked {
            return Err(malformed(
                origin,
                "no publicKey, accountId or ss58Address to check the key against",
            ));
        }
        Ok(signer)
    }

    /// A key from the environment variable `var_name`, which holds a secret URI or a
    /// 0x-hex 32-byte seed (see [`HotkeySigner::from_secret_uri`]).
    pub fn from_env(var_name: &str) -> Result<Self, KeyError> {
        let value = Zeroizing::new(
            std::env::var(var_name).map_err(|_| KeyError::MissingEnv(var_name.to_string()))?,
        );
        Self::from_secret_uri(&value)
    }

    /// The 32-byte sr25519 public key (the hotkey's account id).
    pub fn public_key(&self) -> [u8; 32] {
        self.keypair.public.to_bytes()
    }

    /// The hotkey's ss58 address with the generic Substrate prefix 42.
    pub fn ss58_address(&self) -> String {
        // Prefix 42 is always encodable.
        ss58_encode(&self.public_key(), SS58_PREFIX_SUBSTRATE).unwrap_or_default()
    }

    /// Sign `message` under the signing context `context` (Substrate uses `b"substrate"`).
    pub fn sign_raw(&self, context: &[u8], message: &[u8]) -> [u8; 64] {
        self.keypair.sign_simple(context, message).to_bytes()
    }
}

#[cold]
fn unreachable_seed() -> ! {
    // MiniSecretKey::from_bytes fails only on a length other than 32.
    unreachable!("a 32-byte seed is always a valid mini secret key")
}

fn malformed(origin: &str, reason: &str) -> KeyError {
    KeyError::MalformedFile {
        path: origin.to_string(),
        reason: reason.to_string(),
    }
}

fn strip_0x(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s)
}

/// Split `//hard/soft//3` into junctions `(hard, chain code)`.
fn parse_path(path: &str) -> Result<Vec<(bool, [u8; 32])>, KeyError> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        let Some(r) = rest.strip_prefix('/') else {
            return Err(KeyError::InvalidUri(
                "derivation path must start with /".into(),
            ));
        };
        let (hard, r) = match r.strip_prefix('/') {
            Some(r) => (true, r),
            None => (false, r),
        };
        let end = r.find('/').unwrap_or(r.len());
        let name = &r[..end];
        if name.is_empty() {
            return Err(KeyError::InvalidUri("empty derivation junction".into()));
        }
        out.push((hard, junction_chain_code(name)?));
        rest = &r[end..];
    }
    Ok(out)
}

/// `sp_core::DeriveJunction::soft(x)`'s chain code: SCALE(x) padded to 32 bytes, or its
/// BLAKE2b-256 when longer; `x` is a u64 when the junction parses as one, else a string.
fn junction_chain_code(name: &str) -> Result<[u8; 32], KeyError> {
    let encoded: Vec<u8> = if let Ok(n) = name.parse::<u64>() {
        n.to_le_bytes().to_vec()
    } else {
        let len = name.len();
        let mut v = Vec::with_capacity(len + 4);
        if len < 1 << 6 {
            v.push((len as u8) << 2);
        } else if len < 1 << 14 {
            v.extend_from_slice(&(((len as u16) << 2) | 1).to_le_bytes());
        } else if len < 1 << 30 {
            v.extend_from_slice(&(((len as u32) << 2) | 2).to_le_bytes());
        } else {
            return Err(KeyError::InvalidUri("derivation junction too long".into()));
        }
        v.extend_from_slice(name.as_bytes());
        v
    };
    let mut cc = [0u8; 32];
    if encoded.len() > 32 {
        use blake2::digest::{consts::U32, Digest};
        let digest = blake2::Blake2b::<U32>::digest(&encoded);
        cc.copy_from_slice(&digest);
    } else {
        cc[..encoded.len()].copy_from_slice(&encoded);
    }
    Ok(cc)
}

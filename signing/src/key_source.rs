//! Where a validator's signing hotkey comes from, as written on a command line:
//! `wallet:NAME/HOTKEY`, `file:PATH`, `env:VAR` or `uri:SECRET_URI`.
//!
//! `wallet:` reads the hotkey file the bittensor SDK and btcli write,
//! `$BT_WALLET_PATH/NAME/hotkeys/HOTKEY` (default `~/.bittensor/wallets`). `uri:` puts the
//! secret on the command line, where other local users can see it: it is for tests and dev
//! keys (`uri://Alice`); a validator uses `wallet:`, `file:` or `env:`.

use std::path::PathBuf;
use std::str::FromStr;

use crate::keys::{HotkeySigner, KeyError};

/// A hotkey's source (see the module docs). Holds no secret except for `Uri`, whose `Debug`
/// hides it.
#[derive(Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A wallet name and hotkey name under the wallets directory.
    Wallet {
        /// The wallet (coldkey) name.
        wallet: String,
        /// The hotkey name.
        hotkey: String,
    },
    /// A hotkey file.
    File(PathBuf),
    /// An environment variable holding a secret URI or hex seed.
    Env(String),
    /// A secret URI (tests and dev keys only).
    Uri(String),
}

impl std::fmt::Debug for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Wallet { wallet, hotkey } => write!(f, "wallet:{wallet}/{hotkey}"),
            Self::File(p) => write!(f, "file:{}", p.display()),
            Self::Env(v) => write!(f, "env:{v}"),
            Self::Uri(_) => f.write_str("uri:<hidden>"),
        }
    }
}

/// A key source that does not parse. Never contains the secret of a `uri:`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad key source: {0} (expected wallet:NAME/HOTKEY, file:PATH, env:VAR or uri:SECRET_URI)")]
pub struct KeySourceError(String);

impl FromStr for KeySource {
    type Err = KeySourceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, rest) = s
            .split_once(':')
            .ok_or_else(|| KeySourceError("no kind: prefix".into()))?;
        if rest.is_empty() {
            return Err(KeySourceError(format!("{kind}: is empty")));
        }
        match kind {
            "wallet" => {
                let (wallet, hotkey) = rest
                    .split_once('/')
                    .filter(|(w, h)| !w.is_empty() && !h.is_empty())
                    .ok_or_else(|| KeySourceError("wallet: needs NAME/HOTKEY".into()))?;
                for part in [wallet, hotkey] {
                    if part == ".." || part == "." || part.contains(['/', '\\']) {
                        return Err(KeySourceError(format!(
                            "wallet: {part:?} is not a wallet or hotkey name"
                        )));
                    }
                }
                Ok(Self::Wallet {
                    wallet: wallet.into(),
                    hotkey: hotkey.into(),
                })
            }
            "file" => Ok(Self::File(rest.into())),
            "env" => Ok(Self::Env(rest.into())),
            "uri" => Ok(Self::Uri(rest.into())),
            other => Err(KeySourceError(format!("unknown kind {other:?}"))),
        }
    }
}

impl KeySource {
    /// The hotkey file a `wallet:` source names: `$BT_WALLET_PATH` (default
    /// `$HOME/.bittensor/wallets`) `/NAME/hotkeys/HOTKEY`.
    pub fn wallet_file(wallet: &str, hotkey: &str) -> PathBuf {
        let base = std::env::var_os("BT_WALLET_PATH")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .unwrap_or_default()
                    .join(".bittensor/wallets")
            });
        base.join(wallet).join("hotkeys").join(hotkey)
    }

    /// Loads the hotkey.
    pub fn load(&self) -> Result<HotkeySigner, KeyError> {
        match self {
            Self::Wallet { wallet, hotkey } => {
                HotkeySigner::from_wallet_file(Self::wallet_file(wallet, hotkey))
            }
            Self::File(path) => HotkeySigner::from_wallet_file(path),
            Self::Env(var) => HotkeySigner::from_env(var),
            Self::Uri(uri) => HotkeySigner::from_secret_uri(uri),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_bad_ones_are_named_without_secrets() {
        assert_eq!(
            "wallet:validator/default".parse::<KeySource>().unwrap(),
            KeySource::Wallet {
                wallet: "validator".into(),
                hotkey: "default".into()
            }
        );
        assert_eq!(
            "env:IMR_HOTKEY".parse::<KeySource>().unwrap(),
            KeySource::Env("IMR_HOTKEY".into())
        );
        let uri: KeySource = "uri://Alice".parse().unwrap();
        assert_eq!(format!("{uri:?}"), "uri:<hidden>");
        assert_eq!(
            uri.load().unwrap().ss58_address(),
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        );
        for bad in [
            "",
            "//Alice",
            "wallet:x",
            "wallet:../x",
            "wallet:a/..",
            "ftp:x",
            "env:",
        ] {
            let e = bad.parse::<KeySource>().unwrap_err().to_string();
            assert!(e.contains("bad key source"), "{bad}: {e}");
        }
    }

    #[test]
    fn a_wallet_source_reads_the_sdk_layout() {
        let dir = tempfile::tempdir().unwrap();
        let seed = [9u8; 32];
        let signer = HotkeySigner::from_seed(seed);
        let file = dir.path().join("w/hotkeys/h");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        // A hotkey file as btwallet writes it from a secret seed.
        let json = format!(
            r#"{{"secretSeed": "0x{}", "publicKey": "0x{}", "ss58Address": "{}"}}"#,
            hex::encode(seed),
            hex::encode(signer.public_key()),
            signer.ss58_address()
        );
        std::fs::write(&file, json).unwrap();
        // BT_WALLET_PATH is process-wide; this is the only test that sets it.
        std::env::set_var("BT_WALLET_PATH", dir.path());
        let source: KeySource = "wallet:w/h".parse().unwrap();
        assert_eq!(KeySource::wallet_file("w", "h"), file);
        assert_eq!(source.load().unwrap().ss58_address(), signer.ss58_address());
        let missing: KeySource = "wallet:w/nope".parse().unwrap();
        assert!(missing.load().is_err());
    }
}

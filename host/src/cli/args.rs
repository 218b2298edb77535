//! Arguments shared by the commands that execute mechanisms (`run`, `replay`,
//! `verify`), and the conversions from them to library values.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use imr_host::session::{Session, Start};
use imr_host::{ArtifactCache, Backend, DeterministicEngine, Limits, Mechanism};
use imr_weights::Sdk;

/// Which bittensor SDK generation's weight processing to reproduce.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SdkArg {
    /// bittensor 10.x (`bittensor.utils.weight_utils`, template-based validators).
    #[value(name = "10")]
    V10,
    /// bittensor 11.x (`bittensor.intents.weights`, the lean SDK).
    #[value(name = "11")]
    V11,
}

impl From<SdkArg> for Sdk {
    fn from(s: SdkArg) -> Self {
        match s {
            SdkArg::V10 => Sdk::V10,
            SdkArg::V11 => Sdk::V11,
        }
    }
}

/// Engine options shared by the commands that execute mechanisms.
#[derive(Args, Debug, Clone)]
pub struct EngineArgs {
    /// Fuel budget of one run (1 to 2·10¹¹, 100 times the default).
    #[arg(long, default_value_t = imr_host::limits::DEFAULT_FUEL,
          value_parser = clap::value_parser!(u64).range(1..=imr_host::limits::MAX_FUEL))]
    pub fuel: u64,
    /// Linear-memory cap of one run, in MiB (1 to 4096: a 32-bit wasm memory addresses at most 4 GiB).
    #[arg(long, value_name = "MIB", default_value_t = imr_host::limits::DEFAULT_MEMORY_BYTES >> 20,
          value_parser = clap::value_parser!(u64).range(1..=imr_host::limits::MAX_MEMORY_BYTES >> 20))]
    pub memory_mib: u64,
    /// Code generator: cranelift (native code) or pulley (portable interpreter; same results, slower).
    #[arg(long, value_enum, default_value_t = EngineKind::Cranelift)]
    pub engine: EngineKind,
    /// Do not use the compiled-artifact cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Directory of the compiled-artifact cache (default: $IMR_CACHE_DIR, else $XDG_CACHE_HOME/imr, else ~/.cache/imr; it must be private to the current user).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

/// `--engine` values.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EngineKind {
    /// Cranelift native code.
    Cranelift,
    /// Pulley, wasmtime's portable interpreter.
    Pulley,
}

impl EngineKind {
    /// The engine backend.
    pub fn backend(self) -> Backend {
        match self {
            EngineKind::Cranelift => Backend::Cranelift,
            EngineKind::Pulley => Backend::Pulley,
        }
    }
}

impl EngineArgs {
    /// Builds the engine these options describe.
    pub fn engine(&self) -> anyhow::Result<DeterministicEngine> {
        let backend = self.engine.backend();
        let limits = Limits {
            fuel: self.fuel,
            memory_bytes: self.memory_mib << 20,
            ..Limits::default()
        };
        Ok(DeterministicEngine::with(backend, limits)?)
    }

    /// The compiled-artifact cache these options ask for.
    pub fn cache(&self) -> Option<ArtifactCache> {
        cache(self.no_cache, self.cache_dir.as_ref())
    }

    /// Loads a mechanism from component bytes (read from `path`) with these options.
    pub fn load_bytes(
        &self,
        engine: &DeterministicEngine,
        bytes: &[u8],
        path: &Path,
    ) -> anyhow::Result<Mechanism> {
        Mechanism::from_bytes(engine, bytes, self.cache().as_ref())
            .with_context(|| format!("cannot load mechanism {}", path.display()))
    }
}

/// The artifact cache unless disabled: `dir`, else the default directory.
/// A directory that is not private to the current user is not used: a warning
/// names the problem and the run goes on without the cache.
pub fn cache(no_cache: bool, dir: Option<&PathBuf>) -> Option<ArtifactCache> {
    if no_cache {
        return None;
    }
    let cache = ArtifactCache::new(dir.cloned().or_else(ArtifactCache::default_dir)?);
    match cache.check() {
        Ok(_) => Some(cache),
        Err(e) => {
            eprintln!("warning: not using the artifact cache: {e}");
            None
        }
    }
}

/// Run a mechanism on an epoch, or on a directory of epochs in order (validator mode).
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The mechanism component (built with `imr build`).
    #[arg(long, short, value_name = "M.wasm")]
    pub(crate) mechanism: PathBuf,
    /// The epoch file (JSON, see README "Epoch files").
    #[arg(long, short, value_name = "E.json", required_unless_present = "epochs")]
    pub(crate) epoch: Option<PathBuf>,
    /// Validator mode: run every *.json epoch file of DIR in name order, carrying the state from each to the next.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["epoch", "previous"])]
    pub(crate) epochs: Option<PathBuf>,
    /// Append every run to this run log (created when missing); the log supplies the previous receipt and the state.
    #[arg(long, value_name = "LOG")]
    pub(crate) log: Option<PathBuf>,
    /// With --epochs: continue an interrupted log, skipping the epochs it already holds.
    #[arg(long, requires_all = ["epochs", "log"])]
    pub(crate) resume: bool,
    /// The state returned by the previous epoch (default: none, the first epoch; with --log, the log's).
    #[arg(long, short, value_name = "S")]
    pub(crate) state: Option<PathBuf>,
    /// Output directory for weights.json, receipt.json, state.json and diagnostics.json (validator mode: of the last epoch).
    #[arg(long, short, value_name = "DIR", default_value = "out")]
    pub(crate) out: PathBuf,
    /// The previous receipt, to chain this one to it.
    #[arg(long, value_name = "RECEIPT")]
    pub(crate) previous: Option<PathBuf>,
    /// bittensor SDK generation whose weight processing is reproduced.
    #[arg(long, value_enum, default_value = "11")]
    pub(crate) sdk: SdkArg,
    /// Sign every receipt appended to --log with this hotkey (receipts/<n>.sig.json):
    /// wallet:NAME/HOTKEY (a bittensor wallet's hotkey file under $BT_WALLET_PATH, default
    /// ~/.bittensor/wallets), file:PATH, env:VAR (a secret URI or hex seed), or uri:SECRET_URI
    /// (tests and dev keys only: visible to other local users). The secret is never printed.
    #[arg(long, value_name = "SOURCE", requires = "log")]
    pub(crate) sign_with: Option<imr_signing::KeySource>,
    /// Print nothing but errors (and no progress bar).
    #[arg(long, short)]
    pub(crate) quiet: bool,
    #[command(flatten)]
    pub(crate) engine: EngineArgs,
}

impl RunArgs {
    /// The SDK generation asked for.
    pub(crate) fn sdk(&self) -> Sdk {
        self.sdk.into()
    }

    /// Opens the session `args` describe: with `--log`, continuing the log;
    /// otherwise from `--state` and `--previous`.
    pub(crate) fn open_session(&self) -> anyhow::Result<Session> {
        let previous = match &self.previous {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?;
                let r: imr_host::receipt::Receipt = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a receipt", p.display()))?;
                Some(r.hash)
            }
            None => None,
        };
        let start = Start {
            state: self.state.as_deref().map(read_state).transpose()?,
            previous,
        };
        let mut session = match &self.log {
            Some(log) => Session::open_log(log, self.sdk(), start)
                .with_context(|| format!("run log {}", log.display()))?,
            None => Session::new(self.sdk(), start),
        };
        if let Some(source) = &self.sign_with {
            let signer = source
                .load()
                .with_context(|| format!("signing key {source:?}"))?;
            session.sign_with(signer);
        }
        Ok(session)
    }

    /// Loads the mechanism `args` name with its engine options.
    pub(crate) fn load_mechanism(&self) -> anyhow::Result<Mechanism> {
        let engine = self.engine.engine()?;
        let component = read_component(&self.mechanism)?;
        self.engine.load_bytes(&engine, &component, &self.mechanism)
    }
}

/// Reads a component file.
pub fn read_component(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read mechanism {}", path.display()))
}

/// Reads a state file.
pub fn read_state(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read state file {}", path.display()))
}

//! `imr run`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use imr_host::fsutil::write_atomic;
use imr_host::runlog::{carried_state, Log, Record};
use imr_host::runner::{execute, Executed};
use imr_host::{epoch, ArtifactCache, Backend, DeterministicEngine, Limits, Mechanism};
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
    /// Fuel budget of one run.
    #[arg(long, default_value_t = imr_host::limits::DEFAULT_FUEL)]
    pub fuel: u64,
    /// Linear-memory cap of one run, in MiB.
    #[arg(long, value_name = "MIB", default_value_t = imr_host::limits::DEFAULT_MEMORY_BYTES >> 20)]
    pub memory_mib: u64,
    /// Code generator: cranelift (native code) or pulley (portable interpreter; same results, slower).
    #[arg(long, value_enum, default_value_t = EngineKind::Cranelift)]
    pub engine: EngineKind,
    /// Do not use the compiled-artifact cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Directory of the compiled-artifact cache (default: $IMR_CACHE_DIR, else ~/.cache/imr).
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
pub fn cache(no_cache: bool, dir: Option<&PathBuf>) -> Option<ArtifactCache> {
    (!no_cache).then(|| ArtifactCache::new(dir.cloned().unwrap_or_else(ArtifactCache::default_dir)))
}

/// Run a mechanism on an epoch, or on a directory of epochs in order (validator mode).
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The mechanism component (built with `imr build`).
    #[arg(long, short, value_name = "M.wasm")]
    mechanism: PathBuf,
    /// The epoch file (JSON, see README "Epoch files").
    #[arg(long, short, value_name = "E.json", required_unless_present = "epochs")]
    epoch: Option<PathBuf>,
    /// Validator mode: run every *.json epoch file of DIR in name order, carrying the state from each to the next.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["epoch", "previous"])]
    epochs: Option<PathBuf>,
    /// Append every run to this run log (created when missing); the log supplies the previous receipt and the state.
    #[arg(long, value_name = "LOG")]
    log: Option<PathBuf>,
    /// With --epochs: continue an interrupted log, skipping the epochs it already holds.
    #[arg(long, requires_all = ["epochs", "log"])]
    resume: bool,
    /// The state returned by the previous epoch (default: none, the first epoch; with --log, the log's).
    #[arg(long, short, value_name = "S")]
    state: Option<PathBuf>,
    /// Output directory for weights.json, receipt.json, state.json and diagnostics.json (validator mode: of the last epoch).
    #[arg(long, short, value_name = "DIR", default_value = "out")]
    out: PathBuf,
    /// The previous receipt, to chain this one to it.
    #[arg(long, value_name = "RECEIPT")]
    previous: Option<PathBuf>,
    /// bittensor SDK generation whose weight processing is reproduced.
    #[arg(long, value_enum, default_value = "11")]
    sdk: SdkArg,
    /// Print nothing but errors (and no progress bar).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

const OUTPUT_FILES: [&str; 4] = [
    "weights.json",
    "receipt.json",
    "state.json",
    "diagnostics.json",
];

pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    match (&args.epoch, &args.epochs) {
        (_, Some(dir)) => super::validator::run_epochs(args, dir),
        (Some(epoch), None) => run_one(args, epoch),
        (None, None) => anyhow::bail!("give --epoch E.json or --epochs DIR"),
    }
}

/// The options validator mode reads.
impl RunArgs {
    pub(crate) fn mechanism(&self) -> &Path {
        &self.mechanism
    }
    pub(crate) fn log(&self) -> Option<&Path> {
        self.log.as_deref()
    }
    pub(crate) fn resume(&self) -> bool {
        self.resume
    }
    pub(crate) fn state(&self) -> Option<&Path> {
        self.state.as_deref()
    }
    pub(crate) fn out(&self) -> &Path {
        &self.out
    }
    pub(crate) fn sdk(&self) -> Sdk {
        self.sdk.into()
    }
    pub(crate) fn quiet(&self) -> bool {
        self.quiet
    }
    pub(crate) fn engine_args(&self) -> &EngineArgs {
        &self.engine
    }
}

fn read_state(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read state file {}", path.display()))
}

fn run_one(args: &RunArgs, epoch_path: &Path) -> anyhow::Result<ExitCode> {
    let input = epoch::load(epoch_path)?;
    let mut log = match &args.log {
        Some(p) => Some(Log::open_append(p)?),
        None => None,
    };
    let head = match &log {
        Some(l) => l.head()?,
        None => None,
    };
    let previous = match &args.previous {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            let r: imr_host::receipt::Receipt = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a receipt", p.display()))?;
            Some(r.hash)
        }
        None => None,
    };
    let (state, previous) = match (&log, &head) {
        (Some(l), Some(h)) => {
            if args.state.is_some() {
                anyhow::bail!(
                    "--state cannot be given with a non-empty --log: the state comes from the log's last receipt"
                );
            }
            if previous.as_ref().is_some_and(|p| *p != h.hash) {
                anyhow::bail!(
                    "--previous names another receipt than the log's last one ({})",
                    h.hash
                );
            }
            let state = l.blob("state", carried_state(h))?;
            (state, Some(h.hash.clone()))
        }
        (Some(_), None) if previous.is_some() => {
            anyhow::bail!(
                "--previous cannot start a new run log: its first receipt has no previous"
            )
        }
        _ => (
            args.state
                .as_deref()
                .map(read_state)
                .transpose()?
                .unwrap_or_default(),
            previous,
        ),
    };
    let engine = args.engine.engine()?;
    let component = read_component(&args.mechanism)?;
    let mechanism = args
        .engine
        .load_bytes(&engine, &component, &args.mechanism)?;
    let executed = execute(&mechanism, &input, &state, previous, args.sdk.into());
    write_outputs(&args.out, &executed, args.quiet)?;
    if let Some(log) = &mut log {
        if !executed
            .run
            .result
            .as_ref()
            .is_err_and(|e| !e.deterministic())
        {
            let appended = log.append(&Record {
                component: &component,
                input: &input,
                state_in: &state,
                executed: &executed,
            })?;
            if !args.quiet {
                println!(
                    "logged  receipt {} of {}",
                    appended.seq,
                    log.path().display()
                );
            }
        }
    }
    if !args.quiet {
        print_summary(&input.epoch, &executed, &args.out);
    }
    match &executed.run.result {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(anyhow::anyhow!("run failed: {e}")),
    }
}

/// Reads a component file.
pub fn read_component(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read mechanism {}", path.display()))
}

pub(crate) fn write_outputs(out: &Path, ex: &Executed, quiet: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // Outputs of an earlier run in the same directory must not sit beside this run's receipt.
    for name in OUTPUT_FILES {
        let p = out.join(name);
        if p.exists() {
            std::fs::remove_file(&p).with_context(|| format!("cannot replace {}", p.display()))?;
        }
    }
    let write = |name: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let p = out.join(name);
        write_atomic(&p, bytes).with_context(|| format!("cannot write {}", p.display()))
    };
    if !ex.run.result.as_ref().is_err_and(|e| !e.deterministic()) {
        write("receipt.json", ex.receipt.to_json_pretty().as_bytes())?;
    } else if !quiet {
        eprintln!("note: no receipt: this failure is not a deterministic result");
    }
    if let (Ok(outcome), Some(weights)) = (&ex.run.result, &ex.receipt.weights) {
        let w = serde_json::json!({
            "netuid": weights.netuid,
            "uids": weights.uids,
            "values": weights.values,
            "version_key": weights.version_key,
            "set_weights_call": weights.set_weights_call,
            "call": ex.emission.as_ref().map(|e| &e.choices.call),
            "preflight": ex.emission.as_ref().map(|e| &e.preflight),
            "timelocked_commit": ex.timelocked.as_ref().map(|t| match t {
                Ok(c) => serde_json::to_value(c).unwrap_or_default(),
                Err(reason) => serde_json::json!({ "error": reason }),
            }),
        });
        write("weights.json", serde_json::to_string_pretty(&w)?.as_bytes())?;
        write("state.json", &outcome.state)?;
        write("diagnostics.json", &outcome.diagnostics)?;
    }
    Ok(())
}

fn print_summary(epoch: &imr_guest::Epoch, ex: &Executed, out: &Path) {
    if let Ok(outcome) = &ex.run.result {
        let scores: Vec<(u16, f64)> = outcome.scores.iter().map(|s| (s.uid, s.score)).collect();
        print!(
            "{}",
            super::table::render(epoch, &scores, ex.emission.as_ref())
        );
        if let Some(e) = &ex.emission {
            if !e.preflight.ok {
                let names: Vec<&str> = e
                    .preflight
                    .rejections
                    .iter()
                    .map(|r| r.error.as_str())
                    .collect();
                println!("chain pre-flight: would be rejected: {}", names.join(", "));
            }
        }
    }
    match &ex.timelocked {
        Some(Ok(c)) => {
            println!(
                "commit  {} (call {}) to drand round {}: {} bytes of ciphertext{}",
                c.plan.call,
                c.plan.call_index,
                c.plan.reveal.reveal_round,
                c.commit_len,
                if c.plan.preflight.ok {
                    String::new()
                } else {
                    let names: Vec<&str> = c
                        .plan
                        .preflight
                        .rejections
                        .iter()
                        .map(|r| r.error.as_str())
                        .collect();
                    format!("; would be rejected: {}", names.join(", "))
                }
            );
            println!("commit  args {}", c.args_scale_hex);
        }
        Some(Err(reason)) => println!("commit  not built: {reason}"),
        None => {}
    }
    for line in &ex.run.log {
        eprintln!("guest {}: {}", line.level, line.message);
    }
    println!(
        "fuel    {} of {} ({:.3}%)",
        ex.run.fuel_consumed,
        ex.run.fuel_limit,
        100.0 * ex.run.fuel_consumed as f64 / ex.run.fuel_limit.max(1) as f64
    );
    if out.join("receipt.json").exists() {
        println!(
            "receipt {} (hash {})",
            out.join("receipt.json").display(),
            ex.receipt.hash
        );
    }
    if ex.run.result.is_ok() {
        println!("weights {}", out.join("weights.json").display());
    }
}

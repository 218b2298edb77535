//! `imr weights`: the weight pipeline alone. Scores (JSON) and chain parameters in, a JSON
//! report out: the SDK's processed float weights, the emitted uids and u16 values, the chain's
//! pre-flight verdict, the SCALE-encoded `set_mechanism_weights` (or, on request, `set_weights`)
//! arguments; with `--commit` the path the SDKs take on a commit-reveal subnet (a drand
//! timelocked `commit_timelocked_mechanism_weights`), and with `--commit-v2` the v2 hash and
//! the `commit_weights`/`reveal_weights` arguments.

use std::path::PathBuf;

use anyhow::{bail, Context};
use imr_weights::reveal_round::CommitSchedule;
use imr_weights::{call_data, scores, ChainParams, Sdk, WeightsCall};

fn parse_call(s: &str) -> Result<WeightsCall, String> {
    match s.trim() {
        "set_mechanism_weights" => Ok(WeightsCall::SetMechanismWeights),
        "set_weights" => Ok(WeightsCall::SetWeights),
        other => Err(format!(
            "unknown call {other:?}: use set_mechanism_weights or set_weights"
        )),
    }
}

/// A 32-byte seed for reproducible timelock encryption (tests only).
#[derive(Clone)]
pub struct Seed(pub [u8; 32]);

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(<secret>)")
    }
}

fn parse_seed(s: &str) -> Result<Seed, String> {
    let bytes = hex::decode(s.trim().trim_start_matches("0x"))
        .map_err(|e| format!("the seed must be 64 hex characters: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map(Seed)
        .map_err(|_| format!("the seed must be 32 bytes, got {}", bytes.len()))
}

fn parse_sdk(s: &str) -> Result<Sdk, String> {
    match s.trim().trim_start_matches(['v', 'V']) {
        "10" => Ok(Sdk::V10),
        "11" => Ok(Sdk::V11),
        other => Err(format!("unknown sdk {other:?}: use 10 or 11")),
    }
}

/// A commit salt: u16 values (a newtype so clap takes the whole list as one value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Salt(pub Vec<u16>);

fn parse_salt(s: &str) -> Result<Salt, String> {
    if s.trim().is_empty() {
        return Ok(Salt(Vec::new()));
    }
    s.split(',')
        .enumerate()
        .map(|(i, part)| {
            part.trim().parse::<u16>().map_err(|e| {
                format!(
                    "salt item {i} ({:?}): {e}; expected u16 values like 1,2,3",
                    part.trim()
                )
            })
        })
        .collect::<Result<Vec<u16>, String>>()
        .map(Salt)
}

/// Arguments of `imr weights`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  imr weights --scores weights/examples/scores.json \
    --netuid 1 --n 8 --commit-reveal false --sdk 10\n  imr weights --scores weights/examples/scores.json \
    --n 8 --commit --hotkey 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY \
    --current-block 5000000 --block-timestamp-ms 1764936000000 --tempo 360"
)]
pub struct WeightsArgs {
    /// Scores file: {"uids": [u16...], "weights": [non-negative numbers...]}, one weight per uid.
    #[arg(long, value_name = "FILE")]
    pub scores: PathBuf,

    /// Chain parameters as JSON (the same object as an epoch file's "chain"); flags below
    /// override its fields. Missing fields take the chain's defaults.
    #[arg(long, value_name = "FILE.json")]
    pub chain: Option<PathBuf>,

    /// bittensor SDK generation to reproduce: 10 (bittensor.utils.weight_utils, template
    /// validators: float32, exclude quantile) or 11 (bittensor.intents.weights, the lean SDK).
    #[arg(long, value_name = "10|11", default_value = "11", value_parser = parse_sdk)]
    pub sdk: Sdk,

    /// Subnet id (default 1; 0 is the root network, which refuses weights).
    #[arg(long)]
    pub netuid: Option<u16>,

    /// Mechanism id within the subnet (default 0; other values use set_mechanism_weights).
    #[arg(long)]
    pub mecid: Option<u8>,

    /// Number of mechanisms the subnet has, MechanismCountCurrent (default 1).
    #[arg(long)]
    pub mechanism_count: Option<u8>,

    /// Neuron count of the subnet, SubnetworkN (default: unknown, taken as max uid + 1).
    #[arg(long, value_name = "N")]
    pub n: Option<u16>,

    /// MinAllowedWeights of the subnet (default 1).
    #[arg(long)]
    pub min_allowed_weights: Option<u16>,

    /// MaxWeightsLimit as the raw u16 (default 65535 = no clip; the SDKs clip to value/65535).
    #[arg(long, value_name = "U16")]
    pub max_weight_limit: Option<u16>,

    /// WeightsVersionKey the subnet requires (default 0 = not checked).
    #[arg(long)]
    pub weights_version_key: Option<u64>,

    /// version_key this submission sends (default 0, what bittensor 11.x sends; 10.x sends its
    /// version_as_int, 10005000 for 10.5.0).
    #[arg(long)]
    pub version_key: Option<u64>,

    /// The plaintext call: set_mechanism_weights (default, call 119, what both SDKs send, also
    /// for mecid 0) or set_weights (call 0, mecid 0 only).
    #[arg(long, value_name = "CALL", value_parser = parse_call)]
    pub call: Option<WeightsCall>,

    /// CommitRevealWeightsEnabled of the subnet (default true, the chain's default).
    #[arg(long, value_name = "true|false")]
    pub commit_reveal: Option<bool>,

    /// SDK 10.x exclude_quantile, u16-scaled (default 0; ignored by SDK 11.x).
    #[arg(long, value_name = "U16")]
    pub exclude_quantile: Option<u16>,

    /// The caller's uid on the subnet (enables the registration, permit and self-weight checks).
    #[arg(long)]
    pub caller_uid: Option<u16>,

    /// Whether the caller holds a validator permit.
    #[arg(long, value_name = "true|false")]
    pub caller_permit: Option<bool>,

    /// The caller is the subnet owner's hotkey (exempt from the permit and stake checks).
    #[arg(long)]
    pub caller_is_owner: bool,

    /// WeightsSetRateLimit in blocks (default 100).
    #[arg(long, value_name = "BLOCKS")]
    pub rate_limit: Option<u64>,

    /// Blocks since the caller's LastUpdate (enables the rate-limit check).
    #[arg(long, value_name = "BLOCKS")]
    pub blocks_since_last_update: Option<u64>,

    /// Also build the commit the SDKs send when commit-reveal is on: the drand timelocked
    /// commit_timelocked_mechanism_weights (commit-reveal v4; needs --hotkey and the schedule:
    /// the --chain file's "schedule" or --current-block, --block-timestamp-ms and --tempo).
    #[arg(long, conflicts_with = "commit_v2")]
    pub commit: bool,

    /// Also compute the commit-reveal v2 commit instead: hash, commit_weights and
    /// reveal_weights arguments (needs --hotkey and --salt).
    #[arg(long, requires_all = ["hotkey", "salt"])]
    pub commit_v2: bool,

    /// Hotkey that signs the commit: an ss58 address (checksum verified) or a 32-byte hex
    /// public key.
    #[arg(long, value_name = "ADDR")]
    pub hotkey: Option<String>,

    /// The block the commit is built at (schedule.current_block).
    #[arg(long, value_name = "BLOCK")]
    pub current_block: Option<u64>,

    /// Timestamp::Now of that block, unix milliseconds: the "now" of the reveal-round
    /// calculation (imr reads no clock).
    #[arg(long, value_name = "MS")]
    pub block_timestamp_ms: Option<u64>,

    /// Tempo of the subnet.
    #[arg(long)]
    pub tempo: Option<u16>,

    /// RevealPeriodEpochs of the subnet (default 1).
    #[arg(long, value_name = "EPOCHS")]
    pub reveal_period: Option<u64>,

    /// Seconds per block (default 12).
    #[arg(long, value_name = "SECONDS")]
    pub block_time: Option<f64>,

    /// LastEpochBlock of the subnet (11.x formula; default 0).
    #[arg(long, value_name = "BLOCK")]
    pub last_epoch_block: Option<u64>,

    /// PendingEpochAt of the subnet (11.x formula; default 0).
    #[arg(long, value_name = "BLOCK")]
    pub pending_epoch_at: Option<u64>,

    /// SubnetEpochIndex of the subnet (11.x formula; default 0).
    #[arg(long, value_name = "N")]
    pub subnet_epoch_index: Option<u64>,

    /// BlocksSinceLastStep of the subnet (11.x formula; default 0).
    #[arg(long, value_name = "BLOCKS")]
    pub blocks_since_last_step: Option<u64>,

    /// Seed the timelock encryption (64 hex characters) so the ciphertext is reproducible.
    /// For tests only: whoever knows the seed can decrypt before the reveal round. Default:
    /// OS randomness.
    #[arg(long, value_name = "HEX", value_parser = parse_seed)]
    pub insecure_tlock_seed: Option<Seed>,

    /// Commit salt: comma-separated u16 values, e.g. 1,2,3,4,5,6,7,8 (keep it for the reveal).
    #[arg(long, value_name = "U16,U16,...", value_parser = parse_salt)]
    pub salt: Option<Salt>,

    /// Exit with an error (status 1) if the pre-flight check finds a reason the chain would
    /// reject the submission; the report is printed either way.
    #[arg(long)]
    pub require_ok: bool,
}

fn chain_params(args: &WeightsArgs) -> anyhow::Result<ChainParams> {
    let mut p = match &args.chain {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read chain parameters {}", path.display()))?;
            ChainParams::from_json(&text).with_context(|| format!("in {}", path.display()))?
        }
        None => ChainParams::default(),
    };
    macro_rules! set {
        ($($flag:ident => $field:ident),* $(,)?) => {
            $(if let Some(v) = args.$flag { p.$field = v; })*
        };
    }
    set!(
        netuid => netuid,
        mecid => mecid,
        mechanism_count => mechanism_count,
        min_allowed_weights => min_allowed_weights,
        max_weight_limit => max_weight_limit,
        weights_version_key => weights_version_key,
        version_key => version_key,
        commit_reveal => commit_reveal_enabled,
        exclude_quantile => exclude_quantile,
        rate_limit => weights_set_rate_limit,
    );
    if args.n.is_some() {
        p.n = args.n;
    }
    if args.caller_uid.is_some() {
        p.caller_uid = args.caller_uid;
    }
    if args.caller_permit.is_some() {
        p.caller_permit = args.caller_permit;
    }
    if args.blocks_since_last_update.is_some() {
        p.blocks_since_last_update = args.blocks_since_last_update;
    }
    if args.caller_is_owner {
        p.caller_is_owner = true;
    }
    if let Some(call) = args.call {
        p.weights_call = call;
    }
    if args.hotkey.is_some() {
        p.hotkey = args.hotkey.clone();
    }
    p.schedule = commit_schedule(args, p.schedule.take())?;
    Ok(p)
}

/// The commit schedule: `from_file` (the `--chain` file's) with the schedule flags
/// applied; `None` when neither gives one.
fn commit_schedule(
    args: &WeightsArgs,
    from_file: Option<CommitSchedule>,
) -> anyhow::Result<Option<CommitSchedule>> {
    let any_schedule_flag = args.current_block.is_some()
        || args.block_timestamp_ms.is_some()
        || args.tempo.is_some()
        || args.reveal_period.is_some()
        || args.block_time.is_some()
        || args.last_epoch_block.is_some()
        || args.pending_epoch_at.is_some()
        || args.subnet_epoch_index.is_some()
        || args.blocks_since_last_step.is_some();
    if !any_schedule_flag {
        return Ok(from_file);
    }
    let mut sch = match from_file {
        Some(s) => s,
        None => {
            let (Some(current_block), Some(block_timestamp_ms), Some(tempo)) =
                (args.current_block, args.block_timestamp_ms, args.tempo)
            else {
                bail!(
                    "the commit schedule needs --current-block, --block-timestamp-ms and \
                     --tempo (or a \"schedule\" object in --chain)"
                );
            };
            CommitSchedule {
                current_block,
                block_timestamp_ms,
                tempo,
                reveal_period_epochs: 1,
                block_time: 12.0,
                last_epoch_block: 0,
                pending_epoch_at: 0,
                subnet_epoch_index: 0,
                blocks_since_last_step: 0,
            }
        }
    };
    macro_rules! sched {
        ($($flag:ident => $field:ident),* $(,)?) => {
            $(if let Some(v) = args.$flag { sch.$field = v; })*
        };
    }
    sched!(
        current_block => current_block,
        block_timestamp_ms => block_timestamp_ms,
        tempo => tempo,
        reveal_period => reveal_period_epochs,
        block_time => block_time,
        last_epoch_block => last_epoch_block,
        pending_epoch_at => pending_epoch_at,
        subnet_epoch_index => subnet_epoch_index,
        blocks_since_last_step => blocks_since_last_step,
    );
    Ok(Some(sch))
}

/// Runs `imr weights`: prints the JSON report on stdout.
pub fn run(args: &WeightsArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.scores)
        .with_context(|| format!("failed to read scores {}", args.scores.display()))?;
    let s = scores::parse(&text).with_context(|| format!("in {}", args.scores.display()))?;
    let params = chain_params(args)?;
    let emission =
        imr_weights::emit(&s.uids, &s.weights, &params, args.sdk).with_context(|| {
            format!(
                "the {} pipeline refused these scores",
                args.sdk.package_version()
            )
        })?;

    let mut report = imr_weights::report(&emission, &params);
    let mut ok = emission.preflight.ok;
    if let Some(obj) = report.as_object_mut() {
        if args.commit {
            if params.commit_reveal_enabled {
                let randomness = match &args.insecure_tlock_seed {
                    Some(seed) => imr_tlock::Randomness::Seeded(seed.0),
                    None => imr_tlock::Randomness::Os,
                };
                let c = imr_tlock::timelocked_commit(&emission, &params, args.sdk, &randomness)
                    .context("cannot build the timelocked commit")?;
                ok = c.plan.preflight.ok;
                obj.insert(
                    "timelocked_commit".into(),
                    serde_json::to_value(&c).context("failed to serialise the commit")?,
                );
            } else {
                eprintln!(
                    "note: commit-reveal is off on subnet {}: the SDKs send {} in the clear, \
                     no commit",
                    params.netuid, emission.choices.call
                );
            }
        }
        if args.commit_v2 {
            let (Some(hotkey), Some(salt)) = (&args.hotkey, &args.salt) else {
                bail!("--commit-v2 needs --hotkey and --salt");
            };
            let key = call_data::parse_hotkey(hotkey).context("bad --hotkey")?;
            let c = imr_weights::commit(&emission, &params, &key, &salt.0)?;
            ok = c.preflight.ok;
            obj.insert(
                "commit".into(),
                serde_json::to_value(&c).context("failed to serialise the commit")?,
            );
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&report).context("failed to serialise the report")?
    );
    if args.require_ok && !ok {
        bail!("the chain would reject this submission (see the preflight rejections above)");
    }
    Ok(())
}

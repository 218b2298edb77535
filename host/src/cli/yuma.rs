//! `imr yuma`: run subtensor's Yuma consensus epoch (bit-exact) on a chain state, once or over
//! many epochs.

use std::path::PathBuf;

use anyhow::Context;
use imr_yuma::driver::WeightsFile;
use imr_yuma::{run_epoch, run_epochs, table, StateFile, WeightsSchedule};

const LONG_ABOUT: &str = r#"Run subtensor's Yuma consensus epoch (the live sparse path of epoch_mechanism,
bit for bit in I32F32/I64F64/I96F32) on a chain state and print what the chain would store.

STATE FILE (--state), JSON:
  {
    "params": {                      every key optional; unknown keys are an error
      "tempo": 360,                  blocks per epoch (also the driver's block step)
      "kappa_u16": 32767,            consensus majority, u16 proportion
      "bonds_penalty_u16": 65535,    u16 proportion
      "bonds_moving_average": 900000,  ppm; EMA alpha = 1 - bma/1e6
      "yuma3": true,                 Yuma3 bonds (false = classic Yuma)
      "liquid_alpha": false,         per-entry alpha (Yuma3 only)
      "alpha_low_u16": 45875, "alpha_high_u16": 58982, "alpha_sigmoid_steepness": 1000,
      "max_allowed_validators": 64,  top-k stake gets validator permits
      "activity_cutoff_factor_milli": 13889,  cutoff = max(factor*tempo/1000, 1) blocks
      "stake_threshold": 0,          rao
      "tao_weight": 0,               raw TaoWeight (weight = tao_weight / u64::MAX)
      "owner_uid": null,             subnet owner's uid (forced permit, keeps self-weight)
      "commit_reveal_enabled": false,  mask with input.commit_block
      "rao_emission": 1000000000,    rao distributed by the epoch
      "n", "activity_cutoff_blocks", "mechanism_count": optional checks (mechanism_count must be 1)
    },
    "input": {                       one entry per uid in every vector; stake defines n
      "current_block": 1000,
      "stake": [u64, ...],           alpha stake in rao (required)
      "validator_permit": [bool, ...],       permits written by the previous epoch (default all false)
      "weights": [[[dest_uid, u16], ...], ...],  stored Weights rows (max-upscaled u16)
      "bonds":   [[[dest_uid, u16], ...], ...],  stored Bonds rows
      "last_update": [u64, ...],             default all 0
      "block_at_registration": [u64, ...],   default all 0
      "last_mechanism_step_block": 0,        0 = bond mask uses current_block - tempo
      "tao_stake": [u64, ...],               optional root stake
      "commit_block": [u64 or null, ...]     optional, for commit_reveal_enabled
    }
  }
This is the `input` object and the `params` object of the golden epoch vectors
(subtensor-vectors/epoch-sequence/v1). Vectors of the wrong length, rows naming a uid >= n and
unknown keys are errors.

SEVERAL MECHANISMS: when `params.mechanism_count` is over 1, `input` holds the shared terms
(current_block, rao_emission, stake, validator_permit, block_at_registration, ...) and
"mechanisms": [{"weights", "bonds", "last_update"}, ...], one per mechanism; `params` may give
"emission_split" (u16 parts of 65535; default even) and "netuid". One epoch runs subtensor's
epoch_with_mechanisms and prints each mechanism's terms and the aggregated ones.

OUTPUT: one epoch prints the stored outputs as JSON: consensus_u16, incentive_u16,
dividends_u16, validator_trust_u16, stake_weight_u16 (u16 proportions, floor(x*65535)),
emission, server_emission, validator_emission (rao), new_validator_permit, active, bonds_u16.
With --epochs or --weights-per-epoch it prints {"epochs": [{"epoch", "block", "output"}, ...]}.

MULTI-EPOCH: each epoch after the first runs tempo blocks later with the previous epoch's bonds,
permits and consensus (liquid alpha's "Previous"/"Auto" consensus mode reads it). Without --weights-per-epoch the weights are held fixed (every uid with a row
re-submits it before each epoch, so it stays active). A weights file is
  {"epochs": [ {"<uid>": [[dest_uid, value], ...], ...}, ... ]}
where entry k lists the uids calling set_weights before epoch k (values are max-upscaled as the
chain stores them; the submitter's last_update becomes that epoch's block; unlisted uids keep
their row). An optional "replace": [{"epoch": k, "uid": u, "stake": 0, "block": B}] gives uid u
to a new hotkey before epoch k (subtensor's replace_neuron + clear_neuron: its weights and bond
row removed, weights to it zeroed, permit and stored consensus cleared, last_update and
registration block set to B, default the epoch's block; stake default 0), to simulate a
validator's or a miner's deregistration."#;

/// Arguments of `imr yuma`.
#[derive(clap::Args, Debug)]
#[command(
    about = "Run subtensor's Yuma consensus epoch, bit for bit, on a chain state",
    after_long_help = LONG_ABOUT
)]
pub struct YumaArgs {
    /// The chain state and hyperparameters, JSON (see --help for the format).
    #[arg(long, value_name = "F.json")]
    pub state: PathBuf,
    /// Number of epochs to chain (default 1, or the number of epochs in --weights-per-epoch).
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,
    /// Per-epoch weight submissions, JSON: {"epochs": [{"<uid>": [[dest, value], ...]}, ...]}.
    #[arg(long, value_name = "FILE")]
    pub weights_per_epoch: Option<PathBuf>,
    /// Print a readable per-uid table instead of JSON.
    #[arg(long)]
    pub table: bool,
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Run `imr yuma`.
pub fn run(args: &YumaArgs) -> anyhow::Result<()> {
    let state_name = args.state.display().to_string();
    let text = read(&args.state)?;
    if imr_yuma::mechanisms::is_mechanisms_state(&text) {
        return run_mechanisms(args, &state_name, &text);
    }
    let state = StateFile::from_json(&state_name, &text)?;
    let weights = match &args.weights_per_epoch {
        Some(p) => Some(WeightsFile::from_json(&p.display().to_string(), &read(p)?)?),
        None => None,
    };
    if args.epochs.is_none() && weights.is_none() {
        let out = run_epoch(&state.params, &state.input)?;
        if args.table {
            print!("{}", table::render_output(&out));
        } else {
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        return Ok(());
    }
    let epochs = args
        .epochs
        .unwrap_or_else(|| weights.as_ref().map_or(1, |w| w.epochs.len()));
    let schedule = match weights {
        Some(w) => WeightsSchedule::PerEpoch(w),
        None => WeightsSchedule::Fixed,
    };
    let records = run_epochs(&state.params, &state.input, epochs, &schedule)?;
    if args.table {
        print!("{}", table::render_run(&records));
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "epochs": records }))?
        );
    }
    Ok(())
}

/// One epoch of a subnet with several mechanisms.
fn run_mechanisms(args: &YumaArgs, state_name: &str, text: &str) -> anyhow::Result<()> {
    if args.epochs.is_some() || args.weights_per_epoch.is_some() {
        anyhow::bail!(
            "{state_name}: a state with several mechanisms runs one epoch; --epochs and \
             --weights-per-epoch are not supported for it yet"
        );
    }
    let state = imr_yuma::mechanisms::MechanismsStateFile::from_json(state_name, text)?;
    let out = imr_yuma::mechanisms::run_epoch_with_mechanisms(&state.params, &state.input)?;
    if args.table {
        print!("{}", table::render_mechanisms(&out));
    } else {
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    Ok(())
}

//! The 200-epoch scenario: twelve miner archetypes forecasting SYN-BTC five days ahead.

use imr_types::epoch_file::{EpochDocument, FieldLayout, JsonText, ResponseDocument};
use imr_types::Neuron;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::rng::SplitMix64;
use crate::series::{Day, SERIES_SEED};

/// Number of epochs.
pub const EPOCHS: usize = 200;
/// Forecast horizon in days.
pub const HORIZON: usize = 5;
/// The subnet.
pub const NETUID: u16 = 7;
/// Epoch `k` happens at block `BLOCK0 + BLOCKS_PER_EPOCH·k`.
pub const BLOCK0: u64 = 1000;
/// Blocks between epochs.
pub const BLOCKS_PER_EPOCH: u64 = 360;
/// Epoch `k` opens a request based on day `FIRST_DAY + k`.
pub const FIRST_DAY: usize = 30;
/// The epoch at which uid 10 registers.
pub const LATE_JOIN_EPOCH: usize = 60;
/// The epoch at which uid 11 changes hotkey.
pub const SWAP_EPOCH: usize = 100;
/// The copycat's registration block (the oracle registered at block 0).
pub const COPYCAT_REGISTERED: u64 = 500;
/// Number of uids (0 … 11).
pub const UIDS: u16 = 12;
/// z of a central 90% normal interval.
const Q90: f64 = 1.645;
/// The daily volatility the naive miners assume.
const NAIVE_SIGMA: f64 = 0.035;
/// Relative jitter of the jittered-naive archetypes' point forecast.
const JITTER: f64 = 0.002;
/// Days of history the drift miner looks back.
const DRIFT_LOOKBACK: usize = 20;

/// The block of epoch `k`.
pub fn block_of(k: usize) -> u64 {
    BLOCK0 + BLOCKS_PER_EPOCH * k as u64
}

/// One epoch file: the epoch-file document of `imr-types` with this scenario's task, payload and params.
pub struct EpochFile {
    document: EpochDocument<Task, Payload, Params, JsonText>,
}

#[derive(Serialize)]
struct Task {
    epoch: usize,
    asset: &'static str,
    horizon: usize,
    open_requests: Vec<OpenRequest>,
    resolutions: Vec<Resolution>,
}

impl FieldLayout for Task {}

#[derive(Serialize)]
struct OpenRequest {
    request_id: String,
    base_price: f64,
    opened_block: u64,
}

#[derive(Serialize)]
struct Resolution {
    request_id: String,
    realized: Vec<f64>,
}

/// A miner's submission.
#[derive(Serialize, Clone, PartialEq)]
struct Payload {
    request_id: String,
    points: Option<Vec<f64>>,
    intervals: Option<Vec<[f64; 2]>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
struct Params {
    alpha: f64,
    burn_uid: u16,
    burn_frac: f64,
}

impl FieldLayout for Params {}

impl EpochFile {
    /// The file's text: one top-level field per line, each neuron and each response compact on its own line
    /// ([`EpochDocument::to_text`]).
    pub fn to_text(&self) -> String {
        self.document
            .to_text()
            .expect("scenario types always serialize")
    }
}

/// The subnet's chain parameters in every epoch file: commit-reveal off, so the
/// pre-flight check of a plain `set_weights` passes (everything else: chain defaults).
pub const CHAIN: &str = r#"{"commit_reveal_enabled": false}"#;

fn chain() -> JsonText {
    JsonText::new(CHAIN).expect("CHAIN is JSON")
}

/// The request id of epoch `k`.
pub fn request_id(k: usize) -> String {
    format!("r{k:04}")
}

/// The epoch seed: SHA-256 of the ASCII text `imr-ts-scenario/epoch/<k>` (k in decimal), as hex.
pub fn epoch_seed(k: usize) -> String {
    hex::encode(Sha256::digest(
        format!("imr-ts-scenario/epoch/{k}").as_bytes(),
    ))
}

/// A fictional but well-formed ss58 hotkey (prefix 42): the 32-byte public key is four SplitMix64 outputs
/// (little-endian) of the stream seeded `0x4B45_5900 + 16·uid + generation`; the checksum is the first two bytes of
/// BLAKE2b-512(`"SS58PRE"` ‖ 42 ‖ key); the address is base58(42 ‖ key ‖ checksum).
pub fn hotkey(uid: u16, generation: u64) -> String {
    use blake2::{Blake2b512, Digest as _};
    let mut rng = SplitMix64::new(0x4B45_5900 + 16 * u64::from(uid) + generation);
    let mut body = vec![42u8];
    for _ in 0..4 {
        body.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    let mut h = Blake2b512::new();
    h.update(b"SS58PRE");
    h.update(&body);
    let checksum = h.finalize();
    body.extend_from_slice(&checksum[..2]);
    bs58::encode(body).into_string()
}

/// Rounds to cents: `round(x·100)/100`, half away from zero.
fn cents(x: f64) -> f64 {
    libm::round(x * 100.0) / 100.0
}

/// Builds every epoch file of the scenario, in order.
pub fn generate(days: &[Day]) -> Vec<EpochFile> {
    let mut streams: Vec<SplitMix64> = (0..UIDS)
        .map(|uid| SplitMix64::new(SERIES_SEED ^ u64::from(uid)))
        .collect();
    (0..EPOCHS).map(|k| epoch(k, days, &mut streams)).collect()
}

fn neurons(k: usize) -> Vec<Neuron> {
    let mut out = Vec::new();
    for uid in 0..UIDS {
        let (generation, registered_at_block) = match uid {
            9 => (0, COPYCAT_REGISTERED),
            10 if k < LATE_JOIN_EPOCH => continue,
            10 => (0, block_of(LATE_JOIN_EPOCH) - BLOCKS_PER_EPOCH / 2),
            11 if k >= SWAP_EPOCH => (1, block_of(SWAP_EPOCH) - BLOCKS_PER_EPOCH / 2),
            _ => (0, 0),
        };
        out.push(Neuron {
            uid,
            hotkey: hotkey(uid, generation),
            stake: if uid == 0 { 1000.0 } else { 0.0 },
            registered_at_block,
            validator_permit: uid == 0,
        });
    }
    out
}

/// A forecast with a log-normal point around the truth and a calibrated 90% log interval around the point.
fn noisy_oracle(rng: &mut SplitMix64, truth: &[f64], sigma: f64) -> (Vec<f64>, Vec<[f64; 2]>) {
    let mut points = Vec::with_capacity(HORIZON);
    let mut intervals = Vec::with_capacity(HORIZON);
    for (i, &y) in truth.iter().enumerate() {
        let s = sigma * libm::sqrt((i + 1) as f64);
        let p = y * libm::exp(s * rng.normal());
        points.push(cents(p));
        intervals.push([
            cents(p * libm::exp(-Q90 * s)),
            cents(p * libm::exp(Q90 * s)),
        ]);
    }
    (points, intervals)
}

/// Points `point_h`, intervals `point_h ∓ width·1.645·0.035·√h·base`.
fn around(points: &[f64], base: f64, width: f64) -> (Vec<f64>, Vec<[f64; 2]>) {
    let intervals = points
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let half = width * Q90 * NAIVE_SIGMA * libm::sqrt((i + 1) as f64) * base;
            [cents(p - half), cents(p + half)]
        })
        .collect();
    (points.iter().map(|&p| cents(p)).collect(), intervals)
}

/// The naive-last point forecast scaled by `exp(0.002·z)`, one `z` per request.
fn jittered(rng: &mut SplitMix64, base: f64) -> Vec<f64> {
    vec![base * libm::exp(JITTER * rng.normal()); HORIZON]
}

fn payload(k: usize, forecast: (Vec<f64>, Vec<[f64; 2]>)) -> Payload {
    Payload {
        request_id: request_id(k),
        points: Some(forecast.0),
        intervals: Some(forecast.1),
        error: None,
    }
}

fn invalid(k: usize, base: f64) -> Payload {
    let (mut points, mut intervals) = around(&[base; HORIZON], base, 1.0);
    match k % 4 {
        0 => Payload {
            request_id: request_id(k),
            points: None,
            intervals: None,
            error: Some("payload failed the host's schema check: points: expected an array".into()),
        },
        1 => {
            points.truncate(HORIZON - 1);
            intervals.truncate(HORIZON - 1);
            payload(k, (points, intervals))
        }
        2 => {
            points[2] = 0.0;
            points[4] = -base;
            for iv in &mut intervals {
                iv[0] = 0.0;
            }
            payload(k, (points, intervals))
        }
        _ => {
            for iv in &mut intervals {
                iv.swap(0, 1);
            }
            Payload {
                request_id: request_id(k),
                points: None,
                intervals: Some(intervals),
                error: None,
            }
        }
    }
}

/// The params of every epoch.
const PARAMS: Params = Params {
    alpha: 0.05,
    burn_uid: 0,
    burn_frac: 0.1,
};

/// Epoch `k`'s task: the request it opens at `base`, and the resolution of the request opened
/// `HORIZON` epochs earlier (once there is one).
fn task(k: usize, base: f64, days: &[Day]) -> Task {
    let resolutions = if k >= HORIZON {
        let j = k - HORIZON;
        vec![Resolution {
            request_id: request_id(j),
            realized: (1..=HORIZON)
                .map(|h| days[FIRST_DAY + j + h].price())
                .collect(),
        }]
    } else {
        Vec::new()
    };
    Task {
        epoch: k,
        asset: "SYN-BTC",
        horizon: HORIZON,
        open_requests: vec![OpenRequest {
            request_id: request_id(k),
            base_price: base,
            opened_block: block_of(k),
        }],
        resolutions,
    }
}

fn epoch(k: usize, days: &[Day], streams: &mut [SplitMix64]) -> EpochFile {
    let d = FIRST_DAY + k;
    let base = days[d].price();
    let truth: Vec<f64> = (1..=HORIZON).map(|h| days[d + h].price()).collect();
    let naive = [base; HORIZON];

    let mut responses = Vec::new();
    let mut oracle_payload = None;
    for uid in 1..UIDS {
        let rng = &mut streams[uid as usize];
        let p = match uid {
            1 => {
                let p = payload(k, noisy_oracle(rng, &truth, 0.01));
                oracle_payload = Some(p.clone());
                p
            }
            2 => payload(k, around(&naive, base, 1.0)),
            3 => {
                let m = (libm::log(base) - libm::log(days[d - DRIFT_LOOKBACK].price()))
                    / DRIFT_LOOKBACK as f64;
                let points: Vec<f64> = (1..=HORIZON)
                    .map(|h| base * libm::exp(m * h as f64))
                    .collect();
                payload(k, around(&points, base, 1.0))
            }
            4 => payload(k, around(&jittered(rng, base), base, 0.2)),
            5 => payload(k, around(&jittered(rng, base), base, 5.0)),
            6 => payload(k, around(&naive.map(|p| p * 1.03), base * 1.03, 1.0)),
            7 => {
                if rng.next_f64() < 0.3 {
                    continue;
                }
                payload(k, noisy_oracle(rng, &truth, 0.02))
            }
            8 => invalid(k, base),
            9 => match &oracle_payload {
                Some(p) => p.clone(),
                None => continue,
            },
            10 if k < LATE_JOIN_EPOCH => continue,
            10 => payload(k, noisy_oracle(rng, &truth, 0.015)),
            11 if k < SWAP_EPOCH => payload(k, noisy_oracle(rng, &truth, 0.02)),
            _ => payload(k, around(&jittered(rng, base), base, 1.0)),
        };
        responses.push(ResponseDocument {
            uid,
            payload: p,
            latency_ms: Some(80 + 13 * u32::from(uid) + (k % 7) as u32),
        });
    }

    EpochFile {
        document: EpochDocument {
            netuid: NETUID,
            block: block_of(k),
            seed: epoch_seed(k),
            neurons: neurons(k),
            task: task(k, base, days),
            responses,
            params: PARAMS,
            chain: Some(chain()),
        },
    }
}

/// A scaled variant for benchmarks: uid 0 (owner) plus `miners` noisy-oracle miners (uid `u` forecasts with
/// `σ = 0.01·(1 + u mod 10)`, from its own stream seeded `0x5EED_B7C0 ^ u`), every one registered at block 0,
/// over `epochs` epochs laid out like the scenario (one request per epoch, resolved five epochs later).
///
/// `epochs` is capped so that every request's truth lies inside the series (at most 695).
pub fn scaled(days: &[Day], miners: u16, epochs: usize) -> Vec<EpochFile> {
    let epochs = epochs.min(days.len().saturating_sub(FIRST_DAY + HORIZON));
    let mut streams: Vec<SplitMix64> = (0..=miners)
        .map(|uid| SplitMix64::new(SERIES_SEED ^ u64::from(uid)))
        .collect();
    let neurons: Vec<(u16, String)> = (0..=miners).map(|uid| (uid, hotkey(uid, 0))).collect();
    (0..epochs)
        .map(|k| {
            let d = FIRST_DAY + k;
            let base = days[d].price();
            let truth: Vec<f64> = (1..=HORIZON).map(|h| days[d + h].price()).collect();
            let responses = (1..=miners)
                .map(|uid| {
                    let sigma = 0.01 * f64::from(1 + uid % 10);
                    ResponseDocument {
                        uid,
                        payload: payload(
                            k,
                            noisy_oracle(&mut streams[usize::from(uid)], &truth, sigma),
                        ),
                        latency_ms: Some(100),
                    }
                })
                .collect();
            EpochFile {
                document: EpochDocument {
                    netuid: NETUID,
                    block: block_of(k),
                    seed: epoch_seed(k),
                    neurons: neurons
                        .iter()
                        .map(|(uid, hk)| Neuron {
                            uid: *uid,
                            hotkey: hk.clone(),
                            stake: 0.0,
                            registered_at_block: 0,
                            validator_permit: *uid == 0,
                        })
                        .collect(),
                    task: task(k, base, days),
                    responses,
                    params: PARAMS,
                    chain: Some(chain()),
                },
            }
        })
        .collect()
}

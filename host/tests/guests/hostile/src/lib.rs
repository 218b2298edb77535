//! A deliberately hostile mechanism for the host's tests. `params.mode` picks
//! the behaviour; every mode is something a real component could do.

use std::hint::black_box;

use imr_guest::{export_mechanism, Epoch, Mechanism, MechanismError, Outcome};

/// The test mechanism.
pub struct Hostile;

#[derive(serde::Deserialize, Default)]
struct Params {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    text: String,
}

/// Recursion whose frames live on the wasm (native) stack: scalar locals only,
/// and a non-associative combine so LLVM cannot turn it into a loop.
fn recurse_native(depth: u64) -> u64 {
    if depth == 0 {
        return 1;
    }
    recurse_native(depth - 1)
        .wrapping_mul(depth | 1)
        .rotate_left(3)
}

/// Recursion whose frames live on the shadow stack in linear memory (an array per frame).
fn recurse_shadow(depth: u64) -> u64 {
    // The array keeps a real frame per call; black_box stops tail-call and loop rewrites.
    let frame = black_box([depth; 16]);
    if depth == u64::MAX {
        return frame[3];
    }
    recurse_shadow(depth + 1).wrapping_add(black_box(frame[7]))
}

/// Statics in the data segment (initialized) and in the zeroed `.bss`, for the `residue` mode.
static mut DATA: [u64; 4] = [0x1111, 0x2222, 0x3333, 0x4444];
static mut BSS: [u64; 4] = [0; 4];

/// What the `residue` mode found: the data statics, the `.bss` statics, and how many bytes
/// of the `size` pages it grew were not zero; then it overwrites all of them.
fn residue(pages: u64) -> [u64; 9] {
    // SAFETY: a single-threaded guest; volatile so the reads and writes really happen.
    let (data, bss) = unsafe {
        (
            std::ptr::read_volatile(&raw const DATA),
            std::ptr::read_volatile(&raw const BSS),
        )
    };
    #[cfg(target_arch = "wasm32")]
    let dirty = {
        let mut dirty = 0u64;
        let before = core::arch::wasm32::memory_grow(0, pages as usize);
        if before != usize::MAX {
            let base = (before << 16) as *mut u8;
            for i in 0..(pages as usize) << 16 {
                // SAFETY: the pages were just grown and belong to no allocation.
                unsafe {
                    let p = base.add(i);
                    dirty += u64::from(std::ptr::read_volatile(p) != 0);
                    std::ptr::write_volatile(p, 0xab);
                }
            }
        }
        dirty
    };
    // Natively there is no memory to grow.
    #[cfg(not(target_arch = "wasm32"))]
    let dirty = {
        let _ = pages;
        0u64
    };
    // SAFETY: as above.
    unsafe {
        std::ptr::write_volatile(&raw mut DATA, [u64::MAX; 4]);
        std::ptr::write_volatile(&raw mut BSS, [0xabab; 4]);
    }
    [
        data[0], data[1], data[2], data[3], bss[0], bss[1], bss[2], bss[3], dirty,
    ]
}

impl Mechanism for Hostile {
    fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError> {
        let p: Params = epoch.params()?;
        let all = || {
            epoch
                .neurons
                .iter()
                .map(|n| (n.uid, 1.0 + f64::from(n.uid)))
        };
        match p.mode.as_str() {
            "ok" => {
                // Chains a counter through the state and draws from the seeded RNG.
                let count: u64 = imr_guest::state::decode::<Option<u64>>(state)?.unwrap_or(0);
                let mut rng = epoch.rng();
                let draws: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
                imr_guest::log::info(&format!("count {count}"));
                Outcome::new(all())
                    .with_state(&(count + 1))?
                    .with_diagnostics(&draws)
            }
            "echo" => {
                // Everything at the boundary and nothing else: the state goes back unchanged
                // and every neuron scores (for the host's boundary benchmarks).
                Ok(Outcome {
                    state: state.to_vec(),
                    ..Outcome::new(all())
                })
            }
            "residue" => {
                // What an earlier run wrote must never show in a later one.
                Outcome::new(all()).with_diagnostics(&residue(p.size))
            }
            "nan_bits" => {
                // NaN payloads differ between CPUs unless the engine canonicalizes them.
                let x = black_box(f64::from_bits(0x7ff4_0000_0000_0001));
                let y = black_box(-0.0f64);
                let results = [
                    (x + 1.0).to_bits(),
                    (x * y).to_bits(),
                    (black_box(0.0f64) / y).to_bits(),
                    (black_box(f64::INFINITY) - f64::INFINITY).to_bits(),
                    libm_free_sqrt(black_box(-1.0)).to_bits(),
                    (black_box(f32::from_bits(0x7fa0_0001)) * 2.0).to_bits() as u64,
                ];
                Outcome::new(all()).with_diagnostics(&results)
            }
            "loop" => {
                let mut i: u64 = 0;
                loop {
                    i = black_box(i.wrapping_add(1));
                }
            }
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![black_box(1u8); 1 << 20]);
                    black_box(&hoard);
                }
            }
            "recurse_native" => {
                let d = recurse_native(p.size);
                Ok(Outcome::new([(0, (d % 1000) as f64)]))
            }
            "recurse_shadow" => {
                let d = recurse_shadow(black_box(0));
                Ok(Outcome::new([(0, (d % 1000) as f64)]))
            }
            "panic" => panic!("mechanism gave up on netuid {}", epoch.netuid),
            "nan" => Ok(Outcome::new([(0, 1.0), (1, f64::NAN)])),
            "negative" => Ok(Outcome::new([(0, 1.0), (1, -0.5)])),
            "infinite" => Ok(Outcome::new([(1, f64::INFINITY)])),
            "duplicate" => Ok(Outcome::new([(1, 1.0), (1, 2.0)])),
            "unknown_uid" => Ok(Outcome::new([(0, 1.0), (999, 1.0)])),
            "giant" => Ok(Outcome {
                state: vec![7u8; p.size as usize],
                ..Outcome::new(all())
            }),
            "too_many_scores" => Ok(Outcome::new((0..=u16::MAX).chain(0..10).map(|u| (u, 1.0)))),
            "invalid_input" => Err(MechanismError::InvalidInput(
                "task.prices[3]: must be > 0".into(),
            )),
            "giant_error" => {
                // A huge message of NUL bytes with a terminal escape sequence in it.
                let mut m = "\u{1b}[2J".to_string();
                m.push_str(&"\0".repeat(p.size as usize));
                Err(MechanismError::Failed(m))
            }
            "failed" => Err(MechanismError::Failed(format!(
                "no usable responses at block {}",
                epoch.block
            ))),
            "grow" => {
                // Grows linear memory by `size` 64 KiB pages directly.
                #[cfg(target_arch = "wasm32")]
                let before = core::arch::wasm32::memory_grow(0, p.size as usize);
                #[cfg(not(target_arch = "wasm32"))]
                let before = 0usize;
                Ok(Outcome::new([(0, before as f64)]))
            }
            "log_flood" => {
                for i in 0..p.size {
                    imr_guest::log::debug(&format!("line {i}"));
                }
                Ok(Outcome::new(all()))
            }
            "log_text" => {
                // Logs `params.text` as is (terminal escape sequences included).
                imr_guest::log::info(&p.text);
                Ok(Outcome::new(all()))
            }
            other => Err(MechanismError::InvalidInput(format!(
                "params.mode: unknown mode {other:?}"
            ))),
        }
    }
}

fn libm_free_sqrt(x: f64) -> f64 {
    x.sqrt()
}

export_mechanism!(Hostile);

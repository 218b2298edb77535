//! The SYN-BTC synthetic daily series: regime-switching geometric Brownian motion with jumps.

use crate::rng::SplitMix64;

/// Seed of the series' SplitMix64 stream.
pub const SERIES_SEED: u64 = 0x5EED_B7C0;
/// Number of days in the series.
pub const DAYS: usize = 730;
/// The first close, in cents (30000.00).
pub const P0_CENTS: i64 = 3_000_000;
/// Drift per day.
pub const MU: f64 = 0.0004;
/// Daily volatility of the calm regime.
pub const SIGMA_LOW: f64 = 0.025;
/// Daily volatility of the turbulent regime.
pub const SIGMA_HIGH: f64 = 0.055;
/// Probability per day of switching regime.
pub const SWITCH_P: f64 = 0.03;
/// Probability per day of a jump.
pub const JUMP_P: f64 = 0.015;
/// Standard deviation of a jump's log size.
pub const JUMP_SIGMA: f64 = 0.08;
/// Day 0 as days since 1970-01-01 (2030-01-01).
const DAY0_UNIX: i64 = 21_915;

/// One day of the series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// ISO date.
    pub date: (i64, u32, u32),
    /// Close in integer cents.
    pub cents: i64,
}

impl Day {
    /// The close as an `f64` number of units (`cents / 100`).
    pub fn price(&self) -> f64 {
        self.cents as f64 / 100.0
    }
}

/// Generates the whole series.
///
/// Day 0 closes at [`P0_CENTS`] in the calm regime. For each day `t = 1 … 729`, in this order: draw `u` and switch
/// regime if `u < 0.03`; draw `z` (normal); draw `u_j`; draw `z_j` (normal, always drawn); the jump is
/// `J = 0.08·z_j` if `u_j < 0.015`, else 0; `ln P_t = ln P_{t−1} + μ − σ²/2 + σz + J` with σ of the current regime.
/// The log price carries full precision; each close is `round(exp(ln P_t)·100)` cents (half away from zero).
pub fn generate() -> Vec<Day> {
    let mut rng = SplitMix64::new(SERIES_SEED);
    let mut high = false;
    let mut ln_p = libm::log(P0_CENTS as f64 / 100.0);
    let mut days = Vec::with_capacity(DAYS);
    days.push(Day {
        date: civil_from_days(DAY0_UNIX),
        cents: P0_CENTS,
    });
    for t in 1..DAYS {
        if rng.next_f64() < SWITCH_P {
            high = !high;
        }
        let z = rng.normal();
        let u_jump = rng.next_f64();
        let z_jump = rng.normal();
        let jump = if u_jump < JUMP_P {
            JUMP_SIGMA * z_jump
        } else {
            0.0
        };
        let sigma = if high { SIGMA_HIGH } else { SIGMA_LOW };
        ln_p = ln_p + MU - sigma * sigma / 2.0 + sigma * z + jump;
        days.push(Day {
            date: civil_from_days(DAY0_UNIX + t as i64),
            cents: libm::round(libm::exp(ln_p) * 100.0) as i64,
        });
    }
    days
}

/// The CSV text: header `date,close`, one line per day, closes with two decimals, `\n` line ends.
pub fn to_csv(days: &[Day]) -> String {
    let mut out = String::from("date,close\n");
    for d in days {
        let (y, m, dd) = d.date;
        out.push_str(&format!(
            "{y:04}-{m:02}-{dd:02},{}.{:02}\n",
            d.cents / 100,
            d.cents % 100
        ));
    }
    out
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_run_from_2030_01_01_to_2031_12_31() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(DAY0_UNIX), (2030, 1, 1));
        let days = generate();
        assert_eq!(days.len(), 730);
        assert_eq!(days[0].date, (2030, 1, 1));
        assert_eq!(days[59].date, (2030, 3, 1)); // 2030 is not a leap year
        assert_eq!(days[729].date, (2031, 12, 31));
        assert_eq!(days[0].cents, 3_000_000);
        assert!(days.iter().all(|d| d.cents > 0));
    }

    #[test]
    fn csv_has_a_header_and_two_decimals() {
        let csv = to_csv(&generate());
        assert!(csv.starts_with("date,close\n2030-01-01,30000.00\n"));
        assert_eq!(csv.lines().count(), 731);
    }
}

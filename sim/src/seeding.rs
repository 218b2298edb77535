//! Per-validator randomness derived only from the epoch seed and the validator's index, so a simulation is
//! reproducible bit for bit (no clock, no OS randomness, no map order).

/// A deterministic stream of random words for one validator in one epoch: blake3 in XOF mode keyed by a
/// domain-separated derivation of (epoch seed, validator index, purpose).
pub struct ValidatorRng {
    reader: blake3::OutputReader,
}

impl ValidatorRng {
    /// The stream for `validator` (its index in the validators file) in the epoch with `epoch_seed`, for one
    /// `purpose` (e.g. `"sampled"`, `"random"`), so two behaviours never share a stream.
    pub fn new(epoch_seed: &[u8], validator: u32, purpose: &str) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key("imr-sim validator rng v1");
        hasher.update(&(epoch_seed.len() as u64).to_le_bytes());
        hasher.update(epoch_seed);
        hasher.update(&validator.to_le_bytes());
        hasher.update(&(purpose.len() as u64).to_le_bytes());
        hasher.update(purpose.as_bytes());
        Self {
            reader: hasher.finalize_xof(),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.reader.fill(&mut b);
        u64::from_le_bytes(b)
    }

    /// A uniform value in [0, 1) with 53 bits of precision (exactly representable, no rounding).
    pub fn next_unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_inputs_same_stream_and_each_input_matters() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = ValidatorRng::new(b"seed", 3, "random");
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = ValidatorRng::new(b"seed", 3, "random");
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        for other in [
            ValidatorRng::new(b"seeD", 3, "random"),
            ValidatorRng::new(b"seed", 4, "random"),
            ValidatorRng::new(b"seed", 3, "sampled"),
        ] {
            let mut o = other;
            assert_ne!(o.next_u64(), a[0]);
        }
    }

    #[test]
    fn unit_values_are_in_range() {
        let mut r = ValidatorRng::new(b"x", 0, "sampled");
        for _ in 0..1000 {
            let u = r.next_unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}

//! [`F64Column`]: a `Vec<f64>` that a binary state stores as one block of bytes.
//!
//! A state that keeps many numbers (every miner's forecasts of every pending request, say) is fastest to load and
//! save as a few long columns rather than many small records: one allocation per column instead of one per
//! record, and no per-value framing. `Vec<f64>` already encodes each value as its 8 IEEE bytes, but value by
//! value; an [`F64Column`] is written as a single byte string (postcard: varint byte length, then the values'
//! IEEE 754 bits, little-endian, 8 bytes each), which encodes and decodes as one copy.
//!
//! In a human-readable format (canonical JSON) the column is a plain array of numbers, so a JSON state stays
//! readable; when reading, either form is accepted.
//!
//! ```
//! use imr_types::state::{binary, F64Column};
//! let c = F64Column::from(vec![0.5, -0.0]);
//! let bytes = binary::encode(&c, 1).unwrap();
//! // Header, byte length 16, then the two values' bits little-endian.
//! assert_eq!(bytes[9..], [16, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x80]);
//! assert_eq!(binary::decode::<F64Column>(&bytes, 1).unwrap(), c);
//! assert_eq!(serde_json::to_string(&c).unwrap(), "[0.5,-0.0]");
//! ```

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zerocopy::FromBytes as _;

/// A column of `f64` values: a byte block in a binary state, an array of numbers in JSON (see the
/// [module documentation](self)). Derefs to the `Vec<f64>` it holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct F64Column(pub Vec<f64>);

impl F64Column {
    /// An empty column.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// An empty column with room for `n` values.
    pub fn with_capacity(n: usize) -> Self {
        Self(Vec::with_capacity(n))
    }

    /// The values.
    pub fn into_inner(self) -> Vec<f64> {
        self.0
    }
}

impl From<Vec<f64>> for F64Column {
    fn from(v: Vec<f64>) -> Self {
        Self(v)
    }
}

impl Deref for F64Column {
    type Target = Vec<f64>;

    fn deref(&self) -> &Vec<f64> {
        &self.0
    }
}

impl DerefMut for F64Column {
    fn deref_mut(&mut self) -> &mut Vec<f64> {
        &mut self.0
    }
}

impl Serialize for F64Column {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            return self.0.serialize(s);
        }
        if cfg!(target_endian = "little") {
            // In memory the values already are their little-endian IEEE bytes: no copy.
            s.serialize_bytes(zerocopy::IntoBytes::as_bytes(self.0.as_slice()))
        } else {
            s.serialize_bytes(&le_bytes(&self.0))
        }
    }
}

/// The values' IEEE 754 bits, little-endian, 8 bytes each (what the binary format stores), on any platform.
fn le_bytes(values: &[f64]) -> Vec<u8> {
    let mut bytes = vec![0u8; values.len() * 8];
    for (dst, x) in bytes.chunks_exact_mut(8).zip(values) {
        dst.copy_from_slice(&x.to_bits().to_le_bytes());
    }
    bytes
}

/// The values of `bytes` (a multiple of 8: IEEE 754 bits, little-endian), on any platform (the tests' reference).
#[cfg(test)]
fn from_le_bytes(bytes: &[u8]) -> Vec<f64> {
    bytes
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            f64::from_bits(u64::from_le_bytes(b))
        })
        .collect()
}

impl<'de> Deserialize<'de> for F64Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_seq(ColumnVisitor)
        } else {
            d.deserialize_bytes(ColumnVisitor)
        }
    }
}

struct ColumnVisitor;

impl<'de> Visitor<'de> for ColumnVisitor {
    type Value = F64Column;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a column of f64 (a byte string of 8-byte values, or a sequence of numbers)")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<F64Column, E> {
        if !v.len().is_multiple_of(8) {
            return Err(E::invalid_length(v.len(), &"a multiple of 8 bytes"));
        }
        // The bytes as unaligned little-endian values (they sit anywhere in the state), copied into a vector
        // that is not zeroed first: on little-endian targets the loop is one block copy.
        let Ok(values) = <[zerocopy::byteorder::little_endian::F64]>::ref_from_bytes(v) else {
            return Err(E::invalid_length(v.len(), &"a multiple of 8 bytes"));
        };
        let mut out = Vec::with_capacity(values.len());
        out.extend(values.iter().map(|x| x.get()));
        Ok(F64Column(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<F64Column, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(x) = seq.next_element::<f64>()? {
            out.push(x);
        }
        Ok(F64Column(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-memory fast paths (little-endian targets) give the portable encoding's bytes and values.
    #[test]
    fn the_memory_view_equals_the_portable_encoding() {
        let values: Vec<f64> = [0.0, -0.0, 1.5, f64::MIN_POSITIVE, f64::INFINITY]
            .into_iter()
            .chain([f64::from_bits(0x7ff8_dead_beef_0001), f64::from_bits(1)])
            .collect();
        let portable = le_bytes(&values);
        let c = F64Column::from(values.clone());
        let encoded = crate::state::binary::encode(&c, 1).expect("encode");
        assert!(encoded.ends_with(&portable));
        let back = crate::state::binary::decode::<F64Column>(&encoded, 1).expect("decode");
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
        assert_eq!(bits(&from_le_bytes(&portable)), bits(&values));
    }
}

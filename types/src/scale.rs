//! The canonical encoding of an epoch (cargo feature `scale`): SCALE (parity-scale-codec) of the epoch with every
//! JSON value already in canonical form, and its `chain` object, so reformatting a file does not change its hash.
//! Floats are encoded by their bits. The host hashes these bytes into receipts and stores them in run logs.

use std::fmt;

use parity_scale_codec::{Compact, Decode, Encode};

use crate::{Epoch, Neuron, Response};

/// The format byte every canonical epoch encoding starts with.
pub const CANONICAL_FORMAT: u8 = 1;

#[derive(Encode, Decode)]
struct CanonicalNeuron {
    uid: u16,
    hotkey: String,
    stake_bits: u64,
    registered_at_block: u64,
    validator_permit: bool,
}

#[derive(Encode, Decode)]
struct CanonicalResponse {
    uid: u16,
    payload: Vec<u8>,
    latency_ms: Option<u32>,
}

#[derive(Encode, Decode)]
struct CanonicalEpoch {
    format: u8,
    netuid: u16,
    block: u64,
    seed: Vec<u8>,
    neurons: Vec<CanonicalNeuron>,
    task: Vec<u8>,
    responses: Vec<CanonicalResponse>,
    params: Vec<u8>,
    chain: Option<Vec<u8>>,
}

/// A canonical epoch encoding that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalError(String);

impl fmt::Display for CanonicalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CanonicalError {}

/// The canonical encoding of `epoch` and its `chain` object (canonical JSON bytes).
///
/// Written field by field from the borrowed epoch, with no copy of its strings and payloads: exactly the bytes of
/// the derived encoding of the owned record that [`decode_epoch`] decodes (a test proves it).
pub fn encode_epoch(e: &Epoch, chain: Option<&[u8]>) -> Vec<u8> {
    let payloads: usize = e.responses.iter().map(|r| r.payload.len() + 16).sum();
    let hotkeys: usize = e.neurons.iter().map(|n| n.hotkey.len() + 24).sum();
    let mut out = Vec::with_capacity(
        64 + e.task.len() + e.params.len() + payloads + hotkeys + chain.map_or(0, <[u8]>::len),
    );
    CANONICAL_FORMAT.encode_to(&mut out);
    e.netuid.encode_to(&mut out);
    e.block.encode_to(&mut out);
    e.seed.encode_to(&mut out);
    Compact(e.neurons.len() as u32).encode_to(&mut out);
    for n in &e.neurons {
        n.uid.encode_to(&mut out);
        n.hotkey.encode_to(&mut out);
        n.stake.to_bits().encode_to(&mut out);
        n.registered_at_block.encode_to(&mut out);
        n.validator_permit.encode_to(&mut out);
    }
    e.task.encode_to(&mut out);
    Compact(e.responses.len() as u32).encode_to(&mut out);
    for r in &e.responses {
        r.uid.encode_to(&mut out);
        r.payload.encode_to(&mut out);
        r.latency_ms.encode_to(&mut out);
    }
    e.params.encode_to(&mut out);
    chain.encode_to(&mut out);
    out
}

/// Decodes a canonical encoding (as stored in a run log): the epoch and its `chain` object.
pub fn decode_epoch(bytes: &[u8]) -> Result<(Epoch, Option<Vec<u8>>), CanonicalError> {
    let c = CanonicalEpoch::decode(&mut &bytes[..]).map_err(|e| CanonicalError(e.to_string()))?;
    if c.format != CANONICAL_FORMAT {
        return Err(CanonicalError(format!("unknown format {}", c.format)));
    }
    let epoch = Epoch {
        netuid: c.netuid,
        block: c.block,
        seed: c.seed,
        neurons: c
            .neurons
            .into_iter()
            .map(|n| Neuron {
                uid: n.uid,
                hotkey: n.hotkey,
                stake: f64::from_bits(n.stake_bits),
                registered_at_block: n.registered_at_block,
                validator_permit: n.validator_permit,
            })
            .collect(),
        task: c.task,
        responses: c
            .responses
            .into_iter()
            .map(|r| Response {
                uid: r.uid,
                payload: r.payload,
                latency_ms: r.latency_ms,
            })
            .collect(),
        params: c.params,
    };
    Ok((epoch, c.chain))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The owned record's derived encoding: what `encode_epoch` must equal.
    fn derived(e: &Epoch, chain: Option<&[u8]>) -> Vec<u8> {
        CanonicalEpoch {
            format: CANONICAL_FORMAT,
            netuid: e.netuid,
            block: e.block,
            seed: e.seed.clone(),
            neurons: e
                .neurons
                .iter()
                .map(|n| CanonicalNeuron {
                    uid: n.uid,
                    hotkey: n.hotkey.clone(),
                    stake_bits: n.stake.to_bits(),
                    registered_at_block: n.registered_at_block,
                    validator_permit: n.validator_permit,
                })
                .collect(),
            task: e.task.clone(),
            responses: e
                .responses
                .iter()
                .map(|r| CanonicalResponse {
                    uid: r.uid,
                    payload: r.payload.clone(),
                    latency_ms: r.latency_ms,
                })
                .collect(),
            params: e.params.clone(),
            chain: chain.map(<[u8]>::to_vec),
        }
        .encode()
    }

    fn input(neurons: u16, responses: u16, chain: bool) -> (Epoch, Option<Vec<u8>>) {
        let neuron = |uid: u16| {
            format!(
                r#"{{"uid":{uid},"hotkey":"5F{uid:0>46}","stake":{},"registered_at_block":{},"validator_permit":{}}}"#,
                f64::from(uid) * 1.5,
                u64::from(uid) * 1_000_003,
                uid.is_multiple_of(3)
            )
        };
        let response = |i: u16| {
            let uid = i % neurons.max(1);
            if i.is_multiple_of(2) {
                format!(
                    r#"{{"uid":{uid},"payload":{{"b":[{i},1.25],"a":"x{i}"}},"latency_ms":{i}}}"#
                )
            } else {
                format!(r#"{{"uid":{uid},"payload":null}}"#)
            }
        };
        let text = format!(
            r#"{{"netuid":7,"block":123456789,"seed":"{}","neurons":[{}],"task":{{"z":1,"q":[1,2]}},"responses":[{}],"params":{{"k":0.5}}{}}}"#,
            "ab".repeat(32),
            (0..neurons).map(neuron).collect::<Vec<_>>().join(","),
            (0..if neurons == 0 { 0 } else { responses })
                .map(response)
                .collect::<Vec<_>>()
                .join(","),
            if chain {
                r#","chain":{"min_allowed_weights":1}"#
            } else {
                ""
            }
        );
        let file = crate::epoch_file::parse_file(text.as_bytes()).unwrap();
        let chain = file.chain.map(|c| crate::canonical_json(&c).unwrap());
        (file.epoch, chain)
    }

    #[test]
    fn the_encoding_equals_the_derived_one_and_round_trips() {
        // Sizes on both sides of SCALE's compact-length boundaries (64, 16384).
        for (n, r, chain) in [
            (0, 0, false),
            (1, 1, true),
            (63, 64, false),
            (64, 200, true),
            (300, 70, false),
        ] {
            let (e, c) = input(n, r, chain);
            let bytes = encode_epoch(&e, c.as_deref());
            assert_eq!(
                bytes,
                derived(&e, c.as_deref()),
                "{n} neurons, {r} responses"
            );
            assert_eq!(decode_epoch(&bytes).unwrap(), (e, c));
        }
        let (mut big, _) = input(2, 2, false);
        big.task = vec![b'7'; 20_000];
        assert_eq!(encode_epoch(&big, None), derived(&big, None));
    }

    #[test]
    fn a_bad_encoding_is_an_error() {
        let (e, c) = input(2, 2, true);
        let mut bytes = encode_epoch(&e, c.as_deref());
        bytes[0] = 2;
        assert_eq!(
            decode_epoch(&bytes).unwrap_err().to_string(),
            "unknown format 2"
        );
        assert!(decode_epoch(&bytes[..10]).is_err());
    }
}

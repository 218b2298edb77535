//! Call data for the chain: SCALE encodings (parity-scale-codec) of the arguments of
//! `set_weights`, `set_mechanism_weights`, `commit_weights` and `reveal_weights`, the
//! commit-reveal v2 hash, and hotkey decoding (ss58 with its checksum verified, or a hex
//! public key).
//!
//! Argument layouts follow subtensor's `pallets/subtensor/src/macros/dispatches.rs`
//! (spec/chain.md §1.1, §2.1): `netuid` is a `u16`, uid and value vectors are `Vec<u16>`
//! (compact length, then little-endian items), `version_key` is a `u64`, the commit hash an H256.

use crate::error::WeightsError;
use blake2::digest::consts::U32;
use blake2::{Blake2b, Blake2b512, Digest};
use parity_scale_codec::Encode;

/// A 32-byte account id (sr25519 public key).
pub type AccountId = [u8; 32];

/// Mechanism storage index: `mecid * 4096 + netuid` (`GLOBAL_MAX_SUBNET_COUNT = 4096`), the
/// `netuid_index` the v2 commit hash is taken over; `None` when it does not fit in a u16.
pub fn netuid_index(netuid: u16, mecid: u8) -> Option<u16> {
    u16::try_from(u32::from(mecid) * 4096 + u32::from(netuid)).ok()
}

/// SCALE of `set_weights(netuid, dests, weights, version_key)`'s arguments.
pub fn set_weights_args(netuid: u16, dests: &[u16], weights: &[u16], version_key: u64) -> Vec<u8> {
    (netuid, dests, weights, version_key).encode()
}

/// SCALE of `set_mechanism_weights(netuid, mecid, dests, weights, version_key)`'s arguments.
pub fn set_mechanism_weights_args(
    netuid: u16,
    mecid: u8,
    dests: &[u16],
    weights: &[u16],
    version_key: u64,
) -> Vec<u8> {
    (netuid, mecid, dests, weights, version_key).encode()
}

/// SCALE of `commit_weights(netuid, commit_hash)`'s arguments.
pub fn commit_weights_args(netuid: u16, commit_hash: &[u8; 32]) -> Vec<u8> {
    (netuid, commit_hash).encode()
}

/// SCALE of `reveal_weights(netuid, uids, values, salt, version_key)`'s arguments.
pub fn reveal_weights_args(
    netuid: u16,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Vec<u8> {
    (netuid, uids, values, salt, version_key).encode()
}

/// SCALE of `commit_mechanism_weights(netuid, mecid, commit_hash)`'s arguments.
pub fn commit_mechanism_weights_args(netuid: u16, mecid: u8, commit_hash: &[u8; 32]) -> Vec<u8> {
    (netuid, mecid, commit_hash).encode()
}

/// SCALE of `reveal_mechanism_weights(netuid, mecid, uids, values, salt, version_key)`'s
/// arguments.
pub fn reveal_mechanism_weights_args(
    netuid: u16,
    mecid: u8,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Vec<u8> {
    (netuid, mecid, uids, values, salt, version_key).encode()
}

/// The preimage of the v2 commit hash: SCALE of the tuple `(who, netuid_index, uids, values,
/// salt, version_key)`.
pub fn commit_preimage(
    who: &AccountId,
    netuid_index: u16,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> Vec<u8> {
    (who, netuid_index, uids, values, salt, version_key).encode()
}

/// BLAKE2b with a 32-byte digest, unkeyed (`BlakeTwo256`).
pub fn blake2b_256(data: &[u8]) -> [u8; 32] {
    let mut h = Blake2b::<U32>::new();
    h.update(data);
    h.finalize().into()
}

/// The commit-reveal v2 hash (`get_commit_hash`): BLAKE2b-256 of [`commit_preimage`]. `values`
/// must be exactly what `reveal_weights` will send (the raw u16s, before max-upscaling).
pub fn commit_hash_v2(
    who: &AccountId,
    netuid_index: u16,
    uids: &[u16],
    values: &[u16],
    salt: &[u16],
    version_key: u64,
) -> [u8; 32] {
    blake2b_256(&commit_preimage(
        who,
        netuid_index,
        uids,
        values,
        salt,
        version_key,
    ))
}

fn ss58_error(address: &str, reason: &str) -> WeightsError {
    WeightsError::InvalidSs58 {
        address: address.chars().take(80).collect(),
        reason: reason.to_string(),
    }
}

/// Decode an ss58 address to its 32-byte public key, as `sp_core`'s
/// `from_ss58check_with_version` does: base58, a 1- or 2-byte prefix (any network), exactly 32
/// key bytes, and the 2-byte BLAKE2b-512 checksum over `"SS58PRE" ++ prefix ++ key`. The
/// reserved prefixes 46 and 47 are refused.
pub fn ss58_decode(address: &str) -> Result<AccountId, WeightsError> {
    let data = bs58::decode(address)
        .into_vec()
        .map_err(|_| ss58_error(address, "not base58"))?;
    if data.len() < 2 {
        return Err(ss58_error(address, "length is bad"));
    }
    let (prefix_len, ident) = match data[0] {
        0..=63 => (1usize, u16::from(data[0])),
        64..=127 => {
            let lower = (data[0] << 2) | (data[1] >> 6);
            let upper = data[1] & 0b0011_1111;
            (2usize, u16::from(lower) | (u16::from(upper) << 8))
        }
        _ => return Err(ss58_error(address, "invalid prefix")),
    };
    if data.len() != prefix_len + 32 + 2 {
        return Err(ss58_error(address, "length is bad"));
    }
    if ident == 46 || ident == 47 {
        return Err(ss58_error(address, "reserved ss58 format"));
    }
    let body = &data[..prefix_len + 32];
    let mut h = Blake2b512::new();
    h.update(b"SS58PRE");
    h.update(body);
    let digest = h.finalize();
    if digest[..2] != data[prefix_len + 32..] {
        return Err(ss58_error(address, "invalid checksum"));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&data[prefix_len..prefix_len + 32]);
    Ok(key)
}

/// Encode a public key as an ss58 address with the given network prefix (42 = generic
/// substrate, the form bittensor wallets show). Prefixes above 16383 are not encodable.
pub fn ss58_encode(key: &AccountId, prefix: u16) -> Option<String> {
    let mut data = Vec::with_capacity(36);
    match prefix {
        0..=63 => data.push(prefix as u8),
        64..=16383 => {
            let first = (((prefix & 0b1111_1100) >> 2) as u8) | 0b0100_0000;
            let second = ((prefix >> 8) as u8) | (((prefix & 0b11) as u8) << 6);
            data.push(first);
            data.push(second);
        }
        _ => return None,
    }
    data.extend_from_slice(key);
    let mut h = Blake2b512::new();
    h.update(b"SS58PRE");
    h.update(&data);
    let digest = h.finalize();
    data.extend_from_slice(&digest[..2]);
    Some(bs58::encode(data).into_string())
}

/// Parse a hotkey given as an ss58 address or as a 32-byte hex public key (`0x` optional).
pub fn parse_hotkey(s: &str) -> Result<AccountId, WeightsError> {
    let t = s.trim();
    let hex_part = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"));
    let looks_hex =
        hex_part.is_some() || (t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    if looks_hex {
        let h = hex_part.unwrap_or(t);
        let bytes = hex::decode(h).map_err(|e| WeightsError::InvalidHexKey {
            problem: format!("{e} in {h:?}"),
        })?;
        return <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| WeightsError::InvalidHexKey {
            problem: format!("expected 32 bytes, got {}", bytes.len()),
        });
    }
    ss58_decode(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alice_roundtrip() {
        // //Alice, the well-known dev key (generic substrate prefix 42).
        let key = ss58_decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").expect("alice");
        assert_eq!(
            hex::encode(key),
            "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"
        );
        assert_eq!(
            ss58_encode(&key, 42).as_deref(),
            Some("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY")
        );
    }

    #[test]
    fn scale_layout_by_hand() {
        // netuid 1, dests [0,2], weights [65535, 1], version 7
        let got = set_weights_args(1, &[0, 2], &[65535, 1], 7);
        let want = "0100" // u16 LE
            .to_string()
            + "08" + "0000" + "0200" // compact(2) then items
            + "08" + "ffff" + "0100"
            + "0700000000000000";
        assert_eq!(hex::encode(got), want);
    }

    #[test]
    fn hex_and_ss58_hotkeys_agree() {
        let a = parse_hotkey("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
        let b = parse_hotkey("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        assert_eq!(a, b);
        assert!(parse_hotkey("0x1234").is_err());
        assert!(parse_hotkey("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ").is_err());
    }
}

//! ss58 addresses: base58 over `prefix ++ public key ++ checksum`, the checksum being the first
//! two bytes of BLAKE2b-512 over `"SS58PRE" ++ prefix ++ public key` (as `sp_core`'s
//! `Ss58Codec` computes it). Bittensor shows hotkeys with the generic Substrate prefix 42.

use blake2::{Blake2b512, Digest};

/// The generic Substrate ss58 prefix, the one bittensor wallets use for addresses.
pub const SS58_PREFIX_SUBSTRATE: u16 = 42;

/// Why a string is not a valid ss58 address (or a prefix is not encodable).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Ss58Error {
    /// The string is not base58.
    #[error("ss58 address is not base58")]
    NotBase58,
    /// The decoded length does not fit a 1- or 2-byte prefix, 32 key bytes and a checksum.
    #[error("ss58 address has a bad length")]
    BadLength,
    /// The first byte is not a valid prefix, or the prefix is reserved (46, 47) or too large.
    #[error("ss58 prefix {0} is invalid or reserved")]
    InvalidPrefix(u16),
    /// The checksum does not match.
    #[error("ss58 address has an invalid checksum")]
    BadChecksum,
}

fn checksum(body: &[u8]) -> [u8; 2] {
    let mut h = Blake2b512::new();
    h.update(b"SS58PRE");
    h.update(body);
    let d = h.finalize();
    [d[0], d[1]]
}

/// Encode a 32-byte public key as an ss58 address with the given network prefix
/// (use [`SS58_PREFIX_SUBSTRATE`] for bittensor). Prefixes above 16383 and the reserved 46 and
/// 47 are refused.
pub fn ss58_encode(public_key: &[u8; 32], prefix: u16) -> Result<String, Ss58Error> {
    let mut data = Vec::with_capacity(36);
    match prefix {
        46 | 47 => return Err(Ss58Error::InvalidPrefix(prefix)),
        0..=63 => data.push(prefix as u8),
        64..=16383 => {
            data.push((((prefix & 0b1111_1100) >> 2) as u8) | 0b0100_0000);
            data.push(((prefix >> 8) as u8) | (((prefix & 0b11) as u8) << 6));
        }
        _ => return Err(Ss58Error::InvalidPrefix(prefix)),
    }
    data.extend_from_slice(public_key);
    let c = checksum(&data);
    data.extend_from_slice(&c);
    Ok(bs58::encode(data).into_string())
}

/// Decode an ss58 address to `(public key, prefix)`, checking length, prefix and checksum.
pub fn ss58_decode(address: &str) -> Result<([u8; 32], u16), Ss58Error> {
    let data = bs58::decode(address.trim())
        .into_vec()
        .map_err(|_| Ss58Error::NotBase58)?;
    if data.len() < 2 {
        return Err(Ss58Error::BadLength);
    }
    let (prefix_len, prefix) = match data[0] {
        0..=63 => (1usize, u16::from(data[0])),
        64..=127 => {
            let lower = (data[0] << 2) | (data[1] >> 6);
            let upper = data[1] & 0b0011_1111;
            (2usize, u16::from(lower) | (u16::from(upper) << 8))
        }
        b => return Err(Ss58Error::InvalidPrefix(u16::from(b))),
    };
    if data.len() != prefix_len + 32 + 2 {
        return Err(Ss58Error::BadLength);
    }
    if prefix == 46 || prefix == 47 {
        return Err(Ss58Error::InvalidPrefix(prefix));
    }
    if checksum(&data[..prefix_len + 32]) != data[prefix_len + 32..] {
        return Err(Ss58Error::BadChecksum);
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&data[prefix_len..prefix_len + 32]);
    Ok((key, prefix))
}

//! blake3 of large inputs on all cores.
//!
//! blake3 is a tree hash: hashing the chunks on several threads gives the same
//! hash, bit for bit, as hashing them in order on one (a test checks it), so the
//! thread count can never change a component id or a MAC. A cached load hashes
//! the component (its id) and the cached artifact (its MAC), about 2.7 MB for
//! the time-series example: single-threaded, that was about half of the load.

/// Inputs at least this large are hashed with rayon (blake3's docs: below about
/// 128 KiB the threads cost more than they save).
pub const PARALLEL_FROM: usize = 128 << 10;

/// blake3 of `bytes`, on all cores when they are large.
pub fn hash(bytes: &[u8]) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    update(&mut hasher, bytes);
    hasher.finalize()
}

/// Feeds `bytes` to `hasher`, on all cores when they are large.
pub fn update(hasher: &mut blake3::Hasher, bytes: &[u8]) {
    if bytes.len() >= PARALLEL_FROM {
        hasher.update_rayon(bytes);
    } else {
        hasher.update(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_hash_as_one_thread_on_both_sides_of_the_threshold() {
        let bytes: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in [
            0,
            1,
            1024,
            PARALLEL_FROM - 1,
            PARALLEL_FROM,
            PARALLEL_FROM + 1,
            2_059_616,
            bytes.len(),
        ] {
            let part = &bytes[..len];
            assert_eq!(hash(part), blake3::hash(part), "{len} bytes");
            let key = [7u8; 32];
            let mut keyed = blake3::Hasher::new_keyed(&key);
            keyed.update(b"prefix");
            update(&mut keyed, part);
            assert_eq!(
                keyed.finalize(),
                blake3::keyed_hash(&key, &[b"prefix", part].concat()),
                "{len} bytes, keyed"
            );
        }
    }

    #[test]
    fn a_one_thread_pool_gives_the_same_hash() {
        let bytes = vec![0xa5u8; 1 << 20];
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        assert_eq!(pool.install(|| hash(&bytes)), blake3::hash(&bytes));
    }
}

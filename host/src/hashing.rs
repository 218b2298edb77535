//! blake3 of large inputs on all cores.
//!
//! blake3 is a tree hash: hashing the chunks on several threads gives the same
//! hash, bit for bit, as hashing them in order on one (a test checks it), so the
//! thread count can never change a component id or a MAC. A cached load hashes
//! the component (its id) and the cached artifact (its MAC), about 2.7 MB for
//! the time-series example: single-threaded, that was about half of the load.

use blake3::hazmat::{ChainingValue, HasherExt};
use imr_runlog::run_blobs::Pieces;

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

/// blake3 of a blob in two halves that two threads hash at once: BLAKE3's root node merges
/// the tree's left subtree (the first [`Halves::left_len`] bytes, the largest power-of-two
/// number of chunks below the whole) with its right subtree, so merging the two halves'
/// chaining values gives the hash of the whole blob, bit for bit (the tests compare with
/// `blake3::hash`). `runner::execute` hashes a large outcome this way on its two threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Halves {
    len: usize,
    left_len: usize,
}

impl Halves {
    /// The halves of a blob of `len` bytes, or `None` below [`PARALLEL_FROM`] (hashed whole).
    pub(crate) fn of(len: usize) -> Option<Self> {
        (len >= PARALLEL_FROM).then(|| Self {
            len,
            left_len: blake3::hazmat::left_subtree_len(len as u64) as usize,
        })
    }

    /// Where the right half starts.
    #[cfg(test)]
    fn left_len(&self) -> usize {
        self.left_len
    }

    /// The left half's chaining value; `None` if `blob` is not of the length these halves are of.
    pub(crate) fn left(&self, blob: Pieces<'_>) -> Option<ChainingValue> {
        let mut hasher = blake3::Hasher::new();
        self.feed(&mut hasher, blob, 0, self.left_len)?;
        Some(hasher.finalize_non_root())
    }

    /// The right half's chaining value; `None` if `blob` is not of the length these halves are of.
    pub(crate) fn right(&self, blob: Pieces<'_>) -> Option<ChainingValue> {
        let mut hasher = blake3::Hasher::new();
        hasher.set_input_offset(self.left_len as u64);
        self.feed(&mut hasher, blob, self.left_len, self.len)?;
        Some(hasher.finalize_non_root())
    }

    fn feed(
        &self,
        hasher: &mut blake3::Hasher,
        blob: Pieces<'_>,
        from: usize,
        to: usize,
    ) -> Option<()> {
        if blob.len() != self.len {
            return None;
        }
        for piece in blob.slice(from, to) {
            hasher.update(piece);
        }
        Some(())
    }

    /// The whole blob's hash from its halves' chaining values.
    pub(crate) fn root(left: &ChainingValue, right: &ChainingValue) -> blake3::Hash {
        blake3::hazmat::merge_subtrees_root(left, right, blake3::hazmat::Mode::Hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_merge_to_the_hash_of_the_whole() {
        let bytes: Vec<u8> = (0..3_000_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        assert_eq!(Halves::of(PARALLEL_FROM - 1), None);
        for len in [
            PARALLEL_FROM,
            PARALLEL_FROM + 1,
            (1 << 18) - 1,
            1 << 18,
            (1 << 18) + 1,
            (1 << 20) + 1024,
            2_775_533,
            2_838_558,
            bytes.len(),
        ] {
            let h = Halves::of(len).expect("large enough");
            let left_len = h.left_len();
            assert!(left_len.is_power_of_two() && left_len < len && 2 * left_len >= len);
            // The blob in pieces cut anywhere, also across the halves' boundary.
            for cuts in [
                (0, 0),
                (41_000, len - 3),
                (left_len - 1, left_len + 1),
                (len, len),
            ] {
                let blob = Pieces::new(
                    &bytes[..cuts.0],
                    &bytes[cuts.0..cuts.1],
                    &bytes[cuts.1..len],
                );
                let (l, r) = (h.left(blob).unwrap(), h.right(blob).unwrap());
                assert_eq!(
                    Halves::root(&l, &r),
                    blake3::hash(&bytes[..len]),
                    "{len} bytes, cut at {cuts:?}"
                );
            }
            let shorter = Pieces::from(&bytes[..len - 1]);
            assert_eq!((h.left(shorter), h.right(shorter)), (None, None));
        }
    }

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

//! The bytes a receipt names, as one run produced them: what the run log stores
//! next to the receipt, each blob under its blake3. `imr_host::runner::execute`
//! hashes them once and hands them out borrowed from its result
//! (`Executed::blobs`); the run log's `Log::append` stores them as they are.
//!
//! Nothing is copied to make this view: a run's returned state is one buffer,
//! named both as `state_out` and inside the outcome's encoding, which is held as
//! [`Pieces`] (the encoding before the state, the state, the encoding after it).

/// The blobs of one run: each the bytes whose blake3 the run's receipt records.
#[derive(Debug, Clone, Copy)]
pub struct RunBlobs<'a> {
    /// The component (`receipt.component`).
    pub component: &'a [u8],
    /// The epoch's canonical SCALE encoding (`receipt.epoch`).
    pub epoch: &'a [u8],
    /// The state handed in (`receipt.state_in`).
    pub state_in: &'a [u8],
    /// The state returned, when the run succeeded (`receipt.state_out`).
    pub state_out: Option<&'a [u8]>,
    /// The outcome's canonical encoding, when the run succeeded (`receipt.outcome`).
    pub outcome: Option<Pieces<'a>>,
    /// The guest log's canonical encoding (`receipt.log`).
    pub log: &'a [u8],
}

/// One blob's bytes as consecutive pieces: the blob is their concatenation.
#[derive(Debug, Clone, Copy)]
pub struct Pieces<'a> {
    pieces: [&'a [u8]; 3],
}

impl<'a> Pieces<'a> {
    /// The blob `head ++ middle ++ tail`.
    pub fn new(head: &'a [u8], middle: &'a [u8], tail: &'a [u8]) -> Self {
        Self {
            pieces: [head, middle, tail],
        }
    }

    /// The pieces, in order (some may be empty).
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.pieces.iter().copied()
    }

    /// The blob's length in bytes.
    pub fn len(&self) -> usize {
        self.pieces.iter().map(|p| p.len()).sum()
    }

    /// Whether the blob is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The blob's blake3 (hex): the same as of [`Pieces::to_vec`], without the copy.
    pub fn blake3_hex(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        for piece in self.pieces {
            hasher.update(piece);
        }
        hasher.finalize().to_hex().to_string()
    }

    /// The bytes `start..end` of the blob (clamped to its length), as sub-slices of its
    /// pieces, in order.
    pub fn slice(&self, start: usize, end: usize) -> impl Iterator<Item = &'a [u8]> + '_ {
        let mut offset = 0;
        self.pieces.iter().filter_map(move |piece| {
            let (from, to) = (offset, offset + piece.len());
            offset = to;
            let (s, e) = (start.max(from), end.min(to));
            (s < e).then(|| &piece[s - from..e - from])
        })
    }

    /// The blob in one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        self.pieces.concat()
    }
}

impl<'a> From<&'a [u8]> for Pieces<'a> {
    /// A blob in one piece.
    fn from(bytes: &'a [u8]) -> Self {
        Self::new(bytes, &[], &[])
    }
}

impl PartialEq<[u8]> for Pieces<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        self.len() == other.len() && {
            let mut rest = other;
            self.pieces.iter().all(|p| {
                let (here, after) = rest.split_at(p.len());
                rest = after;
                here == *p
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::blake3_hex;

    #[test]
    fn pieces_hash_and_compare_as_their_concatenation() {
        let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        for (a, b) in [
            (0, 0),
            (0, 5000),
            (3, 3),
            (1024, 2048),
            (1023, 4097),
            (5000, 5000),
        ] {
            let p = Pieces::new(&bytes[..a], &bytes[a..b], &bytes[b..]);
            assert_eq!(p.len(), bytes.len());
            assert_eq!(p.to_vec(), bytes);
            assert_eq!(p.blake3_hex(), blake3_hex(&bytes), "split at {a}, {b}");
            assert!(p == bytes[..]);
            let mut other = bytes.clone();
            other[b.min(4999)] ^= 1;
            assert!(p != other[..]);
            assert!(p != bytes[1..]);
        }
        let p = Pieces::new(&bytes[..100], &bytes[100..3000], &bytes[3000..]);
        for (start, end) in [
            (0, 5000),
            (0, 100),
            (50, 150),
            (100, 3000),
            (2999, 3001),
            (4000, 9000),
            (7000, 8000),
            (10, 10),
        ] {
            let got: Vec<u8> = p.slice(start, end).flatten().copied().collect();
            assert_eq!(got, bytes[start.min(5000)..end.min(5000)], "{start}..{end}");
            assert!(p.slice(start, end).all(|s| !s.is_empty()));
        }
        let one = Pieces::from(&b"blob"[..]);
        assert_eq!((one.len(), one.to_vec()), (4, b"blob".to_vec()));
        assert!(Pieces::from(&b""[..]).is_empty());
    }
}

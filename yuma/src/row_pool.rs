//! Row buffers kept from one epoch for the next.
//!
//! An epoch at 256 × 4096 builds two matrices of sparse rows (the row-normalized weights and
//! the bond EMA, 16 MiB each) and drops both before it returns. glibc hands the freed memory
//! back to the kernel when the top of an arena grows past its trim threshold (128 KiB unless
//! a program sets it), so the next epoch wrote its matrices into fresh pages: 1 000–2 700 page
//! faults per epoch were measured, several milliseconds of CPU. The epoch's row builders take
//! their buffers from this pool instead, and the matrices go back into it when the epoch is
//! done with them.
//!
//! Only empty capacity is reused: [`take`] returns a cleared buffer, so no value of one epoch
//! can reach another, and results do not depend on what the pool holds. The pool keeps at most
//! [`MAX_POOLED_BYTES`] of capacity; rows beyond that are freed as before.

use std::sync::Mutex;

use crate::sparse::SparseRow;

/// The most capacity (in bytes) the pool keeps: two matrices of 256 × 4096 entries and a margin.
pub const MAX_POOLED_BYTES: usize = 64 << 20;

/// Rows returned to the pool, and the bytes of capacity they hold.
static POOL: Mutex<(Vec<SparseRow>, usize)> = Mutex::new((Vec::new(), 0));

fn bytes(row: &SparseRow) -> usize {
    row.capacity() * std::mem::size_of::<(u16, crate::fixed::I32F32)>()
}

/// An empty row with room for at least `capacity` entries: the last pooled buffer when it is
/// large enough, else a new one (a buffer too small is freed: growing it would copy it).
pub fn take(capacity: usize) -> SparseRow {
    let pooled = POOL.lock().ok().and_then(|mut pool| {
        let row = pool.0.pop()?;
        pool.1 -= bytes(&row);
        Some(row)
    });
    match pooled {
        Some(mut row) if row.capacity() >= capacity => {
            row.clear();
            row
        }
        _ => Vec::with_capacity(capacity),
    }
}

/// Give `rows` back for later [`take`]s (as many as fit in [`MAX_POOLED_BYTES`]; the rest are
/// freed).
pub fn give(rows: impl IntoIterator<Item = SparseRow>) {
    let Ok(mut pool) = POOL.lock() else {
        return;
    };
    for row in rows {
        let size = bytes(&row);
        if size == 0 || pool.1 + size > MAX_POOLED_BYTES {
            continue;
        }
        pool.1 += size;
        pool.0.push(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixed::I32F32;

    #[test]
    fn taken_rows_are_empty_and_large_enough() {
        give(vec![vec![(3u16, I32F32::from_num(1)); 10], Vec::new()]);
        for wanted in [0, 5, 100] {
            let row = take(wanted);
            assert!(row.is_empty());
            assert!(row.capacity() >= wanted);
            give([row]);
        }
    }

    #[test]
    fn the_pool_stays_within_its_bound() {
        let entry = std::mem::size_of::<(u16, I32F32)>();
        give((0..3).map(|_| Vec::with_capacity(MAX_POOLED_BYTES / entry / 2)));
        let pool = POOL.lock().unwrap();
        assert!(pool.1 <= MAX_POOLED_BYTES);
        assert_eq!(pool.1, pool.0.iter().map(bytes).sum::<usize>());
    }
}

//! How the pooling allocator readies a slot for the next instance.
//!
//! Every run gets a fresh instance; what these settings change is only how the
//! previous instance's table and memory slots are put back to their initial
//! contents (`memset`/copy from the image instead of `madvise`). A fresh
//! instance sees the same zeroed tables and the same memory image either way
//! (wasmtime resets every page below the slot's accessible size, resident or
//! not; `host/tests/all/determinism.rs` checks that a run never sees what an
//! earlier run wrote into its data, its zeroed statics or memory it grew), so
//! no result and no fuel can depend on them, and they are deliberately not part
//! of the engine fingerprint (like the backend, they are a host's private choice).
//!
//! Measured with `cargo bench -p imr-benches --bench runtime -- instance/ boundary/`
//! and `benches/examples/prof_boundary.rs` (issue 12 items 2 and 4, BENCHMARKS.md):
//! - tables: with the default (`madvise` of every table on deallocation), each
//!   instantiation pays the `madvise` calls and then a page fault per table page
//!   it initializes; keeping table pages resident and clearing them with
//!   `memset` cut a fresh instance of the time-series example from about 12.9 to
//!   7.1 µs on the shared 2-core VM.
//! - linear memory: a run that touches memory (the epoch and the state lowered
//!   into it, the mechanism's heap) paid, on the default, an `madvise` of all of
//!   it when the instance was dropped and a page fault for every page the next
//!   run touched again (about 40% of a run's host time at 12 miners). With
//!   Linux's `PAGEMAP_SCAN` (kernel 6.7 and later) wasmtime finds the pages a run
//!   wrote and resets only those, in place, so they stay resident for the next
//!   run. Without it, keeping memory resident would `memset` the whole
//!   accessible memory on every drop, slower than the faults it saves, so it is
//!   only enabled where the scan is available.

use wasmtime::{Enabled, PoolingAllocationConfig};

/// Bytes of each table slot kept resident and cleared with `memset` (the
/// examples' function tables hold about a hundred 8-byte entries, one page;
/// only a table's used size is cleared, and `madvise` beyond this).
pub const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// Bytes of each linear-memory slot whose written pages are reset in place and
/// kept resident when `PAGEMAP_SCAN` is available (what a 4096-miner epoch of the
/// time-series example writes fits; pages beyond it are `madvise`d).
pub const MEMORY_KEEP_RESIDENT: usize = 64 << 20;

/// Whether written linear-memory pages are reset in place and kept resident on this host.
pub fn memory_kept_resident() -> bool {
    PoolingAllocationConfig::is_pagemap_scan_available()
}

/// Applies the slot-reuse settings.
pub(crate) fn tune(pool: &mut PoolingAllocationConfig) {
    pool.table_keep_resident(TABLE_KEEP_RESIDENT);
    if memory_kept_resident() {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(MEMORY_KEEP_RESIDENT);
    }
}

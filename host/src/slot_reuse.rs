//! How the pooling allocator readies a slot for the next instance.
//!
//! Every run gets a fresh instance; what these settings change is only how the
//! previous instance's table and memory slots are put back to their initial
//! contents (`memset` instead of `madvise`). A fresh instance sees the same
//! zeroed tables and the same memory image either way, so no result and no fuel
//! can depend on them, and they are deliberately not part of the engine
//! fingerprint (like the backend, they are a host's private choice).
//!
//! Measured with `cargo bench -p imr-benches --bench runtime -- instance/`
//! (issue 12 item 4, BENCHMARKS.md): with the default (`madvise` of every
//! table on deallocation), each instantiation pays the `madvise` calls and then
//! a page fault per table page it initializes; keeping table pages resident and
//! clearing them with `memset` cut a fresh instance of the time-series example
//! from about 12.9 to 7.1 µs on the shared 2-core VM.

use wasmtime::PoolingAllocationConfig;

/// Bytes of each table slot kept resident and cleared with `memset` (the
/// examples' function tables hold about a hundred 8-byte entries, one page;
/// only a table's used size is cleared, and `madvise` beyond this).
pub const TABLE_KEEP_RESIDENT: usize = 64 << 10;

/// Applies the slot-reuse settings.
pub(crate) fn tune(pool: &mut PoolingAllocationConfig) {
    pool.table_keep_resident(TABLE_KEEP_RESIDENT);
}

//! Fixed-chunk parallelism for the epoch's row- and column-wise passes.
//!
//! Results never depend on the number of threads:
//! - a row-wise pass computes every row from that row's input alone and collects the rows in
//!   order ([`Par::map_rows`]);
//! - a column reduction cuts the rows into chunks of [`ROWS_PER_CHUNK`] rows (boundaries fixed by
//!   the row count alone), reduces each chunk in row order into a partial vector, and combines
//!   the partials in chunk order ([`Par::reduce_columns`]). The epoch only reduces with wrapping
//!   addition, with saturating addition of non-negative values (`min(Σ, MAX)`, associative), and
//!   with `max`, so the chunked result also equals the chain's single pass in row order; the
//!   property tests compare both bit for bit.
//!
//! Small matrices run on the calling thread (same chunks, same order): handing work to a pool
//! costs more than it saves below [`PARALLEL_MIN_ENTRIES`].

use rayon::prelude::*;

use crate::fixed::I32F32;

/// Rows per task of a row-wise pass and per partial of a column reduction.
pub const ROWS_PER_CHUNK: usize = 16;
/// Columns per task when the chunks' partial column vectors are combined.
const COMBINE_COLUMNS: usize = 1024;
/// Below this many matrix entries an epoch's passes run on the calling thread.
pub const PARALLEL_MIN_ENTRIES: usize = 1 << 16;

/// Whether the passes of one epoch use the current rayon pool.
#[derive(Debug, Clone, Copy)]
pub struct Par {
    parallel: bool,
}

impl Par {
    /// Parallel when the matrix has at least [`PARALLEL_MIN_ENTRIES`] entries and the current
    /// rayon pool has more than one thread.
    pub fn for_entries(entries: usize) -> Par {
        Par {
            parallel: entries >= PARALLEL_MIN_ENTRIES && rayon::current_num_threads() > 1,
        }
    }

    /// Always on the calling thread.
    pub fn sequential() -> Par {
        Par { parallel: false }
    }

    /// True when this runs on the pool.
    pub fn is_parallel(self) -> bool {
        self.parallel
    }

    /// `f(scratch, i)` for every `i < count`, in order; each task gets its own `scratch` from
    /// `init`, which `f` must leave in a state that does not affect the next item.
    pub fn map_rows<T, S, I, F>(self, count: usize, init: I, f: F) -> Vec<T>
    where
        T: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize) -> T + Sync + Send,
    {
        self.map_items(count, ROWS_PER_CHUNK, init, f)
    }

    /// [`Par::map_rows`] in tasks of `per_task` items (for passes whose items are few and
    /// large, such as the medians' column blocks, so that both threads get a share).
    pub fn map_items<T, S, I, F>(self, count: usize, per_task: usize, init: I, f: F) -> Vec<T>
    where
        T: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize) -> T + Sync + Send,
    {
        if self.parallel {
            let per_task = per_task.max(1);
            (0..count)
                .into_par_iter()
                .with_min_len(per_task)
                .with_max_len(per_task)
                .map_init(init, f)
                .collect()
        } else {
            let mut scratch = init();
            (0..count).map(|i| f(&mut scratch, i)).collect()
        }
    }

    /// `f(i, &mut rows[i])` for every row, in place, collecting the results in order.
    pub fn map_rows_mut<T, R, F>(self, rows: &mut [T], f: F) -> Vec<R>
    where
        T: Send,
        R: Send,
        F: Fn(usize, &mut T) -> R + Sync + Send,
    {
        if self.parallel {
            rows.par_iter_mut()
                .enumerate()
                .with_min_len(ROWS_PER_CHUNK)
                .with_max_len(ROWS_PER_CHUNK)
                .map(|(i, r)| f(i, r))
                .collect()
        } else {
            rows.iter_mut().enumerate().map(|(i, r)| f(i, r)).collect()
        }
    }

    /// A column reduction over `rows` rows into `columns` entries: `f(i, partial)` folds row `i`
    /// into its chunk's partial (which starts at `identity` in every column; a chunk that never
    /// asks for [`Partial::values`] allocates none), and the partials are combined in chunk order
    /// with `combine(column, accumulated, partial)`.
    pub fn reduce_columns<F, C>(
        self,
        rows: usize,
        columns: usize,
        identity: I32F32,
        f: F,
        combine: C,
    ) -> Vec<I32F32>
    where
        F: Fn(usize, &mut Partial) + Sync + Send,
        C: Fn(usize, I32F32, I32F32) -> I32F32 + Sync,
    {
        self.map_rows_reduce(rows, columns, identity, || (), |_, i, p| f(i, p), combine)
            .1
    }

    /// A row-wise pass and a column reduction together: `f(scratch, i, partial)` returns row
    /// `i`'s result and folds its contributions into its chunk's partial, as in
    /// [`Par::reduce_columns`]. Each chunk of [`ROWS_PER_CHUNK`] rows gets its own scratch.
    pub fn map_rows_reduce<T, S, I, F, C>(
        self,
        rows: usize,
        columns: usize,
        identity: I32F32,
        init: I,
        f: F,
        combine: C,
    ) -> (Vec<T>, Vec<I32F32>)
    where
        T: Send,
        I: Fn() -> S + Sync + Send,
        F: Fn(&mut S, usize, &mut Partial) -> T + Sync + Send,
        C: Fn(usize, I32F32, I32F32) -> I32F32 + Sync,
    {
        let chunk = |c: usize| {
            let mut scratch = init();
            let mut partial = Partial {
                values: None,
                columns,
                identity,
            };
            let end = ((c + 1) * ROWS_PER_CHUNK).min(rows);
            let out: Vec<T> = (c * ROWS_PER_CHUNK..end)
                .map(|i| f(&mut scratch, i, &mut partial))
                .collect();
            (out, partial.values)
        };
        let chunks = rows.div_ceil(ROWS_PER_CHUNK);
        let parts: Vec<(Vec<T>, Option<Vec<I32F32>>)> = if self.parallel {
            (0..chunks)
                .into_par_iter()
                .with_max_len(1)
                .map(chunk)
                .collect()
        } else {
            (0..chunks).map(chunk).collect()
        };
        let mut out = Vec::with_capacity(rows);
        let mut partials: Vec<Vec<I32F32>> = Vec::with_capacity(chunks);
        for (rows_out, p) in parts {
            out.extend(rows_out);
            partials.extend(p);
        }
        let mut partials = partials.into_iter();
        let Some(mut result) = partials.next() else {
            return (out, vec![identity; columns]);
        };
        let rest: Vec<Vec<I32F32>> = partials.collect();
        // Each column combines the partials in chunk order; blocks of columns are independent.
        let combine_block = |(b, block): (usize, &mut [I32F32])| {
            let start = b * COMBINE_COLUMNS;
            for p in &rest {
                for ((a, &v), j) in block.iter_mut().zip(&p[start..]).zip(start..) {
                    *a = combine(j, *a, v);
                }
            }
        };
        if self.parallel && !rest.is_empty() {
            result
                .par_chunks_mut(COMBINE_COLUMNS)
                .enumerate()
                .for_each(combine_block);
        } else {
            result
                .chunks_mut(COMBINE_COLUMNS)
                .enumerate()
                .for_each(combine_block);
        }
        (out, result)
    }
}

/// One chunk's partial column vector, allocated on first use.
#[derive(Debug)]
pub struct Partial {
    values: Option<Vec<I32F32>>,
    columns: usize,
    identity: I32F32,
}

impl Partial {
    /// The partial vector (`columns` entries).
    pub fn values(&mut self) -> &mut [I32F32] {
        let (columns, identity) = (self.columns, self.identity);
        self.values.get_or_insert_with(|| vec![identity; columns])
    }
}

//! The weights that enter the bonds (S9, S11), produced row by row where they are used instead
//! of as whole matrices: the weights clipped at consensus (`col_clip_sparse`) and their
//! interpolation with the unclipped weights by the bonds penalty (`interpolate_sparse`).

use crate::fixed::{lt, mul_sat, I32F32, ONE, ZERO};
use crate::sparse::{col_clip_row, SparseRow};

/// One row of `col_clip_sparse(row, threshold)` into `out`: an entry above its column's
/// threshold is clipped to it, or dropped when the threshold is <= 0.
///
/// Every entry is first written as `(j, min(v, th))` in one branch-free pass (about half the
/// entries of a dense row are clipped, in no predictable order); only a row where some entry is
/// dropped (a column with consensus 0 that the row weights) is redone with the dropping loop.
pub fn clip_row(row: &[(u16, I32F32)], threshold: &[I32F32], out: &mut SparseRow) {
    out.clear();
    let mut dropped = false;
    out.extend(row.iter().map(|&(j, v)| {
        let th = threshold.get(j as usize).copied().unwrap_or(ZERO);
        let clipped = lt(th, v);
        dropped |= clipped & !lt(ZERO, th);
        (j, if clipped { th } else { v })
    }));
    if dropped {
        out.clear();
        col_clip_row(row, threshold, out);
    }
}

/// One row of `interpolate_sparse(r1, r2, columns, ratio)` for `0 < ratio < 1` into `out`: both
/// rows densified over `columns` (the later of duplicates wins), entries > 0 in ascending
/// column order. `acc` holds two zeroed rows between calls.
pub fn interpolate_row(
    r1: &[(u16, I32F32)],
    r2: &[(u16, I32F32)],
    columns: usize,
    ratio: I32F32,
    acc: &mut Vec<I32F32>,
    out: &mut SparseRow,
) {
    out.clear();
    if acc.len() != 2 * columns {
        acc.clear();
        acc.resize(2 * columns, ZERO);
    }
    let (row1, row2) = acc.split_at_mut(columns);
    let mut touched: Vec<usize> = Vec::with_capacity(r1.len() + r2.len());
    for &(j, v) in r1 {
        if let Some(c) = row1.get_mut(j as usize) {
            *c = v;
            touched.push(j as usize);
        }
    }
    for &(j, v) in r2 {
        if let Some(c) = row2.get_mut(j as usize) {
            *c = v;
            touched.push(j as usize);
        }
    }
    touched.sort_unstable();
    touched.dedup();
    for j in touched {
        let (v1, v2) = (row1[j], row2[j]);
        let interp = v1.saturating_add(mul_sat(ratio, v2.saturating_sub(v1)));
        if ZERO < interp {
            out.push((j as u16, interp));
        }
        row1[j] = ZERO;
        row2[j] = ZERO;
    }
}

/// How to get a row of the weights for bonds from the (row-normalized) weights.
#[derive(Debug, Clone, Copy)]
pub struct WeightsForBonds<'a> {
    /// The normalized weights, one row per uid.
    pub weights: &'a [SparseRow],
    /// Per row: true only when the row is strictly ascending by column.
    pub sorted: &'a [bool],
    /// Consensus (the clipping threshold).
    pub consensus: &'a [I32F32],
    /// The bonds penalty: 0 keeps the weights, 1 takes the clipped weights, anything between
    /// interpolates.
    pub ratio: I32F32,
    /// The number of columns the interpolation densifies over.
    pub columns: usize,
}

/// A row clipped at consensus and the row of the weights for bonds.
pub type ClippedAndRow<'s> = (&'s [(u16, I32F32)], &'s [(u16, I32F32)]);

/// Buffers for [`WeightsForBonds::row`].
#[derive(Debug, Default)]
pub struct RowBuffers {
    out: SparseRow,
    clipped: SparseRow,
    acc: Vec<I32F32>,
}

impl<'a> WeightsForBonds<'a> {
    /// Row `i` (borrowed from the weights when the penalty is 0, else computed into `buf`).
    pub fn row<'s>(&self, i: usize, buf: &'s mut RowBuffers) -> &'s [(u16, I32F32)]
    where
        'a: 's,
    {
        let w: &'a [(u16, I32F32)] = self.weights.get(i).map(Vec::as_slice).unwrap_or(&[]);
        if self.ratio == ZERO {
            return w;
        }
        if self.ratio == ONE {
            clip_row(w, self.consensus, &mut buf.out);
            return &buf.out;
        }
        clip_row(w, self.consensus, &mut buf.clipped);
        self.interpolate(w, buf);
        &buf.out
    }

    /// `buf.out` = the interpolation of `w` and `buf.clipped` by the bonds penalty.
    fn interpolate(&self, w: &[(u16, I32F32)], buf: &mut RowBuffers) {
        interpolate_row(
            w,
            &buf.clipped,
            self.columns,
            self.ratio,
            &mut buf.acc,
            &mut buf.out,
        );
    }

    /// Row `i` clipped at consensus (`col_clip_sparse`, S9) and row `i` of the weights for
    /// bonds, clipping once: the clipped row is the weights for bonds when the penalty is 1 and
    /// the interpolation's second operand otherwise.
    pub fn clipped_and_row<'s>(&self, i: usize, buf: &'s mut RowBuffers) -> ClippedAndRow<'s>
    where
        'a: 's,
    {
        let w: &'a [(u16, I32F32)] = self.weights.get(i).map(Vec::as_slice).unwrap_or(&[]);
        clip_row(w, self.consensus, &mut buf.clipped);
        if self.ratio == ZERO {
            return (&buf.clipped, w);
        }
        if self.ratio == ONE {
            return (&buf.clipped, &buf.clipped);
        }
        self.interpolate(w, buf);
        (&buf.clipped, &buf.out)
    }
}

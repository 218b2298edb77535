//! Sparse-matrix and vector operations of subtensor's `epoch/math.rs`, ported operation by operation.
//!
//! A sparse matrix is one `Vec<(column, value)>` per row, in stored order (not necessarily sorted).
//! Each function keeps the chain's handling of odd input: out-of-range columns are skipped exactly
//! where the chain skips them, duplicates are summed or overwritten as the chain does.

use crate::fixed::{safe_div, safe_div64, sum, sum_iter, I32F32, I64F64, ONE, ZERO};

/// A sparse row: `(column, value)` pairs.
pub type SparseRow = Vec<(u16, I32F32)>;
/// A sparse matrix: one [`SparseRow`] per row.
pub type SparseMatrix = Vec<SparseRow>;

/// Normalize in place so the vector sums to 1, unless it sums to 0 (`inplace_normalize`).
pub fn inplace_normalize(x: &mut [I32F32]) {
    let s = sum(x);
    if s == ZERO {
        return;
    }
    x.iter_mut().for_each(|v| *v = safe_div(*v, s));
}

/// Divide every element by `x_sum`, unless it is 0 (`inplace_normalize_using_sum`).
pub fn inplace_normalize_using_sum(x: &mut [I32F32], x_sum: I32F32) {
    if x_sum == ZERO {
        return;
    }
    x.iter_mut().for_each(|v| *v = safe_div(*v, x_sum));
}

/// Normalize an I64F64 vector in place (`inplace_normalize_64`).
pub fn inplace_normalize_64(x: &mut [I64F64]) {
    let zero = I64F64::from_bits(0);
    let s = x.iter().fold(zero, |a, v| a.wrapping_add(*v));
    if s == zero {
        return;
    }
    x.iter_mut().for_each(|v| *v = safe_div64(*v, s));
}

/// True when the vector sums to 0 (`is_zero`).
pub fn is_zero(x: &[I32F32]) -> bool {
    sum(x) == ZERO
}

/// Set to 0 the elements whose mask is true; a missing mask entry masks (`inplace_mask_vector`).
pub fn inplace_mask_vector(mask: &[bool], vector: &mut [I32F32]) {
    if mask.is_empty() {
        return;
    }
    for (i, v) in vector.iter_mut().enumerate() {
        if *mask.get(i).unwrap_or(&true) {
            *v = ZERO;
        }
    }
}

/// Top-k non-zero selection by a stable ascending sort (`is_topk_nonzero`).
///
/// When `n < k` every non-zero element is selected (quirk Q7).
pub fn is_topk_nonzero(vector: &[I32F32], k: usize) -> Vec<bool> {
    let n = vector.len();
    let mut result: Vec<bool> = vector.iter().map(|&e| e != ZERO).collect();
    if n < k {
        return result;
    }
    let mut idxs: Vec<usize> = (0..n).collect();
    idxs.sort_by_key(|&i| vector[i]);
    for &i in idxs.iter().take(n.saturating_sub(k)) {
        result[i] = false;
    }
    result
}

/// Element-wise product, 0 where the product overflows (`vec_mul`).
pub fn vec_mul(a: &[I32F32], b: &[I32F32]) -> Vec<I32F32> {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| x.checked_mul(*y).unwrap_or(ZERO))
        .collect()
}

/// Empty the rows whose mask is true; a missing mask entry masks (`mask_rows_sparse`).
pub fn mask_rows_sparse(mask: &[bool], m: &[SparseRow]) -> SparseMatrix {
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            if mask.get(i).copied().unwrap_or(true) {
                Vec::new()
            } else {
                row.clone()
            }
        })
        .collect()
}

/// Drop the diagonal (`mask_diag_sparse`), or all of it except `(except, except)`
/// (`mask_diag_sparse_except_index`).
pub fn mask_diag_sparse(m: &[SparseRow], except: Option<u16>) -> SparseMatrix {
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .filter(|(j, _)| {
                    i != *j as usize || except.is_some_and(|e| i == e as usize && *j == e)
                })
                .copied()
                .collect()
        })
        .collect()
}

/// Drop `(i, j)` where `mask_fn(first[i], second[j])`; missing vector entries read as 0
/// (`vec_mask_sparse_matrix`).
pub fn vec_mask_sparse_matrix(
    m: &[SparseRow],
    first: &[u64],
    second: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> SparseMatrix {
    m.iter()
        .enumerate()
        .map(|(i, row)| {
            let fv = first.get(i).copied().unwrap_or(0);
            row.iter()
                .filter(|(j, _)| !mask_fn(fv, second.get(*j as usize).copied().unwrap_or(0)))
                .copied()
                .collect()
        })
        .collect()
}

/// Drop `(i, j)` where `mask_fn(scalar, vector[j])` (`scalar_vec_mask_sparse_matrix`).
pub fn scalar_vec_mask_sparse_matrix(
    m: &[SparseRow],
    scalar: u64,
    vector: &[u64],
    mask_fn: impl Fn(u64, u64) -> bool,
) -> SparseMatrix {
    m.iter()
        .map(|row| {
            row.iter()
                .filter(|(j, _)| !mask_fn(scalar, vector.get(*j as usize).copied().unwrap_or(0)))
                .copied()
                .collect()
        })
        .collect()
}

/// Divide each row with a positive sum by that sum (`inplace_row_normalize_sparse`).
pub fn inplace_row_normalize_sparse(m: &mut [SparseRow]) {
    for row in m.iter_mut() {
        let s = sum_iter(row.iter().map(|(_, v)| *v));
        if s > ZERO {
            row.iter_mut().for_each(|(_, v)| *v = safe_div(*v, s));
        }
    }
}

/// Row sums (`row_sum_sparse`).
pub fn row_sum_sparse(m: &[SparseRow]) -> Vec<I32F32> {
    m.iter()
        .map(|row| sum_iter(row.iter().map(|(_, v)| *v)))
        .collect()
}

/// Normalize each of the first `columns` columns to sum 1 where its sum is non-zero
/// (`inplace_col_normalize_sparse`); entries in other columns are left as they are.
pub fn inplace_col_normalize_sparse(m: &mut [SparseRow], columns: u16) {
    let mut col_sum = vec![ZERO; columns as usize];
    for row in m.iter() {
        for &(j, v) in row {
            if let Some(s) = col_sum.get_mut(j as usize) {
                *s = s.saturating_add(v);
            }
        }
    }
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let d = col_sum.get(*j as usize).copied().unwrap_or(ZERO);
            if d != ZERO {
                *v = safe_div(*v, d);
            }
        }
    }
}

/// Divide each column by its maximum so the maximum becomes 1 (`inplace_col_max_upscale_sparse`).
pub fn inplace_col_max_upscale_sparse(m: &mut [SparseRow], columns: u16) {
    let mut col_max = vec![ZERO; columns as usize];
    for row in m.iter() {
        for &(j, v) in row {
            if let Some(c) = col_max.get_mut(j as usize) {
                if *c < v {
                    *c = v;
                }
            }
        }
    }
    for row in m.iter_mut() {
        for (j, v) in row.iter_mut() {
            let c = col_max.get(*j as usize).copied().unwrap_or(ZERO);
            if c != ZERO {
                *v = safe_div(*v, c);
            }
        }
    }
}

/// Clip each entry at its column threshold; drop it when the threshold is <= 0 and the entry
/// exceeds it (`col_clip_sparse`).
pub fn col_clip_sparse(m: &[SparseRow], threshold: &[I32F32]) -> SparseMatrix {
    m.iter()
        .map(|row| {
            let mut out = Vec::with_capacity(row.len());
            col_clip_row(row, threshold, &mut out);
            out
        })
        .collect()
}

/// One row of [`col_clip_sparse`], appended to `out`.
pub fn col_clip_row(row: &[(u16, I32F32)], threshold: &[I32F32], out: &mut SparseRow) {
    for &(j, v) in row {
        let th = threshold.get(j as usize).copied().unwrap_or(ZERO);
        if th < v {
            if th > ZERO {
                out.push((j, th));
            }
        } else {
            out.push((j, v));
        }
    }
}

/// `r_j = Σ_i vector_i · m_ij` over the first `columns` columns (`matmul_sparse`).
pub fn matmul_sparse(m: &[SparseRow], vector: &[I32F32], columns: u16) -> Vec<I32F32> {
    let mut result = vec![ZERO; columns as usize];
    for (i, row) in m.iter().enumerate() {
        let scale = vector.get(i).copied().unwrap_or(ZERO);
        for &(j, v) in row {
            if let Some(r) = result.get_mut(j as usize) {
                *r = r.saturating_add(scale.saturating_mul(v));
            }
        }
    }
    result
}

/// `r_i = Σ_j vector_j · m_ij` (`matmul_transpose_sparse`).
pub fn matmul_transpose_sparse(m: &[SparseRow], vector: &[I32F32]) -> Vec<I32F32> {
    m.iter()
        .map(|row| {
            row.iter().fold(ZERO, |acc, &(j, v)| {
                let x = vector.get(j as usize).copied().unwrap_or(ZERO);
                acc.saturating_add(x.saturating_mul(v))
            })
        })
        .collect()
}

/// Scale each row `i` by `vector[i]`; rows past the vector's end are dropped (`row_hadamard_sparse`).
pub fn row_hadamard_sparse(m: &[SparseRow], vector: &[I32F32]) -> SparseMatrix {
    m.iter()
        .zip(vector.iter())
        .map(|(row, &scale)| {
            row.iter()
                .map(|&(j, v)| (j, v.saturating_mul(scale)))
                .collect()
        })
        .collect()
}

/// Scale each entry `(i, j)` by `vector[j]`, keeping non-zero products (`mat_vec_mul_sparse`).
pub fn mat_vec_mul_sparse(m: &[SparseRow], vector: &[I32F32]) -> SparseMatrix {
    m.iter()
        .map(|row| {
            row.iter()
                .filter_map(|&(j, v)| {
                    let x = vector.get(j as usize)?;
                    let p = v.saturating_mul(*x);
                    (p != ZERO).then_some((j, p))
                })
                .collect()
        })
        .collect()
}

/// Prepare the touched columns of a densified row for an ascending walk: returns true when the
/// row is dense enough that walking every column is cheaper, else sorts and dedups `touched`.
fn ascending_columns(touched: &mut Vec<usize>, columns: usize) -> bool {
    if touched.len().saturating_mul(8) > columns {
        return true;
    }
    touched.sort_unstable();
    touched.dedup();
    false
}

/// Densify row `row` into `buf` (length `columns`), the later of duplicate entries winning,
/// and return the touched columns.
fn densify_overwrite(row: &[(u16, I32F32)], buf: &mut [I32F32], touched: &mut Vec<usize>) {
    for &(j, v) in row {
        if let Some(c) = buf.get_mut(j as usize) {
            *c = v;
            touched.push(j as usize);
        }
    }
}

/// `mat1 + ratio · (mat2 - mat1)` (`interpolate_sparse`, quirk Q3).
///
/// `ratio == 0` returns `mat1` and `ratio == 1` returns `mat2` unchanged; otherwise rows are
/// densified over `columns` and only entries > 0 are kept, in ascending column order.
pub fn interpolate_sparse(
    mat1: &[SparseRow],
    mat2: &[SparseRow],
    columns: u16,
    ratio: I32F32,
) -> SparseMatrix {
    if ratio == ZERO {
        return mat1.to_vec();
    }
    if ratio == ONE {
        return mat2.to_vec();
    }
    if mat1.len() != mat2.len() {
        return mat2.to_vec();
    }
    let cols = columns as usize;
    let mut row1 = vec![ZERO; cols];
    let mut row2 = vec![ZERO; cols];
    let mut touched = Vec::new();
    let mut result = Vec::with_capacity(mat1.len());
    for (r1, r2) in mat1.iter().zip(mat2.iter()) {
        touched.clear();
        densify_overwrite(r1, &mut row1, &mut touched);
        densify_overwrite(r2, &mut row2, &mut touched);
        // Columns never touched are 0 + ratio·0 = 0 and are dropped, so only touched ones matter.
        let dense = ascending_columns(&mut touched, cols);
        let mut out = Vec::new();
        let mut emit = |j: usize| {
            let (v1, v2) = (row1[j], row2[j]);
            let interp = v1.saturating_add(ratio.saturating_mul(v2.saturating_sub(v1)));
            if ZERO < interp {
                out.push((j as u16, interp));
            }
            row1[j] = ZERO;
            row2[j] = ZERO;
        };
        if dense {
            (0..cols).for_each(&mut emit);
        } else {
            touched.iter().for_each(|&j| emit(j));
        }
        result.push(out);
    }
    result
}

/// `alpha · new + (1 - alpha) · old`, densified per row over `new.len()` columns, keeping
/// entries > 0 in ascending column order (`mat_ema_sparse`).
pub fn mat_ema_sparse(new: &[SparseRow], old: &[SparseRow], alpha: I32F32) -> SparseMatrix {
    let n = new.len();
    if n == 0 {
        return Vec::new();
    }
    let one_minus_alpha = ONE.saturating_sub(alpha);
    let mut acc = vec![ZERO; n];
    let mut touched: Vec<usize> = Vec::new();
    let mut result = Vec::with_capacity(n);
    for (i, new_row) in new.iter().enumerate() {
        touched.clear();
        for &(j, v) in new_row {
            if let Some(c) = acc.get_mut(j as usize) {
                *c = c.saturating_add(alpha.saturating_mul(v));
                touched.push(j as usize);
            }
        }
        if let Some(orow) = old.get(i) {
            for &(j, v) in orow {
                if let Some(c) = acc.get_mut(j as usize) {
                    *c = c.saturating_add(one_minus_alpha.saturating_mul(v));
                    touched.push(j as usize);
                }
            }
        }
        let dense = ascending_columns(&mut touched, n);
        let mut out = Vec::new();
        let mut emit = |j: usize| {
            if acc[j] > ZERO {
                out.push((j as u16, acc[j]));
            }
            acc[j] = ZERO;
        };
        if dense {
            (0..n).for_each(&mut emit);
        } else {
            touched.iter().for_each(|&j| emit(j));
        }
        result.push(out);
    }
    result
}

/// `min(1, (1 - α_ij) · old_ij + max(0, α_ij · new_ij))`, emitted only where the new row has an
/// entry (`mat_ema_alpha_sparse`, quirk Q1). `alpha` holds one full row per matrix row.
pub fn mat_ema_alpha_sparse(
    new: &[SparseRow],
    old: &[SparseRow],
    alpha: &[Vec<I32F32>],
) -> SparseMatrix {
    if new.len() != old.len() || new.len() != alpha.len() {
        return new.to_vec();
    }
    let mut result = Vec::with_capacity(new.len());
    for ((new_row, old_row), alpha_row) in new.iter().zip(old.iter()).zip(alpha.iter()) {
        let mut decayed = vec![ZERO; alpha_row.len()];
        for &(j, ov) in old_row {
            if let (Some(&a), Some(c)) = (alpha_row.get(j as usize), decayed.get_mut(j as usize)) {
                *c = ONE.saturating_sub(a).saturating_mul(ov);
            }
        }
        let mut out = Vec::new();
        for &(j, nv) in new_row {
            if let (Some(&a), Some(&d)) = (alpha_row.get(j as usize), decayed.get(j as usize)) {
                let inc = a.saturating_mul(nv).max(ZERO);
                let v = d.saturating_add(inc).min(ONE);
                if v > ZERO {
                    out.push((j, v));
                }
            }
        }
        result.push(out);
    }
    result
}

//! CPython's `list.sort()` on a list of floats, step for step, so that lists holding NaN come
//! out in the order CPython leaves them.
//!
//! With NaN the comparison `<` is not a total order, and the result of a sort depends on which
//! comparisons the algorithm makes. This is a port of CPython 3.11's `Objects/listobject.c`
//! timsort (unchanged in 3.12; 3.13 changed `count_run`): `count_run` (strictly descending runs
//! are reversed), `binarysort` to extend short runs to `minrun`, the powersort merge policy
//! (`found_new_run`/`powerloop`, `merge_force_collapse`), and `merge_at` with `gallop_left`,
//! `gallop_right`, `merge_lo` and `merge_hi` including the adaptive `min_gallop`. For a list of
//! floats CPython compares with `unsafe_float_compare`, i.e. the C `<` on the doubles, which is
//! what every comparison here is.
//!
//! On NaN-free input this is an ordinary stable ascending sort.

const MIN_GALLOP: usize = 7;

#[inline]
fn lt(a: f64, b: f64) -> bool {
    a < b
}

#[derive(Clone, Copy)]
struct Run {
    base: usize,
    len: usize,
    power: u32,
}

struct MergeState<'a> {
    v: &'a mut [f64],
    pending: Vec<Run>,
    min_gallop: usize,
    tmp: Vec<f64>,
}

/// Sorts `v` in place exactly as CPython's `list.sort()` sorts a list of floats.
pub fn py_sort(v: &mut [f64]) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let minrun = compute_minrun(n);
    let mut ms = MergeState {
        v,
        pending: Vec::new(),
        min_gallop: MIN_GALLOP,
        tmp: Vec::new(),
    };
    let mut lo = 0usize;
    let mut remaining = n;
    while remaining > 0 {
        let (mut run, descending) = count_run(ms.v, lo, lo + remaining);
        if descending {
            ms.v[lo..lo + run].reverse();
        }
        if run < minrun {
            let force = remaining.min(minrun);
            binarysort(ms.v, lo, lo + force, lo + run);
            run = force;
        }
        ms.found_new_run(run, n);
        ms.pending.push(Run {
            base: lo,
            len: run,
            power: 0,
        });
        lo += run;
        remaining -= run;
    }
    ms.force_collapse();
}

/// `merge_compute_minrun`.
fn compute_minrun(mut n: usize) -> usize {
    let mut r = 0;
    while n >= 64 {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

/// `count_run`: the length of the run starting at `lo` (before `hi`) and whether it is
/// strictly descending.
fn count_run(v: &[f64], lo: usize, hi: usize) -> (usize, bool) {
    if lo + 1 == hi {
        return (1, false);
    }
    let mut n = 2;
    let mut i = lo + 2;
    if lt(v[lo + 1], v[lo]) {
        while i < hi && lt(v[i], v[i - 1]) {
            i += 1;
            n += 1;
        }
        (n, true)
    } else {
        while i < hi && !lt(v[i], v[i - 1]) {
            i += 1;
            n += 1;
        }
        (n, false)
    }
}

/// `binarysort`: `v[lo..start]` is sorted; insert `v[start..hi]` one by one.
fn binarysort(v: &mut [f64], lo: usize, hi: usize, mut start: usize) {
    if lo == start {
        start += 1;
    }
    while start < hi {
        let pivot = v[start];
        let (mut l, mut r) = (lo, start);
        loop {
            let p = l + ((r - l) >> 1);
            if lt(pivot, v[p]) {
                r = p;
            } else {
                l = p + 1;
            }
            if l >= r {
                break;
            }
        }
        v.copy_within(l..start, l + 1);
        v[l] = pivot;
        start += 1;
    }
}

/// `powerloop`: the powersort "power" of the boundary between run 1 (`s1`, `n1`) and run 2.
fn powerloop(s1: usize, n1: usize, n2: usize, n: usize) -> u32 {
    let mut result = 0;
    let mut a = 2 * s1 + n1;
    let mut b = a + n1 + n2;
    loop {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

/// `gallop_left` over `a` (with `n = a.len() > 0`): the `k` with `a[k-1] < key <= a[k]`.
fn gallop_left(key: f64, a: &[f64], hint: usize) -> usize {
    let n = a.len();
    let mut lastofs: isize = 0;
    let mut ofs: isize = 1;
    let h = hint as isize;
    if lt(a[hint], key) {
        let maxofs = (n - hint) as isize;
        while ofs < maxofs {
            if lt(a[(h + ofs) as usize], key) {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        if ofs > maxofs {
            ofs = maxofs;
        }
        lastofs += h;
        ofs += h;
    } else {
        let maxofs = h + 1;
        while ofs < maxofs {
            if lt(a[(h - ofs) as usize], key) {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        if ofs > maxofs {
            ofs = maxofs;
        }
        let k = lastofs;
        lastofs = h - ofs;
        ofs = h - k;
    }
    lastofs += 1;
    while lastofs < ofs {
        let m = lastofs + ((ofs - lastofs) >> 1);
        if lt(a[m as usize], key) {
            lastofs = m + 1;
        } else {
            ofs = m;
        }
    }
    ofs as usize
}

/// `gallop_right` over `a`: the `k` with `a[k-1] <= key < a[k]`.
fn gallop_right(key: f64, a: &[f64], hint: usize) -> usize {
    let n = a.len();
    let mut lastofs: isize = 0;
    let mut ofs: isize = 1;
    let h = hint as isize;
    if lt(key, a[hint]) {
        let maxofs = h + 1;
        while ofs < maxofs {
            if lt(key, a[(h - ofs) as usize]) {
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            } else {
                break;
            }
        }
        if ofs > maxofs {
            ofs = maxofs;
        }
        let k = lastofs;
        lastofs = h - ofs;
        ofs = h - k;
    } else {
        let maxofs = (n - hint) as isize;
        while ofs < maxofs {
            if lt(key, a[(h + ofs) as usize]) {
                break;
            }
            lastofs = ofs;
            ofs = (ofs << 1) + 1;
        }
        if ofs > maxofs {
            ofs = maxofs;
        }
        lastofs += h;
        ofs += h;
    }
    lastofs += 1;
    while lastofs < ofs {
        let m = lastofs + ((ofs - lastofs) >> 1);
        if lt(key, a[m as usize]) {
            ofs = m;
        } else {
            lastofs = m + 1;
        }
    }
    ofs as usize
}

impl MergeState<'_> {
    /// `found_new_run`: merge while the run below the top has a higher power than the new
    /// boundary, then record the boundary's power on the top run.
    fn found_new_run(&mut self, n2: usize, listlen: usize) {
        if let Some(top) = self.pending.last().copied() {
            let power = powerloop(top.base, top.len, n2, listlen);
            while self.pending.len() > 1 && self.pending[self.pending.len() - 2].power > power {
                self.merge_at(self.pending.len() - 2);
            }
            let last = self.pending.len() - 1;
            self.pending[last].power = power;
        }
    }

    /// `merge_force_collapse`.
    fn force_collapse(&mut self) {
        while self.pending.len() > 1 {
            let mut n = self.pending.len() - 2;
            if n > 0 && self.pending[n - 1].len < self.pending[n + 1].len {
                n -= 1;
            }
            self.merge_at(n);
        }
    }

    /// `merge_at`: merge runs `i` and `i + 1`.
    fn merge_at(&mut self, i: usize) {
        let Run {
            base: sa, len: na, ..
        } = self.pending[i];
        let Run {
            base: sb, len: nb, ..
        } = self.pending[i + 1];
        self.pending[i].len = na + nb;
        if i + 3 == self.pending.len() {
            self.pending[i + 1] = self.pending[i + 2];
        }
        self.pending.pop();

        let k = gallop_right(self.v[sb], &self.v[sa..sa + na], 0);
        let sa = sa + k;
        let na = na - k;
        if na == 0 {
            return;
        }
        let nb = gallop_left(self.v[sa + na - 1], &self.v[sb..sb + nb], nb - 1);
        if nb == 0 {
            return;
        }
        if na <= nb {
            self.merge_lo(sa, na, sb, nb);
        } else {
            self.merge_hi(sa, na, sb, nb);
        }
    }

    /// `merge_lo`: `na <= nb`; run A is copied to the temporary array.
    fn merge_lo(&mut self, sa: usize, mut na: usize, sb: usize, mut nb: usize) {
        self.tmp.clear();
        self.tmp.extend_from_slice(&self.v[sa..sa + na]);
        let mut dest = sa;
        let mut pa = 0usize; // into tmp
        let mut pb = sb; // into v
        let mut min_gallop = self.min_gallop;

        self.v[dest] = self.v[pb];
        dest += 1;
        pb += 1;
        nb -= 1;
        'done: {
            if nb == 0 {
                break 'done;
            }
            if na == 1 {
                // CopyB
                self.v.copy_within(pb..pb + nb, dest);
                self.v[dest + nb] = self.tmp[pa];
                return;
            }
            loop {
                let mut acount = 0usize;
                let mut bcount = 0usize;
                loop {
                    if lt(self.v[pb], self.tmp[pa]) {
                        self.v[dest] = self.v[pb];
                        dest += 1;
                        pb += 1;
                        bcount += 1;
                        acount = 0;
                        nb -= 1;
                        if nb == 0 {
                            break 'done;
                        }
                        if bcount >= min_gallop {
                            break;
                        }
                    } else {
                        self.v[dest] = self.tmp[pa];
                        dest += 1;
                        pa += 1;
                        acount += 1;
                        bcount = 0;
                        na -= 1;
                        if na == 1 {
                            self.v.copy_within(pb..pb + nb, dest);
                            self.v[dest + nb] = self.tmp[pa];
                            return;
                        }
                        if acount >= min_gallop {
                            break;
                        }
                    }
                }
                min_gallop += 1;
                loop {
                    min_gallop -= usize::from(min_gallop > 1);
                    self.min_gallop = min_gallop;
                    let k = gallop_right(self.v[pb], &self.tmp[pa..pa + na], 0);
                    acount = k;
                    if k > 0 {
                        self.v[dest..dest + k].copy_from_slice(&self.tmp[pa..pa + k]);
                        dest += k;
                        pa += k;
                        na -= k;
                        if na == 1 {
                            self.v.copy_within(pb..pb + nb, dest);
                            self.v[dest + nb] = self.tmp[pa];
                            return;
                        }
                        if na == 0 {
                            break 'done;
                        }
                    }
                    self.v[dest] = self.v[pb];
                    dest += 1;
                    pb += 1;
                    nb -= 1;
                    if nb == 0 {
                        break 'done;
                    }
                    let k = gallop_left(self.tmp[pa], &self.v[pb..pb + nb], 0);
                    bcount = k;
                    if k > 0 {
                        self.v.copy_within(pb..pb + k, dest);
                        dest += k;
                        pb += k;
                        nb -= k;
                        if nb == 0 {
                            break 'done;
                        }
                    }
                    self.v[dest] = self.tmp[pa];
                    dest += 1;
                    pa += 1;
                    na -= 1;
                    if na == 1 {
                        self.v.copy_within(pb..pb + nb, dest);
                        self.v[dest + nb] = self.tmp[pa];
                        return;
                    }
                    if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                        break;
                    }
                }
                min_gallop += 1;
                self.min_gallop = min_gallop;
            }
        }
        // Succeed: whatever is left of A goes to the end.
        if na > 0 {
            self.v[dest..dest + na].copy_from_slice(&self.tmp[pa..pa + na]);
        }
    }

    /// `merge_hi`: `na > nb`; run B is copied to the temporary array; merging from the right.
    fn merge_hi(&mut self, sa: usize, mut na: usize, sb: usize, mut nb: usize) {
        self.tmp.clear();
        self.tmp.extend_from_slice(&self.v[sb..sb + nb]);
        // Indices may step one below their base when a run is exhausted: use isize.
        let mut dest = (sb + nb - 1) as isize;
        let mut pa = (sa + na - 1) as isize; // into v
        let mut pb = (nb - 1) as isize; // into tmp
        let mut min_gallop = self.min_gallop;
        let v = &mut *self.v;
        let tmp = &self.tmp;

        v[dest as usize] = v[pa as usize];
        dest -= 1;
        pa -= 1;
        na -= 1;
        'done: {
            if na == 0 {
                break 'done;
            }
            if nb == 1 {
                copy_a(v, tmp, &mut dest, &mut pa, na, pb);
                return;
            }
            loop {
                let mut acount = 0usize;
                let mut bcount = 0usize;
                loop {
                    if lt(tmp[pb as usize], v[pa as usize]) {
                        v[dest as usize] = v[pa as usize];
                        dest -= 1;
                        pa -= 1;
                        acount += 1;
                        bcount = 0;
                        na -= 1;
                        if na == 0 {
                            break 'done;
                        }
                        if acount >= min_gallop {
                            break;
                        }
                    } else {
                        v[dest as usize] = tmp[pb as usize];
                        dest -= 1;
                        pb -= 1;
                        bcount += 1;
                        acount = 0;
                        nb -= 1;
                        if nb == 1 {
                            copy_a(v, tmp, &mut dest, &mut pa, na, pb);
                            return;
                        }
                        if bcount >= min_gallop {
                            break;
                        }
                    }
                }
                min_gallop += 1;
                loop {
                    min_gallop -= usize::from(min_gallop > 1);
                    self.min_gallop = min_gallop;
                    let k = na - gallop_right(tmp[pb as usize], &v[sa..sa + na], na - 1);
                    acount = k;
                    if k > 0 {
                        let ki = k as isize;
                        dest -= ki;
                        pa -= ki;
                        v.copy_within(
                            (pa + 1) as usize..(pa + 1 + ki) as usize,
                            (dest + 1) as usize,
                        );
                        na -= k;
                        if na == 0 {
                            break 'done;
                        }
                    }
                    v[dest as usize] = tmp[pb as usize];
                    dest -= 1;
                    pb -= 1;
                    nb -= 1;
                    if nb == 1 {
                        copy_a(v, tmp, &mut dest, &mut pa, na, pb);
                        return;
                    }
                    let k = nb - gallop_left(v[pa as usize], &tmp[0..nb], nb - 1);
                    bcount = k;
                    if k > 0 {
                        let ki = k as isize;
                        dest -= ki;
                        pb -= ki;
                        let (d, s) = ((dest + 1) as usize, (pb + 1) as usize);
                        v[d..d + k].copy_from_slice(&tmp[s..s + k]);
                        nb -= k;
                        if nb == 1 {
                            copy_a(v, tmp, &mut dest, &mut pa, na, pb);
                            return;
                        }
                        if nb == 0 {
                            break 'done;
                        }
                    }
                    v[dest as usize] = v[pa as usize];
                    dest -= 1;
                    pa -= 1;
                    na -= 1;
                    if na == 0 {
                        break 'done;
                    }
                    if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                        break;
                    }
                }
                min_gallop += 1;
                self.min_gallop = min_gallop;
            }
        }
        // Succeed: whatever is left of B goes to the front.
        if nb > 0 {
            let d = (dest + 1) as usize - nb;
            v[d..d + nb].copy_from_slice(&tmp[0..nb]);
        }
    }
}

/// `merge_hi`'s `CopyA`: B has one element left, which belongs before the rest of A.
fn copy_a(v: &mut [f64], tmp: &[f64], dest: &mut isize, pa: &mut isize, na: usize, pb: isize) {
    let ni = na as isize;
    let (d, s) = ((*dest + 1 - ni) as usize, (*pa + 1 - ni) as usize);
    v.copy_within(s..s + na, d);
    *dest -= ni;
    *pa -= ni;
    v[*dest as usize] = tmp[pb as usize];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn small_lists_with_nan_by_hand() {
        // One ascending run (NaN < 0 and 0 < NaN are both false): unchanged.
        let mut v = [0.0, f64::NAN, 0.0];
        py_sort(&mut v);
        assert_eq!(bits(&v), bits(&[0.0, f64::NAN, 0.0]));
        // count_run: 0.25 < 0.5 starts a descending run, NaN < 0.25 ends it: [0.25, 0.5];
        // binarysort inserts NaN after 0.5 (NaN < 0.5 is false), then 0.1 at the front.
        let mut v = [0.5, 0.25, f64::NAN, 0.1];
        py_sort(&mut v);
        assert_eq!(bits(&v), bits(&[0.1, 0.25, 0.5, f64::NAN]));
        // NaN first: the run [NaN, 1, 0.5]? 1 < NaN is false, so ascending; 0.5 < 1 ends it at
        // 2; binarysort puts 0.5 between NaN and 1 (0.5 < NaN false → right of NaN).
        let mut v = [f64::NAN, 1.0, 0.5];
        py_sort(&mut v);
        assert_eq!(bits(&v), bits(&[f64::NAN, 0.5, 1.0]));
    }

    #[test]
    fn without_nan_it_is_a_stable_ascending_sort() {
        // A deterministic pseudo-random sequence with many runs and duplicates, long enough
        // for merges and galloping.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for len in [0usize, 1, 2, 63, 64, 65, 127, 200, 1000, 5000] {
            let mut v: Vec<f64> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if i % 97 < 40 {
                        i as f64 // an ascending stretch
                    } else {
                        (x % 50) as f64 - 25.0
                    }
                })
                .collect();
            let mut want = v.clone();
            want.sort_by(f64::total_cmp);
            py_sort(&mut v);
            assert_eq!(bits(&v), bits(&want), "len {len}");
        }
    }
}

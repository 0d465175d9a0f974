//! Reductions: over all cells (a value on every rank) or along one axis (a
//! distributed array), plus cumulative sums and products and a
//! reproducible floating-point sum.
//!
//! Only owned cells count: ghost copies (communication padding) never are
//! counted twice. Layouts with replicated (not one-to-one) unstructured
//! axes are refused, since their replicas would be.
//!
//! **Reproducibility.** [`sum`](DistArrayBase::sum) is the fast, ordinary
//! sum (its last bits depend on the number of ranks, as MPI's are).
//! [`sum_reproducible`](DistArrayBase::sum_reproducible) gives the same bits
//! for any number of ranks and any distribution: it is the explicit mode.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[4, 5], &[Dist::Cyclic, Dist::Block]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 5 + ix[1]) as f64);
//! assert_eq!(a.sum().unwrap(), 190.0);
//! assert_eq!(a.max().unwrap(), 19.0);
//! assert_eq!(a.argmax().unwrap(), vec![3, 4]);
//! let rows = a.sum_axis(1).unwrap();                // a distributed array of 4
//! assert_eq!(rows.gather_all().unwrap().as_slice().unwrap(), &[10.0, 35.0, 60.0, 85.0]);
//! assert_eq!(a.sum_reproducible().unwrap(), 190.0);
//! ```

use crate::array::{DistArray, DistArrayBase};
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap};
use crate::ufunc::{FloatElement, Numeric, Real};
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{ArrayD, ArrayViewD, Axis, Data, IxDyn, Slice};

/// NaN test for any partially ordered element (only NaN differs from itself).
#[allow(clippy::eq_op)]
fn is_nan<T: PartialEq>(x: T) -> bool {
    x != x
}

/// True when `x` strictly beats `y` for argmax (`largest`) or argmin: NaN
/// beats every number (NumPy's rule), and NaN does not beat NaN.
fn beats<T: PartialOrd + Copy>(x: T, y: T, largest: bool) -> bool {
    let (xn, yn) = (is_nan(x), is_nan(y));
    if xn || yn {
        return xn && !yn;
    }
    if largest {
        x > y
    } else {
        x < y
    }
}

fn check_reducible(layout: &Layout) -> Result<()> {
    if layout.maps().iter().all(AxisMap::is_one_to_one) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "reductions need one-to-one layouts; {layout:?} replicates cells (redistribute it first)"
        )))
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// This rank's owned cells (no ghost copies).
    pub fn owned(&self) -> ArrayViewD<'_, T> {
        let owned = self.layout().owned_local_ranges();
        self.local().slice_each_axis_inplace_owned(&owned)
    }

    fn all_reduce<U: Equivalence + Default>(&self, mine: U, op: SystemOperation) -> U {
        let mut out = U::default();
        self.layout()
            .comm()
            .raw()
            .all_reduce_into(&mine, &mut out, op);
        out
    }

    /// Number of cells different from zero (`false`, `0`, `0.0`).
    pub fn count_nonzero(&self) -> Result<usize> {
        check_reducible(self.layout())?;
        let n = self.owned().iter().filter(|&&x| x != T::default()).count() as u64;
        Ok(self.all_reduce(n, SystemOperation::sum()) as usize)
    }
}

/// Helper: slicing a view by per-axis ranges, consuming it.
trait SliceOwned<'a, T> {
    fn slice_each_axis_inplace_owned(self, r: &[std::ops::Range<usize>]) -> ArrayViewD<'a, T>;
}
impl<'a, T> SliceOwned<'a, T> for ArrayViewD<'a, T> {
    fn slice_each_axis_inplace_owned(mut self, r: &[std::ops::Range<usize>]) -> ArrayViewD<'a, T> {
        for (a, range) in r.iter().enumerate() {
            self.slice_axis_inplace(Axis(a), Slice::from(range.clone()));
        }
        self
    }
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Sum of all cells, on every rank. Collective.
    pub fn sum(&self) -> Result<T> {
        check_reducible(self.layout())?;
        let owned = self.owned();
        let mine = match owned.as_slice() {
            Some(s) => sum_slice(s),
            None => owned.iter().fold(T::default(), |a, &x| a + x),
        };
        Ok(self.all_reduce(mine, SystemOperation::sum()))
    }

    /// Product of all cells, on every rank. Collective.
    pub fn prod(&self) -> Result<T> {
        check_reducible(self.layout())?;
        let mine = self
            .owned()
            .iter()
            .fold(<T as Element>::one(), |a, &x| a * x);
        Ok(self.all_reduce(mine, SystemOperation::product()))
    }
}

/// A sum with several independent accumulators (vectorizes; order fixed).
fn sum_slice<T: Numeric>(s: &[T]) -> T {
    let mut acc = [T::default(); 8];
    let chunks = s.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            acc[i] = acc[i] + c[i];
        }
    }
    let mut total = rest.iter().fold(T::default(), |a, &x| a + x);
    for a in acc {
        total = total + a;
    }
    total
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Smallest cell, on every rank (NaN if any cell is NaN). Collective.
    pub fn min(&self) -> Result<T> {
        self.extreme(false).map(|(v, _)| v)
    }
    /// Largest cell, on every rank (NaN if any cell is NaN). Collective.
    pub fn max(&self) -> Result<T> {
        self.extreme(true).map(|(v, _)| v)
    }
    /// Global index of the smallest cell (the first in C order on ties). Collective.
    pub fn argmin(&self) -> Result<Vec<usize>> {
        self.extreme(false).map(|(_, ix)| ix)
    }
    /// Global index of the largest cell (the first in C order on ties). Collective.
    pub fn argmax(&self) -> Result<Vec<usize>> {
        self.extreme(true).map(|(_, ix)| ix)
    }

    /// (value, global index) of the extreme cell; NaN wins, as in NumPy.
    fn extreme(&self, largest: bool) -> Result<(T, Vec<usize>)> {
        let layout = self.layout();
        let comm = layout.comm();
        comm.agree(check_reducible(layout).and_then(|()| {
            if layout.global_len() == 0 {
                Err(Error::InvalidArgument(
                    "the extreme of an empty array is undefined".into(),
                ))
            } else {
                Ok(())
            }
        }))?;
        let owned = layout.owned_local_ranges();
        let axes: Vec<Vec<usize>> = (0..layout.ndim())
            .map(|a| layout.global_indices(a)[owned[a].clone()].to_vec())
            .collect();
        let strides = crate::array::c_strides(layout.shape());
        let better = |x: T, y: T| beats(x, y, largest);
        let mut best: Option<(T, usize)> = None;
        let view = self.owned();
        let mut cells = view.iter(); // C order, as the box is visited
        crate::array::for_each_in_box(&axes, |g, _| {
            let x = *cells.next().expect("one cell per owned index");
            let flat: usize = g.iter().zip(&strides).map(|(i, s)| i * s).sum();
            // a better value wins; on a tie (NaN ties NaN) the first in C order
            match best {
                Some((b, f)) if !(better(x, b) || (!better(b, x) && flat < f)) => {}
                _ => best = Some((x, flat)),
            }
        });
        let (vals, _) = comm.all_gather_varcount(&best.map(|(v, _)| vec![v]).unwrap_or_default());
        let (flats, _) =
            comm.all_gather_varcount(&best.map(|(_, f)| vec![f as u64]).unwrap_or_default());
        let mut pick = 0;
        for i in 1..vals.len() {
            let (x, b) = (vals[i], vals[pick]);
            if better(x, b) || (!better(b, x) && flats[i] < flats[pick]) {
                pick = i;
            }
        }
        let mut flat = flats[pick] as usize;
        let mut ix = vec![0; layout.ndim()];
        for (a, &s) in strides.iter().enumerate() {
            ix[a] = flat / s;
            flat %= s;
        }
        Ok((vals[pick], ix))
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Mean of all cells, on every rank. Collective.
    pub fn mean(&self) -> Result<T> {
        let n = self.layout().global_len();
        Ok(self.sum()? / T::from(n).unwrap())
    }

    /// Variance with `ddof` delta degrees of freedom (two passes: mean,
    /// then squared deviations). Collective.
    pub fn var(&self, ddof: usize) -> Result<T> {
        let mean = self.mean()?;
        let mine = self
            .owned()
            .iter()
            .fold(T::default(), |a, &x| a + (x - mean) * (x - mean));
        let total = self.all_reduce(mine, SystemOperation::sum());
        Ok(total / T::from(self.layout().global_len().saturating_sub(ddof)).unwrap())
    }

    /// Standard deviation with `ddof`. Collective.
    pub fn std(&self, ddof: usize) -> Result<T> {
        Ok(self.var(ddof)?.sqrt())
    }

    /// The sum with the same bits for any number of ranks and any
    /// distribution (accurate to about 2^-100 of the largest cell's
    /// magnitude times the cell count). Two passes: the global largest
    /// magnitude fixes two grids; every cell is split onto them, and sums of
    /// grid multiples are exact, so their order does not matter (the
    /// pre-rounding method of Demmel and Nguyen). Collective.
    pub fn sum_reproducible(&self) -> Result<f64> {
        check_reducible(self.layout())?;
        let comm = self.layout().comm();
        let owned = self.owned();
        let values: Vec<f64>;
        let slice: &[f64] = match (owned.as_slice(), T::DTYPE) {
            (Some(s), crate::DType::F64) => f64_slice(s),
            _ => {
                values = owned.iter().map(|x| x.to_f64().unwrap()).collect();
                &values
            }
        };
        reproducible_sum(comm, slice, self.layout().global_len())
    }
}

fn f64_slice<T: Element>(s: &[T]) -> &[f64] {
    let bytes = T::le_bytes(s);
    match bytes {
        std::borrow::Cow::Borrowed(b) => bytemuck::cast_slice(b),
        std::borrow::Cow::Owned(_) => unreachable!("f64 is plain data"),
    }
}

/// Largest finite magnitude (lane-wise), and whether any cell is not finite
/// (`x * 0` is NaN exactly for those). Compiled for the best SIMD level the
/// processor has, chosen at run time.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+avx", "x86_64+sse4.1"))]
fn max_abs_and_poison(x: &[f64]) -> (f64, bool) {
    let mut lanes = [0.0f64; 8];
    let mut poison = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            lanes[i] = lanes[i].max(c[i].abs());
            poison[i] += c[i] * 0.0;
        }
    }
    let mut max_abs = lanes.iter().fold(0.0f64, |a, &b| a.max(b));
    let mut bad = poison.iter().any(|p| p.is_nan());
    for &v in tail {
        max_abs = max_abs.max(v.abs());
        bad |= !v.is_finite();
    }
    (max_abs, bad)
}

/// The two-fold pre-rounding split of every cell onto the grids of `s1`
/// and `s2` (after scaling by `scale`): lane sums of both folds and the
/// tail's sums. Exact in any order. Multiversioned like `max_abs_and_poison`.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+avx", "x86_64+sse4.1"))]
fn fold2(x: &[f64], scale: f64, s1: f64, s2: f64) -> ([f64; 8], [f64; 8], f64, f64) {
    let mut a1 = [0.0f64; 8];
    let mut a2 = [0.0f64; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    if scale == 1.0 {
        for c in chunks {
            for i in 0..8 {
                let q = (s1 + c[i]) - s1;
                a1[i] += q;
                a2[i] += (s2 + (c[i] - q)) - s2;
            }
        }
    } else {
        for c in chunks {
            for i in 0..8 {
                let v = c[i] * scale;
                let q = (s1 + v) - s1;
                a1[i] += q;
                a2[i] += (s2 + (v - q)) - s2;
            }
        }
    }
    let (mut t1, mut t2) = (0.0f64, 0.0f64);
    for &v in rest {
        let v = v * scale;
        let q = (s1 + v) - s1;
        t1 += q;
        t2 += (s2 + (v - q)) - s2;
    }
    (a1, a2, t1, t2)
}

/// Bits per bin of the one-pass method.
const BIN_BITS: i32 = 32;
/// Cells per block: the block's largest magnitude is found, then the block
/// (still in L1) is split onto the bins.
const BLOCK: usize = 2048;
/// Carries are propagated at least this often (bins stay exact below 2^21 additions).
const NORMALIZE_EVERY: usize = 1 << 19;

/// Splits every cell of `x` onto the bins with extraction constants `s1`,
/// `s2` (quanta 2^(32(top-1)) and 2^(32(top-2))), into eight lanes each.
#[multiversion::multiversion(targets("x86_64+avx2+fma", "x86_64+avx", "x86_64+sse4.1"))]
fn fold_block(x: &[f64], s1: f64, s2: f64, a1: &mut [f64; 8], a2: &mut [f64; 8]) {
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for i in 0..8 {
            let q1 = (s1 + c[i]) - s1;
            a1[i] += q1;
            let r = c[i] - q1;
            a2[i] += (s2 + r) - s2;
        }
    }
    for (i, &v) in rest.iter().enumerate() {
        let q1 = (s1 + v) - s1;
        a1[i] += q1;
        a2[i] += (s2 + (v - q1)) - s2;
    }
}

/// `1.5 * 2^(32 b + 52)`: adding and subtracting it rounds to a multiple of 2^(32 b).
fn sigma(b: i32) -> f64 {
    1.5 * 2f64.powi(BIN_BITS * b + 52)
}

/// Three bins (quanta 2^(32 top), 2^(32(top-1)), 2^(32(top-2))) holding an
/// exact value; `top` is chosen so every cell is below half the top quantum.
struct Bins {
    top: i32,
    s: [f64; 3],
}

impl Bins {
    /// Moves each bin's excess into the bin above (exact; a unique form).
    fn normalize(&mut self) {
        for i in (1..3).rev() {
            let b = self.top - i as i32 + 1;
            let sg = sigma(b);
            let c = (sg + self.s[i]) - sg;
            self.s[i] -= c;
            self.s[i - 1] += c;
        }
    }
    /// Raises `top` to `new_top`, dropping the bins that fall below the window.
    fn raise(&mut self, new_top: i32) {
        let shift = (new_top - self.top).clamp(0, 3) as usize;
        if shift > 0 {
            for i in (0..3).rev() {
                self.s[i] = if i >= shift { self.s[i - shift] } else { 0.0 };
            }
            self.top = new_top;
        }
    }
}

/// The one-pass sum: per block, the largest magnitude sets the window of
/// bins (fixed 32-bit boundaries, so a cell's pieces do not depend on which
/// block it sits in); bins that later fall below the window are dropped, as
/// they would be for the final window. `None` when the values fall outside
/// the range the bins cover (huge, tiny, or not finite).
fn one_pass_bins(x: &[f64]) -> Option<Bins> {
    let mut bins: Option<Bins> = None;
    let (mut a1, mut a2) = ([0.0f64; 8], [0.0f64; 8]);
    let mut since = 0usize;
    for block in x.chunks(BLOCK) {
        let (m, bad) = max_abs_and_poison(block);
        if bad || m >= 2f64.powi(900) || (m > 0.0 && m < 2f64.powi(-900)) {
            return None;
        }
        if m == 0.0 {
            continue;
        }
        let e = ((m.to_bits() >> 52) & 0x7ff) as i32 - 1022; // m < 2^e
        let need = (e + 1 + BIN_BITS - 1).div_euclid(BIN_BITS); // m < 2^(32 need - 1)
        let b = bins.get_or_insert(Bins {
            top: need,
            s: [0.0; 3],
        });
        if need > b.top {
            // flush the lanes into the old window first
            b.s[1] += a1.iter().sum::<f64>();
            b.s[2] += a2.iter().sum::<f64>();
            a1 = [0.0; 8];
            a2 = [0.0; 8];
            b.normalize();
            b.raise(need);
            since = 0;
        }
        fold_block(block, sigma(b.top - 1), sigma(b.top - 2), &mut a1, &mut a2);
        since += block.len();
        if since >= NORMALIZE_EVERY {
            b.s[1] += a1.iter().sum::<f64>();
            b.s[2] += a2.iter().sum::<f64>();
            a1 = [0.0; 8];
            a2 = [0.0; 8];
            b.normalize();
            since = 0;
        }
    }
    let mut b = bins.unwrap_or(Bins {
        top: i32::MIN / 2,
        s: [0.0; 3],
    });
    b.s[1] += a1.iter().sum::<f64>();
    b.s[2] += a2.iter().sum::<f64>();
    if b.top > i32::MIN / 2 {
        b.normalize();
    }
    Some(b)
}

/// See [`DistArrayBase::sum_reproducible`]: one memory pass (blocked) in
/// the common range, the two-pass method otherwise.
pub fn reproducible_sum(comm: &Comm, x: &[f64], n: usize) -> Result<f64> {
    let local = one_pass_bins(x);
    let raw = comm.raw();
    let mut any_fallback = 0u8;
    raw.all_reduce_into(
        &u8::from(local.is_none()),
        &mut any_fallback,
        SystemOperation::max(),
    );
    if any_fallback == 1 {
        return reproducible_sum_two_pass(comm, x, n);
    }
    let mut b = local.expect("no rank fell back");
    let mut top = 0i32;
    raw.all_reduce_into(&b.top, &mut top, SystemOperation::max());
    if top == i32::MIN / 2 {
        return Ok(0.0); // every cell is zero
    }
    if b.top == i32::MIN / 2 {
        b.top = top;
    } else {
        b.raise(top);
        b.normalize();
    }
    let mut g = [0.0f64; 3];
    raw.all_reduce_into(&b.s[..], &mut g[..], SystemOperation::sum());
    let mut total = Bins { top, s: g };
    total.normalize();
    Ok(total.s[0] + (total.s[1] + total.s[2]))
}

/// The two-pass method: the global largest magnitude fixes two grids.
pub fn reproducible_sum_two_pass(comm: &Comm, x: &[f64], n: usize) -> Result<f64> {
    // non-finite cells: the answer is NaN or an infinity whatever the order.
    // One vectorized pass finds the largest finite magnitude; `x * 0` is NaN
    // exactly for the non-finite cells, so their sum flags them cheaply.
    let (mut max_abs, bad) = max_abs_and_poison(x);
    let (mut pos_inf, mut neg_inf, mut nan) = (0u8, 0u8, 0u8);
    if bad {
        max_abs = 0.0;
        for &v in x {
            if v.is_nan() {
                nan = 1;
            } else if v == f64::INFINITY {
                pos_inf = 1;
            } else if v == f64::NEG_INFINITY {
                neg_inf = 1;
            } else {
                max_abs = max_abs.max(v.abs());
            }
        }
    }
    let raw = comm.raw();
    let mut flags = [0u8; 3];
    raw.all_reduce_into(
        &[nan, pos_inf, neg_inf][..],
        &mut flags[..],
        SystemOperation::max(),
    );
    if flags[0] == 1 || (flags[1] == 1 && flags[2] == 1) {
        return Ok(f64::NAN);
    }
    if flags[1] == 1 {
        return Ok(f64::INFINITY);
    }
    if flags[2] == 1 {
        return Ok(f64::NEG_INFINITY);
    }
    let mut m = 0.0f64;
    raw.all_reduce_into(&max_abs, &mut m, SystemOperation::max());
    if m == 0.0 || n == 0 {
        return Ok(0.0);
    }
    // 2^em > m; the first grid's top binade 2^e1 holds n * m with room to spare
    let em = m.log2().floor() as i32 + 1;
    let en = (n as f64).log2().ceil() as i32;
    let e1 = em + en + 1;
    // keep 1.5 * 2^e1 finite: scale everything by an exact power of two
    let shift = (e1 - 1000).max(0);
    let scale = 2f64.powi(-shift);
    let e1 = e1 - shift;
    let e2 = e1 - 53 + en + 1;
    let (s1, s2) = (1.5 * 2f64.powi(e1), 1.5 * 2f64.powi(e2));
    let (a1, a2, mut t1, mut t2) = fold2(x, scale, s1, s2);
    // every partial sum is an exact grid multiple: any order gives the same bits
    for i in 0..8 {
        t1 += a1[i];
        t2 += a2[i];
    }
    let mut g = [0.0f64; 2];
    raw.all_reduce_into(&[t1, t2][..], &mut g[..], SystemOperation::sum());
    Ok((g[0] + g[1]) / scale)
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Sum along `axis`, keeping it with length 1 (on grid position 0 of
    /// that axis): no data moves but the partial sums. Collective.
    pub fn sum_axis_keepdims(&self, axis: usize) -> Result<DistArray<T>> {
        self.reduce_axis(axis, T::default(), |a, b| a + b, SystemOperation::sum())
    }
    /// Sum along `axis`, as an array of the remaining axes (block layout). Collective.
    pub fn sum_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(self.sum_axis_keepdims(axis)?, axis)
    }
    /// Product along `axis`, as an array of the remaining axes. Collective.
    pub fn prod_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(
            self.reduce_axis(
                axis,
                <T as Element>::one(),
                |a, b| a * b,
                SystemOperation::product(),
            )?,
            axis,
        )
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Folds the cells along `axis` with `f` from `init`, combining ranks
    /// with `op`; the result keeps the axis with length 1 (on grid
    /// position 0 of that axis). Collective.
    pub(crate) fn reduce_axis(
        &self,
        axis: usize,
        init: T,
        f: impl Fn(T, T) -> T,
        op: SystemOperation,
    ) -> Result<DistArray<T>> {
        let layout = self.layout();
        let comm = layout.comm();
        comm.agree(check_reducible(layout).and_then(|()| {
            if axis < layout.ndim() {
                Ok(())
            } else {
                Err(Error::InvalidArgument(format!(
                    "axis {axis} of a {}-d array",
                    layout.ndim()
                )))
            }
        }))?;
        // partial results over this rank's owned cells along the axis
        let owned = layout.owned_local_ranges()[axis].clone();
        let mut view = self.local();
        view.slice_axis_inplace(Axis(axis), Slice::from(owned));
        let mut partial = view
            .fold_axis(Axis(axis), init, |&a, &b| f(a, b))
            .insert_axis(Axis(axis));
        // combine along the grid axis onto position 0
        let coords = layout.grid().coords();
        let sub = layout.line_along(axis);
        let root = sub.raw().process_at_rank(0);
        let data = partial.as_slice_mut().expect("fresh arrays are contiguous");
        let spare = [T::default()];
        if coords[axis] == 0 {
            let mut out = vec![T::default(); data.len()];
            if !data.is_empty() {
                root.reduce_into_root(&data[..], &mut out[..], op);
            }
            data.copy_from_slice(&out);
        } else if !data.is_empty() {
            root.reduce_into(&data[..], op);
        } else {
            let _ = &spare;
        }
        let p = layout.grid().shape()[axis];
        let mut bounds = vec![0];
        bounds.extend(std::iter::repeat_n(1, p));
        let mut maps = layout.maps().to_vec();
        maps[axis] = AxisMap::Block(BlockMap::irregular(bounds)?);
        let result = Layout::from_parts(comm.clone(), layout.grid().clone(), maps);
        let local = if coords[axis] == 0 {
            partial
        } else {
            ArrayD::from_elem(IxDyn(result.local_shape()), T::default())
        };
        DistArrayBase::from_local(result, local)
    }
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Smallest cell along `axis`, as an array of the remaining axes. Collective.
    pub fn min_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(
            self.reduce_axis(
                axis,
                T::highest(),
                |a, b| a.minimum_(b),
                SystemOperation::min(),
            )?,
            axis,
        )
    }
    /// Largest cell along `axis`, as an array of the remaining axes. Collective.
    pub fn max_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(
            self.reduce_axis(
                axis,
                T::lowest(),
                |a, b| a.maximum_(b),
                SystemOperation::max(),
            )?,
            axis,
        )
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Mean along `axis`, as an array of the remaining axes. Collective.
    pub fn mean_axis(&self, axis: usize) -> Result<DistArray<T>> {
        let n = T::from(self.shape().get(axis).copied().unwrap_or(1)).unwrap();
        Ok(self.sum_axis(axis)?.map(|x| x / n))
    }
}

/// Drops a length-1 axis by a reshape into a balanced block layout.
fn drop_axis<T: Element>(a: DistArray<T>, axis: usize) -> Result<DistArray<T>> {
    let mut shape = a.shape().to_vec();
    shape.remove(axis);
    if shape.is_empty() {
        return Err(Error::InvalidArgument(
            "reducing the only axis: use the all-cells reduction".into(),
        ));
    }
    let target = Layout::block(a.layout().comm(), &shape)?;
    a.reshape_into(&target)
}

impl<S: Data<Elem = bool>> DistArrayBase<S> {
    /// True when any cell is true, on every rank. Collective.
    pub fn any(&self) -> Result<bool> {
        Ok(self.count_nonzero()? > 0)
    }
    /// True when every cell is true, on every rank. Collective.
    pub fn all(&self) -> Result<bool> {
        Ok(self.count_nonzero()? == self.layout().global_len())
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Variance along `axis` with `ddof` (two passes: the mean along the
    /// axis, broadcast back, then squared deviations). Collective.
    pub fn var_axis(&self, axis: usize, ddof: usize) -> Result<DistArray<T>> {
        let n = self.shape().get(axis).copied().unwrap_or(1);
        let mean = self
            .sum_axis_keepdims(axis)?
            .map(|x| x / T::from(n).unwrap());
        let dev = self.zip_broadcast(&mean, |x, m| (x - m) * (x - m))?;
        let denom = T::from(n.saturating_sub(ddof)).unwrap();
        Ok(dev.sum_axis(axis)?.map(|x| x / denom))
    }

    /// Standard deviation along `axis` with `ddof`. Collective.
    pub fn std_axis(&self, axis: usize, ddof: usize) -> Result<DistArray<T>> {
        Ok(self.var_axis(axis, ddof)?.map(|x| x.sqrt()))
    }
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Sum over several axes, as an array of the remaining ones (NumPy's
    /// `sum(axis=(..))`). Collective.
    pub fn sum_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.sum_axis(axis))
    }
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Minimum over several axes. Collective.
    pub fn min_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.min_axis(axis))
    }
    /// Maximum over several axes. Collective.
    pub fn max_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.max_axis(axis))
    }
}

/// Applies a one-axis reduction to each of `axes`, highest first, so the
/// remaining axis numbers stay valid.
fn over_axes<T: Element>(
    a: DistArray<T>,
    axes: &[usize],
    one: impl Fn(&DistArray<T>, usize) -> Result<DistArray<T>>,
) -> Result<DistArray<T>> {
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != axes.len()
        || sorted.last().is_some_and(|&x| x >= a.ndim())
        || sorted.len() >= a.ndim()
    {
        return Err(Error::InvalidArgument(format!(
            "axes {axes:?} of a {}-d array must be distinct, in range, and leave an axis (use the all-cells reduction otherwise)",
            a.ndim()
        )));
    }
    let mut out = a;
    for &axis in sorted.iter().rev() {
        out = one(&out, axis)?;
    }
    Ok(out)
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Index along `axis` of the smallest cell of every lane (first on ties;
    /// NaN wins), as an array of the remaining axes. Collective.
    pub fn argmin_axis(&self, axis: usize) -> Result<DistArray<i64>> {
        self.arg_axis(axis, false)
    }
    /// Index along `axis` of the largest cell of every lane. Collective.
    pub fn argmax_axis(&self, axis: usize) -> Result<DistArray<i64>> {
        self.arg_axis(axis, true)
    }

    fn arg_axis(&self, axis: usize, largest: bool) -> Result<DistArray<i64>> {
        let layout = self.layout();
        let comm = layout.comm();
        comm.agree(check_reducible(layout).and_then(|()| {
            if axis < layout.ndim() && layout.shape()[axis] > 0 {
                Ok(())
            } else {
                Err(Error::InvalidArgument(format!(
                    "argmin/argmax along axis {axis} of shape {:?}",
                    layout.shape()
                )))
            }
        }))?;
        let better = |x: T, y: T| beats(x, y, largest);
        // per lane: the best (value, global index along the axis) over owned cells
        let owned = layout.owned_local_ranges()[axis].clone();
        let globals = layout.global_indices(axis)[owned.clone()].to_vec();
        let mut view = self.local();
        view.slice_axis_inplace(Axis(axis), Slice::from(owned));
        let lanes = view.lanes(Axis(axis));
        let mut best_v = Vec::with_capacity(lanes.clone().into_iter().len());
        let mut best_i = Vec::with_capacity(best_v.capacity());
        for lane in lanes {
            let mut pick: Option<(T, usize)> = None;
            for (&x, &g) in lane.iter().zip(&globals) {
                match pick {
                    Some((b, bg)) if !(better(x, b) || (!better(b, x) && g < bg)) => {}
                    _ => pick = Some((x, g)),
                }
            }
            let (v, g) = pick.map_or((T::default(), u64::MAX), |(v, g)| (v, g as u64));
            best_v.push(v);
            best_i.push(g);
        }
        // gather every rank's candidates on grid position 0 of the axis
        let coords = layout.grid().coords();
        let sub = layout.line_along(axis);
        let vals = sub.gather_varcount(0, &best_v);
        let idxs = sub.gather_varcount(0, &best_i);
        let lane_count = best_v.len();
        let mut result = vec![0i64; lane_count];
        if let (Some((vals, _)), Some((idxs, _))) = (vals, idxs) {
            for (l, r) in result.iter_mut().enumerate() {
                let mut pick: Option<(T, u64)> = None;
                for p in 0..sub.size() {
                    let (x, g) = (vals[p * lane_count + l], idxs[p * lane_count + l]);
                    if g == u64::MAX {
                        continue;
                    }
                    match pick {
                        Some((b, bg)) if !(better(x, b) || (!better(b, x) && g < bg)) => {}
                        _ => pick = Some((x, g)),
                    }
                }
                *r = pick.map_or(-1, |(_, g)| g as i64);
            }
        }
        // a keepdims array on position 0 of the axis, then the axis dropped
        let p = layout.grid().shape()[axis];
        let mut bounds = vec![0];
        bounds.extend(std::iter::repeat_n(1, p));
        let mut maps = layout.maps().to_vec();
        maps[axis] = AxisMap::Block(BlockMap::irregular(bounds)?);
        let keep = Layout::from_parts(comm.clone(), layout.grid().clone(), maps);
        let mut shape = view.shape().to_vec();
        shape[axis] = 1;
        let local = if coords[axis] == 0 {
            ArrayD::from_shape_vec(IxDyn(&shape), result).expect("one result per lane")
        } else {
            ArrayD::from_elem(IxDyn(keep.local_shape()), 0)
        };
        drop_axis(DistArrayBase::from_local(keep, local)?, axis)
    }
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Product over several axes. Collective.
    pub fn prod_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.prod_axis(axis))
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Mean over several axes. Collective.
    pub fn mean_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        let n: usize = axes
            .iter()
            .map(|&a| self.shape().get(a).copied().unwrap_or(1))
            .product();
        Ok(self.sum_axes(axes)?.map(|x| x / T::from(n).unwrap()))
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Cells different from zero along `axis`, as an array of the remaining axes. Collective.
    pub fn count_nonzero_axis(&self, axis: usize) -> Result<DistArray<i64>> {
        self.map(|x| i64::from(x != T::default())).sum_axis(axis)
    }

    /// The array with a new axis of length 1 at `axis` (NumPy's
    /// `expand_dims`): the `keepdims=True` form of any reduction along an
    /// axis, e.g. `a.max_axis(1)?.expand_dims(1)`. Collective (a reshape).
    pub fn expand_dims(&self, axis: usize) -> Result<DistArray<T>> {
        let mut shape = self.shape().to_vec();
        if axis > shape.len() {
            return Err(Error::InvalidArgument(format!(
                "expand_dims: axis {axis} of a {}-d array",
                shape.len()
            )));
        }
        shape.insert(axis, 1);
        let target = Layout::block(self.layout().comm(), &shape)?;
        self.reshape_into(&target)
    }
}

impl<S: Data<Elem = bool>> DistArrayBase<S> {
    /// True along `axis` where any cell is true. Collective.
    pub fn any_axis(&self, axis: usize) -> Result<DistArray<bool>> {
        Ok(self.count_nonzero_axis(axis)?.map(|c| c > 0))
    }
    /// True along `axis` where every cell is true. Collective.
    pub fn all_axis(&self, axis: usize) -> Result<DistArray<bool>> {
        let n = self.shape().get(axis).copied().unwrap_or(0) as i64;
        Ok(self.count_nonzero_axis(axis)?.map(move |c| c == n))
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Variance over several axes with `ddof`. Collective.
    pub fn var_axes(&self, axes: &[usize], ddof: usize) -> Result<DistArray<T>> {
        let mut sorted = axes.to_vec();
        sorted.sort_unstable();
        let n: usize = sorted
            .iter()
            .map(|&a| self.shape().get(a).copied().unwrap_or(1))
            .product();
        let mut mean = self.mean_axes(&sorted)?;
        for &a in &sorted {
            mean = mean.expand_dims(a)?;
        }
        let dev = self.zip_broadcast(&mean, |x, m| (x - m) * (x - m))?;
        let denom = T::from(n.saturating_sub(ddof)).unwrap();
        Ok(dev.sum_axes(&sorted)?.map(|x| x / denom))
    }

    /// Standard deviation over several axes with `ddof`. Collective.
    pub fn std_axes(&self, axes: &[usize], ddof: usize) -> Result<DistArray<T>> {
        Ok(self.var_axes(axes, ddof)?.map(|x| x.sqrt()))
    }
}

//! Reductions at the end of an expression, computed in the same pass:
//! only owned cells count (never ghost copies), then one reduction over
//! the communicator, the value on every rank.
//!
//! Each sums in the eager reduction's order, so the results are bitwise
//! those of the eager reduction of the eagerly computed array: [`sum`]
//! (eight lanes over a contiguous owned region, as [`DistArrayBase::sum`]
//! does, one running sum otherwise), [`prod`], [`mean`]. [`max`] and
//! [`min`] equal the eager ones as values (NaN when any cell is NaN; of
//! `0.0` and `-0.0` either may come back).
//!
//! [`sum`]: Deferred::sum
//! [`prod`]: Deferred::prod
//! [`mean`]: Deferred::mean
//! [`max`]: Deferred::max
//! [`min`]: Deferred::min
//! [`DistArrayBase::sum`]: crate::DistArrayBase::sum

use super::node::{At, Expr, CHUNK};
use super::operand::Ctx;
use super::Deferred;
use crate::compute::ufunc::{FloatElement, Numeric, Real};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use num_traits::Float;
use std::ops::Range;

/// The owned cells of this rank's buffer as flat ranges in C order,
/// adjacent ones merged: one range (no allocation) without padding.
enum Runs {
    One(Range<usize>),
    Many(Vec<Range<usize>>),
}

impl Runs {
    fn of(layout: &Layout) -> Runs {
        let shape = layout.local_shape();
        let coords = layout.grid().coords();
        let padded = layout
            .maps()
            .iter()
            .zip(coords)
            .zip(shape)
            .any(|((m, &c), &len)| m.owned_local_range(c) != (0..len));
        if !padded {
            return Runs::One(0..layout.local_len());
        }
        let ranges = layout.owned_local_ranges();
        let mut runs: Vec<Range<usize>> = Vec::new();
        if ranges.iter().any(|r| r.is_empty()) {
            return Runs::Many(runs);
        }
        let nd = shape.len();
        let mut strides = vec![1; nd];
        for k in (0..nd.saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * shape[k + 1];
        }
        let last = nd - 1;
        let mut idx: Vec<usize> = ranges.iter().map(|r| r.start).collect();
        loop {
            let start: usize = idx.iter().zip(&strides).map(|(i, s)| i * s).sum();
            let run = start..start + ranges[last].len();
            match runs.last_mut() {
                Some(prev) if prev.end == run.start => prev.end = run.end,
                _ => runs.push(run),
            }
            // the next owned row (odometer over the axes before the last)
            let mut k = last;
            loop {
                if k == 0 {
                    return match runs.len() {
                        1 => Runs::One(runs.pop().expect("one")),
                        _ => Runs::Many(runs),
                    };
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < ranges[k].end {
                    break;
                }
                idx[k] = ranges[k].start;
            }
        }
    }

    fn ranges(&self) -> &[Range<usize>] {
        match self {
            Runs::One(r) => std::slice::from_ref(r),
            Runs::Many(v) => v,
        }
    }
}

impl<E: Expr> Deferred<E> {
    /// Calls `f(offset in the run, values)` chunk by chunk over `range`.
    fn chunks(&self, ctx: &Ctx, range: &Range<usize>, mut f: impl FnMut(usize, &[E::Item])) {
        let mut buf = [E::Item::default(); CHUNK];
        let mut s = range.start;
        while s < range.end {
            let m = CHUNK.min(range.end - s);
            self.write(ctx, s, &mut buf[..m]);
            f(s - range.start, &buf[..m]);
            s += m;
        }
    }

    fn all_reduce<U: Equivalence + Default>(layout: &Layout, mine: U, op: SystemOperation) -> U {
        let mut out = U::default();
        layout.comm().raw().all_reduce_into(&mine, &mut out, op);
        out
    }
}

impl<E: Expr> Deferred<E>
where
    E::Item: Numeric,
{
    /// The sum of the expression over every cell, in the same pass
    /// (NumPy's `(...).sum()`); bitwise the eager `sum(All)` of the
    /// evaluated array. Collective; allocates nothing (unpadded layouts).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[1000]).unwrap();
    /// let (a, b) = (DistArray::<f64>::random(&layout, 1), DistArray::<f64>::random(&layout, 2));
    /// let d2 = ((a.lazy() - &b) * (a.lazy() - &b)).sum().unwrap();
    /// let eager = ((&a - &b) * &(&a - &b)).sum(All).unwrap();
    /// assert_eq!(d2, eager);
    /// ```
    pub fn sum(&self) -> Result<E::Item> {
        let (layout, ctx) = self.prepare("sum", None, true)?;
        let zero = E::Item::default();
        let mine = match Runs::of(&layout) {
            Runs::One(range) => {
                let full = range.len() - range.len() % 8;
                let mut acc = [zero; 8];
                // whole chunks straight from the inlined tree into the lanes
                let mut s = range.start;
                while s + CHUNK <= range.start + full {
                    let ch = self.0.chunk(&ctx, s);
                    for j in 0..CHUNK / 8 {
                        for (k, a) in acc.iter_mut().enumerate() {
                            *a = *a + ch.at(8 * j + k);
                        }
                    }
                    s += CHUNK;
                }
                let mut tail = zero;
                let rest = s..range.end;
                let done = s - range.start;
                self.chunks(&ctx, &rest, |p, v| {
                    let cut = full.saturating_sub(done + p).min(v.len());
                    for c in v[..cut].chunks_exact(8) {
                        for i in 0..8 {
                            acc[i] = acc[i] + c[i];
                        }
                    }
                    for &x in &v[cut..] {
                        tail = tail + x;
                    }
                });
                acc.iter().fold(tail, |t, &a| t + a)
            }
            runs => {
                let mut total = zero;
                for r in runs.ranges() {
                    self.chunks(&ctx, r, |_, v| total = v.iter().fold(total, |t, &x| t + x));
                }
                total
            }
        };
        Ok(Self::all_reduce(&layout, mine, SystemOperation::sum()))
    }

    /// The product over every cell, in the same pass (bitwise the eager
    /// `prod(All)`). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::full(&Layout::block(&Comm::world(), &[10]).unwrap(), 1_i64);
    /// assert_eq!((a.lazy() + 1).prod().unwrap(), 1024);
    /// ```
    pub fn prod(&self) -> Result<E::Item> {
        let (layout, ctx) = self.prepare("prod", None, true)?;
        let mut total = <E::Item as Element>::one();
        for r in Runs::of(&layout).ranges() {
            self.chunks(&ctx, r, |_, v| total = v.iter().fold(total, |t, &x| t * x));
        }
        Ok(Self::all_reduce(&layout, total, SystemOperation::product()))
    }
}

impl<E: Expr> Deferred<E>
where
    E::Item: Real,
{
    fn extreme(&self, what: &'static str, largest: bool) -> Result<E::Item> {
        let (layout, ctx) = self.prepare(what, None, true)?;
        if layout.global_len() == 0 {
            return Err(Error::InvalidArgument(format!(
                "{what} of an empty array (shape {:?}) is undefined",
                layout.shape()
            )));
        }
        let beats = |x: E::Item, y: E::Item| {
            #[allow(clippy::eq_op)]
            let (xn, yn) = (x != x, y != y);
            if xn || yn {
                xn && !yn
            } else if largest {
                x > y
            } else {
                x < y
            }
        };
        let mut best: Option<E::Item> = None;
        for r in Runs::of(&layout).ranges() {
            self.chunks(&ctx, r, |_, v| {
                for &x in v {
                    if best.is_none_or(|b| beats(x, b)) {
                        best = Some(x);
                    }
                }
            });
        }
        let (vals, _) = layout
            .comm()
            .all_gather_varcount(&best.map(|v| vec![v]).unwrap_or_default());
        Ok(vals
            .into_iter()
            .fold(None, |b: Option<E::Item>, x| match b {
                Some(b) if !beats(x, b) => Some(b),
                _ => Some(x),
            })
            .expect("a non-empty array"))
    }

    /// The largest value (NaN if any is), in the same pass. An empty array
    /// is an error. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::from_fn(&Layout::block(&Comm::world(), &[5]).unwrap(), |ix: &[usize]| ix[0] as f64);
    /// assert_eq!((a.lazy() - 2.0).abs().max().unwrap(), 2.0);
    /// ```
    pub fn max(&self) -> Result<E::Item> {
        self.extreme("max", true)
    }

    /// The smallest value (NaN if any is), in the same pass. An empty
    /// array is an error. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::from_fn(&Layout::block(&Comm::world(), &[5]).unwrap(), |ix: &[usize]| ix[0] as f64);
    /// assert_eq!((a.lazy() - 2.5).abs().min().unwrap(), 0.5);
    /// ```
    pub fn min(&self) -> Result<E::Item> {
        self.extreme("min", false)
    }
}

impl<E: Expr> Deferred<E>
where
    E::Item: FloatElement,
{
    /// The mean over every cell (the [`sum`](Self::sum) over the number of
    /// cells: bitwise the eager `mean(All)`). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::from_fn(&Layout::block(&Comm::world(), &[4]).unwrap(), |ix: &[usize]| ix[0] as f64);
    /// assert_eq!((a.lazy() * 2.0).mean().unwrap(), 3.0);
    /// ```
    pub fn mean(&self) -> Result<E::Item> {
        let total = self.sum()?;
        let n = self.prepare_len()?;
        Ok(total / <E::Item as num_traits::NumCast>::from(n).unwrap_or_else(E::Item::nan))
    }

    /// The Euclidean norm, `sqrt(sum(x * x))`, in the same pass (bitwise
    /// the eager `(&x * &x).sum(All)` then `sqrt`). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2]).unwrap();
    /// let (a, b) = (DistArray::full(&layout, 4.0_f64), DistArray::full(&layout, 1.0_f64));
    /// assert_eq!((a.lazy() - &b).norm_l2().unwrap(), 18.0_f64.sqrt());
    /// ```
    pub fn norm_l2(&self) -> Result<E::Item> {
        Ok(self.square().sum()?.sqrt())
    }

    /// The global number of cells (no communication: the layouts are
    /// agreed by the reduction before).
    fn prepare_len(&self) -> Result<usize> {
        let mut n = None;
        self.0.operands(&mut |op| {
            if n.is_none() {
                n = Some(op.layout().global_len());
            }
        });
        n.ok_or_else(|| Error::InvalidArgument("no distributed operand".into()))
    }
}

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

use crate::array::DistArrayBase;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;
use crate::ufunc::{FloatElement, Numeric, Real};
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{ArrayViewD, Axis, Data, Slice};

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

/// [`check_reducible`], agreed on every rank together with the layout (a
/// rank reducing an array of another layout would mix two arrays, or
/// leave the others in the reduction). One small reduction.
fn agreed_reducible(layout: &Layout) -> Result<()> {
    let args = crate::comm::fingerprint([layout.fingerprint()]);
    layout
        .comm()
        .agree_on("reduction over all cells", args, check_reducible(layout))
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
        agreed_reducible(self.layout())?;
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
        agreed_reducible(self.layout())?;
        let owned = self.owned();
        let mine = match owned.as_slice() {
            Some(s) => sum_slice(s),
            None => owned.iter().fold(T::default(), |a, &x| a + x),
        };
        Ok(self.all_reduce(mine, SystemOperation::sum()))
    }

    /// Product of all cells, on every rank. Collective.
    pub fn prod(&self) -> Result<T> {
        agreed_reducible(self.layout())?;
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
        let args = crate::comm::fingerprint([ddof as u64]);
        self.layout().comm().agree_on("var (ddof)", args, Ok(()))?;
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
}

mod axis;
mod reproducible;

pub use reproducible::{reproducible_sum, reproducible_sum_two_pass};

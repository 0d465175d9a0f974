//! Reductions: one method per reduction (NumPy's), whose argument selects
//! the axes: [`All`] gives a value on every rank, an [`Axis`], several
//! (`[Axis(0), Axis(2)]`, `&[Axis]`, `Vec<Axis>`) or any of them in
//! [`KeepDims`] give a distributed array ([`Axes`]). Cumulative sums and
//! products are in [`scan`](crate::scan); the reproducible sum is an
//! explicit mode ([`sum_reproducible`](DistArrayBase::sum_reproducible)).
//!
//! Only owned cells count: ghost copies (communication padding) never are
//! counted twice. Layouts with replicated (not one-to-one) unstructured
//! axes are refused, since their replicas would be.
//!
//! Every reduction first agrees on its arguments over the communicator
//! (one small allreduce, [`Comm::agree_on`](crate::Comm::agree_on)): an
//! axis out of range, a repeated axis, or a rank passing other axes,
//! another `ddof` or an array of another layout gets every rank the same
//! error, never a hang.
//!
//! **Reproducibility.** [`sum`](DistArrayBase::sum) is the fast, ordinary
//! sum (its last bits depend on the number of ranks, as MPI's are).
//! [`sum_reproducible`](DistArrayBase::sum_reproducible) gives the same bits
//! for any number of ranks and any distribution.
//!
//! ```
//! use distarray_core::{unravel_index, All, Axis, Comm, Dist, DistArray, KeepDims, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[4, 5], &[Dist::Cyclic, Dist::Block]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 5 + ix[1]) as f64);
//! assert_eq!(a.sum(All).unwrap(), 190.0);
//! assert_eq!(a.max(All).unwrap(), 19.0);
//! assert_eq!(a.argmax(All).unwrap(), 19);                // flat, C order
//! assert_eq!(unravel_index(19, a.shape()), Some(vec![3, 4]));
//! let rows = a.sum(Axis(1)).unwrap();                    // a distributed array of 4
//! assert_eq!(rows.gather_all().unwrap().as_slice().unwrap(), &[10.0, 35.0, 60.0, 85.0]);
//! assert_eq!(a.sum([Axis(0), Axis(1)]).is_err(), true);  // every axis: use All
//! assert_eq!(a.sum(KeepDims(Axis(0))).unwrap().shape(), &[1, 5]);
//! assert_eq!(a.sum_reproducible().unwrap(), 190.0);
//! ```

use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;
use ndarray::{ArrayViewD, Data, Slice};

mod axes;
mod axis;
mod methods;
pub(crate) mod reproducible;
mod whole;

pub use axes::{unravel_index, All, Axes, Axis, KeepDims};
pub use reproducible::{reproducible_sum, reproducible_sum_two_pass};

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
    let args = fingerprint([layout.fingerprint()]);
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

/// What a reduction agrees on besides the selection: its name (in the
/// fingerprint and the errors), its other arguments (`ddof`), and its own
/// check of the layout and the agreed, sorted axes (`None`: every cell).
struct Op<'a> {
    what: &'static str,
    extra: &'a [u64],
    check: fn(&'static str, &Layout, Option<&[usize]>) -> Result<()>,
}

impl<'a> Op<'a> {
    fn new(what: &'static str) -> Op<'a> {
        Op {
            what,
            extra: &[],
            check: |_, _, _| Ok(()),
        }
    }
}

/// Refuses an empty array where the reduction has no identity (`min`,
/// `max`, `argmin`, `argmax` over every cell).
fn not_empty(what: &'static str, layout: &Layout, axes: Option<&[usize]>) -> Result<()> {
    if axes.is_none() && layout.global_len() == 0 {
        Err(Error::InvalidArgument(format!(
            "{what} of an empty array (shape {:?}) is undefined",
            layout.shape()
        )))
    } else {
        Ok(())
    }
}

/// For reductions without an identity (min, max): over every cell, the
/// array must not be empty; along axes, none of them may have length 0
/// (NumPy: "zero-size array to reduction operation ... has no identity").
fn no_empty_axis(what: &'static str, layout: &Layout, axes: Option<&[usize]>) -> Result<()> {
    match axes {
        None => not_empty(what, layout, None),
        Some(axes) => match axes.iter().find(|&&a| layout.shape()[a] == 0) {
            Some(&a) => Err(Error::InvalidArgument(format!(
                "{what} along axis {a} of length 0 (shape {:?}) is undefined: it has no identity",
                layout.shape()
            ))),
            None => Ok(()),
        },
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// This rank's owned cells (no ghost copies).
    pub fn owned(&self) -> ArrayViewD<'_, T> {
        let owned = self.layout().owned_local_ranges();
        let mut view = self.local();
        for (a, range) in owned.iter().enumerate() {
            view.slice_axis_inplace(ndarray::Axis(a), Slice::from(range.clone()));
        }
        view
    }

    /// The entry of every reduction: agrees on the selection `axes` and
    /// `op` (one small allreduce), then runs `all` for [`All`] (a value on
    /// every rank), `all` placed in a keepdims array by `cell` when the
    /// selection keeps every axis, or `along` with the sorted, distinct
    /// axes and the keepdims flag.
    fn reduce_over<A: Axes, V, E: Element>(
        &self,
        op: Op<'_>,
        axes: A,
        all: impl Fn() -> Result<V>,
        cell: impl FnOnce(V) -> E,
        along: impl FnOnce(&[usize], bool) -> Result<DistArray<E>>,
    ) -> Result<A::Output<V, E>> {
        let ndim = self.ndim();
        axes.reduce_with(
            ndim,
            || {
                self.agree_selection(&op, None, false)?;
                all()
            },
            |given, keep| {
                let sorted = self.agree_selection(&op, Some(given), keep)?;
                if keep && sorted.len() == ndim {
                    self.keepdims_of(cell(all()?))
                } else {
                    along(&sorted, keep)
                }
            },
        )
    }

    /// One agreement on the reduction, the selection (`None`: [`All`]) and
    /// the layout; the checked axes, sorted.
    fn agree_selection(&self, op: &Op, given: Option<&[usize]>, keep: bool) -> Result<Vec<usize>> {
        let layout = self.layout();
        let ndim = layout.ndim();
        let local = check_reducible(layout)
            .and_then(|()| match given {
                None => Ok(Vec::new()),
                Some(given) => axes::checked_axes(op.what, given, ndim, keep),
            })
            .and_then(|sorted| {
                // every axis kept is All's case; every axis dropped is refused by
                // checked_axes (but a 0-d array's empty list reaches here)
                let whole = given.is_none() || (keep && sorted.len() == ndim);
                (op.check)(op.what, layout, (!whole).then_some(&sorted[..]))?;
                Ok(sorted)
            });
        // the axes sorted: `[Axis(2), Axis(0)]` and `[Axis(0), Axis(2)]` agree
        let selection: Vec<u64> = match given {
            None => vec![u64::MAX],
            Some(g) => {
                let mut words: Vec<u64> = g.iter().map(|&a| a as u64).collect();
                words.sort_unstable();
                [g.len() as u64, keep as u64]
                    .into_iter()
                    .chain(words)
                    .collect()
            }
        };
        let words = op
            .what
            .bytes()
            .map(u64::from)
            .chain(selection)
            .chain(op.extra.iter().copied())
            .chain([layout.fingerprint()]);
        // one context for all: the ranks may be running different reductions
        let context = "a reduction (its name, axes, arguments and layout)";
        layout.comm().agree_on(context, fingerprint(words), local)
    }

    /// `value` as the one cell of an array of this one's number of axes,
    /// each of length 1 (on the first rank of every grid axis): the result
    /// of a reduction over every axis with keepdims. Not collective.
    fn keepdims_of<E: Element>(&self, value: E) -> Result<DistArray<E>> {
        let mut keep = self.layout().clone();
        for a in 0..self.ndim() {
            keep = axis::keep_axis(&keep, a)?;
        }
        Ok(DistArray::full(&keep, value))
    }
}

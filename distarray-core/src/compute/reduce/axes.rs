//! Which axes a reduction runs over: [`All`] (a value on every rank), one
//! [`Axis`], several (`[Axis(0), Axis(2)]`, `&[Axis]`, `Vec<Axis>`), each
//! of them wrapped in [`KeepDims`] to keep the reduced axes with length 1
//! (NumPy's `axis=` and `keepdims=`). The selection's type fixes the
//! result's: a value for [`All`], a distributed array otherwise.
//!
//! Also [`unravel_index`], the multi-index of the flat C-order index that
//! [`argmin`](crate::DistArrayBase::argmin) and
//! [`argmax`](crate::DistArrayBase::argmax) return over [`All`].

use crate::array::DistArray;
use crate::error::{Error, Result};
pub use ndarray::Axis;

/// Every axis: the reduction gives one value, the same on every rank
/// (NumPy's `axis=None`).
///
/// ```
/// use distarray_core::{All, DistArray, Layout, Comm};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[3, 4]).unwrap();
/// let a = DistArray::full(&layout, 0.5);
/// let total: f64 = a.sum(All).unwrap();
/// assert_eq!(total, 6.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct All;

/// Keeps the reduced axes with length 1 (NumPy's `keepdims=True`), so the
/// result broadcasts against the original array. Wraps any selection:
/// `KeepDims(All)`, `KeepDims(Axis(1))`, `KeepDims([Axis(0), Axis(2)])`,
/// `KeepDims(&axes[..])`, `KeepDims(vec)`.
///
/// ```
/// use distarray_core::{All, Axis, DistArray, KeepDims, Layout, Comm};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[3, 4]).unwrap();
/// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
/// let rows = a.max(KeepDims(Axis(1))).unwrap();
/// assert_eq!(rows.shape(), &[3, 1]);
/// let centred = a.zip_broadcast(&rows, |x, m| x - m).unwrap();
/// assert_eq!(centred.max(All).unwrap(), 0.0);
/// assert_eq!(a.sum(KeepDims(All)).unwrap().shape(), &[1, 1]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeepDims<A>(pub A);

mod sealed {
    /// Only this module's selections are [`Axes`](super::Axes).
    pub trait Sealed {}

    /// A selection without keepdims, as the list of its axes.
    pub trait Plain {
        /// The selected axes as given (every axis of `ndim` for `All`).
        fn axes(self, ndim: usize) -> Vec<usize>;
    }
}
use sealed::{Plain, Sealed};

/// A selection of axes for a reduction: [`All`], [`Axis`], `[Axis; N]`,
/// `&[Axis; N]`, `&[Axis]`, `Vec<Axis>`, or any of them in [`KeepDims`].
/// Sealed: only these types implement it.
///
/// [`Output`](Axes::Output) is the reduction's result: the value `V` for
/// [`All`], a distributed array of `E` for every other selection (`V` and
/// `E` differ only where the value is not an array element: the flat index
/// of `argmax` and the count of `count_nonzero` are `usize`, their arrays
/// `i64`).
///
/// A function generic over the selection takes `A: Axes` and passes it on:
///
/// ```
/// use distarray_core::{All, Axes, Axis, DistArray, Layout, Comm, Result};
/// /// The mean of the squares over any selection of axes.
/// fn mean_square<A: Axes>(a: &DistArray<f64>, axes: A) -> Result<A::Output<f64, f64>> {
///     a.square().mean(axes)
/// }
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
/// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[1] as f64);
/// assert_eq!(mean_square(&a, All).unwrap(), 5.0 / 3.0);
/// let per_row = mean_square(&a, Axis(1)).unwrap().gather_all().unwrap();
/// assert_eq!(per_row.as_slice().unwrap(), &[5.0 / 3.0, 5.0 / 3.0]);
/// ```
pub trait Axes: Sealed {
    /// `V` for [`All`], `DistArray<E>` for every other selection.
    type Output<V, E>;

    /// Runs `all` for [`All`], or `along` with the selected axes (as
    /// given, not yet checked; every axis of an `ndim`-d array for
    /// `KeepDims(All)`) and whether to keep them, and returns the result
    /// as [`Output`](Axes::Output). The reductions call this; it is public
    /// so that code generic over `A: Axes` can too.
    fn reduce_with<V, E>(
        self,
        ndim: usize,
        all: impl FnOnce() -> Result<V>,
        along: impl FnOnce(&[usize], bool) -> Result<DistArray<E>>,
    ) -> Result<Self::Output<V, E>>;
}

impl Sealed for All {}
impl Axes for All {
    type Output<V, E> = V;
    fn reduce_with<V, E>(
        self,
        _ndim: usize,
        all: impl FnOnce() -> Result<V>,
        _along: impl FnOnce(&[usize], bool) -> Result<DistArray<E>>,
    ) -> Result<V> {
        all()
    }
}
impl Plain for All {
    fn axes(self, ndim: usize) -> Vec<usize> {
        (0..ndim).collect()
    }
}

/// The selections that are lists of axes: [`Axes`] without keepdims.
macro_rules! axis_lists {
    ($([$($g:tt)*] $t:ty => |$s:ident| $axes:expr;)*) => {$(
        impl<$($g)*> Sealed for $t {}
        impl<$($g)*> Plain for $t {
            fn axes(self, _ndim: usize) -> Vec<usize> {
                let $s = self;
                $axes
            }
        }
        impl<$($g)*> Axes for $t {
            type Output<V, E> = DistArray<E>;
            fn reduce_with<V, E>(
                self,
                ndim: usize,
                _all: impl FnOnce() -> Result<V>,
                along: impl FnOnce(&[usize], bool) -> Result<DistArray<E>>,
            ) -> Result<DistArray<E>> {
                along(&self.axes(ndim), false)
            }
        }
    )*};
}

axis_lists! {
    [] Axis => |a| vec![a.index()];
    [const N: usize] [Axis; N] => |a| a.iter().map(|x| x.index()).collect();
    [const N: usize] &[Axis; N] => |a| a.iter().map(|x| x.index()).collect();
    ['a] &'a [Axis] => |a| a.iter().map(|x| x.index()).collect();
    [] Vec<Axis> => |a| a.iter().map(|x| x.index()).collect();
}

impl<P: Plain> Sealed for KeepDims<P> {}
impl<P: Plain> Axes for KeepDims<P> {
    type Output<V, E> = DistArray<E>;
    fn reduce_with<V, E>(
        self,
        ndim: usize,
        _all: impl FnOnce() -> Result<V>,
        along: impl FnOnce(&[usize], bool) -> Result<DistArray<E>>,
    ) -> Result<DistArray<E>> {
        along(&self.0.axes(ndim), true)
    }
}

/// Checks a selection of axes of an `ndim`-d array (in range, distinct;
/// without keepdims, at least one axis left) and returns it sorted. The
/// error names the reduction (`what`) and the axes as given.
pub(crate) fn checked_axes(
    what: &str,
    axes: &[usize],
    ndim: usize,
    keepdims: bool,
) -> Result<Vec<usize>> {
    if let Some(&bad) = axes.iter().find(|&&a| a >= ndim) {
        return Err(Error::InvalidArgument(format!(
            "{what}: axis {bad} is out of range for a {ndim}-d array (axes {axes:?})"
        )));
    }
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::InvalidArgument(format!(
            "{what}: axis {} is repeated (axes {axes:?})",
            pair[0]
        )));
    }
    if !keepdims && ndim > 0 && sorted.len() == ndim {
        return Err(Error::InvalidArgument(format!(
            "{what}: axes {axes:?} are every axis of a {ndim}-d array; use All for a value \
             on every rank, or KeepDims for an array"
        )));
    }
    Ok(sorted)
}

/// The multi-index of the flat C-order index `flat` in an array of
/// `shape` (NumPy's `unravel_index`): the form of the index
/// [`argmax`](crate::DistArrayBase::argmax) over [`All`] returns flat.
/// `None` when `flat` is not below the number of cells.
///
/// ```
/// use distarray_core::unravel_index;
/// assert_eq!(unravel_index(7, &[2, 3, 2]), Some(vec![1, 0, 1]));
/// assert_eq!(unravel_index(12, &[2, 3, 2]), None);
/// ```
pub fn unravel_index(flat: usize, shape: &[usize]) -> Option<Vec<usize>> {
    if flat >= shape.iter().product() {
        return None;
    }
    let mut rest = flat;
    let mut ix = vec![0; shape.len()];
    for (i, &n) in ix.iter_mut().zip(shape).rev() {
        *i = rest % n;
        rest /= n;
    }
    Some(ix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_give_their_axes_and_all_every_axis() {
        assert_eq!(Axis(2).axes(3), vec![2]);
        assert_eq!([Axis(2), Axis(0)].axes(3), vec![2, 0]);
        assert_eq!((&[Axis(1)][..]).axes(3), vec![1]);
        assert_eq!(vec![Axis(0), Axis(1)].axes(3), vec![0, 1]);
        assert_eq!(All.axes(3), vec![0, 1, 2]);
    }

    #[test]
    fn checked_axes_sorts_and_refuses() {
        assert_eq!(checked_axes("sum", &[2, 0], 3, false).unwrap(), vec![0, 2]);
        let msg = |r: Result<Vec<usize>>| r.unwrap_err().to_string();
        assert!(msg(checked_axes("sum", &[3], 3, false)).contains("out of range"));
        assert!(msg(checked_axes("sum", &[1, 0, 1], 3, false)).contains("axis 1 is repeated"));
        assert!(msg(checked_axes("sum", &[1, 0], 2, false)).contains("use All"));
        assert_eq!(checked_axes("sum", &[1, 0], 2, true).unwrap(), vec![0, 1]);
        assert_eq!(
            checked_axes("sum", &[], 2, false).unwrap(),
            Vec::<usize>::new()
        );
    }

    #[test]
    fn unravel_index_inverts_c_order() {
        let shape = [3, 1, 4];
        for flat in 0..12 {
            let ix = unravel_index(flat, &shape).unwrap();
            assert_eq!(ix[0] * 4 + ix[1] * 4 + ix[2], flat);
        }
        assert_eq!(unravel_index(0, &[]), Some(vec![]));
        assert_eq!(unravel_index(0, &[0, 2]), None);
    }
}

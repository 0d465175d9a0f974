//! The reductions users call, one method each; the selection of axes
//! ([`Axes`]) fixes the result's type. Each agrees on its arguments, then
//! runs the kernel over every cell ([`super::whole`]) or along axes
//! ([`super::axis`]).

use super::{no_empty_axis, not_empty, Axes, Op};
use crate::array::{DistArray, DistArrayBase};
use crate::compute::ufunc::{FloatElement, Numeric, Real};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use mpi::collective::SystemOperation;
use ndarray::Data;

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Sum over the selected axes (NumPy's `sum(axis=..., keepdims=...)`).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, KeepDims, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3, 4]).unwrap();
    /// let a = DistArray::full(&layout, 1i64);
    /// let total: i64 = a.sum(All).unwrap();                  // a value on every rank
    /// assert_eq!(total, 24);
    /// let b: DistArray<i64> = a.sum(Axis(1)).unwrap();       // a distributed array
    /// assert_eq!(b.shape(), &[2, 4]);
    /// let c = a.sum([Axis(0), Axis(2)]).unwrap();            // several axes
    /// assert_eq!(c.gather_all().unwrap().as_slice().unwrap(), &[8, 8, 8]);
    /// let k = a.sum(KeepDims([Axis(0), Axis(2)])).unwrap();  // keepdims
    /// assert_eq!(k.shape(), &[1, 3, 1]);
    /// ```
    pub fn sum<A: Axes>(&self, axes: A) -> Result<A::Output<T, T>> {
        self.reduce_over(
            Op::new("sum"),
            axes,
            || Ok(self.sum_all()),
            |v| v,
            |axes, keep| {
                self.fold_along(
                    axes,
                    keep,
                    T::default(),
                    |a, b| a + b,
                    SystemOperation::sum(),
                    None,
                )
            },
        )
    }

    /// Product over the selected axes. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[1] + 1) as i64);
    /// assert_eq!(a.prod(All).unwrap(), 36);
    /// let rows = a.prod(Axis(1)).unwrap().gather_all().unwrap();
    /// assert_eq!(rows.as_slice().unwrap(), &[6, 6]);
    /// ```
    pub fn prod<A: Axes>(&self, axes: A) -> Result<A::Output<T, T>> {
        let one = <T as Element>::one();
        self.reduce_over(
            Op::new("prod"),
            axes,
            || Ok(self.prod_all()),
            |v| v,
            |axes, keep| {
                self.fold_along(
                    axes,
                    keep,
                    one,
                    |a, b| a * b,
                    SystemOperation::product(),
                    None,
                )
            },
        )
    }
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Smallest cell over the selected axes (NaN if any of them is NaN).
    /// An empty array, or an axis of length 0 reduced, is an error (no
    /// identity, as NumPy says). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 3 + ix[1]) as f64);
    /// assert_eq!(a.min(All).unwrap(), 0.0);
    /// let cols = a.min(Axis(0)).unwrap().gather_all().unwrap();
    /// assert_eq!(cols.as_slice().unwrap(), &[0.0, 1.0, 2.0]);
    /// ```
    pub fn min<A: Axes>(&self, axes: A) -> Result<A::Output<T, T>> {
        self.reduce_over(
            Op {
                check: no_empty_axis,
                ..Op::new("min")
            },
            axes,
            || Ok(self.extreme(false).0),
            |v| v,
            |axes, keep| {
                let min = |a: T, b: T| a.minimum_(b);
                self.fold_along(
                    axes,
                    keep,
                    T::highest(),
                    min,
                    SystemOperation::min(),
                    nan::<T>(),
                )
            },
        )
    }

    /// Largest cell over the selected axes (NaN if any of them is NaN).
    /// An empty array, or an axis of length 0 reduced, is an error (no
    /// identity, as NumPy says). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, KeepDims, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 3 + ix[1]) as f64);
    /// assert_eq!(a.max(All).unwrap(), 5.0);
    /// let rows = a.max(KeepDims(Axis(1))).unwrap().gather_all().unwrap();
    /// assert_eq!(rows.shape(), &[2, 1]);
    /// assert_eq!(rows.as_slice().unwrap(), &[2.0, 5.0]);
    /// ```
    pub fn max<A: Axes>(&self, axes: A) -> Result<A::Output<T, T>> {
        self.reduce_over(
            Op {
                check: no_empty_axis,
                ..Op::new("max")
            },
            axes,
            || Ok(self.extreme(true).0),
            |v| v,
            |axes, keep| {
                let max = |a: T, b: T| a.maximum_(b);
                self.fold_along(
                    axes,
                    keep,
                    T::lowest(),
                    max,
                    SystemOperation::max(),
                    nan::<T>(),
                )
            },
        )
    }

    /// Index of the smallest cell (the first on ties; NaN wins, as in
    /// NumPy): over [`All`](crate::All), the flat C-order index
    /// ([`unravel_index`](crate::unravel_index) gives the multi-index);
    /// along one axis, the index along it of every lane. Only one axis or
    /// every axis can be selected (as NumPy's `axis=` takes). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{unravel_index, All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ((ix[0] * 3 + ix[1]) % 4) as f64);
    /// // [[0, 1, 2], [3, 0, 1]]
    /// assert_eq!(a.argmin(All).unwrap(), 0);
    /// assert_eq!(unravel_index(a.argmax(All).unwrap(), a.shape()), Some(vec![1, 0]));
    /// let rows = a.argmin(Axis(1)).unwrap().gather_all().unwrap();
    /// assert_eq!(rows.as_slice().unwrap(), &[0, 1]);
    /// ```
    pub fn argmin<A: Axes>(&self, axes: A) -> Result<A::Output<usize, i64>> {
        self.arg(axes, false)
    }

    /// Index of the largest cell, as [`argmin`](Self::argmin) (flat over
    /// [`All`](crate::All); along one axis, a distributed array). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, KeepDims, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ((ix[0] * 3 + ix[1]) % 4) as f64);
    /// assert_eq!(a.argmax(All).unwrap(), 3);
    /// let cols = a.argmax(Axis(0)).unwrap().gather_all().unwrap();
    /// assert_eq!(cols.as_slice().unwrap(), &[1, 0, 0]);
    /// assert_eq!(a.argmax(KeepDims(Axis(0))).unwrap().shape(), &[1, 3]);
    /// assert!(a.argmax([Axis(0), Axis(1)]).is_err()); // one axis, or All
    /// ```
    pub fn argmax<A: Axes>(&self, axes: A) -> Result<A::Output<usize, i64>> {
        self.arg(axes, true)
    }

    fn arg<A: Axes>(&self, axes: A, largest: bool) -> Result<A::Output<usize, i64>> {
        let what = if largest { "argmax" } else { "argmin" };
        self.reduce_over(
            Op {
                check: one_axis,
                ..Op::new(what)
            },
            axes,
            || Ok(self.extreme(largest).1),
            |flat| flat as i64,
            |axes, keep| self.arg_along(axes[0], largest, keep),
        )
    }
}

/// argmin/argmax: every cell of a non-empty array, or one non-empty axis.
fn one_axis(what: &'static str, layout: &Layout, axes: Option<&[usize]>) -> Result<()> {
    match axes {
        None => not_empty(what, layout, None),
        Some(&[axis]) if layout.shape()[axis] > 0 => Ok(()),
        Some(&[axis]) => Err(Error::InvalidArgument(format!(
            "{what} along axis {axis} of length 0 (shape {:?}) is undefined",
            layout.shape()
        ))),
        Some(axes) => Err(Error::InvalidArgument(format!(
            "{what} takes one axis or All, not axes {axes:?}"
        ))),
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Mean over the selected axes. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[1] as f64);
    /// assert_eq!(a.mean(All).unwrap(), 1.5);
    /// let rows = a.mean(Axis(1)).unwrap().gather_all().unwrap();
    /// assert_eq!(rows.as_slice().unwrap(), &[1.5, 1.5]);
    /// ```
    pub fn mean<A: Axes>(&self, axes: A) -> Result<A::Output<T, T>> {
        self.reduce_over(
            Op::new("mean"),
            axes,
            || Ok(self.mean_all()),
            |v| v,
            |axes, keep| self.mean_along(axes, keep),
        )
    }

    /// Variance over the selected axes with `ddof` delta degrees of
    /// freedom (NumPy's `var(axis=..., ddof=...)`; two passes: the mean,
    /// then the squared deviations). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[1] * 2) as f64);
    /// assert_eq!(a.var(All, 0).unwrap(), 5.0);
    /// let rows = a.var(Axis(1), 1).unwrap().gather_all().unwrap();
    /// assert_eq!(rows.as_slice().unwrap(), &[20.0 / 3.0, 20.0 / 3.0]);
    /// ```
    pub fn var<A: Axes>(&self, axes: A, ddof: usize) -> Result<A::Output<T, T>> {
        self.reduce_over(
            Op {
                extra: &[ddof as u64],
                ..Op::new("var")
            },
            axes,
            || Ok(self.var_all(ddof)),
            |v| v,
            |axes, keep| self.var_along(axes, keep, ddof),
        )
    }

    /// Standard deviation over the selected axes with `ddof` (the square
    /// root of [`var`](Self::var)). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3, 2]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[1] * 4) as f64);
    /// assert_eq!(a.std(All, 0).unwrap(), 2.0);
    /// let cols = a.std(Axis(0), 0).unwrap().gather_all().unwrap();
    /// assert_eq!(cols.as_slice().unwrap(), &[0.0, 0.0]);
    /// ```
    pub fn std<A: Axes>(&self, axes: A, ddof: usize) -> Result<A::Output<T, T>> {
        self.reduce_over(
            Op {
                extra: &[ddof as u64],
                ..Op::new("std")
            },
            axes,
            || Ok(self.var_all(ddof).sqrt()),
            |v| v,
            |axes, keep| Ok(self.var_along(axes, keep, ddof)?.map(|x| x.sqrt())),
        )
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Number of cells different from zero (`false`, `0`, `0.0`) over the
    /// selected axes: a `usize` over [`All`](crate::All), a distributed
    /// array of `i64` counts otherwise. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * ix[1]) as i64);
    /// assert_eq!(a.count_nonzero(All).unwrap(), 2);
    /// let cols = a.count_nonzero(Axis(0)).unwrap().gather_all().unwrap();
    /// assert_eq!(cols.as_slice().unwrap(), &[0, 1, 1]);
    /// ```
    pub fn count_nonzero<A: Axes>(&self, axes: A) -> Result<A::Output<usize, i64>> {
        self.reduce_over(
            Op::new("count_nonzero"),
            axes,
            || Ok(self.count_all()),
            |n| n as i64,
            |axes, keep| self.count_along(axes, keep),
        )
    }

    /// Cells different from zero along `axes`, as `i64` counts (agreed).
    fn count_along(&self, axes: &[usize], keep: bool) -> Result<DistArray<i64>> {
        let ones = self.map(|x| i64::from(x != T::default()));
        ones.fold_along(axes, keep, 0, |a, b| a + b, SystemOperation::sum(), None)
    }
}

impl<S: Data<Elem = bool>> DistArrayBase<S> {
    /// True where any cell over the selected axes is true. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] == 1 && ix[1] == 2);
    /// assert!(a.any(All).unwrap());
    /// let rows = a.any(Axis(1)).unwrap().gather_all().unwrap();
    /// assert_eq!(rows.as_slice().unwrap(), &[false, true]);
    /// ```
    pub fn any<A: Axes>(&self, axes: A) -> Result<A::Output<bool, bool>> {
        self.reduce_over(
            Op::new("any"),
            axes,
            || Ok(self.count_all() > 0),
            |v| v,
            |axes, keep| Ok(self.count_along(axes, keep)?.map(|c| c > 0)),
        )
    }

    /// True where every cell over the selected axes is true. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{All, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] == 1 || ix[1] == 2);
    /// assert!(!a.all(All).unwrap());
    /// let cols = a.all(Axis(0)).unwrap().gather_all().unwrap();
    /// assert_eq!(cols.as_slice().unwrap(), &[false, false, true]);
    /// ```
    pub fn all<A: Axes>(&self, axes: A) -> Result<A::Output<bool, bool>> {
        let shape = self.shape().to_vec();
        self.reduce_over(
            Op::new("all"),
            axes,
            || Ok(self.count_all() == self.layout().global_len()),
            |v| v,
            |axes, keep| {
                let n = axes.iter().map(|&a| shape[a]).product::<usize>() as i64;
                Ok(self.count_along(axes, keep)?.map(move |c| c == n))
            },
        )
    }
}

/// NaN of a float type (`inf - inf`), `None` for integers (which have none):
/// what a min or max along a line must be when any rank saw a NaN.
#[allow(clippy::eq_op)]
fn nan<T: Real>() -> Option<T> {
    let nan = T::highest() - T::highest();
    (nan != nan).then_some(nan)
}

//! The distributed array: a [`Layout`] plus this rank's buffer.
//!
//! Storage is generic the way ndarray's `ArrayBase<S, D>` is:
//! [`DistArray`] owns its buffer, [`DistArrayView`] / [`DistArrayViewMut`]
//! borrow one. A *foreign* buffer (memory owned by PETSc, Tpetra, Global
//! Arrays or Elemental) is a view whose lifetime is tied to the bridge's
//! handle: the bridge builds an `ArrayViewMut` over the foreign memory,
//! borrowing the handle, and wraps it with [`DistArrayBase::from_local`].
//! The borrow checker then forbids destroying the handle while the array
//! lives, and the handle's `Drop` gives the memory back (e.g.
//! `VecRestoreArray`).
//!
//! The local buffer holds this rank's cells in the order of its global
//! indices per axis (see [`Layout::global_indices`]), padding included.
//!
//! ```
//! use distarray_core::{Comm, DistArray, Layout};
//! let _universe = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let layout = Layout::block(&comm, &[6, 4]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
//! assert_eq!(a.get(&[5, 3]).unwrap(), 23.0); // collective: every rank gets it
//! let whole = a.gather_all().unwrap();      // the global array on every rank
//! assert_eq!(whole[[2, 1]], 9.0);
//! ```

mod any;
mod create;
mod element;
mod gather;

pub(crate) use any::with_element_type;
pub use any::AnyDistArray;

use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use ndarray::{
    ArrayBase, ArrayViewD, ArrayViewMutD, Data, DataMut, IxDyn, OwnedRepr, RawData, ViewRepr,
};

/// A distributed array over any storage kind.
///
/// Every rank holds a [`Layout`] (the same on all ranks) and its own part
/// of the cells. Methods that need other ranks' cells are collective
/// (every rank calls them, in the same order); those that touch only the
/// local buffer say "not collective".
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, Dist, DistArray, DistArrayView, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let layout = Layout::new(&comm, &[4, 6], &[Dist::Block, Dist::Cyclic]).unwrap();
/// let mut a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 6 + ix[1]) as f64);
/// assert_eq!(a.shape(), &[4, 6]);
///
/// // this rank's cells, as an ndarray, in the order of its global indices
/// assert_eq!(a.local().shape(), layout.local_shape());
/// a.local_mut().mapv_inplace(|x| 2.0 * x);
///
/// // a borrowed view is a distributed array too
/// let v: DistArrayView<'_, f64> = a.view();
/// assert_eq!(v.get(&[3, 5]).unwrap(), 46.0);
/// assert_eq!(v.gather_all().unwrap()[[1, 2]], 16.0);
/// ```
pub struct DistArrayBase<S: RawData> {
    layout: Layout,
    local: ArrayBase<S, IxDyn>,
}

/// A distributed array that owns its local buffer.
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[3, 3]).unwrap();
/// let mut a = DistArray::<i32>::zeros(&layout);
/// a.set(&[1, 1], 5).unwrap();
/// assert_eq!(a.gather_all().unwrap().sum(), 5);
/// ```
pub type DistArray<T> = DistArrayBase<OwnedRepr<T>>;
/// A distributed array borrowing its local buffer (read-only).
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, DistArrayView, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[8]).unwrap();
/// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
/// let v: DistArrayView<'_, f64> = a.view(); // no copy
/// assert_eq!(v.get(&[7]).unwrap(), 7.0);
/// ```
pub type DistArrayView<'a, T> = DistArrayBase<ViewRepr<&'a T>>;
/// A distributed array borrowing its local buffer mutably (also the form
/// foreign, bridge-owned memory takes).
///
/// # Examples
///
/// A buffer someone else owns, wrapped without a copy:
///
/// ```
/// use distarray_core::{Comm, DistArrayViewMut, Layout};
/// use ndarray::{ArrayViewMut, IxDyn};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[10]).unwrap();
/// let mut memory = vec![0.0_f64; layout.local_len()]; // e.g. a library's
/// {
///     let local = ArrayViewMut::from_shape(IxDyn(layout.local_shape()), &mut memory).unwrap();
///     let mut a = DistArrayViewMut::from_local(layout.clone(), local).unwrap();
///     a.fill(1.0);
/// }
/// assert!(memory.iter().all(|&x| x == 1.0));
/// ```
pub type DistArrayViewMut<'a, T> = DistArrayBase<ViewRepr<&'a mut T>>;

impl<S: RawData> std::fmt::Debug for DistArrayBase<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DistArray({:?})", self.layout)
    }
}

impl<S: RawData> DistArrayBase<S> {
    /// Wraps a local buffer whose shape is the layout's local shape. Not
    /// collective: each rank wraps its own part.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the buffer's shape is not
    /// `layout.local_shape()` (on this rank only: the call is local).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// use ndarray::{ArrayD, IxDyn};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4, 4]).unwrap();
    /// let local = ArrayD::from_elem(IxDyn(layout.local_shape()), 2.5_f32);
    /// let a = DistArray::from_local(layout.clone(), local).unwrap();
    /// assert_eq!(a.get(&[3, 3]).unwrap(), 2.5);
    ///
    /// let wrong = ArrayD::<f32>::zeros(IxDyn(&[5, 5]));
    /// assert!(DistArray::from_local(layout, wrong).is_err());
    /// ```
    pub fn from_local(layout: Layout, local: ArrayBase<S, IxDyn>) -> Result<Self> {
        if local.shape() != layout.local_shape() {
            return Err(Error::ShapeMismatch {
                context: format!("local buffer on rank {}", layout.comm().rank()),
                expected: layout.local_shape().to_vec(),
                found: local.shape().to_vec(),
            });
        }
        Ok(DistArrayBase { layout, local })
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    /// Global shape.
    pub fn shape(&self) -> &[usize] {
        self.layout.shape()
    }
    /// Number of axes.
    pub fn ndim(&self) -> usize {
        self.layout.ndim()
    }
    /// Takes the local buffer out.
    pub fn into_local(self) -> ArrayBase<S, IxDyn> {
        self.local
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// This rank's buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[10]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i64);
    /// // the local buffer holds this rank's global indices, in order
    /// let mine: Vec<i64> = layout.global_indices(0).iter().map(|&g| g as i64).collect();
    /// assert_eq!(a.local().iter().copied().collect::<Vec<_>>(), mine);
    /// ```
    pub fn local(&self) -> ArrayViewD<'_, T> {
        self.local.view()
    }
    /// A borrowed view of the whole distributed array.
    pub fn view(&self) -> DistArrayView<'_, T> {
        DistArrayBase {
            layout: self.layout.clone(),
            local: self.local.view(),
        }
    }
    /// A copy that owns its buffer (local copy only; no communication).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
    /// let mut a = DistArray::<f64>::ones(&layout);
    /// let copy = a.view().to_owned();
    /// a.fill(3.0);
    /// assert_eq!(copy.get(&[0]).unwrap(), 1.0);
    /// ```
    pub fn to_owned(&self) -> DistArray<T> {
        DistArrayBase {
            layout: self.layout.clone(),
            local: self.local.to_owned(),
        }
    }
}

impl<T: Element, S: DataMut<Elem = T>> DistArrayBase<S> {
    /// This rank's buffer, mutably.
    pub fn local_mut(&mut self) -> ArrayViewMutD<'_, T> {
        self.local.view_mut()
    }
    /// A mutable borrowed view of the whole distributed array.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, DistArrayViewMut, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// fn reset(mut a: DistArrayViewMut<'_, f64>) {
    ///     a.fill(0.0);
    /// }
    /// let layout = Layout::block(&Comm::world(), &[5]).unwrap();
    /// let mut a = DistArray::<f64>::ones(&layout);
    /// reset(a.view_mut());
    /// assert_eq!(a.get(&[4]).unwrap(), 0.0);
    /// ```
    pub fn view_mut(&mut self) -> DistArrayViewMut<'_, T> {
        DistArrayBase {
            layout: self.layout.clone(),
            local: self.local.view_mut(),
        }
    }
    /// Sets every cell (padding included) to `value`. No communication.
    pub fn fill(&mut self, value: T) {
        self.local.fill(value);
    }
}

/// Calls `f(global_index, local_flat_position)` for every cell of this
/// rank's buffer, in C order.
pub(crate) fn for_each_global(layout: &Layout, mut f: impl FnMut(&[usize], usize)) {
    let axes: Vec<Vec<usize>> = (0..layout.ndim())
        .map(|a| layout.global_indices(a))
        .collect();
    for_each_in_box(&axes, |g, k| f(g, k));
}

/// Odometer over the cartesian product of per-axis index lists, C order.
pub(crate) fn for_each_in_box(axes: &[Vec<usize>], mut f: impl FnMut(&[usize], usize)) {
    if axes.iter().any(Vec::is_empty) {
        return;
    }
    let d = axes.len();
    let mut pos = vec![0usize; d];
    let mut g: Vec<usize> = axes.iter().map(|a| a[0]).collect();
    let mut k = 0;
    loop {
        f(&g, k);
        k += 1;
        let mut a = d;
        loop {
            if a == 0 {
                return;
            }
            a -= 1;
            pos[a] += 1;
            if pos[a] < axes[a].len() {
                g[a] = axes[a][pos[a]];
                break;
            }
            pos[a] = 0;
            g[a] = axes[a][0];
        }
    }
}

/// C-order strides of a shape (in elements).
pub(crate) fn c_strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odometer_visits_c_order() {
        let mut seen = Vec::new();
        for_each_in_box(&[vec![3, 1], vec![0, 5, 2]], |g, k| {
            seen.push((g.to_vec(), k))
        });
        let want = [[3, 0], [3, 5], [3, 2], [1, 0], [1, 5], [1, 2]];
        assert_eq!(seen.len(), 6);
        for (i, (g, k)) in seen.iter().enumerate() {
            assert_eq!(g, &want[i]);
            assert_eq!(*k, i);
        }
        let mut n = 0;
        for_each_in_box(&[], |g, _| {
            assert!(g.is_empty());
            n += 1
        });
        assert_eq!(n, 1, "a 0-d box has one cell");
        for_each_in_box(&[vec![1], vec![]], |_, _| panic!("empty box"));
        assert_eq!(c_strides(&[2, 3, 4]), vec![12, 4, 1]);
    }
}

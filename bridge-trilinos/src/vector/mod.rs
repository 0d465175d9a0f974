//! Tpetra vectors and multivectors: Tpetra's memory lent as a distributed
//! array ([`to_array`](TpetraVector::to_array) /
//! [`array_mut`](TpetraVector::array_mut)), a distributed array's memory
//! lent to Tpetra ([`wrap`](TpetraVector::wrap)), or an explicit copy
//! ([`from_array_copy`](TpetraVector::from_array_copy)).

mod multi;

pub use multi::TpetraMultiVector;

use crate::error::{agree_made, call};
use crate::ffi;
use crate::layout::TpetraMap;
use distarray_core::bridge::{LentMut, LentRef, Restore};
use distarray_core::{DistArrayBase, Error, Layout, Result};
use ndarray::{ArrayView, ArrayViewMut, IxDyn, ShapeBuilder};
use std::marker::PhantomData;

/// Tpetra's host view of a vector's memory, held while a [`LentRef`] or
/// [`LentMut`] of [`TpetraVector::to_array`] / [`TpetraVector::array_mut`]
/// (or of a [`TpetraMultiVector`]) lives, and released when the guard ends
/// (the end of Tpetra's host access). Made only by the bridge. Dropping it
/// releases the view too (an error path between taking the view and
/// handing it to a guard leaks nothing); releasing twice is a no-op.
#[derive(Debug)]
pub struct HostView {
    raw: *mut ffi::TriHostView,
}

impl Drop for HostView {
    fn drop(&mut self) {
        // infallible: the shim's free only deletes the view
        let _ = self.restore();
    }
}

impl Restore for HostView {
    fn restore(&mut self) -> Result<()> {
        if !self.raw.is_null() {
            // SAFETY: made by the shim's view_host, freed once (then null).
            unsafe { ffi::tri_host_view_free(self.raw) };
            self.raw = std::ptr::null_mut();
        }
        Ok(())
    }
}

/// A host view's pieces: the handle, the data, local rows, column stride.
pub(crate) struct HostParts {
    pub view: HostView,
    pub data: *mut f64,
    pub rows: usize,
    pub stride: usize,
}

/// A local view of `shape` (column-major with column stride `stride` when
/// 2-D) over `parts`' memory, read-only.
///
/// # Safety
///
/// `parts.data` must hold the cells for `'v`, not written through another
/// path meanwhile.
pub(crate) unsafe fn local_view<'v>(
    parts: &HostParts,
    shape: &[usize],
) -> ArrayView<'v, f64, IxDyn> {
    if shape.iter().product::<usize>() == 0 || parts.data.is_null() {
        return ArrayView::from_shape(IxDyn(shape), &[][..]).expect("an empty view");
    }
    let strides: Vec<usize> = if shape.len() == 2 {
        vec![1, parts.stride]
    } else {
        vec![1]
    };
    // SAFETY: the caller's contract; the strides stay inside Tpetra's block.
    unsafe { ArrayView::from_shape_ptr(IxDyn(shape).strides(IxDyn(&strides)), parts.data) }
}

/// As [`local_view`], writable.
///
/// # Safety
///
/// As [`local_view`], and no other reference to the cells for `'v`.
pub(crate) unsafe fn local_view_mut<'v>(
    parts: &HostParts,
    shape: &[usize],
) -> ArrayViewMut<'v, f64, IxDyn> {
    if shape.iter().product::<usize>() == 0 || parts.data.is_null() {
        return ArrayViewMut::from_shape(IxDyn(shape), &mut [][..]).expect("an empty view");
    }
    let strides: Vec<usize> = if shape.len() == 2 {
        vec![1, parts.stride]
    } else {
        vec![1]
    };
    // SAFETY: the caller's contract; the strides stay inside Tpetra's block.
    unsafe { ArrayViewMut::from_shape_ptr(IxDyn(shape).strides(IxDyn(&strides)), parts.data) }
}

/// A Tpetra vector: Tpetra's memory ([`TpetraVector::new`],
/// [`TpetraVector::from_array_copy`]) or a distributed array's, borrowed
/// for the vector's life ([`TpetraVector::wrap`]).
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{TpetraMap, TpetraVector, Trilinos};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let layout = Layout::block(&comm, &[4]).unwrap();
/// let map = TpetraMap::from_layout(&t, &layout).unwrap();
///
/// let mut v = TpetraVector::new(&map).unwrap(); // Tpetra's memory
/// v.array_mut().unwrap().local_mut().fill(3.0); // lent as a distributed array, no copy
/// assert_eq!(v.norm2().unwrap(), 6.0);
/// assert_eq!(v.to_array().unwrap().get(&[2]).unwrap(), 3.0);
///
/// let mut a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
/// let w = TpetraVector::wrap(&map, &mut a).unwrap(); // the array's memory
/// assert_eq!(w.norm2().unwrap(), 14.0_f64.sqrt());
/// assert_eq!(w.layout(), &layout);
/// ```
///
/// The lifetime rules, each a compile error: a wrapped array can not be
/// used (or dropped) while the vector lives,
///
/// ```compile_fail,E0499
/// # use bridge_trilinos::{TpetraMap, TpetraVector, Trilinos};
/// # use distarray_core::{Comm, DistArray, Layout};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// # let t = Trilinos::init(&comm).unwrap();
/// # let layout = Layout::block(&comm, &[4]).unwrap();
/// # let map = TpetraMap::from_layout(&t, &layout).unwrap();
/// let mut a = DistArray::<f64>::zeros(&layout);
/// let v = TpetraVector::wrap(&map, &mut a).unwrap();
/// a.local_mut().fill(1.0); // error: `a` is mutably borrowed by `v`
/// drop(v);
/// ```
///
/// a vector can not outlive its map,
///
/// ```compile_fail,E0505
/// # use bridge_trilinos::{TpetraMap, TpetraVector, Trilinos};
/// # use distarray_core::{Comm, Layout};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// # let t = Trilinos::init(&comm).unwrap();
/// let map = TpetraMap::from_layout(&t, &Layout::block(&comm, &[4]).unwrap()).unwrap();
/// let v = TpetraVector::new(&map).unwrap();
/// drop(map); // error: `map` is borrowed by `v`
/// drop(v);
/// ```
///
/// and a lent view can not outlive the vector, nor be lent twice mutably:
///
/// ```compile_fail,E0505
/// # use bridge_trilinos::{TpetraMap, TpetraVector, Trilinos};
/// # use distarray_core::{Comm, Layout};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// # let t = Trilinos::init(&comm).unwrap();
/// # let map = TpetraMap::from_layout(&t, &Layout::block(&comm, &[4]).unwrap()).unwrap();
/// let mut v = TpetraVector::new(&map).unwrap();
/// let view = v.array_mut().unwrap();
/// drop(v); // error: `v` is borrowed by `view`
/// drop(view);
/// ```
///
/// ```compile_fail,E0499
/// # use bridge_trilinos::{TpetraMap, TpetraVector, Trilinos};
/// # use distarray_core::{Comm, Layout};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// # let t = Trilinos::init(&comm).unwrap();
/// # let map = TpetraMap::from_layout(&t, &Layout::block(&comm, &[4]).unwrap()).unwrap();
/// let mut v = TpetraVector::new(&map).unwrap();
/// let first = v.array_mut().unwrap();
/// let second = v.array_mut().unwrap(); // error: a second mutable borrow
/// drop((first, second));
/// ```
pub struct TpetraVector<'m> {
    pub(crate) raw: *mut ffi::TriVec,
    pub(crate) layout: Layout,
    _map: PhantomData<&'m TpetraMap<'m>>,
    _memory: PhantomData<&'m mut [f64]>,
}

impl<'m> TpetraVector<'m> {
    /// A zero vector on `map`. Collective: a failure on one rank (Tpetra
    /// could not allocate) is the same error on every rank.
    pub fn new(map: &'m TpetraMap<'m>) -> Result<TpetraVector<'m>> {
        let layout = map.to_layout()?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: a live map and an out-pointer.
        let made = call("Tpetra::Vector", |e, n| unsafe {
            ffi::tri_vec_create(map.raw, &mut raw, e, n)
        });
        // SAFETY: `raw` is null or the vector the shim made here.
        let raw = unsafe { agree_made(&map.comm, made, raw, ffi::tri_vec_free) }?;
        Ok(TpetraVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    /// A vector in Tpetra's memory holding a copy of `array` (1-D, the
    /// map's layout, any memory order): the explicit copy. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_trilinos::{TpetraMap, TpetraVector, Trilinos};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let t = Trilinos::init(&comm).unwrap();
    /// let layout = Layout::block(&comm, &[5]).unwrap();
    /// let map = TpetraMap::from_layout(&t, &layout).unwrap();
    /// let a = DistArray::full(&layout, 2.0);
    /// let v = TpetraVector::from_array_copy(&map, &a).unwrap();
    /// assert_eq!(v.norm2().unwrap(), 20.0_f64.sqrt());
    /// ```
    pub fn from_array_copy<S: ndarray::Data<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &DistArrayBase<S>,
    ) -> Result<TpetraVector<'m>> {
        let layout = map.to_layout()?;
        layout.comm().agree(same_layout(
            &layout,
            array.layout(),
            "TpetraVector::from_array_copy",
        ))?;
        let mut v = TpetraVector::new(map)?;
        let copied = v
            .array_mut()
            .map(|mut lent| lent.local_mut().assign(&array.local()));
        layout.comm().agree(copied)?;
        Ok(v)
    }

    /// A vector over `array`'s memory (no copy): the array (1-D, the map's
    /// layout, contiguous) is mutably borrowed while the vector lives, so
    /// what Tpetra writes (a solution, say) is in the array afterwards.
    /// Collective.
    pub fn wrap<S: ndarray::DataMut<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &'m mut DistArrayBase<S>,
    ) -> Result<TpetraVector<'m>> {
        let layout = map.to_layout()?;
        let contiguous = array.local().as_slice().is_some();
        let verdict = same_layout(&layout, array.layout(), "TpetraVector::wrap").and_then(|()| {
            if contiguous {
                Ok(())
            } else {
                Err(Error::InvalidArgument(
                    "TpetraVector::wrap: the local buffer is not contiguous (use from_array_copy)"
                        .into(),
                ))
            }
        });
        layout.comm().agree(verdict)?;
        let mut local = array.local_mut();
        let ptr = local
            .as_slice_mut()
            .expect("checked contiguous")
            .as_mut_ptr();
        // SAFETY: the buffer holds the map's local count of f64 (the layouts
        // are equal) and stays mutably borrowed for 'm, the vector's life.
        unsafe { TpetraVector::wrap_raw(map, ptr, layout) }
    }

    /// A vector over `ptr` (no copy). Collective: a failure on one rank is
    /// the same error on every rank.
    ///
    /// # Safety
    ///
    /// `ptr` holds the map's local count of f64 (`layout` is the map's) for
    /// 'm, and nothing else writes them meanwhile; if it is only borrowed
    /// shared, Tpetra must not write through the vector either.
    pub(crate) unsafe fn wrap_raw(
        map: &'m TpetraMap<'m>,
        ptr: *mut f64,
        layout: Layout,
    ) -> Result<TpetraVector<'m>> {
        let mut raw = std::ptr::null_mut();
        // SAFETY: the caller's contract.
        let made = call("Tpetra::Vector over user memory", |e, n| unsafe {
            ffi::tri_vec_wrap(map.raw, ptr, &mut raw, e, n)
        });
        // SAFETY: `raw` is null or the vector the shim made here.
        let raw = unsafe { agree_made(&map.comm, made, raw, ffi::tri_vec_free) }?;
        Ok(TpetraVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    fn host(&self, readonly: bool) -> Result<HostParts> {
        let (mut view, mut data, mut len) = (std::ptr::null_mut(), std::ptr::null_mut(), 0);
        // SAFETY: a live vector; the shim writes three out-values.
        call("getLocalViewHost", |e, n| unsafe {
            ffi::tri_vec_view_host(
                self.raw,
                readonly as i32,
                &mut view,
                &mut data,
                &mut len,
                e,
                n,
            )
        })?;
        let parts = HostParts {
            view: HostView { raw: view },
            data,
            rows: len as usize,
            stride: len as usize,
        };
        if parts.rows != self.layout.local_len() {
            return Err(Error::LayoutMismatch {
                context: "TpetraVector".into(),
                detail: format!(
                    "Tpetra holds {} local entries, the layout {}",
                    parts.rows,
                    self.layout.local_len()
                ),
            });
        }
        Ok(parts)
    }

    /// The vector's memory lent as a read-only distributed array (no copy;
    /// Tpetra's host view, `Access::ReadOnly`, until the guard ends). Not
    /// collective.
    pub fn to_array(&self) -> Result<LentRef<'_, f64, HostView>> {
        let parts = self.host(true)?;
        // SAFETY: Tpetra's local entries, alive while the host view (moved
        // into the guard, which borrows `self`) is held; only read.
        let local = unsafe { local_view(&parts, &[parts.rows]) };
        let view = DistArrayBase::from_local(self.layout.clone(), local)?;
        Ok(LentRef::new(view, parts.view))
    }

    /// The vector's memory lent as a writable distributed array (no copy;
    /// Tpetra's host view, `Access::ReadWrite`, until the guard ends).
    /// Not collective.
    pub fn array_mut(&mut self) -> Result<LentMut<'_, f64, HostView>> {
        let parts = self.host(false)?;
        // SAFETY: Tpetra's local entries, alive while the host view is
        // held; the guard borrows `self` mutably, so nothing else reaches
        // them meanwhile.
        let local = unsafe { local_view_mut(&parts, &[parts.rows]) };
        let view = DistArrayBase::from_local(self.layout.clone(), local)?;
        Ok(LentMut::new(view, parts.view))
    }

    /// The 2-norm (collective).
    pub fn norm2(&self) -> Result<f64> {
        let mut out = 0.0;
        // SAFETY: a live vector.
        call("norm2", |e, n| unsafe {
            ffi::tri_vec_norm2(self.raw, &mut out, e, n)
        })?;
        Ok(out)
    }

    /// The distarray layout of the vector's map.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
}

/// `Ok` when an array's layout is the map's.
pub(crate) fn same_layout(map: &Layout, array: &Layout, context: &str) -> Result<()> {
    if map == array {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: context.into(),
            detail: format!("the map describes {map:?}, the array has {array:?}"),
        })
    }
}

impl Drop for TpetraVector<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_vec_free(self.raw) }
    }
}

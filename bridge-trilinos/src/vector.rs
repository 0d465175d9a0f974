//! Tpetra vectors: Tpetra's memory lent as a distributed array, or a
//! distributed array's memory lent to Tpetra.

use crate::ffi;
use crate::init::call;
use crate::map::TpetraMap;
use distarray_core::{DistArrayBase, DistArrayViewMut, Error, Layout, Result};
use std::marker::PhantomData;

/// A Tpetra vector: Tpetra's memory ([`TpetraVector::new`]) or a
/// distributed array's, borrowed for the vector's life ([`TpetraVector::wrap`]).
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
/// v.array_mut().unwrap().fill(3.0); // lent as a distributed array, no copy
/// assert_eq!(v.norm2().unwrap(), 6.0);
///
/// let mut a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
/// let w = TpetraVector::wrap(&map, &mut a).unwrap(); // the array's memory
/// assert_eq!(w.norm2().unwrap(), 14.0_f64.sqrt());
/// assert_eq!(w.layout(), &layout);
/// ```
pub struct TpetraVector<'m> {
    pub(crate) raw: *mut ffi::TriVec,
    pub(crate) layout: Layout,
    _map: PhantomData<&'m TpetraMap<'m>>,
    _memory: PhantomData<&'m mut [f64]>,
}

impl<'m> TpetraVector<'m> {
    /// A zero vector on `map`. Collective.
    pub fn new(map: &'m TpetraMap<'m>) -> Result<TpetraVector<'m>> {
        let layout = map.to_layout()?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: a live map and an out-pointer.
        call("Tpetra::Vector", |e, n| unsafe {
            ffi::tri_vec_create(map.raw, &mut raw, e, n)
        })?;
        Ok(TpetraVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    /// A vector over `array`'s memory (no copy): the array (1-D, the map's
    /// layout, contiguous) is mutably borrowed while the vector lives, so
    /// what Tpetra writes (a solution, say) is in the array afterwards.
    pub fn wrap<S: ndarray::DataMut<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &'m mut DistArrayBase<S>,
    ) -> Result<TpetraVector<'m>> {
        let layout = map.to_layout()?;
        let comm = layout.comm().clone();
        let same = array.ndim() == 1 && *array.layout() == layout;
        comm.agree(if same {
            Ok(())
        } else {
            Err(Error::LayoutMismatch {
                context: "TpetraVector::wrap".into(),
                detail: format!(
                    "the map describes {layout:?}, the array has {:?}",
                    array.layout()
                ),
            })
        })?;
        let mut local = array.local_mut();
        let slice = local
            .as_slice_mut()
            .ok_or_else(|| Error::InvalidArgument("the local buffer is not contiguous".into()))?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: the buffer holds the map's local count of f64 and stays
        // mutably borrowed for 'm, the vector's whole life.
        call("Tpetra::Vector over user memory", |e, n| unsafe {
            ffi::tri_vec_wrap(map.raw, slice.as_mut_ptr(), &mut raw, e, n)
        })?;
        Ok(TpetraVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    /// The vector's host memory as a distributed array (no copy).
    pub fn array_mut(&mut self) -> Result<DistArrayViewMut<'_, f64>> {
        let (mut ptr, mut len) = (std::ptr::null_mut(), 0);
        // SAFETY: a live vector; the Serial node's host view stays valid while the vector lives.
        call("getLocalViewHost", |e, n| unsafe {
            ffi::tri_vec_data(self.raw, &mut ptr, &mut len, e, n)
        })?;
        let view = if len == 0 {
            ndarray::ArrayViewMut::from_shape(ndarray::IxDyn(&[0]), &mut [][..]).expect("empty")
        } else {
            // SAFETY: `len` contiguous f64 owned by the vector, exclusively
            // borrowed through `&mut self` for the view's lifetime.
            unsafe { ndarray::ArrayViewMut::from_shape_ptr(ndarray::IxDyn(&[len as usize]), ptr) }
        };
        DistArrayBase::from_local(self.layout.clone(), view)
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

impl Drop for TpetraVector<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_vec_free(self.raw) }
    }
}

//! Tpetra MultiVectors over row-distributed 2-D arrays.

use crate::ffi;
use crate::init::call;
use crate::map::TpetraMap;
use distarray_core::{DistArrayBase, Error, Result};
use std::ffi::c_int;
use std::marker::PhantomData;

/// A Tpetra MultiVector over a row-distributed 2-D array (rows follow the
/// map; Tpetra stores each rank's block column-major).
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{TpetraMap, TpetraMultiVector, Trilinos};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// use ndarray::{ArrayD, IxDyn, ShapeBuilder};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// // 4 rows of 2 columns; the rows follow the map
/// let rows = Layout::new(&comm, &[4, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
/// let map = TpetraMap::from_layout(&t, &Layout::block(&comm, &[4]).unwrap()).unwrap();
///
/// // a C-order array: copied, visibly
/// let a = DistArray::from_fn(&rows, |ix: &[usize]| (ix[1] + 1) as f64);
/// let copy = TpetraMultiVector::from_array_copy(&map, &a).unwrap();
/// assert_eq!(copy.norms2().unwrap(), vec![2.0, 4.0]);
///
/// // a column-major array: shared
/// let local = ArrayD::from_elem(IxDyn(rows.local_shape()).f(), 1.0);
/// let mut f = DistArray::from_local(rows.clone(), local).unwrap();
/// {
///     let mut shared = TpetraMultiVector::wrap(&map, &mut f).unwrap();
///     shared.scale(3.0).unwrap();
/// }
/// assert_eq!(f.get(&[3, 1]).unwrap(), 3.0);
/// ```
pub struct TpetraMultiVector<'m> {
    raw: *mut ffi::TriMV,
    ncols: usize,
    _owned: Option<Vec<f64>>,
    _memory: PhantomData<&'m mut [f64]>,
}

impl<'m> TpetraMultiVector<'m> {
    /// Shares the array's memory (no copy) when its local buffer is
    /// column-major; a row-major buffer is an error pointing at
    /// [`from_array_copy`](Self::from_array_copy). Collective.
    pub fn wrap<S: ndarray::DataMut<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &'m mut DistArrayBase<S>,
    ) -> Result<TpetraMultiVector<'m>> {
        let comm = array.layout().comm().clone();
        let ncols = array.shape().get(1).copied().unwrap_or(0);
        let mut local = array.local_mut();
        let ok = array_rows_match(map, local.shape())
            .and_then(|()| if local.is_empty() || local.t().is_standard_layout() { Ok(()) } else {
                Err(Error::LayoutMismatch { context: "TpetraMultiVector::wrap".into(), detail: "the local buffer is row-major; Tpetra's is column-major: use from_array_copy (an explicit copy)".into() })
            });
        comm.agree(ok)?;
        let ptr = if local.is_empty() {
            std::ptr::null_mut()
        } else {
            local.as_mut_ptr()
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: a column-major buffer of local rows x ncols doubles,
        // mutably borrowed for 'm.
        call("Tpetra::MultiVector over user memory", |e, n| unsafe {
            ffi::tri_mv_wrap(map.raw, ptr, ncols as c_int, &mut raw, e, n)
        })?;
        Ok(TpetraMultiVector {
            raw,
            ncols,
            _owned: None,
            _memory: PhantomData,
        })
    }

    /// A MultiVector holding a column-major copy of a row-distributed array
    /// (any local order): the explicit copy. Collective.
    pub fn from_array_copy<S: ndarray::Data<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &DistArrayBase<S>,
    ) -> Result<TpetraMultiVector<'m>> {
        let comm = array.layout().comm().clone();
        let local = array.local();
        comm.agree(array_rows_match(map, local.shape()))?;
        let ncols = array.shape().get(1).copied().unwrap_or(0);
        let mut owned: Vec<f64> = local.t().iter().copied().collect(); // column-major
        let ptr = if owned.is_empty() {
            std::ptr::null_mut()
        } else {
            owned.as_mut_ptr()
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: `owned` moves into the struct with its heap buffer, which
        // stays in place until after the MultiVector is freed.
        call("Tpetra::MultiVector", |e, n| unsafe {
            ffi::tri_mv_wrap(map.raw, ptr, ncols as c_int, &mut raw, e, n)
        })?;
        Ok(TpetraMultiVector {
            raw,
            ncols,
            _owned: Some(owned),
            _memory: PhantomData,
        })
    }

    /// The 2-norm of every column (collective).
    pub fn norms2(&self) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.ncols];
        // SAFETY: room for one norm per column.
        call("norm2", |e, n| unsafe {
            ffi::tri_mv_norms2(self.raw, out.as_mut_ptr(), e, n)
        })?;
        Ok(out)
    }

    /// Scales every entry (collective) — through the shared memory when wrapped.
    pub fn scale(&mut self, alpha: f64) -> Result<()> {
        // SAFETY: a live multivector.
        call("scale", |e, n| unsafe {
            ffi::tri_mv_scale(self.raw, alpha, e, n)
        })
    }
}

fn array_rows_match(map: &TpetraMap<'_>, local_shape: &[usize]) -> Result<()> {
    let (mut local, mut global, mut contiguous) = (0, 0i64, 0);
    // SAFETY: a live map.
    call("Map info", |e, n| unsafe {
        ffi::tri_map_info(map.raw, &mut local, &mut global, &mut contiguous, e, n)
    })?;
    if local_shape.len() == 2 && local_shape[0] == local as usize {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context: "MultiVector rows (a 2-D array whose rows follow the map)".into(),
            expected: vec![local as usize],
            found: local_shape.to_vec(),
        })
    }
}

impl Drop for TpetraMultiVector<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once (before `_owned`).
        unsafe { ffi::tri_mv_free(self.raw) }
    }
}

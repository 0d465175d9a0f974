//! Tpetra MultiVectors over row-distributed 2-D arrays.

use super::{local_view, local_view_mut, HostParts, HostView};
use crate::error::{agree_made, c_int_of, call};
use crate::ffi;
use crate::layout::TpetraMap;
use distarray_core::bridge::{LentMut, LentRef};
use distarray_core::map::{AxisMap, BlockMap};
use distarray_core::{DistArrayBase, Error, Layout, ProcGrid, Result};
use std::marker::PhantomData;

/// A Tpetra MultiVector: a row-distributed 2-D array (rows follow the map,
/// columns held whole; Tpetra stores each rank's block column-major), in
/// Tpetra's memory ([`new`](Self::new),
/// [`from_array_copy`](Self::from_array_copy)) or over a column-major
/// array's ([`wrap`](Self::wrap)).
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
/// assert_eq!(copy.to_array().unwrap().get(&[3, 1]).unwrap(), 2.0); // lent back
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
    layout: Layout,
    _map: PhantomData<&'m TpetraMap<'m>>,
    _memory: PhantomData<&'m mut [f64]>,
}

/// The 2-D layout of `ncols` columns whose rows follow `map`.
fn rows_layout(map: &TpetraMap<'_>, ncols: usize) -> Result<Layout> {
    let rows = map.to_layout()?;
    let comm = rows.comm().clone();
    let grid = ProcGrid::new(&[comm.size(), 1], comm.size(), comm.rank())?;
    let maps = vec![
        rows.map(0).clone(),
        AxisMap::Block(BlockMap::regular(ncols, 1)),
    ];
    Ok(Layout::from_parts(comm, grid, maps))
}

impl<'m> TpetraMultiVector<'m> {
    /// A zero MultiVector of `ncols` columns on `map`, in Tpetra's memory.
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_trilinos::{TpetraMap, TpetraMultiVector, Trilinos};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let t = Trilinos::init(&comm).unwrap();
    /// let map = TpetraMap::from_layout(&t, &Layout::block(&comm, &[6]).unwrap()).unwrap();
    /// let mut mv = TpetraMultiVector::new(&map, 3).unwrap();
    /// {
    ///     let mut lent = mv.array_mut().unwrap(); // Tpetra's memory, column-major
    ///     let rows = lent.layout().global_indices(0);
    ///     for (mut row, g) in lent.local_mut().outer_iter_mut().zip(rows) {
    ///         row.fill(g as f64);
    ///     }
    /// }
    /// let want = (0..6).map(|g| (g * g) as f64).sum::<f64>().sqrt();
    /// assert!(mv.norms2().unwrap().iter().all(|n| (n - want).abs() < 1e-12));
    /// ```
    pub fn new(map: &'m TpetraMap<'m>, ncols: usize) -> Result<TpetraMultiVector<'m>> {
        let layout = rows_layout(map, ncols)?;
        let n = layout
            .comm()
            .agree(c_int_of(ncols, "TpetraMultiVector: columns"))?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: a live map and an out-pointer.
        let made = call("Tpetra::MultiVector", |e, m| unsafe {
            ffi::tri_mv_create(map.raw, n, &mut raw, e, m)
        });
        // SAFETY: `raw` is null or the multivector the shim made here.
        let raw = unsafe { agree_made(layout.comm(), made, raw, ffi::tri_mv_free) }?;
        Ok(TpetraMultiVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    /// Shares the array's memory (no copy) when its local buffer is
    /// column-major; a row-major buffer is an error pointing at
    /// [`from_array_copy`](Self::from_array_copy). The array's rows must
    /// follow the map and its columns be held whole. Collective.
    pub fn wrap<S: ndarray::DataMut<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &'m mut DistArrayBase<S>,
    ) -> Result<TpetraMultiVector<'m>> {
        let ncols = array.shape().get(1).copied().unwrap_or(0);
        let layout = rows_layout(map, ncols)?;
        let dense = {
            let local = array.local();
            local.is_empty() || local.t().is_standard_layout()
        };
        let ok = rows_match(&layout, array.layout())
            .and_then(|()| {
                if dense {
                    Ok(())
                } else {
                    Err(Error::LayoutMismatch {
                        context: "TpetraMultiVector::wrap".into(),
                        detail: "the local buffer is row-major; Tpetra's is column-major: use from_array_copy (an explicit copy)".into(),
                    })
                }
            })
            .and_then(|()| c_int_of(ncols, "TpetraMultiVector::wrap: columns"));
        let n = layout.comm().agree(ok)?;
        let mut local = array.local_mut();
        let ptr = if local.is_empty() {
            std::ptr::null_mut()
        } else {
            local.as_mut_ptr()
        };
        let mut raw = std::ptr::null_mut();
        // SAFETY: a column-major buffer of local rows x ncols doubles,
        // mutably borrowed for 'm.
        let made = call("Tpetra::MultiVector over user memory", |e, m| unsafe {
            ffi::tri_mv_wrap(map.raw, ptr, n, &mut raw, e, m)
        });
        // SAFETY: `raw` is null or the multivector the shim made here.
        let raw = unsafe { agree_made(layout.comm(), made, raw, ffi::tri_mv_free) }?;
        Ok(TpetraMultiVector {
            raw,
            layout,
            _map: PhantomData,
            _memory: PhantomData,
        })
    }

    /// A MultiVector in Tpetra's memory holding a copy of a row-distributed
    /// array (any local order): the explicit copy. Collective.
    pub fn from_array_copy<S: ndarray::Data<Elem = f64>>(
        map: &'m TpetraMap<'m>,
        array: &DistArrayBase<S>,
    ) -> Result<TpetraMultiVector<'m>> {
        let ncols = array.shape().get(1).copied().unwrap_or(0);
        let layout = rows_layout(map, ncols)?;
        layout.comm().agree(rows_match(&layout, array.layout()))?;
        let mut mv = TpetraMultiVector::new(map, ncols)?;
        let copied = mv
            .array_mut()
            .map(|mut lent| lent.local_mut().assign(&array.local()));
        layout.comm().agree(copied)?;
        Ok(mv)
    }

    fn host(&self, readonly: bool) -> Result<HostParts> {
        let (mut view, mut data, mut len, mut stride) =
            (std::ptr::null_mut(), std::ptr::null_mut(), 0, 0i64);
        // SAFETY: a live multivector; the shim writes four out-values.
        call("getLocalViewHost", |e, n| unsafe {
            ffi::tri_mv_view_host(
                self.raw,
                readonly as i32,
                &mut view,
                &mut data,
                &mut len,
                &mut stride,
                e,
                n,
            )
        })?;
        let parts = HostParts {
            view: HostView { raw: view },
            data,
            rows: len as usize,
            stride: stride.max(0) as usize,
        };
        let want = self.layout.local_shape()[0];
        if parts.rows != want || (self.layout.shape()[1] > 1 && parts.stride < want) {
            return Err(Error::LayoutMismatch {
                context: "TpetraMultiVector".into(),
                detail: format!(
                    "Tpetra holds {} local rows with column stride {}, the layout {want} rows",
                    parts.rows, parts.stride
                ),
            });
        }
        Ok(parts)
    }

    /// The MultiVector's memory lent as a read-only distributed array (no
    /// copy; a column-major local view). Not collective.
    pub fn to_array(&self) -> Result<LentRef<'_, f64, HostView>> {
        let parts = self.host(true)?;
        // SAFETY: Tpetra's local block, alive while the host view (moved
        // into the guard, which borrows `self`) is held; only read.
        let local = unsafe { local_view(&parts, self.layout.local_shape()) };
        let view = DistArrayBase::from_local(self.layout.clone(), local)?;
        Ok(LentRef::new(view, parts.view))
    }

    /// The MultiVector's memory lent as a writable distributed array (no
    /// copy; a column-major local view). Not collective.
    pub fn array_mut(&mut self) -> Result<LentMut<'_, f64, HostView>> {
        let parts = self.host(false)?;
        // SAFETY: as in `to_array`; the guard borrows `self` mutably.
        let local = unsafe { local_view_mut(&parts, self.layout.local_shape()) };
        let view = DistArrayBase::from_local(self.layout.clone(), local)?;
        Ok(LentMut::new(view, parts.view))
    }

    /// The layout: rows as the map, columns whole.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The 2-norm of every column (collective).
    pub fn norms2(&self) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.layout.shape()[1]];
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

/// `Ok` when the array's layout is `want` (rows as the map, columns whole).
fn rows_match(want: &Layout, array: &Layout) -> Result<()> {
    if array.ndim() == 2 && want == array {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: "TpetraMultiVector (a 2-D array whose rows follow the map, columns whole)"
                .into(),
            detail: format!("expected {want:?}, the array has {array:?}"),
        })
    }
}

impl Drop for TpetraMultiVector<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_mv_free(self.raw) }
    }
}

//! Tpetra CrsMatrix assembled from each rank's CSR rows.

use crate::error::call;
use crate::ffi;
use crate::layout::TpetraMap;
use crate::vector::TpetraVector;
use distarray_core::sparse::CsrRows;
use distarray_core::{Error, Layout, Result};
use std::ffi::c_int;

/// A Tpetra CrsMatrix.
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{CrsMatrix, TpetraMap, TpetraVector, Trilinos};
/// use distarray_core::sparse::{owned_rows, SparseBuilder};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let rows = Layout::block(&comm, &[9]).unwrap();
/// let map = TpetraMap::from_layout(&t, &rows).unwrap();
/// // the 5-point Laplacian on a 3 x 3 grid: each rank sets its rows
/// let mut op = SparseBuilder::new(&rows, 3 * 3).unwrap();
/// for r in owned_rows(&rows).unwrap() {
///     let (i, j) = (r / 3, r % 3);
///     op.add(r, r, 4.0);
///     let near = [(i > 0, r.wrapping_sub(3)), (i + 1 < 3, r + 3)];
///     for (inside, c) in near.into_iter().chain([(j > 0, r.wrapping_sub(1)), (j + 1 < 3, r + 1)]) {
///         if inside { op.add(r, c, -1.0) }
///     }
/// }
/// let a = CrsMatrix::from_csr(&map, &op.assemble().unwrap()).unwrap();
///
/// let mut ones = DistArray::full(&rows, 1.0);
/// let x = TpetraVector::wrap(&map, &mut ones).unwrap();
/// let mut y = TpetraVector::new(&map).unwrap();
/// a.apply(&x, &mut y).unwrap();
/// // row sums: 2 at the 4 corners, 1 at the 4 edges, 0 in the middle
/// assert_eq!(y.norm2().unwrap(), 20.0_f64.sqrt());
/// ```
///
/// A matrix borrows its row map, so the map outlives it:
///
/// ```compile_fail,E0505
/// # use bridge_trilinos::{CrsMatrix, TpetraMap, Trilinos};
/// # use distarray_core::{sparse::gallery::poisson_2d, Comm, Layout};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// # let t = Trilinos::init(&comm).unwrap();
/// let rows = Layout::block(&comm, &[4]).unwrap();
/// let map = TpetraMap::from_layout(&t, &rows).unwrap();
/// let a = CrsMatrix::from_csr(&map, &poisson_2d(&rows, 2, 2).unwrap()).unwrap();
/// drop(map); // error: `map` is borrowed by `a`
/// drop(a);
/// ```
pub struct CrsMatrix<'m> {
    pub(crate) raw: *mut ffi::TriMat,
    pub(crate) map: &'m TpetraMap<'m>,
    pub(crate) rows: Layout,
}

impl<'m> CrsMatrix<'m> {
    /// Assembles each rank's CSR rows (global columns) on row map `rows`. Collective.
    pub fn from_csr(rows: &'m TpetraMap<'m>, csr: &CsrRows) -> Result<CrsMatrix<'m>> {
        // the rows must be the map's (a shorter row_ptr would be read past
        // its end by the shim) and the columns inside it: agreed, since
        // Tpetra's fillComplete is collective
        let layout = rows.to_layout()?;
        let first = layout.first_global_index(0).unwrap_or(0);
        let local = layout.local_len();
        let verdict = csr.validate().and_then(|()| {
            if csr.row_ptr.len() != local + 1 || csr.first_row != first {
                Err(Error::LayoutMismatch {
                    context: "CrsMatrix::from_csr".into(),
                    detail: format!(
                        "rank {} holds rows {first}..{} of the map but the CSR has {} rows from {}",
                        rows.comm.rank(),
                        first + local,
                        csr.row_ptr.len().saturating_sub(1),
                        csr.first_row
                    ),
                })
            } else if csr.ncols > layout.global_len() {
                Err(Error::InvalidArgument(format!(
                    "CrsMatrix::from_csr: {} columns on a map of {} indices",
                    csr.ncols,
                    layout.global_len()
                )))
            } else {
                Ok(())
            }
        });
        rows.comm.agree(verdict)?;
        let row_ptr: Vec<c_int> = csr.row_ptr.iter().map(|&x| x as c_int).collect();
        let cols: Vec<i64> = csr.cols.iter().map(|&c| c as i64).collect();
        let mut raw = std::ptr::null_mut();
        // SAFETY: arrays of the CSR's lengths, alive for the call (Tpetra copies them).
        call("Tpetra::CrsMatrix", |e, n| unsafe {
            ffi::tri_mat_create(
                rows.raw,
                row_ptr.as_ptr(),
                cols.as_ptr(),
                csr.vals.as_ptr(),
                &mut raw,
                e,
                n,
            )
        })?;
        Ok(CrsMatrix {
            raw,
            map: rows,
            rows: layout,
        })
    }

    /// The row layout (the map's).
    pub fn rows(&self) -> &Layout {
        &self.rows
    }

    /// The row map.
    pub fn map(&self) -> &'m TpetraMap<'m> {
        self.map
    }

    /// `y = A x` (collective).
    pub fn apply(&self, x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
        // SAFETY: live handles; Tpetra checks the maps.
        call("apply", |e, n| unsafe {
            ffi::tri_mat_apply(self.raw, x.raw, y.raw, e, n)
        })
    }
}

impl Drop for CrsMatrix<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_mat_free(self.raw) }
    }
}

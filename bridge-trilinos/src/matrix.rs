//! Tpetra CrsMatrix assembled from each rank's CSR rows.

use crate::error::{agree_made, c_int_of, call};
use crate::ffi;
use crate::layout::TpetraMap;
use crate::vector::{same_layout, TpetraVector};
use distarray_core::sparse::{check_rows, owned_rows, CsrRows};
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
    /// Assembles each rank's CSR rows (global columns) on row map `rows`.
    /// Collective.
    ///
    /// The map must be contiguous — made from a 1-D block layout (regular
    /// or [`BlockBounds`](distarray_core::Dist::BlockBounds), ranks owning
    /// no rows included) — and each rank's CSR must hold exactly the rows
    /// that layout gives it, as [`owned_rows`](distarray_core::sparse::owned_rows)
    /// and [`SparseBuilder`](distarray_core::sparse::SparseBuilder) give them
    /// (on a rank owning none, `first_row` is where its empty range sits).
    /// Rows on any other map (cyclic, unstructured) are an error on every
    /// rank: move them to a block layout with [`to_native_plan`](crate::to_native_plan).
    ///
    /// # Examples
    ///
    /// More ranks than rows: the ranks owning none take part with empty CSRs.
    ///
    /// ```
    /// use bridge_trilinos::{CrsMatrix, TpetraMap, TpetraVector, Trilinos};
    /// use distarray_core::sparse::{owned_rows, SparseBuilder};
    /// use distarray_core::{Comm, Dist, DistArray, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let t = Trilinos::init(&comm).unwrap();
    /// // every row on the last rank
    /// let mut bounds = vec![0; comm.size()];
    /// bounds.push(2);
    /// let rows = Layout::new(&comm, &[2], &[Dist::BlockBounds(bounds)]).unwrap();
    /// let map = TpetraMap::from_layout(&t, &rows).unwrap();
    /// let mut op = SparseBuilder::new(&rows, 2).unwrap();
    /// for r in owned_rows(&rows).unwrap() {
    ///     op.add(r, r, 2.0);
    /// }
    /// let a = CrsMatrix::from_csr(&map, &op.assemble().unwrap()).unwrap();
    /// let mut ones = DistArray::full(&rows, 1.0);
    /// let x = TpetraVector::wrap(&map, &mut ones).unwrap();
    /// let mut y = TpetraVector::new(&map).unwrap();
    /// a.apply(&x, &mut y).unwrap();
    /// assert_eq!(y.norm2().unwrap(), 8.0_f64.sqrt());
    ///
    /// // a cyclic map is not contiguous: refused, on every rank
    /// let cyclic = Layout::new(&comm, &[2], &[Dist::Cyclic]).unwrap();
    /// let scattered = TpetraMap::from_layout(&t, &cyclic).unwrap();
    /// let csr = SparseBuilder::new(&rows, 2).unwrap().assemble().unwrap();
    /// let e = CrsMatrix::from_csr(&scattered, &csr).err().unwrap();
    /// assert!(matches!(e, Error::LayoutMismatch { .. }) && e.to_string().contains("to_native_plan"));
    /// ```
    pub fn from_csr(rows: &'m TpetraMap<'m>, csr: &CsrRows) -> Result<CrsMatrix<'m>> {
        // every check agreed before the shim runs Tpetra's collective
        // fillComplete: a contiguous map, this rank's rows (a shorter
        // row_ptr would be read past its end by the shim, rows placed at
        // the wrong indices would be a silently wrong matrix), columns
        // inside the map, offsets that fit the shim's C int
        let layout = rows.to_layout()?;
        let comm = rows.comm.clone();
        let verdict = owned_rows(&layout)
            .map_err(|_| Error::LayoutMismatch {
                context: "CrsMatrix::from_csr".into(),
                detail: format!(
                    "the row map must be contiguous (a 1-D block layout without ghost cells), not {layout:?}: move the rows to one with to_native_plan"
                ),
            })
            .and_then(|_| check_rows(&layout, csr.ncols, csr))
            .and_then(|_| {
                if csr.ncols > layout.global_len() {
                    Err(Error::InvalidArgument(format!(
                        "CrsMatrix::from_csr: {} columns on a map of {} indices",
                        csr.ncols,
                        layout.global_len()
                    )))
                } else {
                    Ok(())
                }
            })
            .and_then(|()| {
                csr.row_ptr
                    .iter()
                    .map(|&x| c_int_of(x, "CrsMatrix::from_csr: local nonzeros"))
                    .collect::<Result<Vec<c_int>>>()
            });
        let row_ptr = comm.agree(verdict)?;
        let cols: Vec<i64> = csr.cols.iter().map(|&c| c as i64).collect();
        let mut raw = std::ptr::null_mut();
        // SAFETY: `row_ptr` has the map's local count + 1 entries, `cols`
        // and `vals` as many as its last (checked and agreed above), alive
        // for the call (Tpetra copies them).
        let made = call("Tpetra::CrsMatrix", |e, n| unsafe {
            ffi::tri_mat_create(
                rows.raw,
                row_ptr.as_ptr(),
                cols.as_ptr(),
                csr.vals.as_ptr(),
                &mut raw,
                e,
                n,
            )
        });
        // SAFETY: `raw` is null or the matrix the shim made here.
        let raw = unsafe { agree_made(&comm, made, raw, ffi::tri_mat_free) }?;
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

    /// `y = A x` (collective). `x` must lie on the matrix's domain map and
    /// `y` on its range map, both the row map here: otherwise an
    /// [`Error::LayoutMismatch`] on every rank (Tpetra checks the maps only
    /// in debug builds; Debian's is a release build, which would read and
    /// write past the vectors).
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_trilinos::{CrsMatrix, TpetraMap, TpetraVector, Trilinos};
    /// use distarray_core::{sparse::gallery::poisson_2d, Comm, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let t = Trilinos::init(&comm).unwrap();
    /// let rows = Layout::block(&comm, &[9]).unwrap();
    /// let map = TpetraMap::from_layout(&t, &rows).unwrap();
    /// let a = CrsMatrix::from_csr(&map, &poisson_2d(&rows, 3, 3).unwrap()).unwrap();
    /// let other = TpetraMap::from_layout(&t, &Layout::block(&comm, &[4]).unwrap()).unwrap();
    /// let (x, mut y) = (TpetraVector::new(&other).unwrap(), TpetraVector::new(&map).unwrap());
    /// assert!(matches!(a.apply(&x, &mut y), Err(Error::LayoutMismatch { .. })));
    /// ```
    pub fn apply(&self, x: &TpetraVector<'_>, y: &mut TpetraVector<'_>) -> Result<()> {
        let comm = self.rows.comm();
        comm.agree(
            same_layout(
                &self.rows,
                x.layout(),
                "CrsMatrix::apply: x (the domain map)",
            )
            .and_then(|()| {
                same_layout(
                    &self.rows,
                    y.layout(),
                    "CrsMatrix::apply: y (the range map)",
                )
            }),
        )?;
        // SAFETY: live handles on the matrix's domain and range maps (checked).
        comm.agree(call("apply", |e, n| unsafe {
            ffi::tri_mat_apply(self.raw, x.raw, y.raw, e, n)
        }))
    }
}

impl Drop for CrsMatrix<'_> {
    fn drop(&mut self) {
        // SAFETY: created by the shim, freed once.
        unsafe { ffi::tri_mat_free(self.raw) }
    }
}

//! A dense DistMatrix assembled from each rank's sparse rows.

use super::DistMatrix;
use crate::layout::{ElDist, ElGrid};
use crate::scalar::ElScalar;
use distarray_core::map::{AxisMap, BlockMap};
use distarray_core::sparse::CsrRows;
use distarray_core::{DistArray, Error, Layout, ProcGrid, Result};

impl<'a, T: ElScalar + std::ops::AddAssign> DistMatrix<'a, T> {
    /// The dense `m x n` matrix of each rank's CSR rows (any of Elemental's
    /// scalar types: the builder's `CsrRows<T>`) (`m` the length of
    /// `rows`, `n` the CSR's columns; duplicate entries are summed), in
    /// `[MC,MR]` on `grid`. Each rank fills its rows of a row-block array,
    /// which moves to `[MC,MR]` through an explicit redistribution (a
    /// copy: the matrix is dense, in Elemental's memory). `rows` is a 1-D
    /// block layout on the grid's communicator whose local rows are the
    /// CSR's. Collective; a CSR that does not fit its rows on one rank is
    /// the same error on every rank.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_elemental::{DistMatrix, ElGrid, Elemental};
    /// use distarray_core::{sparse::gallery::poisson_2d, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let el = Elemental::init().unwrap();
    /// let comm = Comm::world();
    /// let grid = ElGrid::new(&el, &comm, 1).unwrap();
    /// let rows = Layout::block(&comm, &[9]).unwrap();
    /// let a = DistMatrix::from_csr(&grid, &rows, &poisson_2d(&rows, 3, 3).unwrap()).unwrap();
    /// assert_eq!(a.shape(), (9, 9));
    /// assert_eq!(a.get(4, 4).unwrap(), 4.0);
    /// assert_eq!(a.get(4, 1).unwrap(), -1.0);
    /// assert_eq!(a.get(4, 0).unwrap(), 0.0);
    /// ```
    pub fn from_csr(
        grid: &'a ElGrid<'a>,
        rows: &Layout,
        csr: &CsrRows<T>,
    ) -> Result<DistMatrix<'a, T>> {
        let comm = rows.comm();
        let verdict = csr.validate().and_then(|()| fits(rows, csr));
        comm.agree(verdict)?;
        let n = csr.ncols;
        if !comm.same_on_all(n as u64) {
            return Err(Error::InvalidArgument(
                "DistMatrix::from_csr: the ranks' CSR rows have different column counts".into(),
            ));
        }
        let m = rows.global_len();
        let grid_rows = ProcGrid::new(&[comm.size(), 1], comm.size(), comm.rank())?;
        let maps = vec![rows.map(0).clone(), AxisMap::Block(BlockMap::regular(n, 1))];
        let row_block = Layout::from_parts(comm.clone(), grid_rows, maps);
        let mut dense = DistArray::<T>::zeros(&row_block);
        {
            let mut local = dense.local_mut();
            for r in 0..csr.local_rows() {
                for k in csr.row_ptr[r]..csr.row_ptr[r + 1] {
                    local[[r, csr.cols[k]]] += csr.vals[k];
                }
            }
        }
        let mut a = DistMatrix::new(grid, ElDist::McMr, m, n)?;
        let mut plan = grid.redistribution::<T>(&row_block, a.layout())?;
        let moved = a
            .array_mut()
            .and_then(|mut lent| plan.execute(&dense, &mut lent.view_mut()));
        comm.agree(moved)?;
        Ok(a)
    }
}

/// `Ok` when `csr` holds this rank's rows of the 1-D block layout `rows`.
fn fits<T>(rows: &Layout, csr: &CsrRows<T>) -> Result<()> {
    let mismatch = |detail: String| Error::LayoutMismatch {
        context: "DistMatrix::from_csr".into(),
        detail,
    };
    if rows.ndim() != 1 {
        return Err(mismatch(format!("the rows are a 1-D layout, not {rows:?}")));
    }
    let first = rows.first_global_index(0).unwrap_or(csr.first_row);
    let local = rows.local_len();
    let contiguous = rows.global_indices(0).into_iter().eq(first..first + local);
    if !contiguous {
        return Err(mismatch(
            "CSR rows are a contiguous range: the row layout must be a block layout".into(),
        ));
    }
    if csr.local_rows() != local || (local > 0 && csr.first_row != first) {
        return Err(mismatch(format!(
            "rank {} holds rows {first}..{} of the layout but the CSR has {} rows from {}",
            rows.comm().rank(),
            first + local,
            csr.local_rows(),
            csr.first_row
        )));
    }
    Ok(())
}

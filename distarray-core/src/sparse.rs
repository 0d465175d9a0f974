//! Distributed sparse matrices by rows, in CSR form: what the solver
//! bridges (PETSc's MPIAIJ, Tpetra's CrsMatrix) assemble from.
//!
//! ```
//! use distarray_core::{Comm, Layout};
//! use distarray_core::sparse::laplacian_2d;
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let rows = Layout::block(&comm, &[3 * 3]).unwrap(); // a 3x3 grid of unknowns
//! let a = laplacian_2d(&rows, 3, 3).unwrap(); // this rank's rows
//! if a.first_row == 0 && a.local_rows() > 0 {
//!     assert_eq!(a.row(0).0, &[0, 1, 3]); // the corner couples to two neighbours
//! }
//! ```

use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;

/// This rank's rows of a distributed sparse matrix, global column indices.
///
/// # Examples
///
/// Rows built by hand: this rank's part of the tridiagonal `[-1 2 -1]`
/// matrix of order 5, with the rows a block layout gives it:
///
/// ```
/// use distarray_core::sparse::{check_square_rows, owned_rows, CsrRows};
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let rows = Layout::block(&Comm::world(), &[5]).unwrap();
/// let mine = owned_rows(&rows).unwrap();
/// let mut csr = CsrRows {
///     first_row: mine.start,
///     ncols: 5,
///     row_ptr: vec![0],
///     cols: vec![],
///     vals: vec![],
/// };
/// for r in mine.clone() {
///     for (c, v) in [(r.wrapping_sub(1), -1.0), (r, 2.0), (r + 1, -1.0)] {
///         if c < 5 {
///             csr.cols.push(c);
///             csr.vals.push(v);
///         }
///     }
///     csr.row_ptr.push(csr.cols.len());
/// }
/// assert_eq!(csr.local_rows(), mine.len());
/// assert_eq!(check_square_rows(&rows, &csr).unwrap(), mine);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CsrRows {
    /// Global index of the first local row.
    pub first_row: usize,
    /// Global number of columns.
    pub ncols: usize,
    /// Row `i`'s entries are `row_ptr[i] .. row_ptr[i + 1]`.
    pub row_ptr: Vec<usize>,
    /// Global column indices.
    pub cols: Vec<usize>,
    /// Values.
    pub vals: Vec<f64>,
}

impl CsrRows {
    /// Number of local rows.
    pub fn local_rows(&self) -> usize {
        self.row_ptr.len().saturating_sub(1)
    }
    /// Local row `i`: (columns, values).
    pub fn row(&self, i: usize) -> (&[usize], &[f64]) {
        let r = self.row_ptr[i]..self.row_ptr[i + 1];
        (&self.cols[r.clone()], &self.vals[r])
    }
    /// Checks the structure (monotone pointers, columns in range, lengths).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::sparse::CsrRows;
    /// let ok = CsrRows { first_row: 0, ncols: 2, row_ptr: vec![0, 1], cols: vec![1], vals: vec![3.0] };
    /// assert!(ok.validate().is_ok());
    /// let column_too_far = CsrRows { cols: vec![2], ..ok };
    /// assert!(column_too_far.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<()> {
        let bad = |why: String| Err(Error::InvalidArgument(format!("CSR rows: {why}")));
        if self.row_ptr.first() != Some(&0) || self.row_ptr.windows(2).any(|w| w[1] < w[0]) {
            return bad("row_ptr must start at 0 and not decrease".into());
        }
        let nnz = *self.row_ptr.last().unwrap();
        if self.cols.len() != nnz || self.vals.len() != nnz {
            return bad(format!(
                "row_ptr ends at {nnz} but there are {} columns and {} values",
                self.cols.len(),
                self.vals.len()
            ));
        }
        if let Some(&c) = self.cols.iter().find(|&&c| c >= self.ncols) {
            return bad(format!("column {c} is not below {}", self.ncols));
        }
        Ok(())
    }
}

/// The rows a 1-D block layout gives this rank, as a range.
///
/// # Examples
///
/// ```
/// use distarray_core::sparse::owned_rows;
/// use distarray_core::{Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let rows = Layout::block(&comm, &[10]).unwrap();
/// let mine = owned_rows(&rows).unwrap();
/// assert_eq!(mine.len(), rows.local_len());
/// assert_eq!(comm.sum_u64(mine.len() as u64), 10);
/// // a cyclic layout does not give contiguous rows
/// let cyclic = Layout::new(&comm, &[10], &[Dist::Cyclic]).unwrap();
/// assert!(owned_rows(&cyclic).is_err());
/// ```
pub fn owned_rows(rows: &Layout) -> Result<std::ops::Range<usize>> {
    match (rows.ndim(), rows.maps().first()) {
        (1, Some(AxisMap::Block(b))) if !b.is_padded() => {
            Ok(b.owned_range(rows.grid().coords()[0]))
        }
        _ => Err(Error::LayoutMismatch {
            context: "matrix rows".into(),
            detail: format!("rows must be a 1-D block layout without ghost cells, not {rows:?}"),
        }),
    }
}

/// Checks that `csr` is valid and holds exactly the rows the 1-D block
/// layout `rows` gives this rank, over `rows.global_len()` columns (a
/// square matrix); returns those rows. Local: bridges agree on the result
/// across ranks before any collective call.
pub fn check_square_rows(rows: &Layout, csr: &CsrRows) -> Result<std::ops::Range<usize>> {
    let r = owned_rows(rows)?;
    csr.validate()?;
    if csr.local_rows() != r.len() || csr.first_row != r.start || csr.ncols != rows.global_len() {
        return Err(Error::ShapeMismatch {
            context: "CSR rows against the row layout (first row, local rows, columns)".into(),
            expected: vec![r.start, r.len(), rows.global_len()],
            found: vec![csr.first_row, csr.local_rows(), csr.ncols],
        });
    }
    Ok(r)
}

/// The 5-point Laplacian on an `nx x ny` grid of unknowns (Dirichlet
/// boundaries): `4 u[i,j] - u[i-1,j] - u[i+1,j] - u[i,j-1] - u[i,j+1]`,
/// unknown `(i, j)` being row `i * ny + j`. `rows` is a 1-D block layout of
/// `nx * ny`; this rank gets its rows.
///
/// # Examples
///
/// ```
/// use distarray_core::sparse::laplacian_2d;
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let rows = Layout::block(&comm, &[4 * 5]).unwrap();
/// let a = laplacian_2d(&rows, 4, 5).unwrap();
/// // every row sums to 4 minus its number of neighbours
/// for i in 0..a.local_rows() {
///     let (cols, vals) = a.row(i);
///     assert_eq!(vals.iter().sum::<f64>(), 4.0 - (cols.len() - 1) as f64);
/// }
/// // 4*5 unknowns, 2*(3*5 + 4*4) couplings
/// let entries = comm.sum_u64(a.vals.len() as u64);
/// assert_eq!(entries, 20 + 2 * (15 + 16));
/// ```
pub fn laplacian_2d(rows: &Layout, nx: usize, ny: usize) -> Result<CsrRows> {
    if rows.global_len() != nx * ny {
        return Err(Error::ShapeMismatch {
            context: "laplacian_2d rows".into(),
            expected: vec![nx * ny],
            found: rows.shape().to_vec(),
        });
    }
    let range = owned_rows(rows)?;
    let mut out = CsrRows {
        first_row: range.start,
        ncols: nx * ny,
        row_ptr: vec![0],
        cols: Vec::with_capacity(5 * range.len()),
        vals: Vec::with_capacity(5 * range.len()),
    };
    for r in range {
        let (i, j) = (r / ny, r % ny);
        let mut push = |c: usize, v: f64| {
            out.cols.push(c);
            out.vals.push(v);
        };
        if i > 0 {
            push(r - ny, -1.0);
        }
        if j > 0 {
            push(r - 1, -1.0);
        }
        push(r, 4.0);
        if j + 1 < ny {
            push(r + 1, -1.0);
        }
        if i + 1 < nx {
            push(r + ny, -1.0);
        }
        out.row_ptr.push(out.cols.len());
    }
    Ok(out)
}

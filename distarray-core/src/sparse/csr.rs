//! This rank's rows of a distributed sparse matrix in CSR form, and the
//! checks that they match a row layout.

use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;
use std::ops::Range;

/// This rank's rows of a distributed sparse matrix, global column indices.
/// `T` is the element type (`f64` unless said otherwise).
///
/// [`SparseBuilder::assemble`](super::SparseBuilder::assemble) makes them
/// with sorted, duplicate-free rows; they can also be filled by hand.
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
pub struct CsrRows<T = f64> {
    /// Global index of the first local row.
    pub first_row: usize,
    /// Global number of columns.
    pub ncols: usize,
    /// Row `i`'s entries are `row_ptr[i] .. row_ptr[i + 1]`.
    pub row_ptr: Vec<usize>,
    /// Global column indices.
    pub cols: Vec<usize>,
    /// Values.
    pub vals: Vec<T>,
}

impl<T> CsrRows<T> {
    /// Number of local rows.
    pub fn local_rows(&self) -> usize {
        self.row_ptr.len().saturating_sub(1)
    }

    /// Number of local entries (stored nonzeros).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::sparse::CsrRows;
    /// let a = CsrRows { first_row: 0, ncols: 3, row_ptr: vec![0, 2, 3], cols: vec![0, 2, 1], vals: vec![1, 2, 3] };
    /// assert_eq!((a.local_rows(), a.nnz()), (2, 3));
    /// ```
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }

    /// Local row `i`: (columns, values).
    pub fn row(&self, i: usize) -> (&[usize], &[T]) {
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
pub fn owned_rows(rows: &Layout) -> Result<Range<usize>> {
    Ok(block_rows(rows)?[rows.grid().coords()[0]].clone())
}

/// The rows every grid position of a 1-D block layout owns (position `i`
/// is rank `i`'s coordinate), in order: contiguous ranges, some possibly
/// empty, that tile `0..rows.global_len()`.
pub(crate) fn block_rows(rows: &Layout) -> Result<Vec<Range<usize>>> {
    match (rows.ndim(), rows.maps().first()) {
        (1, Some(AxisMap::Block(b))) if !b.is_padded() => Ok((0..rows.grid().shape()[0])
            .map(|pos| b.owned_range(pos))
            .collect()),
        _ => Err(Error::LayoutMismatch {
            context: "matrix rows".into(),
            detail: format!("rows must be a 1-D block layout without ghost cells, not {rows:?}"),
        }),
    }
}

/// Checks that `csr` is valid and holds exactly the rows the 1-D block
/// layout `rows` gives this rank, over `ncols` columns; returns those rows.
/// Local: callers agree on the result across ranks (with
/// [`Comm::agree`](crate::Comm::agree)) before any collective call.
///
/// # Examples
///
/// ```
/// use distarray_core::sparse::{check_rows, SparseBuilder};
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let rows = Layout::block(&Comm::world(), &[4]).unwrap();
/// let mut b = SparseBuilder::<f32>::new(&rows, 7).unwrap(); // 4 x 7
/// b.add(0, 6, 1.0);
/// let a = b.assemble().unwrap();
/// assert!(check_rows(&rows, 7, &a).is_ok());
/// assert!(check_rows(&rows, 4, &a).is_err()); // not 4 columns
/// ```
pub fn check_rows<T>(rows: &Layout, ncols: usize, csr: &CsrRows<T>) -> Result<Range<usize>> {
    let r = owned_rows(rows)?;
    csr.validate()?;
    if csr.local_rows() != r.len() || csr.first_row != r.start || csr.ncols != ncols {
        return Err(Error::ShapeMismatch {
            context: "CSR rows against the row layout (first row, local rows, columns)".into(),
            expected: vec![r.start, r.len(), ncols],
            found: vec![csr.first_row, csr.local_rows(), csr.ncols],
        });
    }
    Ok(r)
}

/// [`check_rows`] for a square matrix: `rows.global_len()` columns.
pub fn check_square_rows<T>(rows: &Layout, csr: &CsrRows<T>) -> Result<Range<usize>> {
    check_rows(rows, rows.global_len(), csr)
}

//! The distributed sparse-matrix builder: `MatSetValues` and
//! `MatAssemblyBegin/End` as PETSc users know them.

use super::csr::{block_rows, CsrRows};
use super::route::deliver;
use super::slots::{Slots, Triplets};
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use std::ops::{Add, Range};

/// Entries were added (PETSc's `ADD_VALUES`).
const ADD: u8 = 1;
/// Entries were inserted (PETSc's `INSERT_VALUES`).
const INSERT: u8 = 2;

/// Builds a distributed sparse matrix from entries any rank sets for any
/// row, as PETSc's `MatSetValues` does; [`assemble`](SparseBuilder::assemble)
/// moves every entry to the rank that owns its row and returns that rank's
/// rows as sorted, duplicate-free [`CsrRows`].
///
/// - **Rows** are split by a 1-D block layout (regular or irregular, an
///   empty part allowed, no ghost cells): what
///   [`owned_rows`](super::owned_rows) accepts. **Columns** are any number
///   `ncols` (rectangular matrices are fine).
/// - **Modes**: [`add`](Self::add) sums every value set for one
///   (row, column) (`ADD_VALUES`); [`insert`](Self::insert) keeps the last
///   one (`INSERT_VALUES`). As in PETSc the two do not mix within one
///   assembly, on one rank or across ranks. "Last" is defined, so that
///   every run gives the same matrix: the owner's own values in the order
///   it set them, then each other rank's in rank order, in the order that
///   rank set them. (So a value another rank sets wins over the owner's,
///   as PETSc's stash, applied at assembly, does.) Sums take the values in
///   that same order.
/// - **Errors**: setting never fails on the spot. An entry out of range,
///   a batch whose lengths do not match, or modes mixed on this rank are
///   remembered (the first one) and returned by `assemble` — on every rank
///   alike, so a rank's bad entry can never leave the others waiting.
/// - **Speed**: with [`reserve`](Self::reserve) (the preallocation hint)
///   an entry for one of this rank's rows is two stores into its row's
///   room; without it, or past it, entries wait in a list and get room all
///   at once at assembly. Entries for other ranks' rows wait in a list and
///   travel in one exchange, one message per peer.
///
/// # Examples
///
/// Each rank adds its own rows of a lower bidiagonal matrix, and rank 0
/// also adds to the last row, wherever that is:
///
/// ```
/// use distarray_core::sparse::{owned_rows, SparseBuilder};
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let n = 6;
/// let rows = Layout::block(&comm, &[n]).unwrap();
/// let mut b = SparseBuilder::new(&rows, n).unwrap();
/// b.reserve(3); // entries per row, like MatMPIAIJSetPreallocation's d_nz
/// for r in owned_rows(&rows).unwrap() {
///     b.add(r, r, 2.0);
///     if r > 0 {
///         b.add_row(r, &[r - 1], &[-1.0]);
///     }
/// }
/// if comm.rank() == 0 {
///     b.add(n - 1, 0, 0.5); // a row another rank may own
///     b.add(n - 1, 0, 0.25); // added again: the two sum
/// }
/// let a = b.assemble().unwrap(); // collective
/// if a.first_row + a.local_rows() == n {
///     let (cols, vals) = a.row(a.local_rows() - 1);
///     assert_eq!(cols, &[0, n - 2, n - 1]); // sorted by column
///     assert_eq!(vals, &[0.75, -1.0, 2.0]);
/// }
/// ```
#[derive(Debug)]
pub struct SparseBuilder<T = f64> {
    rows: Layout,
    owners: Vec<Range<usize>>,
    first: usize,
    nrows: usize,
    ncols: usize,
    modes: u8,
    error: Option<Error>,
    /// this rank's rows
    mine: Slots<T>,
    /// this rank's rows' entries that found no room, local row numbers
    waiting: Triplets<T>,
    /// other ranks' rows' entries, global row numbers
    far: Triplets<T>,
}

impl<T: Element + Add<Output = T>> SparseBuilder<T> {
    /// A builder of a `rows.global_len() x ncols` matrix whose rows the 1-D
    /// block layout `rows` splits. Local (no communication); the error
    /// (a layout that is not 1-D block) is the same on every rank.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::sparse::SparseBuilder;
    /// use distarray_core::{Comm, Dist, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::block(&comm, &[4]).unwrap();
    /// assert!(SparseBuilder::<f64>::new(&rows, 9).is_ok()); // 4 x 9
    /// let cyclic = Layout::new(&comm, &[4], &[Dist::Cyclic]).unwrap();
    /// assert!(SparseBuilder::<f64>::new(&cyclic, 4).is_err());
    /// ```
    pub fn new(rows: &Layout, ncols: usize) -> Result<SparseBuilder<T>> {
        let owners = block_rows(rows)?;
        let mine = owners[rows.grid().coords()[0]].clone();
        Ok(SparseBuilder {
            rows: rows.clone(),
            first: mine.start,
            nrows: rows.global_len(),
            ncols,
            owners,
            modes: 0,
            error: None,
            mine: Slots::new(mine.len()),
            waiting: Triplets::default(),
            far: Triplets::default(),
        })
    }

    /// Room for `per_row` entries in each of this rank's rows, counting the
    /// entries other ranks will send for them (PETSc's preallocation,
    /// `d_nz + o_nz`): entries up to that many per row are set with two
    /// stores, and assembly sorts them in place. A hint: more entries are
    /// still fine. Local.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::sparse::{owned_rows, SparseBuilder};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let rows = Layout::block(&Comm::world(), &[5]).unwrap();
    /// let mut b = SparseBuilder::new(&rows, 5).unwrap();
    /// b.reserve(1);
    /// for r in owned_rows(&rows).unwrap() {
    ///     b.insert_row(r, &[0, r], &[1.0, 2.0]); // two per row: past the hint
    /// }
    /// let a = b.assemble().unwrap();
    /// assert_eq!(a.nnz(), 2 * a.local_rows() - usize::from(a.first_row == 0));
    /// ```
    pub fn reserve(&mut self, per_row: usize) {
        self.mine.reserve(per_row);
        // entries waiting for room were set after the rows' others: they
        // take their places now, before any entry set later
        if self.waiting.len() > 0 {
            self.mine.place(&std::mem::take(&mut self.waiting));
        }
    }

    /// Adds `value` to entry (`row`, `col`), any row (`ADD_VALUES`).
    /// Local: an error shows at [`assemble`](Self::assemble).
    #[inline]
    pub fn add(&mut self, row: usize, col: usize, value: T) {
        self.set(ADD, row, col, value);
    }

    /// Sets entry (`row`, `col`) to `value`, any row (`INSERT_VALUES`;
    /// the last value set wins, see the type's documentation). Local.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::sparse::SparseBuilder;
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::block(&comm, &[2]).unwrap();
    /// let mut b = SparseBuilder::new(&rows, 2).unwrap();
    /// if comm.rank() == 0 {
    ///     b.insert(1, 1, 5_i64);
    ///     b.insert(1, 1, 7); // the later value wins
    /// }
    /// let a = b.assemble().unwrap();
    /// if a.first_row + a.local_rows() == 2 {
    ///     assert_eq!(a.row(a.local_rows() - 1), (&[1][..], &[7][..]));
    /// }
    /// ```
    #[inline]
    pub fn insert(&mut self, row: usize, col: usize, value: T) {
        self.set(INSERT, row, col, value);
    }

    /// Adds `vals[k]` to entry (`row`, `cols[k]`) for every `k`: one row of
    /// `MatSetValues(A, 1, &row, n, cols, vals, ADD_VALUES)`. Local.
    pub fn add_row(&mut self, row: usize, cols: &[usize], vals: &[T]) {
        self.set_row(ADD, row, cols, vals);
    }

    /// [`add_row`](Self::add_row), inserting (`INSERT_VALUES`). Local.
    pub fn insert_row(&mut self, row: usize, cols: &[usize], vals: &[T]) {
        self.set_row(INSERT, row, cols, vals);
    }

    /// Adds a dense block: `vals[i * cols.len() + j]` to entry
    /// (`rows[i]`, `cols[j]`), as `MatSetValues` with PETSc's default row
    /// orientation does (an element matrix, say). Local.
    ///
    /// # Examples
    ///
    /// Two 1-D linear elements sharing node 1, each rank adding both:
    ///
    /// ```
    /// use distarray_core::sparse::SparseBuilder;
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::block(&comm, &[3]).unwrap();
    /// let mut b = SparseBuilder::new(&rows, 3).unwrap();
    /// let element = [1.0, -1.0, -1.0, 1.0];
    /// b.add_values(&[0, 1], &[0, 1], &element);
    /// b.add_values(&[1, 2], &[1, 2], &element);
    /// let a = b.assemble().unwrap();
    /// let p = comm.size() as f64;
    /// for i in 0..a.local_rows() {
    ///     if a.first_row + i == 1 {
    ///         assert_eq!(a.row(i), (&[0, 1, 2][..], &[-p, 2.0 * p, -p][..]));
    ///     }
    /// }
    /// ```
    pub fn add_values(&mut self, rows: &[usize], cols: &[usize], vals: &[T]) {
        self.set_values(ADD, rows, cols, vals);
    }

    /// [`add_values`](Self::add_values), inserting (`INSERT_VALUES`). Local.
    pub fn insert_values(&mut self, rows: &[usize], cols: &[usize], vals: &[T]) {
        self.set_values(INSERT, rows, cols, vals);
    }

    #[inline]
    fn set(&mut self, mode: u8, row: usize, col: usize, value: T) {
        self.modes |= mode;
        if row >= self.nrows || col >= self.ncols {
            return self.out_of_range(row, col);
        }
        let local = row.wrapping_sub(self.first);
        if local < self.mine.nrows() {
            if !self.mine.try_push(local, col, value) {
                self.waiting.push(local, col, value);
            }
        } else {
            self.far.push(row, col, value);
        }
    }

    fn set_row(&mut self, mode: u8, row: usize, cols: &[usize], vals: &[T]) {
        if cols.len() != vals.len() {
            return self.mismatch("a row's columns and values", cols.len(), vals.len());
        }
        for (&c, &v) in cols.iter().zip(vals) {
            self.set(mode, row, c, v);
        }
    }

    fn set_values(&mut self, mode: u8, rows: &[usize], cols: &[usize], vals: &[T]) {
        let Some(want) = rows.len().checked_mul(cols.len()) else {
            return self.mismatch(
                "a block's rows x columns and values",
                usize::MAX,
                vals.len(),
            );
        };
        if vals.len() != want {
            return self.mismatch("a block's rows x columns and values", want, vals.len());
        }
        for (i, &r) in rows.iter().enumerate() {
            self.set_row(mode, r, cols, &vals[i * cols.len()..(i + 1) * cols.len()]);
        }
    }

    #[cold]
    fn out_of_range(&mut self, row: usize, col: usize) {
        self.error.get_or_insert(Error::IndexOutOfBounds {
            index: vec![row as i64, col as i64],
            shape: vec![self.nrows, self.ncols],
        });
    }

    #[cold]
    fn mismatch(&mut self, what: &str, expected: usize, found: usize) {
        self.error.get_or_insert(Error::ShapeMismatch {
            context: format!("SparseBuilder: {what}"),
            expected: vec![expected],
            found: vec![found],
        });
    }

    /// The matrix: this rank's rows, sorted by column, one entry per
    /// (row, column) set (values combined as the mode says; an entry set
    /// only to zero stays, as in PETSc). Collective on the rows layout's
    /// communicator: every rank calls it, with builders of the same shape
    /// and layout.
    ///
    /// Entries for other ranks' rows go to their owners in one exchange
    /// (one message per pair of ranks that have entries for each other);
    /// when no rank has any, that step is skipped.
    ///
    /// # Errors
    ///
    /// The same on every rank: the lowest failing rank's first bad entry
    /// ([`Error::IndexOutOfBounds`] with `[row, col]`), batch whose lengths
    /// did not match ([`Error::ShapeMismatch`]), or added and inserted
    /// values ([`Error::InvalidArgument`]); [`Error::ArgumentsDiffer`] if
    /// ranks built matrices of other shapes, layouts or element types.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::sparse::SparseBuilder;
    /// use distarray_core::{Comm, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::block(&comm, &[3]).unwrap();
    /// let mut b = SparseBuilder::new(&rows, 3).unwrap();
    /// if comm.rank() + 1 == comm.size() {
    ///     b.add(0, 3, 1.0); // column 3 of 3: out of range, on the last rank only
    /// }
    /// let err = b.assemble().unwrap_err(); // every rank gets it
    /// assert!(matches!(err, Error::IndexOutOfBounds { .. }));
    /// ```
    pub fn assemble(self) -> Result<CsrRows<T>> {
        let SparseBuilder {
            rows,
            owners,
            first,
            nrows,
            ncols,
            modes,
            error,
            mut mine,
            mut waiting,
            far,
        } = self;
        let comm = rows.comm();
        // one reduction: which modes any rank used, and whether any rank
        // holds entries for another rank's rows
        let flags = [
            u64::from(modes & ADD != 0),
            u64::from(modes & INSERT != 0),
            u64::from(far.len() > 0),
        ];
        let mut any = [0u64; 3];
        comm.raw()
            .all_reduce_into(&flags[..], &mut any[..], SystemOperation::max());
        let local = match error {
            Some(e) => Err(e),
            None if any[0] == 1 && any[1] == 1 => Err(Error::InvalidArgument(format!(
                "SparseBuilder::assemble: values were {} (PETSc's ADD_VALUES and \
                 INSERT_VALUES do not mix within one assembly)",
                if modes == ADD | INSERT {
                    "both added and inserted on this rank"
                } else {
                    "added on some ranks and inserted on others"
                }
            ))),
            None => Ok(()),
        };
        let args = fingerprint([
            rows.fingerprint(),
            nrows as u64,
            ncols as u64,
            T::DTYPE as u64,
        ]);
        comm.agree_on("SparseBuilder::assemble", args, local)?;
        if any[2] == 1 {
            let grid = rows.grid();
            let came = deliver(comm, far, &owners, |pos| grid.rank_at(&[pos]), first);
            waiting.rows.extend(came.rows);
            waiting.cols.extend(came.cols);
            waiting.vals.extend(came.vals);
        }
        mine.place(&waiting);
        drop(waiting);
        Ok(if any[1] == 1 {
            mine.into_csr(first, ncols, |_, later| later)
        } else {
            mine.into_csr(first, ncols, |a, b| a + b)
        })
    }
}

//! PETSc binary AIJ matrices into and out of each rank's CSR rows. A rank
//! reads its rows' lengths, learns where its entries start from the others'
//! counts (one small all-gather), and reads its columns and values; writing
//! is the same in reverse.
//!
//! The values are any [`PetscScalar`]: `CsrRows<f64>` for a real PETSc's
//! files, `CsrRows<Complex64>` for a complex one's (a real matrix can also
//! be written as complex scalars, imaginary parts 0).

use super::file::{no_such, read_ints, PetscBinaryFile, PetscObject};
use super::vec::{check_writable, read_scalars, write_scalars};
use super::write::{write_shared, Writer};
use super::{put_int, PetscBinaryOptions, PetscScalar, MAT_FILE_CLASSID};
use crate::comm::{fingerprint, Comm};
use crate::error::{Error, Result};
use crate::io::{io_err, path_words};
use crate::layout::Layout;
use crate::sparse::{owned_rows, CsrRows};
use std::fs::File;
use std::path::Path;

/// Loads the first AIJ Mat of a PETSc binary file (what `MatView` wrote):
/// the balanced 1-D block layout of its rows, and this rank's rows (global
/// column indices, in the file's order: increasing within a row). In
/// parallel: every rank reads only its rows. Collective; a missing,
/// corrupt, truncated or inconsistent file (row lengths that do not add up
/// to the nonzeros, a column out of range) gives every rank the same error.
/// `T` is the file's scalar type: `f64` for a real PETSc's file,
/// `Complex64` for a complex one's (another type is a
/// [`DTypeMismatch`](Error::DTypeMismatch) naming what the file holds).
///
/// # Examples
///
/// ```
/// use distarray_core::{io, sparse::gallery::poisson_2d, Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-lpm-{}.petsc", std::process::id()));
/// let rows = Layout::block(&comm, &[16]).unwrap();
/// io::save_petsc_mat(&path, &rows, &poisson_2d(&rows, 4, 4).unwrap()).unwrap();
/// let (rows, a) = io::load_petsc_mat::<f64>(&comm, &path).unwrap();
/// assert_eq!(rows.shape(), &[16]);
/// assert_eq!((a.ncols, a.local_rows()), (16, rows.local_len()));
/// ```
pub fn load_petsc_mat<T: PetscScalar>(
    comm: &Comm,
    path: impl AsRef<Path>,
) -> Result<(Layout, CsrRows<T>)> {
    let file = comm.agree(PetscBinaryFile::open(path.as_ref()))?;
    let k = comm.agree(file.first_mat().ok_or_else(|| no_such(&file, "Mat")))?;
    file.load_mat(comm, k)
}

/// [`load_petsc_mat`] into the rows `rows` gives this rank: a 1-D block
/// layout (regular or irregular) of the matrix's rows. Collective.
///
/// # Examples
///
/// ```
/// use distarray_core::{io, sparse::gallery::poisson_2d, Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-lpmi-{}.petsc", std::process::id()));
/// let rows = Layout::block(&comm, &[9]).unwrap();
/// let a = poisson_2d(&rows, 3, 3).unwrap();
/// io::save_petsc_mat(&path, &rows, &a).unwrap();
/// // every row on the last rank
/// let mut bounds = vec![0; comm.size()];
/// bounds.push(9);
/// let last = Layout::new(&comm, &[9], &[Dist::BlockBounds(bounds)]).unwrap();
/// let b = io::load_petsc_mat_in::<f64>(&last, &path).unwrap();
/// assert_eq!(b.local_rows(), if comm.rank() + 1 == comm.size() { 9 } else { 0 });
/// ```
pub fn load_petsc_mat_in<T: PetscScalar>(
    rows: &Layout,
    path: impl AsRef<Path>,
) -> Result<CsrRows<T>> {
    let comm = rows.comm();
    let file = comm.agree(PetscBinaryFile::open(path.as_ref()))?;
    let k = comm.agree(file.first_mat().ok_or_else(|| no_such(&file, "Mat")))?;
    file.load_mat_in(rows, k)
}

impl PetscBinaryFile {
    /// Loads object `k` (an AIJ Mat): the balanced 1-D block layout of its
    /// rows, and this rank's rows. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::{self, PetscBinaryFile};
    /// use distarray_core::{sparse::gallery::poisson_2d, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-lm-{}.petsc", std::process::id()));
    /// let rows = Layout::block(&comm, &[4]).unwrap();
    /// io::save_petsc_mat(&path, &rows, &poisson_2d(&rows, 2, 2).unwrap()).unwrap();
    /// let file = comm.agree(PetscBinaryFile::open(&path)).unwrap();
    /// let (rows, a) = file.load_mat::<f64>(&comm, file.first_mat().unwrap()).unwrap();
    /// assert_eq!(comm.sum_u64(a.vals.len() as u64), 12);
    /// assert!(file.load_vec::<f64>(&comm, 0).is_err()); // not a Vec
    /// ```
    pub fn load_mat<T: PetscScalar>(&self, comm: &Comm, k: usize) -> Result<(Layout, CsrRows<T>)> {
        self.agree(comm, k, 0, "PetscBinaryFile::load_mat (file, object)")?;
        let rows = Layout::block(comm, &[self.mat_shape::<T>(k)?.0])?;
        let csr = self.read_mat(&rows, k)?;
        Ok((rows, csr))
    }

    /// Loads object `k` (an AIJ Mat) into the rows `rows` (1-D block)
    /// gives this rank. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::{self, PetscBinaryFile};
    /// use distarray_core::{sparse::gallery::poisson_2d, Comm, Dist, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-lmi-{}.petsc", std::process::id()));
    /// let rows = Layout::block(&comm, &[6]).unwrap();
    /// io::save_petsc_mat(&path, &rows, &poisson_2d(&rows, 2, 3).unwrap()).unwrap();
    /// let file = comm.agree(PetscBinaryFile::open(&path)).unwrap();
    /// // every row on rank 0
    /// let first = Layout::new(&comm, &[6], &[Dist::BlockBounds([vec![0], vec![6; comm.size()]].concat())]).unwrap();
    /// let a = file.load_mat_in::<f64>(&first, 0).unwrap();
    /// assert_eq!(a.local_rows(), if comm.rank() == 0 { 6 } else { 0 });
    /// ```
    pub fn load_mat_in<T: PetscScalar>(&self, rows: &Layout, k: usize) -> Result<CsrRows<T>> {
        let what = "PetscBinaryFile::load_mat_in (file, object, rows)";
        self.agree(rows.comm(), k, rows.fingerprint(), what)?;
        let (m, _) = self.mat_shape::<T>(k)?;
        if rows.shape() != [m] {
            return Err(Error::ShapeMismatch {
                context: format!("rows of the Mat of {}", self.path.display()),
                expected: vec![m],
                found: rows.shape().to_vec(),
            });
        }
        self.read_mat(rows, k)
    }

    /// Object `k`'s shape, when it is a Mat of `T`'s scalars.
    fn mat_shape<T: PetscScalar>(&self, k: usize) -> Result<(usize, usize)> {
        match self.objects[k] {
            PetscObject::Mat { .. } if self.options.scalar != T::KIND => {
                Err(Error::DTypeMismatch {
                    expected: format!("{} (the rows' element type)", T::DTYPE),
                    found: format!("{} scalars in {}", self.options.scalar, self.path.display()),
                })
            }
            PetscObject::Mat { rows, cols, .. } => Ok((rows, cols)),
            other => Err(io_err(
                &self.path,
                format!("object {k} is a {other}, not a Mat"),
            )),
        }
    }

    fn read_mat<T: PetscScalar>(&self, rows: &Layout, k: usize) -> Result<CsrRows<T>> {
        let comm = rows.comm();
        let mine = comm.agree(owned_rows(rows))?;
        let (m, n, nnz, offset) = match self.objects[k] {
            PetscObject::Mat {
                rows,
                cols,
                nnz,
                offset,
            } => (rows, cols, nnz, offset),
            PetscObject::Vec { .. } => unreachable!("checked by mat_shape"),
        };
        let isz = self.options.index.bytes() as u64;
        let lengths_at = offset + 4 * isz;
        let cols_at = lengths_at + m as u64 * isz;
        let vals_at = cols_at + nnz as u64 * isz;
        let file = File::open(&self.path).map_err(|e| io_err(&self.path, e));
        let lengths = file.as_ref().map_err(Clone::clone).and_then(|f| {
            let at = lengths_at + mine.start as u64 * isz;
            read_ints(
                f,
                (at, mine.start as u64),
                mine.len(),
                self.options.index,
                n as u64,
                "the length of row",
            )
            .map_err(|e| io_err(&self.path, e))
        });
        let lengths = comm.agree(lengths)?;
        let local: u64 = lengths.iter().sum();
        let counts = comm.all_gather_u64(local);
        let (before, total) = (
            counts[..comm.rank()].iter().sum::<u64>(),
            counts.iter().sum::<u64>(),
        );
        if total != nnz as u64 {
            // every rank has the same counts: the same verdict
            return Err(io_err(
                &self.path,
                format!("inconsistent Mat: its row lengths add up to {total}, its header says {nnz} nonzeros"),
            ));
        }
        let mut vals = vec![T::default(); local as usize];
        let mut read = |f: &File| -> std::io::Result<Vec<u64>> {
            let cols = read_ints(
                f,
                (cols_at + before * isz, before),
                local as usize,
                self.options.index,
                n.saturating_sub(1) as u64,
                "the column index of entry",
            )?;
            let vals_here = vals_at + before * self.options.scalar.bytes() as u64;
            read_scalars(f, vals_here, &mut vals)?;
            Ok(cols)
        };
        let entries = file.and_then(|f| read(&f).map_err(|e| io_err(&self.path, e)));
        let cols = comm.agree(entries)?;
        let mut row_ptr = Vec::with_capacity(lengths.len() + 1);
        row_ptr.push(0);
        for l in &lengths {
            row_ptr.push(row_ptr.last().copied().unwrap_or(0) + *l as usize);
        }
        Ok(CsrRows {
            first_row: mine.start,
            ncols: n,
            row_ptr,
            cols: cols.into_iter().map(|c| c as usize).collect(),
            vals,
        })
    }
}

/// Saves a sparse matrix as a PETSc binary AIJ Mat — byte for byte what
/// `MatView` with a binary viewer writes for the same matrix (and the
/// viewer's `<path>.info`) — for the PETSc build with `T`'s scalars (real
/// for `f64`, complex for `Complex64`) and 32-bit indices. `rows` is the 1-D block layout of the matrix's rows,
/// `csr` this rank's rows (global columns, `csr.ncols` columns). Each row's
/// entries are written in increasing column order, as PETSc stores them; a
/// column given twice in one row is an error. Collective: rank 0 writes the
/// header, every rank its rows at their offsets.
///
/// # Examples
///
/// ```
/// use distarray_core::{io, sparse::gallery::poisson_2d, Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-spm-{}.petsc", std::process::id()));
/// let rows = Layout::block(&comm, &[4]).unwrap();
/// io::save_petsc_mat(&path, &rows, &poisson_2d(&rows, 2, 2).unwrap()).unwrap();
/// let bytes = std::fs::read(&path).unwrap();
/// let header: Vec<i32> = bytes[..16].chunks(4).map(|c| i32::from_be_bytes(c.try_into().unwrap())).collect();
/// assert_eq!(header, [1211216, 4, 4, 12]); // class id, rows, columns, nonzeros
/// ```
pub fn save_petsc_mat<T: PetscScalar>(
    path: impl AsRef<Path>,
    rows: &Layout,
    csr: &CsrRows<T>,
) -> Result<()> {
    let options = PetscBinaryOptions {
        scalar: T::KIND,
        ..Default::default()
    };
    save_petsc_mat_with(path, rows, csr, options)
}

/// [`save_petsc_mat`] for the PETSc build `options` describes (64-bit
/// indices; a complex build: imaginary parts 0). Collective.
///
/// # Examples
///
/// ```
/// use distarray_core::io::{self, PetscBinaryFile, PetscBinaryOptions, PetscIndexWidth};
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-spmw-{}.petsc", std::process::id()));
/// let rows = Layout::block(&comm, &[6]).unwrap();
/// let o = PetscBinaryOptions { index: PetscIndexWidth::I64, ..Default::default() };
/// io::save_petsc_mat_with(&path, &rows, &poisson_2d(&rows, 2, 3).unwrap(), o).unwrap();
/// assert_eq!(comm.agree(PetscBinaryFile::open(&path)).unwrap().options.index, PetscIndexWidth::I64);
/// ```
pub fn save_petsc_mat_with<T: PetscScalar>(
    path: impl AsRef<Path>,
    rows: &Layout,
    csr: &CsrRows<T>,
    options: PetscBinaryOptions,
) -> Result<()> {
    save_rows::<T>(
        path.as_ref(),
        rows,
        (csr.first_row, csr.ncols, &csr.row_ptr, &csr.cols, &csr.vals),
        options,
    )
}

/// A rank's rows: first row, columns, row pointers, column indices, values.
type Rows<'a, T> = (usize, usize, &'a [usize], &'a [usize], &'a [T]);

/// Checks this rank's rows against `rows` and returns them as PETSc writes
/// them: each row sorted by column.
fn sorted_rows<T: PetscScalar>(
    rows: &Layout,
    (first, ncols, row_ptr, cols, vals): Rows<'_, T>,
) -> Result<(Vec<u64>, Vec<u64>, Vec<T>)> {
    let mine = owned_rows(rows)?;
    let bad = |why: String| Err(Error::InvalidArgument(format!("CSR rows: {why}")));
    if row_ptr.first() != Some(&0) || row_ptr.windows(2).any(|w| w[1] < w[0]) {
        return bad("row_ptr must start at 0 and not decrease".into());
    }
    let nnz = *row_ptr.last().expect("starts at 0");
    if cols.len() != nnz || vals.len() != nnz {
        return bad(format!(
            "row_ptr ends at {nnz} but there are {} columns and {} values",
            cols.len(),
            vals.len()
        ));
    }
    if first != mine.start || row_ptr.len() - 1 != mine.len() {
        return Err(Error::ShapeMismatch {
            context: "CSR rows against the row layout (first row, local rows)".into(),
            expected: vec![mine.start, mine.len()],
            found: vec![first, row_ptr.len() - 1],
        });
    }
    let mut lengths = Vec::with_capacity(mine.len());
    let (mut out_cols, mut out_vals) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
    for (i, w) in row_ptr.windows(2).enumerate() {
        let (c, v) = (&cols[w[0]..w[1]], &vals[w[0]..w[1]]);
        let mut order: Vec<usize> = (0..c.len()).collect();
        if c.windows(2).any(|p| p[1] <= p[0]) {
            order.sort_by_key(|&j| c[j]);
            if let Some(p) = order.windows(2).find(|p| c[p[0]] == c[p[1]]) {
                return bad(format!("row {} holds column {} twice", first + i, c[p[0]]));
            }
        }
        if let Some(&j) = order.last().filter(|&&j| c[j] >= ncols) {
            return bad(format!(
                "column {} of row {} is not below {ncols}",
                c[j],
                first + i
            ));
        }
        lengths.push(c.len() as u64);
        out_cols.extend(order.iter().map(|&j| c[j] as u64));
        out_vals.extend(order.iter().map(|&j| v[j]));
    }
    Ok((lengths, out_cols, out_vals))
}

fn save_rows<T: PetscScalar>(
    path: &Path,
    rows: &Layout,
    csr: Rows<'_, T>,
    options: PetscBinaryOptions,
) -> Result<()> {
    let comm = rows.comm();
    let ncols = csr.1 as u64;
    let m = rows.global_len() as u64;
    let args = path_words(path, "")
        .chain([options.scalar as u64, options.index as u64, ncols])
        .chain([rows.fingerprint()]);
    let local = check_writable::<T>(options, &[(m, "the rows"), (ncols, "the columns")])
        .and_then(|()| sorted_rows(rows, csr));
    let (lengths, cols, vals) = comm.agree_on(
        "save_petsc_mat (path, options, columns, rows)",
        fingerprint(args),
        local,
    )?;
    let counts = comm.all_gather_u64(cols.len() as u64);
    let before: u64 = counts[..comm.rank()].iter().sum();
    let total: u64 = counts.iter().sum();
    // every rank has the same counts: the same verdict
    check_writable::<T>(options, &[(total, "the nonzeros")])?;
    let mut header = Vec::new();
    for v in [MAT_FILE_CLASSID as u64, m, ncols, total] {
        put_int(v, options.index, &mut header);
    }
    let isz = options.index.bytes() as u64;
    let lengths_at = 4 * isz + csr.0 as u64 * isz;
    let cols_at = 4 * isz + m * isz + before * isz;
    let vals_at = 4 * isz + (m + total) * isz + before * options.scalar.bytes() as u64;
    let part = |f: &File| {
        for (at, ints) in [(lengths_at, &lengths), (cols_at, &cols)] {
            let mut w = Writer::new(f, at);
            for chunk in ints.chunks(1 << 18) {
                chunk
                    .iter()
                    .for_each(|&v| put_int(v, options.index, &mut w.buf));
                w.flush_if_full()?;
            }
            w.flush()?;
        }
        write_scalars(&mut Writer::new(f, vals_at), &vals, options.scalar)
    };
    write_shared(comm, path, &header, part, "-matload_block_size 1\n")
}

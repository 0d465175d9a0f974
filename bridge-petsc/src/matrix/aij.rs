//! Distributed sparse matrices (MPIAIJ) made from each rank's CSR rows
//! (`CsrRows<T>` with `T` the build's [`Scalar`](crate::Scalar): what a
//! `SparseBuilder<Scalar>` assembles; [`scalar_rows`](crate::scalar_rows)
//! brings `f64` rows to a complex build).

use super::split::SplitArrays;
use super::{destroy, mult};
use crate::error::{check, pint};
use crate::ffi;
use crate::scalar::{ffi_ptr_mut, IsPetscScalar};
use crate::solver::Solver;
use crate::vector::{AsPetscVec, AsPetscVecMut};
use crate::Petsc;
use distarray_core::comm::fingerprint;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::sparse::{check_rows, owned_rows, CsrRows};
use distarray_core::{Comm, Layout, Result};
use std::cell::OnceCell;
use std::marker::PhantomData;

/// A PETSc AIJ matrix (MPIAIJ; SeqAIJ on a communicator of one rank). Rows follow a 1-D block layout
/// ([`rows`](Self::rows)); columns follow the same layout for a square
/// matrix, a balanced block layout of the column count for a rectangular
/// one ([`cols`](Self::cols): what `x` of `y = A x` has). It borrows the
/// [`Petsc`] handle; a [`Ksp`](crate::Ksp) borrows it in turn.
/// [`solve`](PetscMat::solve) keeps one KSP inside the matrix and reuses it
/// from call to call.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{scalar_rows, Petsc, PetscMat, PetscVec, Scalar};
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::block(&Comm::world(), &[4 * 4]).unwrap();
/// let csr = scalar_rows(poisson_2d(&rows, 4, 4).unwrap()); // this rank's rows
/// let a = PetscMat::from_csr(&petsc, &rows, &csr).unwrap();
/// assert_eq!(a.assembly_mallocs().unwrap(), 0.0); // exact preallocation
///
/// let mut x = DistArray::full(&rows, Scalar::from(1.0));
/// let mut y = DistArray::<Scalar>::zeros(&rows);
/// {
///     let xv = PetscVec::wrap(&petsc, &mut x).unwrap();
///     let mut yv = PetscVec::wrap(&petsc, &mut y).unwrap();
///     a.mult(&xv, &mut yv).unwrap();
/// }
/// assert_eq!(y.get(&[0]).unwrap(), Scalar::from(2.0)); // a corner: 4 - 2 neighbours
/// assert_eq!(y.get(&[5]).unwrap(), Scalar::from(0.0)); // inside: 4 - 4
/// ```
///
/// PETSc can not outlive its objects:
///
/// ```compile_fail,E0505
/// # use bridge_petsc::{Petsc, PetscMat, Scalar};
/// # fn f(rows: &distarray_core::Layout, csr: &distarray_core::sparse::CsrRows<Scalar>) {
/// let petsc = Petsc::init().unwrap();
/// let a = PetscMat::from_csr(&petsc, rows, csr).unwrap();
/// drop(petsc); // error: `petsc` is borrowed by `a`
/// drop(a);
/// # }
/// ```
pub struct PetscMat<'p> {
    raw: ffi::Mat,
    rows: Layout,
    cols: Layout,
    /// The solver of [`PetscMat::solve`], made at its first call and
    /// dropped in `Drop` before the matrix.
    pub(crate) solver: OnceCell<Solver>,
    /// CSR arrays PETSc uses in place (split-array matrices); freed after the Mat
    arrays: Option<SplitArrays>,
    _petsc: PhantomData<&'p Petsc>,
}

impl<'p> PetscMat<'p> {
    /// Takes ownership of an assembled matrix whose rows follow `rows` and
    /// columns `cols`.
    pub(crate) fn from_raw(raw: ffi::Mat, rows: Layout, cols: Layout) -> PetscMat<'p> {
        PetscMat {
            raw,
            rows,
            cols,
            solver: OnceCell::new(),
            arrays: None,
            _petsc: PhantomData,
        }
    }

    /// A matrix of `csr.ncols` columns whose rows follow `rows` (1-D
    /// block), made from this rank's CSR rows and owned by PETSc (its own
    /// copy of the entries). Square when `csr.ncols` is the row count;
    /// otherwise rectangular, columns in a balanced block layout
    /// ([`cols`](Self::cols)). Preallocation is exact and the entries go
    /// in without PETSc's per-entry insertion: the rows are split into
    /// PETSc's diagonal and off-diagonal blocks
    /// (`MatCreateMPIAIJWithSplitArrays`), which PETSc then copies into
    /// memory of its own (`MatDuplicate`). Rows in any column order are
    /// accepted; a column twice in a row, a column past `csr.ncols` or
    /// rows that are not this rank's are an error on every rank.
    /// Collective.
    ///
    /// # Examples
    ///
    /// A rectangular matrix (6 x 4), assembled with the builder:
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscMat, PetscVec, Scalar};
    /// use distarray_core::sparse::{owned_rows, SparseBuilder};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::block(&comm, &[6]).unwrap();
    /// let mut b = SparseBuilder::<Scalar>::new(&rows, 4).unwrap();
    /// for r in owned_rows(&rows).unwrap() {
    ///     b.add(r, r % 4, Scalar::from(1.0)); // row r picks x[r mod 4]
    /// }
    /// let a = PetscMat::from_csr(&petsc, &rows, &b.assemble().unwrap()).unwrap();
    /// assert_eq!(a.cols().shape(), &[4]);
    /// let mut x = DistArray::from_fn(a.cols(), |ix: &[usize]| Scalar::from(ix[0] as f64));
    /// let mut y = DistArray::<Scalar>::zeros(&rows);
    /// a.mult(&PetscVec::wrap(&petsc, &mut x).unwrap(), &mut PetscVec::wrap(&petsc, &mut y).unwrap())
    ///     .unwrap();
    /// assert_eq!(y.get(&[5]).unwrap(), Scalar::from(1.0));
    /// ```
    pub fn from_csr<T: IsPetscScalar>(
        petsc: &'p Petsc,
        rows: &Layout,
        csr: &CsrRows<T>,
    ) -> Result<PetscMat<'p>> {
        let split = Self::from_csr_split(petsc, rows, csr)?;
        let comm = rows.comm();
        let mut own: ffi::Mat = std::ptr::null_mut();
        // SAFETY: a live, assembled matrix; PETSc allocates the copy.
        let code = unsafe {
            ffi::MatDuplicate(split.raw, ffi::MatDuplicateOption_MAT_COPY_VALUES, &mut own)
        };
        agree_made(comm, check(code, "MatDuplicate"), own)?;
        let (rows, cols) = (split.rows.clone(), split.cols.clone());
        drop(split); // the Mat over our arrays, then the arrays
        Ok(PetscMat::from_raw(own, rows, cols))
    }

    /// A matrix whose CSR arrays PETSc uses in place, without copying them
    /// into memory of its own (`MatCreateMPIAIJWithSplitArrays`): the rows
    /// are split once into the diagonal block (local columns) and the
    /// off-diagonal block (global columns), which the matrix then owns
    /// until it is destroyed (after any KSP using it: a [`Ksp`](crate::Ksp)
    /// borrows the matrix). Columns, checks and rectangular shapes as in
    /// [`from_csr`](Self::from_csr). Collective.
    ///
    /// # Examples
    ///
    /// Rows filled by hand may hold a column twice; they are refused, the
    /// same on every rank:
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscMat, Scalar};
    /// use distarray_core::sparse::{owned_rows, CsrRows};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let rows = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let mine = owned_rows(&rows).unwrap();
    /// let mut csr = CsrRows { first_row: mine.start, ncols: 3, row_ptr: vec![0], cols: vec![], vals: vec![] };
    /// for r in mine {
    ///     csr.cols.extend([r, r]); // the diagonal, twice
    ///     csr.vals.extend([Scalar::from(1.0), Scalar::from(2.0)]);
    ///     csr.row_ptr.push(csr.cols.len());
    /// }
    /// let e = PetscMat::from_csr_split(&petsc, &rows, &csr).err().unwrap();
    /// assert!(e.to_string().contains("more than once"), "{e}");
    /// ```
    pub fn from_csr_split<T: IsPetscScalar>(
        _petsc: &'p Petsc,
        rows: &Layout,
        csr: &CsrRows<T>,
    ) -> Result<PetscMat<'p>> {
        let comm = rows.comm();
        let ncols = csr.ncols;
        comm.agree_on(
            "PetscMat::from_csr (column count)",
            fingerprint([ncols as u64]),
            Ok(()),
        )?;
        let cols = if ncols == rows.global_len() {
            Ok(rows.clone())
        } else {
            Layout::block(comm, &[ncols])
        };
        // local checks, agreed before PETSc's collective create
        let checked = cols.and_then(|cols| {
            let local_rows = check_rows(rows, ncols, csr)?;
            let local_cols = if ncols == rows.global_len() {
                local_rows.clone()
            } else {
                owned_rows(&cols)?
            };
            let arrays = SplitArrays::new(csr, local_cols.clone())?;
            let sizes = [
                pint(local_rows.len(), "local rows")?,
                pint(local_cols.len(), "local columns")?,
                pint(rows.global_len(), "global rows")?,
                pint(ncols, "global columns")?,
            ];
            Ok((cols, arrays, sizes))
        });
        let (cols, mut arr, [m, n, mm, nn]) = comm.agree(checked)?;
        let mut raw: ffi::Mat = std::ptr::null_mut();
        // SAFETY: the six arrays describe `m` rows in PETSc's split CSR
        // format (sorted columns, each once) and live in `arrays` until
        // after MatDestroy (Drop destroys the solver and the Mat before the
        // fields, the arrays, are freed; a Ksp borrows the PetscMat, so none
        // outlives the arrays). PETSc rewrites `oj` in place (global to
        // compacted columns): the arrays are the matrix's. On one rank the
        // diagonal block is the whole matrix (the other is empty): a
        // SeqAIJ, as PETSc makes on one rank, which its sequential
        // factorizations (`-pc_type lu`, `icc`, ...) take.
        let code = unsafe {
            if comm.size() == 1 {
                ffi::MatCreateSeqAIJWithArrays(
                    comm.raw().as_raw(),
                    m,
                    n,
                    arr.i.as_mut_ptr(),
                    arr.j.as_mut_ptr(),
                    ffi_ptr_mut(arr.a.as_mut_ptr()),
                    &mut raw,
                )
            } else {
                ffi::MatCreateMPIAIJWithSplitArrays(
                    comm.raw().as_raw(),
                    m,
                    n,
                    mm,
                    nn,
                    arr.i.as_mut_ptr(),
                    arr.j.as_mut_ptr(),
                    ffi_ptr_mut(arr.a.as_mut_ptr()),
                    arr.oi.as_mut_ptr(),
                    arr.oj.as_mut_ptr(),
                    ffi_ptr_mut(arr.oa.as_mut_ptr()),
                    &mut raw,
                )
            }
        };
        // (a Mat made here is destroyed before its arrays when a rank failed)
        agree_made(
            comm,
            check(code, "MatCreate(MPI|Seq)AIJWithSplitArrays"),
            raw,
        )?;
        let mut mat = PetscMat::from_raw(raw, rows.clone(), cols);
        mat.arrays = Some(arr);
        Ok(mat)
    }

    /// The row layout: what `y` of `y = A x` and both vectors of a solve
    /// have.
    pub fn rows(&self) -> &Layout {
        &self.rows
    }

    /// The column layout: what `x` of `y = A x` has (the row layout for a
    /// square matrix).
    pub fn cols(&self) -> &Layout {
        &self.cols
    }

    /// Mallocs PETSc needed during assembly (0 when preallocation was exact).
    pub fn assembly_mallocs(&self) -> Result<f64> {
        let mut info = std::mem::MaybeUninit::<ffi::MatInfo>::zeroed();
        // SAFETY: MatGetInfo fills the struct.
        check(
            unsafe {
                ffi::MatGetInfo(self.raw, ffi::MatInfoType_MAT_GLOBAL_SUM, info.as_mut_ptr())
            },
            "MatGetInfo",
        )?;
        // SAFETY: initialized by the successful call above.
        Ok(unsafe { info.assume_init() }.mallocs)
    }

    /// `y = A x` (collective).
    pub fn mult(&self, x: &impl AsPetscVec, y: &mut impl AsPetscVecMut) -> Result<()> {
        mult(self.raw, x, y)
    }

    pub(crate) fn raw(&self) -> ffi::Mat {
        self.raw
    }
}

/// Agrees on a collective create: when it failed on some rank, the Mat
/// the others made (or a half-made one) is destroyed on every rank.
fn agree_made(comm: &Comm, made: Result<()>, raw: ffi::Mat) -> Result<()> {
    let agreed = comm.agree(made);
    if agreed.is_err() && !raw.is_null() {
        destroy(raw);
    }
    agreed
}

impl Drop for PetscMat<'_> {
    fn drop(&mut self) {
        // the cached solver first (it solves with this matrix)
        drop(self.solver.take());
        // owned by this handle, destroyed once; the arrays (a field) after
        destroy(self.raw);
    }
}

//! Distributed sparse matrices (MPIAIJ) assembled from each rank's rows.
//!
//! The values come from `CsrRows` (f64 today) converted to [`Scalar`]; when
//! the core's `CsrRows<T>` lands, `from_csr` takes `&CsrRows<T>` with
//! `T: IsPetscScalar` and the conversion becomes the identity.

use super::{assemble, destroy, mult};
use crate::error::{check, pint};
use crate::ffi;
use crate::scalar::{ffi_ptr, ffi_ptr_mut, Scalar};
use crate::vector::{AsPetscVec, AsPetscVecMut};
use crate::Petsc;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::sparse::{check_square_rows, CsrRows};
use distarray_core::{Layout, Result};
use std::cell::Cell;
use std::marker::PhantomData;

/// A PETSc MPIAIJ matrix. Rows (and, for square matrices, columns) follow a
/// 1-D block layout. It borrows the [`Petsc`] handle; a [`Ksp`](crate::Ksp)
/// borrows it in turn. [`solve`](PetscMat::solve) keeps one KSP inside the
/// matrix and reuses it from call to call.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Petsc, PetscMat, PetscVec, Scalar};
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::block(&Comm::world(), &[4 * 4]).unwrap();
/// let csr = poisson_2d(&rows, 4, 4).unwrap(); // this rank's rows
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
/// # use bridge_petsc::{Petsc, PetscMat};
/// # fn f(rows: &distarray_core::Layout, csr: &distarray_core::sparse::CsrRows) {
/// let petsc = Petsc::init().unwrap();
/// let a = PetscMat::from_csr(&petsc, rows, csr).unwrap();
/// drop(petsc); // error: `petsc` is borrowed by `a`
/// drop(a);
/// # }
/// ```
pub struct PetscMat<'p> {
    raw: ffi::Mat,
    rows: Layout,
    /// The KSP of [`PetscMat::solve`], made at its first call (null until
    /// then) and destroyed in `Drop` before the matrix.
    pub(crate) solver: Cell<ffi::KSP>,
    /// CSR arrays PETSc uses in place (split-array matrices); freed after the Mat
    _arrays: Option<SplitArrays>,
    _petsc: PhantomData<&'p Petsc>,
}

/// The diagonal and off-diagonal blocks of a rank's rows in CSR form,
/// kept alive for PETSc (MatCreateMPIAIJWithSplitArrays does not copy them).
struct SplitArrays {
    i: Vec<ffi::PetscInt>,
    j: Vec<ffi::PetscInt>,
    a: Vec<Scalar>,
    oi: Vec<ffi::PetscInt>,
    oj: Vec<ffi::PetscInt>,
    oa: Vec<Scalar>,
}

impl<'p> PetscMat<'p> {
    /// Takes ownership of an assembled matrix whose rows follow `rows`.
    pub(crate) fn from_raw(raw: ffi::Mat, rows: Layout) -> PetscMat<'p> {
        PetscMat {
            raw,
            rows,
            solver: Cell::new(std::ptr::null_mut()),
            _arrays: None,
            _petsc: PhantomData,
        }
    }

    /// Assembles a square matrix whose rows follow `rows` (1-D block) from
    /// this rank's CSR rows. Preallocation is exact (diagonal and
    /// off-diagonal block counts per row), and PETSc is told to fail on any
    /// allocation during assembly, so assembly never mallocs. Collective.
    pub fn from_csr(_petsc: &'p Petsc, rows: &Layout, csr: &CsrRows) -> Result<PetscMat<'p>> {
        let comm = rows.comm();
        let local = comm.agree(check_square_rows(rows, csr))?;
        let (mut d_nnz, mut o_nnz) = (
            Vec::with_capacity(local.len()),
            Vec::with_capacity(local.len()),
        );
        for i in 0..csr.local_rows() {
            let (cols, _) = csr.row(i);
            let d = cols.iter().filter(|c| local.contains(c)).count();
            d_nnz.push(pint(d, "row length")?);
            o_nnz.push(pint(cols.len() - d, "row length")?);
        }
        let (m, n) = (
            pint(local.len(), "local rows")?,
            pint(rows.global_len(), "global rows")?,
        );
        let mut raw: ffi::Mat = std::ptr::null_mut();
        // SAFETY: counts arrays hold one entry per local row; live communicator.
        check(
            unsafe {
                ffi::MatCreateAIJ(
                    comm.raw().as_raw(),
                    m,
                    m,
                    n,
                    n,
                    0,
                    d_nnz.as_ptr(),
                    0,
                    o_nnz.as_ptr(),
                    &mut raw,
                )
            },
            "MatCreateAIJ",
        )?;
        let mat = PetscMat::from_raw(raw, rows.clone());
        // SAFETY: a live Mat.
        check(
            unsafe {
                ffi::MatSetOption(
                    mat.raw,
                    ffi::MatOption_MAT_NEW_NONZERO_ALLOCATION_ERR,
                    ffi::PetscBool_PETSC_TRUE,
                )
            },
            "MatSetOption",
        )?;
        let mut cols_buf: Vec<ffi::PetscInt> = Vec::new();
        let mut vals_buf: Vec<Scalar> = Vec::new();
        for i in 0..csr.local_rows() {
            let (cols, vals) = csr.row(i);
            cols_buf.clear();
            for &c in cols {
                cols_buf.push(pint(c, "column")?);
            }
            vals_buf.clear();
            vals_buf.extend(vals.iter().map(|&v| Scalar::from(v)));
            let row = pint(local.start + i, "row")?;
            // SAFETY: one row index, `cols.len()` columns and values.
            check(
                unsafe {
                    ffi::MatSetValues(
                        mat.raw,
                        1,
                        &row,
                        pint(cols_buf.len(), "row length")?,
                        cols_buf.as_ptr(),
                        ffi_ptr(vals_buf.as_ptr()),
                        ffi::InsertMode_INSERT_VALUES,
                    )
                },
                "MatSetValues",
            )?;
        }
        assemble(mat.raw)?;
        Ok(mat)
    }

    /// A square matrix whose CSR arrays PETSc uses in place, without
    /// copying them into its own format (`MatCreateMPIAIJWithSplitArrays`):
    /// the rows are split once into the diagonal block (local columns) and
    /// the off-diagonal block (global columns), which the matrix then owns
    /// until it is destroyed (after any KSP using it: a [`Ksp`](crate::Ksp)
    /// borrows the matrix). Collective.
    pub fn from_csr_split(_petsc: &'p Petsc, rows: &Layout, csr: &CsrRows) -> Result<PetscMat<'p>> {
        let comm = rows.comm();
        let local = comm.agree(check_square_rows(rows, csr))?;
        let mut arr = SplitArrays {
            i: vec![0],
            j: Vec::new(),
            a: Vec::new(),
            oi: vec![0],
            oj: Vec::new(),
            oa: Vec::new(),
        };
        for row in 0..csr.local_rows() {
            let (cols, vals) = csr.row(row);
            let mut entries: Vec<(usize, Scalar)> = cols
                .iter()
                .copied()
                .zip(vals.iter().map(|&v| Scalar::from(v)))
                .collect();
            entries.sort_by_key(|e| e.0); // PETSc wants sorted columns
            for (c, v) in entries {
                if local.contains(&c) {
                    arr.j.push(pint(c - local.start, "column")?);
                    arr.a.push(v);
                } else {
                    arr.oj.push(pint(c, "column")?);
                    arr.oa.push(v);
                }
            }
            arr.i.push(pint(arr.j.len(), "row pointer")?);
            arr.oi.push(pint(arr.oj.len(), "row pointer")?);
        }
        let (m, n) = (
            pint(local.len(), "local rows")?,
            pint(rows.global_len(), "global rows")?,
        );
        let mut raw: ffi::Mat = std::ptr::null_mut();
        // SAFETY: the six arrays describe `m` rows in PETSc's split CSR format
        // and live in `_arrays` until after MatDestroy (Drop destroys the
        // KSP and the Mat before the fields, the arrays, are freed; a Ksp
        // borrows the PetscMat, so none outlives the arrays).
        check(
            unsafe {
                ffi::MatCreateMPIAIJWithSplitArrays(
                    comm.raw().as_raw(),
                    m,
                    m,
                    n,
                    n,
                    arr.i.as_mut_ptr(),
                    arr.j.as_mut_ptr(),
                    ffi_ptr_mut(arr.a.as_mut_ptr()),
                    arr.oi.as_mut_ptr(),
                    arr.oj.as_mut_ptr(),
                    ffi_ptr_mut(arr.oa.as_mut_ptr()),
                    &mut raw,
                )
            },
            "MatCreateMPIAIJWithSplitArrays",
        )?;
        let mut mat = PetscMat::from_raw(raw, rows.clone());
        mat._arrays = Some(arr);
        Ok(mat)
    }

    /// The row layout: what vectors multiplied or solved with must have.
    pub fn rows(&self) -> &Layout {
        &self.rows
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

impl Drop for PetscMat<'_> {
    fn drop(&mut self) {
        let mut ksp = self.solver.replace(std::ptr::null_mut());
        if !ksp.is_null() {
            // SAFETY: the cached KSP of `solve`, owned by this matrix and
            // destroyed once, before the matrix (and its arrays) it solves with.
            let code = unsafe { ffi::KSPDestroy(&mut ksp) };
            if code != 0 {
                eprintln!("bridge-petsc: KSPDestroy returned {code}");
            }
        }
        // owned by this handle, destroyed once
        destroy(self.raw);
    }
}

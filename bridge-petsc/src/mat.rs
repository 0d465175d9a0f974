//! Distributed sparse matrices (MPIAIJ) assembled from each rank's rows.

use crate::error::{check, pint};
use crate::ffi;
use crate::Petsc;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::sparse::{check_square_rows, CsrRows};
use distarray_core::{Layout, Result};
use std::marker::PhantomData;

/// A PETSc MPIAIJ matrix. Rows (and, for square matrices, columns) follow a
/// 1-D block layout.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Petsc, PetscMat, VecOverArray};
/// use distarray_core::sparse::{owned_rows, SparseBuilder};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::block(&Comm::world(), &[4 * 4]).unwrap();
/// // the 5-point Laplacian on a 4 x 4 grid: each rank sets its rows
/// let mut op = SparseBuilder::new(&rows, 4 * 4).unwrap();
/// for r in owned_rows(&rows).unwrap() {
///     let (i, j) = (r / 4, r % 4);
///     op.add(r, r, 4.0);
///     let near = [(i > 0, r.wrapping_sub(4)), (i + 1 < 4, r + 4)];
///     for (inside, c) in near.into_iter().chain([(j > 0, r.wrapping_sub(1)), (j + 1 < 4, r + 1)]) {
///         if inside { op.add(r, c, -1.0) }
///     }
/// }
/// let csr = op.assemble().unwrap(); // this rank's rows, as CSR
/// let a = PetscMat::from_csr(&petsc, &rows, &csr).unwrap();
/// assert_eq!(a.assembly_mallocs().unwrap(), 0.0); // exact preallocation
///
/// let mut x = DistArray::full(&rows, 1.0);
/// let mut y = DistArray::zeros(&rows);
/// {
///     let xv = VecOverArray::wrap(&petsc, &mut x).unwrap();
///     let mut yv = VecOverArray::wrap(&petsc, &mut y).unwrap();
///     a.mult(&xv, &mut yv).unwrap();
/// }
/// assert_eq!(y.get(&[0]).unwrap(), 2.0); // a corner: 4 - 2 neighbours
/// assert_eq!(y.get(&[5]).unwrap(), 0.0); // inside: 4 - 4
/// ```
pub struct PetscMat<'p> {
    raw: ffi::Mat,
    rows: Layout,
    /// CSR arrays PETSc uses in place (split-array matrices); freed after the Mat
    _arrays: Option<SplitArrays>,
    _petsc: PhantomData<&'p Petsc>,
}

/// The diagonal and off-diagonal blocks of a rank's rows in CSR form,
/// kept alive for PETSc (MatCreateMPIAIJWithSplitArrays does not copy them).
struct SplitArrays {
    i: Vec<ffi::PetscInt>,
    j: Vec<ffi::PetscInt>,
    a: Vec<f64>,
    oi: Vec<ffi::PetscInt>,
    oj: Vec<ffi::PetscInt>,
    oa: Vec<f64>,
}

impl<'p> PetscMat<'p> {
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
        let mat = PetscMat {
            raw,
            rows: rows.clone(),
            _arrays: None,
            _petsc: PhantomData,
        };
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
        for i in 0..csr.local_rows() {
            let (cols, vals) = csr.row(i);
            cols_buf.clear();
            for &c in cols {
                cols_buf.push(pint(c, "column")?);
            }
            let row = pint(local.start + i, "row")?;
            // SAFETY: one row index, `cols.len()` columns and values.
            check(
                unsafe {
                    ffi::MatSetValues(
                        mat.raw,
                        1,
                        &row,
                        cols_buf.len() as ffi::PetscInt,
                        cols_buf.as_ptr(),
                        vals.as_ptr(),
                        ffi::InsertMode_INSERT_VALUES,
                    )
                },
                "MatSetValues",
            )?;
        }
        // SAFETY: a live Mat; collective assembly.
        check(
            unsafe { ffi::MatAssemblyBegin(mat.raw, ffi::MatAssemblyType_MAT_FINAL_ASSEMBLY) },
            "MatAssemblyBegin",
        )?;
        check(
            unsafe { ffi::MatAssemblyEnd(mat.raw, ffi::MatAssemblyType_MAT_FINAL_ASSEMBLY) },
            "MatAssemblyEnd",
        )?;
        Ok(mat)
    }

    /// A square matrix whose CSR arrays PETSc uses in place, without
    /// copying them into its own format (`MatCreateMPIAIJWithSplitArrays`):
    /// the rows are split once into the diagonal block (local columns) and
    /// the off-diagonal block (global columns), which the matrix then owns
    /// until it is destroyed. Collective.
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
            let mut entries: Vec<(usize, f64)> =
                cols.iter().copied().zip(vals.iter().copied()).collect();
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
        // and live in `_arrays` until after MatDestroy (field order: `raw` is
        // destroyed in Drop before the arrays are freed).
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
                    arr.a.as_mut_ptr(),
                    arr.oi.as_mut_ptr(),
                    arr.oj.as_mut_ptr(),
                    arr.oa.as_mut_ptr(),
                    &mut raw,
                )
            },
            "MatCreateMPIAIJWithSplitArrays",
        )?;
        Ok(PetscMat {
            raw,
            rows: rows.clone(),
            _arrays: Some(arr),
            _petsc: PhantomData,
        })
    }

    /// The row layout.
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
    pub fn mult(
        &self,
        x: &impl crate::vec::AsPetscVec,
        y: &mut impl crate::vec::AsPetscVec,
    ) -> Result<()> {
        // SAFETY: live Mat and Vecs; PETSc checks the sizes.
        check(
            unsafe { ffi::MatMult(self.raw, x.raw_vec(), y.raw_vec()) },
            "MatMult",
        )
    }

    pub(crate) fn raw(&self) -> ffi::Mat {
        self.raw
    }

    /// Takes ownership of an assembled Mat whose rows follow `rows`
    /// (`MatLoad`'s result; binary_io.rs).
    pub(crate) fn from_raw(raw: ffi::Mat, rows: Layout) -> PetscMat<'p> {
        PetscMat {
            raw,
            rows,
            _arrays: None,
            _petsc: PhantomData,
        }
    }
}

impl Drop for PetscMat<'_> {
    fn drop(&mut self) {
        // SAFETY: owned by this handle, destroyed once.
        let code = unsafe { ffi::MatDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: MatDestroy returned {code}");
        }
    }
}

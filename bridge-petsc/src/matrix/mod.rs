//! PETSc matrices: sparse MPIAIJ ([`PetscMat`], assembled from each rank's
//! CSR rows) and dense MATMPIDENSE ([`DenseMat`], over or copied from a
//! 2-D row-block array).

mod aij;
mod dense;
mod split;

pub use aij::PetscMat;
pub use dense::DenseMat;

use crate::error::check;
use crate::ffi;
use crate::vector::{AsPetscVec, AsPetscVecMut};
use distarray_core::Result;

/// `y = A x` for any matrix (collective).
fn mult(a: ffi::Mat, x: &impl AsPetscVec, y: &mut impl AsPetscVecMut) -> Result<()> {
    // SAFETY: a live Mat and Vecs (borrowed for the call); PETSc checks the
    // sizes. `y` is writable and distinct from `x` (a `&mut` borrow).
    check(
        unsafe { ffi::MatMult(a, x.raw_vec(), y.raw_vec()) },
        "MatMult",
    )
}

/// Final assembly (collective).
fn assemble(a: ffi::Mat) -> Result<()> {
    // SAFETY: a live Mat; collective assembly.
    unsafe {
        check(
            ffi::MatAssemblyBegin(a, ffi::MatAssemblyType_MAT_FINAL_ASSEMBLY),
            "MatAssemblyBegin",
        )?;
        check(
            ffi::MatAssemblyEnd(a, ffi::MatAssemblyType_MAT_FINAL_ASSEMBLY),
            "MatAssemblyEnd",
        )
    }
}

/// Destroys a Mat owned by the caller, reporting a failure on stderr
/// (from `Drop`, where there is no caller to return it to).
fn destroy(mut a: ffi::Mat) {
    // SAFETY: the caller owns `a` and never uses it again.
    let code = unsafe { ffi::MatDestroy(&mut a) };
    if code != 0 {
        eprintln!("bridge-petsc: MatDestroy returned {code}");
    }
}

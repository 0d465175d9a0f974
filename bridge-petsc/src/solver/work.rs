//! The KSP and the two Vecs every solve goes through, so that PETSc never
//! keeps a handle into memory it does not own.
//!
//! `KSPSolve(ksp, b, x)` keeps references to `b` and `x` (`ksp->vec_rhs`,
//! `ksp->vec_sol`) until the next solve or `KSPDestroy`. A Vec made over
//! the caller's array for one solve would live on inside the KSP with a
//! pointer into memory the caller may free. So a [`Solver`] owns its two
//! Vecs and the KSP only ever sees them:
//!
//! - `b`: PETSc's own memory; the right-hand side is copied into it for
//!   each solve (a copy of one vector, cheap next to a solve). PETSc may
//!   write it (Eisenstat at any depth of nesting scales it in place, so does
//!   `-ksp_diagonal_scale`): the caller's `b` is only read.
//! - `x`: made without memory (`VecCreateMPIWithArray(..., NULL)`); the
//!   caller's `x` is placed in it for the solve (`VecPlaceArray`) and taken
//!   out again (`VecResetArray`) on every path, errors included, so the
//!   solution is written in place and the Vec the KSP keeps points nowhere.
//!
//! Every step that can fail on one rank is agreed (`Comm::agree`) before
//! the next collective call.

use crate::error::{check, pint};
use crate::ffi;
use crate::scalar::{IsPetscScalar, Scalar};
use crate::vector::{AsPetscVec, AsPetscVecMut};
use crate::PetscMat;
use distarray_core::bridge::{Library, SolveReport};
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{Comm, DistArray, DistArrayBase, Error, Layout, Result};
use ndarray::Data;
use std::ffi::{c_char, CStr};
use std::time::Instant;

/// A KSP set up for one square matrix, with its right-hand-side copy and
/// its solution shell. Destroyed (all three) when dropped; the owner
/// ([`Ksp`](crate::Ksp) or the matrix's cache) drops it before the matrix.
pub(crate) struct Solver {
    pub(crate) ksp: ffi::KSP,
    /// PETSc-owned; the right-hand side is copied here for each solve.
    b: ffi::Vec,
    /// No memory of its own; the caller's `x` is placed here for a solve.
    x: ffi::Vec,
    comm: Comm,
}

impl Solver {
    /// `KSPCreate` + `KSPSetOperators(a, a)` + `KSPSetFromOptions`, and the
    /// two Vecs in the matrix's row layout. Collective; every step agreed,
    /// and what the ranks made is destroyed when one fails.
    pub(crate) fn new(a: &PetscMat<'_>) -> Result<Solver> {
        let comm = a.rows().comm().clone();
        let (m, n) = (a.rows().global_len(), a.cols().global_len());
        comm.agree(if m == n {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "a KSP solves with a square matrix, not {m} x {n}"
            )))
        })?;
        let mut s = Solver {
            ksp: std::ptr::null_mut(),
            b: std::ptr::null_mut(),
            x: std::ptr::null_mut(),
            comm,
        };
        let comm = &s.comm;
        let raw_comm = comm.raw().as_raw();
        // SAFETY: a live communicator; writes one handle.
        comm.agree(check(
            unsafe { ffi::KSPCreate(raw_comm, &mut s.ksp) },
            "KSPCreate",
        ))?;
        // SAFETY: a live KSP and assembled matrix; the Solver's owner
        // borrows the matrix (Ksp) or is dropped before it (the matrix's
        // cache), so the KSP never outlives its operator.
        comm.agree(check(
            unsafe { ffi::KSPSetOperators(s.ksp, a.raw(), a.raw()) },
            "KSPSetOperators",
        ))?;
        // SAFETY: a live KSP; reads the options database (a bad value on
        // one rank fails there only: agreed).
        comm.agree(check(
            unsafe { ffi::KSPSetFromOptions(s.ksp) },
            "KSPSetFromOptions",
        ))?;
        // SAFETY: a live, assembled matrix; writes one Vec handle (its
        // left vector: the row layout) and skips the other.
        comm.agree(check(
            unsafe { ffi::MatCreateVecs(a.raw(), std::ptr::null_mut(), &mut s.b) },
            "MatCreateVecs",
        ))?;
        let (local, global) = comm.agree(
            pint(a.rows().local_len(), "local rows").and_then(|l| Ok((l, pint(m, "global rows")?))),
        )?;
        // SAFETY: a live communicator; a NULL array: the Vec has no memory
        // until one is placed (and it is reset after every solve).
        comm.agree(check(
            unsafe {
                ffi::VecCreateMPIWithArray(raw_comm, 1, local, global, std::ptr::null(), &mut s.x)
            },
            "VecCreateMPIWithArray",
        ))?;
        Ok(s)
    }

    /// Solves for arrays in `rows`: `b` copied into the work Vec, `x`
    /// placed in the shell. Collective.
    pub(crate) fn solve_arrays<T: IsPetscScalar, S: Data<Elem = T>>(
        &self,
        rows: &Layout,
        b: &DistArrayBase<S>,
        x: &mut DistArray<T>,
    ) -> Result<SolveReport> {
        check_rows(rows, "b", b.layout())?;
        check_rows(rows, "x", x.layout())?;
        let contiguous = x.local().is_standard_layout();
        self.comm.agree(if contiguous {
            Ok(())
        } else {
            Err(Error::InvalidArgument(
                "x's local buffer is not contiguous (PETSc writes the solution in place)".into(),
            ))
        })?;
        self.comm.agree(self.copy_b(b))?;
        let mut local = x.local_mut();
        let slice = T::scalars_mut(local.as_slice_mut().expect("agreed contiguous above"));
        // SAFETY: `slice` is x's local buffer of the shell's local length
        // (x has the rows' layout, checked above), mutably borrowed until
        // the placement is reset, which `Placed` does on every path.
        let placed = unsafe { Placed::new(self.x, slice.as_mut_ptr().cast()) };
        self.comm.agree(placed)?.solve(self)
    }

    /// Solves with PETSc Vecs: `b` copied (`VecCopy`), `x`'s memory placed
    /// in the shell for the solve. Collective.
    pub(crate) fn solve_vecs(
        &self,
        b: &impl AsPetscVec,
        x: &mut impl AsPetscVecMut,
    ) -> Result<SolveReport> {
        // SAFETY: two live Vecs; VecCopy checks their sizes (a mismatch on
        // one rank only is agreed).
        self.comm.agree(check(
            unsafe { ffi::VecCopy(b.raw_vec(), self.b) },
            "VecCopy",
        ))?;
        let (mut have, mut want): (ffi::PetscInt, ffi::PetscInt) = (0, 0);
        // SAFETY: live Vecs; each call writes one integer.
        let sizes = unsafe {
            check(
                ffi::VecGetLocalSize(x.raw_vec(), &mut have),
                "VecGetLocalSize",
            )
            .and_then(|()| check(ffi::VecGetLocalSize(self.x, &mut want), "VecGetLocalSize"))
        }
        .and_then(|()| match have == want {
            true => Ok(()),
            false => Err(Error::LayoutMismatch {
                context: "PETSc solve: x".into(),
                detail: format!("x has {have} local entries, the matrix {want} local rows"),
            }),
        });
        self.comm.agree(sizes)?;
        let mut ptr: *mut ffi::PetscScalar = std::ptr::null_mut();
        // SAFETY: a live, writable Vec (borrowed mutably); lent until the
        // VecRestoreArray below, which runs on every path.
        let got = check(
            unsafe { ffi::VecGetArray(x.raw_vec(), &mut ptr) },
            "VecGetArray",
        );
        if let Err(e) = self.comm.agree(got.clone()) {
            if got.is_ok() {
                // another rank failed: give the array back here too
                // SAFETY: the pointer VecGetArray just gave, returned once.
                let back = check(
                    unsafe { ffi::VecRestoreArray(x.raw_vec(), &mut ptr) },
                    "VecRestoreArray",
                );
                if let Err(r) = back {
                    eprintln!("bridge-petsc: after a failed solve: {r}");
                }
            }
            return Err(e);
        }
        // SAFETY: x's local array, of the shell's local length (checked
        // above), lent for writing until restored below, after the reset.
        let solved = self
            .comm
            .agree(unsafe { Placed::new(self.x, ptr) })
            .and_then(|placed| placed.solve(self));
        // SAFETY: the pointer VecGetArray gave, given back once; the
        // placement over it has been reset.
        let restored = check(
            unsafe { ffi::VecRestoreArray(x.raw_vec(), &mut ptr) },
            "VecRestoreArray",
        );
        after(&self.comm, solved, restored, "VecRestoreArray")
    }

    /// Copies `b` (any local memory order) into the work Vec. Local.
    fn copy_b<T: IsPetscScalar, S: Data<Elem = T>>(&self, b: &DistArrayBase<S>) -> Result<()> {
        let mut ptr: *mut ffi::PetscScalar = std::ptr::null_mut();
        // SAFETY: the work Vec is PETSc's and live; lent until restored below.
        check(unsafe { ffi::VecGetArray(self.b, &mut ptr) }, "VecGetArray")?;
        let local = b.local();
        let mut empty: [Scalar; 0] = [];
        let dst: &mut [Scalar] = if local.is_empty() || ptr.is_null() {
            // a rank without rows: PETSc may give no pointer at all
            &mut empty
        } else {
            // SAFETY: the work Vec has the rows' layout, as `b` (checked by
            // the caller): `local.len()` scalars, ours until VecRestoreArray.
            unsafe { std::slice::from_raw_parts_mut(ptr.cast(), local.len()) }
        };
        match local.as_slice() {
            Some(src) => dst.copy_from_slice(T::scalars(src)),
            None => {
                for (d, s) in dst.iter_mut().zip(local.iter()) {
                    *d = s.into_scalar();
                }
            }
        }
        // SAFETY: the pointer VecGetArray gave, given back once.
        check(
            unsafe { ffi::VecRestoreArray(self.b, &mut ptr) },
            "VecRestoreArray",
        )
    }
}

impl Drop for Solver {
    fn drop(&mut self) {
        // SAFETY: owned by this Solver, destroyed once (null handles of a
        // Solver that failed half-way are no-ops); the shell's array has
        // been reset after every solve.
        let codes = unsafe {
            [
                ("KSPDestroy", ffi::KSPDestroy(&mut self.ksp)),
                ("VecDestroy", ffi::VecDestroy(&mut self.b)),
                ("VecDestroy", ffi::VecDestroy(&mut self.x)),
            ]
        };
        for (call, code) in codes {
            if code != 0 {
                eprintln!("bridge-petsc: {call} returned {code}");
            }
        }
    }
}

/// The caller's memory placed in the shell Vec; reset when done, on every
/// path (`VecResetArray`).
struct Placed {
    vec: ffi::Vec,
    live: bool,
}

impl Placed {
    /// `VecPlaceArray(vec, ptr)`. Local.
    ///
    /// # Safety
    /// `ptr` must point to the Vec's local length of scalars, writable and
    /// not otherwise used until the returned guard is dropped or reset.
    unsafe fn new(vec: ffi::Vec, ptr: *mut ffi::PetscScalar) -> Result<Placed> {
        // SAFETY: the caller's contract; a live Vec without an array of
        // its own in place.
        check(unsafe { ffi::VecPlaceArray(vec, ptr) }, "VecPlaceArray")?;
        Ok(Placed { vec, live: true })
    }

    /// `VecResetArray`, its error returned.
    fn reset(mut self) -> Result<()> {
        self.live = false;
        // SAFETY: an array placed by `new`, taken out once.
        check(unsafe { ffi::VecResetArray(self.vec) }, "VecResetArray")
    }

    /// KSPSolve with the work `b` and this shell, then the reset (also
    /// when the solve fails). Collective.
    fn solve(self, s: &Solver) -> Result<SolveReport> {
        let solved = run(s.ksp, s.b, s.x, &s.comm);
        let reset = self.reset();
        after(&s.comm, solved, reset, "VecResetArray")
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if self.live {
            // SAFETY: an array placed by `new` and not yet reset.
            let code = unsafe { ffi::VecResetArray(self.vec) };
            if code != 0 {
                eprintln!("bridge-petsc: VecResetArray returned {code}");
            }
        }
    }
}

/// A solve's result once a clean-up step has run: the solve's error if it
/// failed (agreed already; a clean-up failure then goes to stderr), else
/// the clean-up's, agreed.
fn after(
    comm: &Comm,
    solved: Result<SolveReport>,
    cleanup: Result<()>,
    call: &str,
) -> Result<SolveReport> {
    match solved {
        Err(e) => {
            if let Err(c) = cleanup {
                eprintln!("bridge-petsc: {call} after a failed solve: {c}");
            }
            Err(e)
        }
        Ok(report) => comm.agree(cleanup).map(|()| report),
    }
}

/// The same layout on every rank as the operator's rows, or a
/// `LayoutMismatch` on every rank.
pub(crate) fn check_rows(rows: &Layout, what: &str, layout: &Layout) -> Result<()> {
    let verdict = if layout != rows {
        Err(Error::LayoutMismatch {
            context: format!("PETSc solve: {what}"),
            detail: format!(
                "{what} has {layout:?} but the matrix rows are {rows:?}; redistribute it first"
            ),
        })
    } else {
        Ok(())
    };
    rows.comm().agree(verdict)
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: PETSc returns static or object-owned NUL-terminated names
    // that outlive this call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// "ksp type + pc type" (`cg + jacobi`). Local.
pub(crate) fn method(ksp: ffi::KSP) -> Result<String> {
    let (mut kt, mut pc, mut pt): (ffi::KSPType, ffi::PC, ffi::PCType) =
        (std::ptr::null(), std::ptr::null_mut(), std::ptr::null());
    // SAFETY: a live KSP; each call writes one pointer to a name PETSc owns.
    unsafe {
        check(ffi::KSPGetType(ksp, &mut kt), "KSPGetType")?;
        check(ffi::KSPGetPC(ksp, &mut pc), "KSPGetPC")?;
        check(ffi::PCGetType(pc, &mut pt), "PCGetType")?;
    }
    Ok(format!("{} + {}", text(kt), text(pt)))
}

/// Refuses diagonal scaling (`-ksp_diagonal_scale`): PETSc scales the
/// operator in place (`MatDiagonalScale`) and, without
/// `-ksp_diagonal_scale_fix`, leaves it scaled after the solve; the matrix
/// is borrowed shared by the solver, so its values must not change under
/// its owner. (What it does to the right-hand side is harmless: that is
/// the solver's own copy.) Local.
fn check_operator_is_only_read(ksp: ffi::KSP) -> Result<()> {
    let mut scale: ffi::PetscBool = ffi::PetscBool_PETSC_FALSE;
    // SAFETY: a live KSP; writes one flag.
    check(
        unsafe { ffi::KSPGetDiagonalScale(ksp, &mut scale) },
        "KSPGetDiagonalScale",
    )?;
    if scale != ffi::PetscBool_PETSC_FALSE {
        return Err(Error::InvalidArgument(
            "PETSc's diagonal scaling (-ksp_diagonal_scale) rescales the matrix in place, \
             which the solver only borrows; solve without it"
                .into(),
        ));
    }
    Ok(())
}

/// KSPSolve(b, x) and what it did; a negative converged reason (the same
/// on every rank) is an `Error::NotConverged`. The local checks before it
/// are agreed, so no rank enters KSPSolve alone. Collective.
fn run(ksp: ffi::KSP, b: ffi::Vec, x: ffi::Vec, comm: &Comm) -> Result<SolveReport> {
    let method =
        comm.agree(method(ksp).and_then(|m| check_operator_is_only_read(ksp).map(|()| m)))?;
    let start = Instant::now();
    // SAFETY: a live KSP and the Solver's own Vecs (x with the caller's
    // array placed, exclusive for the call).
    comm.agree(check(unsafe { ffi::KSPSolve(ksp, b, x) }, "KSPSolve"))?;
    let time = start.elapsed();
    let (mut reason, mut its, mut rnorm): (ffi::KSPConvergedReason, ffi::PetscInt, ffi::PetscReal) =
        (0, 0, 0.0);
    let mut name: *const c_char = std::ptr::null();
    // SAFETY: each call writes one value (or a static string pointer).
    let queried = unsafe {
        check(
            ffi::KSPGetConvergedReason(ksp, &mut reason),
            "KSPGetConvergedReason",
        )
        .and_then(|()| {
            check(
                ffi::KSPGetIterationNumber(ksp, &mut its),
                "KSPGetIterationNumber",
            )
        })
        .and_then(|()| {
            check(
                ffi::KSPGetResidualNorm(ksp, &mut rnorm),
                "KSPGetResidualNorm",
            )
        })
        .and_then(|()| {
            check(
                ffi::KSPGetConvergedReasonString(ksp, &mut name),
                "KSPGetConvergedReasonString",
            )
        })
    };
    comm.agree(queried)?;
    let iterations = usize::try_from(its).unwrap_or(0);
    let reason_name = text(name);
    if reason < 0 {
        return Err(Error::NotConverged {
            library: Library::Petsc,
            method,
            iterations,
            residual: rnorm,
            reason: reason_name,
        });
    }
    Ok(SolveReport {
        library: Library::Petsc,
        method,
        iterations,
        residual: rnorm,
        reason: reason_name,
        time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{scalar_rows, Petsc};
    use distarray_core::sparse::gallery::poisson_2d;

    /// The Vecs the KSP keeps after a solve, and whether the solution's
    /// holds memory (it must not: the caller's array was taken out).
    fn kept(s: &Solver) -> (ffi::Vec, ffi::Vec, bool) {
        let (mut b, mut x): (ffi::Vec, ffi::Vec) = (std::ptr::null_mut(), std::ptr::null_mut());
        let mut p: *const ffi::PetscScalar = std::ptr::null();
        // SAFETY: a live KSP and the Vecs it keeps; the array is only
        // compared with null, then given back.
        unsafe {
            check(ffi::KSPGetRhs(s.ksp, &mut b), "KSPGetRhs").unwrap();
            check(ffi::KSPGetSolution(s.ksp, &mut x), "KSPGetSolution").unwrap();
            check(ffi::VecGetArrayRead(x, &mut p), "VecGetArrayRead").unwrap();
            let has_memory = !p.is_null();
            check(ffi::VecRestoreArrayRead(x, &mut p), "VecRestoreArrayRead").unwrap();
            (b, x, has_memory)
        }
    }

    #[test]
    fn petsc_keeps_no_pointer_into_the_callers_arrays() {
        let _u = mpi::initialize().unwrap();
        let petsc = Petsc::init().unwrap();
        let comm = Comm::world();
        let rows = Layout::block(&comm, &[16]).unwrap();
        let csr = scalar_rows(poisson_2d(&rows, 4, 4).unwrap());
        let a = PetscMat::from_csr(&petsc, &rows, &csr).unwrap();
        let s = Solver::new(&a).unwrap();
        let b = DistArray::full(&rows, Scalar::from(1.0));
        let mut x = DistArray::zeros(&rows);
        s.solve_arrays(&rows, &b, &mut x).unwrap();
        assert!(
            x.local().iter().all(|v| *v != Scalar::from(0.0)),
            "x written in place"
        );
        assert_eq!(
            kept(&s),
            (s.b, s.x, false),
            "the solver's own Vecs, x's taken out"
        );
        // the same when the solve fails (after KSPSolve: not converged)
        // SAFETY: a live KSP.
        let code = unsafe { ffi::KSPSetTolerances(s.ksp, 1e-14, 1e-50, 1e5, 1) };
        check(code, "KSPSetTolerances").unwrap();
        let e = s.solve_arrays(&rows, &b, &mut x).unwrap_err();
        assert!(matches!(e, Error::NotConverged { .. }), "{e}");
        assert_eq!(kept(&s), (s.b, s.x, false));
        // and with PETSc vectors: the Vec lent is not the one kept
        let mut xv = crate::PetscVec::new(&petsc, &rows).unwrap();
        let bv = crate::PetscVec::from_array_copy(&petsc, &b).unwrap();
        // (one iteration allowed: KSPSolve ran over the placed array)
        let e = s.solve_vecs(&bv, &mut xv).unwrap_err();
        assert!(matches!(e, Error::NotConverged { .. }), "{e}");
        assert_eq!(kept(&s), (s.b, s.x, false));
    }
}

//! Krylov solves (KSP) with method and preconditioner from PETSc's options.

use crate::error::check;
use crate::ffi;
use crate::vec::{AsPetscVec, VecOverArray};
use crate::{Petsc, PetscMat};
use distarray_core::comm::fingerprint;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{DistArray, Error, Result};
use std::ffi::CStr;
use std::marker::PhantomData;

/// What a solve did.
///
/// # Examples
///
/// See [`solve`]: every solve returns one.
///
/// ```
/// let info = bridge_petsc::SolveInfo {
///     iterations: 12,
///     reason: 2,
///     reason_name: "CONVERGED_RTOL".into(),
///     residual_norm: 1e-9,
/// };
/// assert!(info.reason > 0, "positive reasons are convergence");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SolveInfo {
    /// Iterations taken.
    pub iterations: usize,
    /// PETSc's converged reason (positive: converged).
    pub reason: i32,
    /// The reason's name (e.g. `CONVERGED_RTOL`).
    pub reason_name: String,
    /// The last residual norm PETSc computed.
    pub residual_norm: f64,
}

/// A configured linear solver for one matrix. It borrows the matrix (and
/// through it PETSc): PETSc solves with the matrix's memory, which for
/// [`PetscMat::from_csr_split`] is our own arrays, so the matrix can not
/// be dropped while the solver lives.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Ksp, Petsc, PetscMat, VecOverArray};
/// use distarray_core::sparse::{owned_rows, SparseBuilder};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// petsc.set_options_on(&comm, "-ksp_type cg -pc_type jacobi").unwrap();
/// let rows = Layout::block(&comm, &[8 * 8]).unwrap();
/// // the 5-point Laplacian on a 8 x 8 grid: each rank sets its rows
/// let mut op = SparseBuilder::new(&rows, 8 * 8).unwrap();
/// for r in owned_rows(&rows).unwrap() {
///     let (i, j) = (r / 8, r % 8);
///     op.add(r, r, 4.0);
///     let near = [(i > 0, r.wrapping_sub(8)), (i + 1 < 8, r + 8)];
///     for (inside, c) in near.into_iter().chain([(j > 0, r.wrapping_sub(1)), (j + 1 < 8, r + 1)]) {
///         if inside { op.add(r, c, -1.0) }
///     }
/// }
/// let a = PetscMat::from_csr_split(&petsc, &rows, &op.assemble().unwrap()).unwrap();
/// let mut ksp = Ksp::new(&petsc, &a).unwrap();
/// ksp.set_tolerances(1e-10, 0.0, 500).unwrap();
///
/// let (mut b, mut x, mut r) = (DistArray::full(&rows, 1.0), DistArray::zeros(&rows), DistArray::zeros(&rows));
/// {
///     let bv = VecOverArray::wrap(&petsc, &mut b).unwrap();
///     let mut xv = VecOverArray::wrap(&petsc, &mut x).unwrap();
///     let info = ksp.solve(&bv, &mut xv).unwrap();
///     assert!(info.reason > 0 && info.iterations > 0, "{}", info.reason_name);
///     // r = A x - b
///     let mut rv = VecOverArray::wrap(&petsc, &mut r).unwrap();
///     a.mult(&xv, &mut rv).unwrap();
///     rv.axpy(-1.0, &bv).unwrap();
///     assert!(rv.norm2().unwrap() < 1e-8);
/// }
/// drop(ksp); // the solver goes before its matrix
/// drop(a);
/// ```
///
/// The other order does not compile:
///
/// ```compile_fail,E0505
/// # use bridge_petsc::{Ksp, Petsc, PetscMat};
/// # fn f(petsc: &Petsc, rows: &distarray_core::Layout, csr: &distarray_core::sparse::CsrRows) {
/// let a = PetscMat::from_csr_split(petsc, rows, csr).unwrap();
/// let ksp = Ksp::new(petsc, &a).unwrap();
/// drop(a); // error: `a` is still borrowed by `ksp`
/// drop(ksp);
/// # }
/// ```
pub struct Ksp<'a> {
    raw: ffi::KSP,
    /// the operator's communicator
    comm: distarray_core::Comm,
    _operator: PhantomData<&'a PetscMat<'a>>,
}

impl<'a> Ksp<'a> {
    /// A solver for `a`; type, preconditioner and tolerances come from the
    /// options database (`-ksp_type`, `-pc_type`, `-ksp_rtol`, ...). Collective.
    pub fn new(_petsc: &'a Petsc, a: &'a PetscMat<'a>) -> Result<Ksp<'a>> {
        let mut raw: ffi::KSP = std::ptr::null_mut();
        // SAFETY: live communicator and matrix.
        check(
            unsafe { ffi::KSPCreate(a.rows().comm().raw().as_raw(), &mut raw) },
            "KSPCreate",
        )?;
        let ksp = Ksp {
            raw,
            comm: a.rows().comm().clone(),
            _operator: PhantomData,
        };
        // SAFETY: a live KSP and an assembled matrix that outlives the solver's use here.
        check(
            unsafe { ffi::KSPSetOperators(ksp.raw, a.raw(), a.raw()) },
            "KSPSetOperators",
        )?;
        // SAFETY: a live KSP; reads PETSc's options database.
        check(
            unsafe { ffi::KSPSetFromOptions(ksp.raw) },
            "KSPSetFromOptions",
        )?;
        Ok(ksp)
    }

    /// Sets relative and absolute tolerances and the iteration limit.
    /// Collective: every rank must pass the same values (agreed first; a
    /// rank with other tolerances would stop iterating at another point).
    pub fn set_tolerances(&mut self, rtol: f64, atol: f64, max_iterations: usize) -> Result<()> {
        let args = fingerprint([rtol.to_bits(), atol.to_bits(), max_iterations as u64]);
        self.comm.agree_on("Ksp::set_tolerances", args, Ok(()))?;
        // SAFETY: a live KSP; PETSC_DEFAULT for divtol.
        check(
            unsafe {
                ffi::KSPSetTolerances(
                    self.raw,
                    rtol,
                    atol,
                    ffi::PETSC_DEFAULT as f64,
                    max_iterations as ffi::PetscInt,
                )
            },
            "KSPSetTolerances",
        )
    }

    /// Solves `A x = b`. Collective. A diverged solve is an error naming
    /// PETSc's reason and the iteration count.
    pub fn solve(&mut self, b: &impl AsPetscVec, x: &mut impl AsPetscVec) -> Result<SolveInfo> {
        // SAFETY: live KSP and Vecs.
        check(
            unsafe { ffi::KSPSolve(self.raw, b.raw_vec(), x.raw_vec()) },
            "KSPSolve",
        )?;
        let (mut reason, mut its, mut rnorm): (ffi::KSPConvergedReason, ffi::PetscInt, f64) =
            (0, 0, 0.0);
        let mut name: *const std::ffi::c_char = std::ptr::null();
        // SAFETY: each call writes one scalar (or a static string pointer).
        unsafe {
            check(
                ffi::KSPGetConvergedReason(self.raw, &mut reason),
                "KSPGetConvergedReason",
            )?;
            check(
                ffi::KSPGetIterationNumber(self.raw, &mut its),
                "KSPGetIterationNumber",
            )?;
            check(
                ffi::KSPGetResidualNorm(self.raw, &mut rnorm),
                "KSPGetResidualNorm",
            )?;
            check(
                ffi::KSPGetConvergedReasonString(self.raw, &mut name),
                "KSPGetConvergedReasonString",
            )?;
        }
        let reason_name = if name.is_null() {
            String::new()
        } else {
            // SAFETY: PETSc returns a static NUL-terminated name.
            unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned()
        };
        let info = SolveInfo {
            iterations: its as usize,
            reason,
            reason_name,
            residual_norm: rnorm,
        };
        if info.reason < 0 {
            return Err(Error::Native {
                library: distarray_core::bridge::Library::Petsc,
                code: info.reason as i64,
                call: "KSPSolve".into(),
                message: format!(
                    "diverged ({}) after {} iterations, residual norm {:e}",
                    info.reason_name, info.iterations, info.residual_norm
                ),
            });
        }
        Ok(info)
    }
}

impl Drop for Ksp<'_> {
    fn drop(&mut self) {
        // SAFETY: owned by this handle, destroyed once.
        let code = unsafe { ffi::KSPDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: KSPDestroy returned {code}");
        }
    }
}

/// Solves `A x = b` for a right-hand side in `A`'s row layout and returns
/// `x` as a distributed array in the same layout. Both vectors are PETSc
/// `Vec`s over the arrays' memory (no copy). Collective.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{solve, Petsc, PetscMat};
/// use distarray_core::sparse::{owned_rows, SparseBuilder};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::block(&Comm::world(), &[5 * 5]).unwrap();
/// // the 5-point Laplacian on a 5 x 5 grid: each rank sets its rows
/// let mut op = SparseBuilder::new(&rows, 5 * 5).unwrap();
/// for r in owned_rows(&rows).unwrap() {
///     let (i, j) = (r / 5, r % 5);
///     op.add(r, r, 4.0);
///     let near = [(i > 0, r.wrapping_sub(5)), (i + 1 < 5, r + 5)];
///     for (inside, c) in near.into_iter().chain([(j > 0, r.wrapping_sub(1)), (j + 1 < 5, r + 1)]) {
///         if inside { op.add(r, c, -1.0) }
///     }
/// }
/// let a = PetscMat::from_csr(&petsc, &rows, &op.assemble().unwrap()).unwrap();
/// let b = DistArray::full(&rows, 1.0);
/// let (x, info) = solve(&petsc, &a, &b).unwrap();
/// assert!(info.reason > 0, "{}", info.reason_name);
/// // symmetric problem, symmetric answer: the four corners agree
/// let corner = x.get(&[0]).unwrap();
/// assert!((x.get(&[24]).unwrap() - corner).abs() < 1e-4);
/// ```
pub fn solve<'p>(
    petsc: &'p Petsc,
    a: &PetscMat<'p>,
    b: &DistArray<f64>,
) -> Result<(DistArray<f64>, SolveInfo)> {
    let verdict = if b.layout() != a.rows() {
        Err(Error::LayoutMismatch {
            context: "solve".into(),
            detail: format!(
                "b has {:?} but the matrix rows are {:?}; redistribute b first",
                b.layout(),
                a.rows()
            ),
        })
    } else {
        Ok(())
    };
    a.rows().comm().agree(verdict)?;
    let mut x = DistArray::zeros(a.rows());
    let mut ksp = Ksp::new(petsc, a)?;
    let info = {
        let bv = VecOverArray::wrap_read(petsc, b)?;
        let mut xv = VecOverArray::wrap(petsc, &mut x)?;
        ksp.solve(&bv, &mut xv)?
    };
    Ok((x, info))
}

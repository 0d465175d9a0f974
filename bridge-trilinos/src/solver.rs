//! Belos solvers with Ifpack2 preconditioners, behind the core's
//! [`LinearSolver`] trait.

use crate::error::call;
use crate::ffi;
use crate::matrix::CrsMatrix;
use crate::vector::TpetraVector;
use distarray_core::bridge::{Library, LinearSolver, SolveReport, Tolerances};
use distarray_core::comm::fingerprint;
use distarray_core::{DistArray, Error, Layout, Result};
use std::ffi::{c_int, CString};
use std::marker::PhantomData;
use std::time::Instant;

/// A Belos Krylov method (`Belos::SolverFactory`'s names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BelosMethod {
    /// Conjugate gradients ("CG"), for symmetric positive definite matrices.
    Cg,
    /// Restarted GMRES ("GMRES").
    Gmres,
    /// BiCGStab ("BICGSTAB").
    BiCgStab,
    /// MINRES ("MINRES"), for symmetric matrices.
    Minres,
}

impl BelosMethod {
    /// Belos' name of the method.
    pub fn name(self) -> &'static str {
        match self {
            BelosMethod::Cg => "CG",
            BelosMethod::Gmres => "GMRES",
            BelosMethod::BiCgStab => "BICGSTAB",
            BelosMethod::Minres => "MINRES",
        }
    }
}

/// An Ifpack2 preconditioner, applied on the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preconditioner {
    /// None.
    None,
    /// Point Jacobi (Ifpack2 "RELAXATION", type "Jacobi").
    Jacobi,
    /// Incomplete LU, level 0 (Ifpack2 "RILUK").
    Ilu,
}

impl Preconditioner {
    /// The shim's name ("none", "jacobi", "ilu").
    fn shim_name(self) -> &'static str {
        match self {
            Preconditioner::None => "none",
            Preconditioner::Jacobi => "jacobi",
            Preconditioner::Ilu => "ilu",
        }
    }
}

/// A Belos solver for one [`CrsMatrix`], implementing [`LinearSolver`]:
/// configured once (method, Ifpack2 preconditioner, [`Tolerances`]), then
/// [`solve`](LinearSolver::solve) per right-hand side. The shim builds the
/// preconditioner (Ifpack2 `initialize` + `compute`, the costly part) once,
/// at [`new`](Self::new), and every solve reuses it; Belos' linear problem
/// and solver manager are made per solve and destroyed before it returns
/// (both hold the solve's vectors, which view the caller's arrays), so the
/// solver keeps nothing of `b` and `x` once a solve returned.
///
/// The solver borrows its matrix (and through it the map and the
/// [`Trilinos`](crate::Trilinos) handle). The arrays `b` and `x` of a
/// solve are wrapped as Tpetra vectors without copying; they must have the
/// matrix's row layout. A solve that stops without converging is an
/// [`Error::NotConverged`] with Belos' iterations and achieved tolerance,
/// the same on every rank.
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{BelosMethod, BelosSolver, CrsMatrix, Preconditioner, TpetraMap, Trilinos};
/// use distarray_core::bridge::{LinearSolver, Tolerances};
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Error, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let rows = Layout::block(&comm, &[6 * 6]).unwrap();
/// let map = TpetraMap::from_layout(&t, &rows).unwrap();
/// let a = CrsMatrix::from_csr(&map, &poisson_2d(&rows, 6, 6).unwrap()).unwrap();
/// let mut solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::Jacobi).unwrap();
/// solver.set_tolerances(Tolerances::default().relative(1e-10)).unwrap();
///
/// let b = DistArray::full(&rows, 1.0);
/// let mut x = DistArray::zeros(&rows);
/// let report = solver.solve(&b, &mut x).unwrap(); // into x's memory
/// assert!(report.iterations > 0 && report.residual <= 1e-10);
/// assert_eq!(report.reason, "converged");
///
/// // too few iterations: a typed error, on every rank
/// solver.set_tolerances(Tolerances::default().relative(1e-14).max_iterations(1)).unwrap();
/// let e = solver.solve(&b, &mut x).unwrap_err();
/// assert!(matches!(e, Error::NotConverged { iterations: 1, .. }), "{e}");
/// ```
///
/// The solver borrows its matrix: dropping the matrix first does not compile.
///
/// ```compile_fail,E0505
/// # use bridge_trilinos::{BelosMethod, BelosSolver, CrsMatrix, Preconditioner, TpetraMap, Trilinos};
/// # use distarray_core::{sparse::gallery::poisson_2d, Comm, Layout};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// # let t = Trilinos::init(&comm).unwrap();
/// # let rows = Layout::block(&comm, &[4]).unwrap();
/// # let map = TpetraMap::from_layout(&t, &rows).unwrap();
/// let a = CrsMatrix::from_csr(&map, &poisson_2d(&rows, 2, 2).unwrap()).unwrap();
/// let solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::None).unwrap();
/// drop(a); // error: `a` is borrowed by `solver`
/// drop(solver);
/// ```
pub struct BelosSolver<'a> {
    raw: *mut ffi::TriSolver,
    matrix: &'a CrsMatrix<'a>,
    method: String,
    tolerances: Tolerances,
    initial_guess: bool,
    _not_send: PhantomData<*const ()>,
}

impl<'a> BelosSolver<'a> {
    /// Sets up `method` with `preconditioner` for `matrix`: builds the
    /// preconditioner once (and checks Belos knows the method). Collective.
    pub fn new(
        matrix: &'a CrsMatrix<'a>,
        method: BelosMethod,
        preconditioner: Preconditioner,
    ) -> Result<BelosSolver<'a>> {
        let comm = matrix.rows().comm();
        let args = fingerprint(
            method
                .name()
                .bytes()
                .map(u64::from)
                .chain([u64::MAX])
                .chain(preconditioner.shim_name().bytes().map(u64::from)),
        );
        comm.agree_on("BelosSolver::new (method and preconditioner)", args, Ok(()))?;
        let m = CString::new(method.name()).expect("no NUL");
        let p = CString::new(preconditioner.shim_name()).expect("no NUL");
        let mut raw = std::ptr::null_mut();
        // SAFETY: a live matrix, NUL-terminated names, an out-pointer.
        let made = call("Belos/Ifpack2 setup", |e, n| unsafe {
            ffi::tri_solver_create(matrix.raw, m.as_ptr(), p.as_ptr(), &mut raw, e, n)
        });
        let made = comm.agree(made);
        if made.is_err() && !raw.is_null() {
            // SAFETY: made by the shim on this rank, freed once.
            unsafe { ffi::tri_solver_free(raw) };
        }
        made?;
        Ok(BelosSolver {
            raw,
            matrix,
            method: format!(
                "Belos {} + Ifpack2 {}",
                method.name(),
                preconditioner.shim_name()
            ),
            tolerances: Tolerances::default(),
            initial_guess: false,
            _not_send: PhantomData,
        })
    }

    /// The tolerances the next solve uses.
    pub fn tolerances(&self) -> Tolerances {
        self.tolerances
    }

    /// Solves `A x = b` for Tpetra vectors on the matrix's map (Tpetra's
    /// memory or wrapped arrays), writing `x`. Collective. `x`'s content is
    /// the initial guess only if [`use_initial_guess`](LinearSolver::use_initial_guess)
    /// said so; otherwise it is zeroed first.
    pub fn solve_vectors(
        &mut self,
        b: &TpetraVector<'_>,
        x: &mut TpetraVector<'_>,
    ) -> Result<SolveReport> {
        let comm = self.rows().comm().clone();
        comm.agree(
            crate::vector::same_layout(self.rows(), b.layout(), "BelosSolver: b").and_then(|()| {
                crate::vector::same_layout(self.rows(), x.layout(), "BelosSolver: x")
            }),
        )?;
        if !self.initial_guess {
            let zeroed = x.array_mut().map(|mut lent| lent.local_mut().fill(0.0));
            comm.agree(zeroed)?;
        }
        self.run(b.raw, x.raw)
    }

    fn run(&mut self, b: *mut ffi::TriVec, x: *mut ffi::TriVec) -> Result<SolveReport> {
        let comm = self.rows().comm().clone();
        let t = self.tolerances;
        let maxit = c_int::try_from(t.max_iterations).unwrap_or(c_int::MAX);
        let (mut its, mut achieved, mut converged) = (0, 0.0, 0);
        let start = Instant::now();
        // SAFETY: live solver and vectors on the solver's matrix's map
        // (checked by the callers).
        let ran = call("Belos solve", |e, n| unsafe {
            ffi::tri_solver_solve(
                self.raw,
                b,
                x,
                t.relative,
                t.absolute,
                maxit,
                &mut its,
                &mut achieved,
                &mut converged,
                e,
                n,
            )
        });
        comm.agree(ran)?;
        let time = start.elapsed();
        // Belos' verdict rests on global norms, so every rank has the same;
        // agreed anyway, so that no rank returns Ok while another errs
        let converged = comm.all(converged == 1);
        let iterations = its.max(0) as usize;
        if !converged {
            return Err(Error::NotConverged {
                library: Library::Trilinos,
                method: self.method.clone(),
                iterations,
                residual: achieved,
                reason: if iterations >= t.max_iterations {
                    "max iterations".into()
                } else {
                    // Belos' Unconverged before the limit: GMRES' loss of
                    // accuracy, a Krylov breakdown
                    "stopped early (loss of accuracy or breakdown)".into()
                },
            });
        }
        Ok(SolveReport {
            library: Library::Trilinos,
            method: self.method.clone(),
            iterations,
            residual: achieved,
            reason: "converged".into(),
            time,
        })
    }
}

impl LinearSolver<f64> for BelosSolver<'_> {
    fn library(&self) -> Library {
        Library::Trilinos
    }

    fn rows(&self) -> &Layout {
        self.matrix.rows()
    }

    fn set_tolerances(&mut self, tolerances: Tolerances) -> Result<()> {
        let ok = if tolerances.relative >= 0.0 && tolerances.absolute >= 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "tolerances must not be negative: {tolerances:?}"
            )))
        };
        let words = [
            tolerances.relative.to_bits(),
            tolerances.absolute.to_bits(),
            tolerances.max_iterations as u64,
        ];
        self.rows()
            .comm()
            .agree_on("BelosSolver::set_tolerances", fingerprint(words), ok)?;
        self.tolerances = tolerances;
        Ok(())
    }

    fn use_initial_guess(&mut self, yes: bool) -> Result<()> {
        self.rows()
            .comm()
            .agree_on("BelosSolver::use_initial_guess", yes as u64, Ok(()))?;
        self.initial_guess = yes;
        Ok(())
    }

    fn solve(&mut self, b: &DistArray<f64>, x: &mut DistArray<f64>) -> Result<SolveReport> {
        let comm = self.rows().comm().clone();
        let contiguous = b.local().as_slice().is_some() && x.local().as_slice().is_some();
        let verdict = crate::vector::same_layout(self.rows(), b.layout(), "BelosSolver::solve: b")
            .and_then(|()| {
                crate::vector::same_layout(self.rows(), x.layout(), "BelosSolver::solve: x")
            })
            .and_then(|()| {
                if contiguous {
                    Ok(())
                } else {
                    Err(Error::InvalidArgument(
                        "BelosSolver::solve: b and x need contiguous local buffers".into(),
                    ))
                }
            });
        comm.agree(verdict)?;
        if !self.initial_guess {
            x.local_mut().fill(0.0);
        }
        let map = self.matrix.map();
        let xv = TpetraVector::wrap(map, x)?;
        // Belos only reads the right-hand side (its LinearProblem holds it
        // as a `const MultiVector`), so b is wrapped through a shared borrow
        let bv = wrap_read_only(map, b)?;
        self.run(bv.raw, xv.raw)
    }
}

/// A Tpetra vector over `b`'s memory that Tpetra only reads.
fn wrap_read_only<'m>(
    map: &'m crate::TpetraMap<'m>,
    b: &'m DistArray<f64>,
) -> Result<TpetraVector<'m>> {
    let local = b.local();
    let ptr = local.as_slice().expect("checked contiguous").as_ptr() as *mut f64;
    // SAFETY: `ptr` holds the map's local count of f64 (b's layout is the
    // map's, checked by the caller) and stays borrowed for 'm. Tpetra's
    // wrapping constructor takes a non-const pointer; the vector is handed
    // only to Belos as the right-hand side, which it never writes.
    unsafe { TpetraVector::wrap_raw(map, ptr, b.layout().clone()) }
}

impl Drop for BelosSolver<'_> {
    fn drop(&mut self) {
        // SAFETY: made by the shim, freed once.
        unsafe { ffi::tri_solver_free(self.raw) }
    }
}

impl std::fmt::Debug for BelosSolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BelosSolver")
            .field("method", &self.method)
            .field("tolerances", &self.tolerances)
            .field("initial_guess", &self.initial_guess)
            .finish()
    }
}

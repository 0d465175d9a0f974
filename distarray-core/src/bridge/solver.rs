//! One interface to the libraries' linear solvers.

use super::Library;
use crate::array::DistArray;
use crate::dtype::Element;
use crate::error::Result;
use crate::layout::Layout;
use std::time::Duration;

/// When an iterative solve stops: relative and absolute residual
/// tolerances and an iteration limit. Direct solvers ignore it.
///
/// # Examples
///
/// ```
/// use distarray_core::bridge::Tolerances;
/// let t = Tolerances::default().relative(1e-10).max_iterations(500);
/// assert_eq!((t.relative, t.absolute, t.max_iterations), (1e-10, 0.0, 500));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Stop when the residual norm falls below this times the initial one
    /// (PETSc's `rtol`, Belos' "Convergence Tolerance").
    pub relative: f64,
    /// Stop when the residual norm falls below this (0: not used).
    pub absolute: f64,
    /// Give up after this many iterations (the solve is then an
    /// [`Error::NotConverged`](crate::Error::NotConverged)).
    pub max_iterations: usize,
}

impl Default for Tolerances {
    /// `relative` 1e-8, `absolute` 0, `max_iterations` 10 000.
    fn default() -> Self {
        Tolerances {
            relative: 1e-8,
            absolute: 0.0,
            max_iterations: 10_000,
        }
    }
}

impl Tolerances {
    /// With this relative tolerance.
    pub fn relative(mut self, tol: f64) -> Self {
        self.relative = tol;
        self
    }
    /// With this absolute tolerance.
    pub fn absolute(mut self, tol: f64) -> Self {
        self.absolute = tol;
        self
    }
    /// With this iteration limit.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
}

/// What a solve did, the same for every library.
///
/// # Examples
///
/// ```
/// use distarray_core::bridge::{Library, SolveReport};
/// use std::time::Duration;
/// let r = SolveReport {
///     library: Library::Petsc,
///     method: "cg + jacobi".into(),
///     iterations: 12,
///     residual: 3e-9,
///     reason: "CONVERGED_RTOL".into(),
///     time: Duration::from_millis(4),
/// };
/// assert!(r.to_string().contains("12 iterations"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SolveReport {
    /// The library that solved.
    pub library: Library,
    /// The method (and preconditioner) used, in the library's names.
    pub method: String,
    /// Iterations taken (0 for a direct solve).
    pub iterations: usize,
    /// The last residual norm as the library measures it (PETSc: the
    /// preconditioned or true norm its KSP monitors; Belos: the relative
    /// residual it achieved; direct solvers: the 2-norm of `b - A x`).
    pub residual: f64,
    /// Why it stopped, in the library's words (`CONVERGED_RTOL`).
    pub reason: String,
    /// Wall time of the solve on this rank.
    pub time: Duration,
}

impl std::fmt::Display for SolveReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {} after {} iterations, residual {:.3e}, {:.3} s",
            self.library,
            self.method,
            self.reason,
            self.iterations,
            self.residual,
            self.time.as_secs_f64()
        )
    }
}

/// A linear solver for one operator `A`, from any library: PETSc's KSP,
/// Trilinos' Belos, Elemental's dense solvers. Configure it with the
/// library's constructor, then call [`solve`](LinearSolver::solve) as many
/// times as there are right-hand sides; the solver (its preconditioner, its
/// factorization) is set up once and reused.
///
/// The vectors are distributed arrays in [`rows`](LinearSolver::rows), the
/// operator's row layout; the bridge wraps them without copying. A solve
/// that does not converge is an
/// [`Error::NotConverged`](crate::Error::NotConverged) carrying the
/// iterations and the last residual; every call is collective and returns
/// the same verdict on every rank.
///
/// The trait is object safe: `Box<dyn LinearSolver<f64> + '_>` holds any
/// library's solver.
///
/// # Examples
///
/// Code written against the trait runs with every library:
///
/// ```
/// use distarray_core::bridge::{LinearSolver, SolveReport};
/// use distarray_core::{DistArray, Result};
///
/// /// Solves for every right-hand side with one solver.
/// fn solve_all(
///     solver: &mut dyn LinearSolver<f64>,
///     rhs: &[DistArray<f64>],
/// ) -> Result<Vec<(DistArray<f64>, SolveReport)>> {
///     rhs.iter()
///         .map(|b| {
///             let mut x = DistArray::zeros(solver.rows());
///             let report = solver.solve(b, &mut x)?;
///             Ok((x, report))
///         })
///         .collect()
/// }
/// ```
pub trait LinearSolver<T: Element = f64> {
    /// The library doing the work.
    fn library(&self) -> Library;

    /// The operator's row layout: what `b` and `x` must have.
    fn rows(&self) -> &Layout;

    /// Sets when iterative solves stop. Collective; the same values on
    /// every rank (otherwise an error on every rank).
    fn set_tolerances(&mut self, tolerances: Tolerances) -> Result<()>;

    /// Whether `x`'s content on entry is the initial guess (`true`) or is
    /// ignored and the iteration starts from zero (`false`, the default).
    fn use_initial_guess(&mut self, yes: bool) -> Result<()>;

    /// Solves `A x = b`, writing `x`. Collective.
    fn solve(&mut self, b: &DistArray<T>, x: &mut DistArray<T>) -> Result<SolveReport>;
}

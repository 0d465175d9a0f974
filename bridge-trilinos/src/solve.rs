//! Belos solves, with Ifpack2 preconditioners.

use crate::ffi;
use crate::init::call;
use crate::matrix::CrsMatrix;
use crate::vector::TpetraVector;
use distarray_core::{Error, Result};
use std::ffi::{c_int, CString};

/// Belos solver settings (a small builder).
///
/// # Examples
///
/// ```
/// use bridge_trilinos::Solver;
/// let s = Solver::default().method("GMRES").preconditioner("ilu").tolerance(1e-10);
/// assert_eq!((s.method.as_str(), s.preconditioner.as_str()), ("GMRES", "ilu"));
/// assert_eq!(Solver::default().max_iterations, 1000);
/// ```
#[derive(Debug, Clone)]
pub struct Solver {
    /// "CG" or "GMRES".
    pub method: String,
    /// "none", "jacobi" or "ilu" (Ifpack2).
    pub preconditioner: String,
    /// Relative residual tolerance.
    pub tolerance: f64,
    /// Iteration limit.
    pub max_iterations: usize,
}

impl Default for Solver {
    fn default() -> Self {
        Solver {
            method: "CG".into(),
            preconditioner: "none".into(),
            tolerance: 1e-8,
            max_iterations: 1000,
        }
    }
}

impl Solver {
    /// The method ("CG", "GMRES").
    pub fn method(mut self, m: &str) -> Self {
        self.method = m.into();
        self
    }
    /// The preconditioner ("none", "jacobi", "ilu").
    pub fn preconditioner(mut self, p: &str) -> Self {
        self.preconditioner = p.into();
        self
    }
    /// The tolerance.
    pub fn tolerance(mut self, t: f64) -> Self {
        self.tolerance = t;
        self
    }
    /// The iteration limit.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
}

/// What a solve did.
///
/// # Examples
///
/// See [`solve`], which returns one:
///
/// ```
/// let info = bridge_trilinos::SolveInfo { iterations: 7, achieved_tolerance: 3e-9 };
/// assert!(info.achieved_tolerance < 1e-8);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SolveInfo {
    /// Iterations taken.
    pub iterations: usize,
    /// The tolerance achieved.
    pub achieved_tolerance: f64,
}

/// Solves `A x = b` with Belos; not converging is an error. Collective.
///
/// # Examples
///
/// ```
/// use bridge_trilinos::{solve, CrsMatrix, Solver, TpetraMap, TpetraVector, Trilinos};
/// use distarray_core::sparse::{owned_rows, SparseBuilder};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let rows = Layout::block(&comm, &[6 * 6]).unwrap();
/// let map = TpetraMap::from_layout(&t, &rows).unwrap();
/// // the 5-point Laplacian on a 6 x 6 grid: each rank sets its rows
/// let mut op = SparseBuilder::new(&rows, 6 * 6).unwrap();
/// for r in owned_rows(&rows).unwrap() {
///     let (i, j) = (r / 6, r % 6);
///     op.add(r, r, 4.0);
///     let near = [(i > 0, r.wrapping_sub(6)), (i + 1 < 6, r + 6)];
///     for (inside, c) in near.into_iter().chain([(j > 0, r.wrapping_sub(1)), (j + 1 < 6, r + 1)]) {
///         if inside { op.add(r, c, -1.0) }
///     }
/// }
/// let a = CrsMatrix::from_csr(&map, &op.assemble().unwrap()).unwrap();
/// let (mut b, mut x) = (DistArray::full(&rows, 1.0), DistArray::zeros(&rows));
/// let settings = Solver::default().preconditioner("jacobi").tolerance(1e-10);
/// {
///     let bv = TpetraVector::wrap(&map, &mut b).unwrap();
///     let mut xv = TpetraVector::wrap(&map, &mut x).unwrap();
///     let info = solve(&a, &bv, &mut xv, &settings).unwrap();
///     assert!(info.achieved_tolerance <= 1e-10 && info.iterations > 0);
/// }
/// // the solution is in `x`'s memory: A x == b
/// let xv = TpetraVector::wrap(&map, &mut x).unwrap();
/// let mut r = TpetraVector::new(&map).unwrap();
/// a.apply(&xv, &mut r).unwrap();
/// assert!(r.array_mut().unwrap().local().iter().all(|&v| (v - 1.0).abs() < 1e-8));
/// ```
pub fn solve(
    a: &CrsMatrix<'_>,
    b: &TpetraVector<'_>,
    x: &mut TpetraVector<'_>,
    s: &Solver,
) -> Result<SolveInfo> {
    // the same settings on every rank (ranks stopping at other tolerances
    // or with other methods would leave the others in a reduction)
    let method = CString::new(s.method.clone()).map_err(|e| Error::InvalidArgument(e.to_string()));
    let prec =
        CString::new(s.preconditioner.clone()).map_err(|e| Error::InvalidArgument(e.to_string()));
    let args = distarray_core::comm::fingerprint(
        s.method
            .bytes()
            .map(u64::from)
            .chain([u64::MAX])
            .chain(s.preconditioner.bytes().map(u64::from))
            .chain([s.tolerance.to_bits(), s.max_iterations as u64]),
    );
    let verdict = method
        .as_ref()
        .map(|_| ())
        .map_err(Clone::clone)
        .and(prec.as_ref().map(|_| ()).map_err(Clone::clone));
    b.layout
        .comm()
        .agree_on("Trilinos solve (settings)", args, verdict)?;
    let (method, prec) = (method?, prec?);
    let (mut its, mut achieved, mut converged) = (0, 0.0, 0);
    // SAFETY: live handles and NUL-terminated strings for the call.
    call("Belos solve", |e, n| unsafe {
        ffi::tri_solve(
            a.raw,
            b.raw,
            x.raw,
            method.as_ptr(),
            prec.as_ptr(),
            s.tolerance,
            s.max_iterations as c_int,
            &mut its,
            &mut achieved,
            &mut converged,
            e,
            n,
        )
    })?;
    let info = SolveInfo {
        iterations: its as usize,
        achieved_tolerance: achieved,
    };
    if converged != 1 {
        return Err(Error::Native {
            library: distarray_core::bridge::Library::Trilinos,
            code: 1,
            call: "Belos solve".into(),
            message: format!(
                "did not converge: {} iterations, achieved tolerance {:e}",
                info.iterations, info.achieved_tolerance
            ),
        });
    }
    Ok(info)
}

//! Elemental's dense direct solver behind the core's [`LinearSolver`]:
//! LU with partial pivoting, factored once and reused for every
//! right-hand side.

use crate::error::check;
use crate::ffi;
use crate::layout::{ElDist, Redistribution};
use crate::matrix::DistMatrix;
use crate::ops::{all_finite, gemm, Orientation};
use crate::scalar::ElScalar;
use distarray_core::bridge::{Library, LinearSolver, SolveReport, Tolerances};
use distarray_core::redistribute::Plan;
use distarray_core::{DistArray, Error, Layout, Result};

use std::ffi::c_void;
use std::time::Instant;

/// A dense LU solver (Elemental's `ElLUPartialPivDist` once, then
/// `ElSolveAfterLUPartialPivDist` per right-hand side) for a square
/// [`DistMatrix`], implementing [`LinearSolver`].
///
/// [`new`](Self::new) copies `A` to `[MC,MR]` and factors the copy, keeping
/// the factors and the pivots; every [`solve`](LinearSolver::solve) moves
/// `b` (a 1-D array in [`rows`](LinearSolver::rows), a block layout on the
/// grid's communicator) into an `n x 1` `[MC,MR]` DistMatrix through an
/// explicit, reusable plan, solves with the factors, and moves the solution
/// back into `x` the same way. The report's `residual` is `‖b − A x‖₂`
/// (one GEMM with the original `A`), `iterations` 0. A singular `A` (a
/// zero pivot, which Elemental reports as its `SingularMatrixException`,
/// or non-finite factors) is an [`Error::NotConverged`] with the reason
/// "singular", on every rank, when the solver is made.
///
/// The solver borrows `A` (and through it the grid and the [`Elemental`](crate::Elemental)
/// handle). Tolerances and initial guesses do not apply to a direct solve;
/// they are accepted and ignored.
///
/// # Examples
///
/// ```no_run
/// use bridge_elemental::{DistMatrix, ElGrid, Elemental, LuSolver};
/// use distarray_core::bridge::LinearSolver;
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let el = Elemental::init().unwrap();
/// let comm = Comm::world();
/// let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// let rows = Layout::block(&comm, &[16]).unwrap();
/// let a = DistMatrix::from_csr(&grid, &rows, &poisson_2d(&rows, 4, 4).unwrap()).unwrap();
/// let mut solver = LuSolver::new(&a).unwrap(); // factored once
/// for k in 1..=3 {
///     let b = DistArray::full(solver.rows(), k as f64);
///     let mut x = DistArray::zeros(solver.rows());
///     let report = solver.solve(&b, &mut x).unwrap();
///     assert!(report.residual < 1e-10);
/// }
/// ```
///
/// The solver borrows its matrix:
///
/// ```compile_fail,E0505
/// # use bridge_elemental::{DistMatrix, ElDist, ElGrid, Elemental, LuSolver};
/// # use distarray_core::Comm;
/// # let _u = mpi::initialize().unwrap();
/// # let el = Elemental::init().unwrap();
/// # let comm = Comm::world();
/// # let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// let a = DistMatrix::<f64>::new(&grid, ElDist::McMr, 4, 4).unwrap();
/// let solver = LuSolver::new(&a).unwrap();
/// drop(a); // error: `a` is borrowed by `solver`
/// drop(solver);
/// ```
pub struct LuSolver<'a, T: ElScalar = f64> {
    a: &'a DistMatrix<'a, T>,
    /// the factors of A's `[MC,MR]` copy
    lu: DistMatrix<'a, T>,
    /// Elemental's `ElDistPermutation` of the pivots
    perm: *mut c_void,
    /// the right-hand side, then the solution, in `[MC,MR]`
    rhs: DistMatrix<'a, T>,
    /// b again, for the residual
    resid: DistMatrix<'a, T>,
    rows: Layout,
    to_native: Plan<T>,
    from_native: Plan<T>,
    /// C-order staging for the plans (Elemental's memory is column-major)
    staging: DistArray<T>,
}

impl<'a, T: ElScalar> LuSolver<'a, T> {
    /// Factors `a` (square): copies it to `[MC,MR]` and runs LU with
    /// partial pivoting. Collective over the grid.
    pub fn new(a: &'a DistMatrix<'a, T>) -> Result<LuSolver<'a, T>> {
        let comm = a.grid().comm().clone();
        let (n, n2) = a.shape();
        comm.agree(if n == n2 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "LuSolver: A is {n} x {n2}, not square"
            )))
        })?;
        let grid = a.grid();
        let native = grid.layout(ElDist::McMr, n, n)?;
        let mut lu = DistMatrix::new(grid, ElDist::McMr, n, n)?;
        let mut copy: Redistribution<T> = grid.redistribution(a.layout(), &native)?;
        {
            let src = a.to_array()?;
            let mut dst = lu.array_mut()?;
            copy.execute(&*src, &mut dst.view_mut())?;
        }
        let mut perm: *mut c_void = std::ptr::null_mut();
        // SAFETY: a live grid; Elemental writes the new handle.
        let made = check(
            unsafe {
                ffi::ElDistPermutationCreate(
                    &mut perm as *mut *mut c_void as *mut ffi::ElDistPermutation,
                    grid.raw,
                )
            },
            "ElDistPermutationCreate",
        );
        comm.agree(made)?;
        let call = format!("ElLUPartialPivDist_{}", T::SUFFIX);
        // SAFETY: a live square matrix and a permutation on its grid.
        let code = unsafe { T::lu(lu.raw(), perm) };
        // Elemental throws its SingularMatrixException (a runtime_error,
        // EL_RUNTIME_ERROR through the C API) at a zero pivot: singular,
        // like factors that overflowed to non-finite values
        let factored = if code == ffi::ElError_EL_RUNTIME_ERROR {
            Ok(false)
        } else {
            check(code, &call).map(|()| true)
        };
        let factored = comm
            .agree(factored)
            .and_then(|nonsingular| Ok(comm.all(nonsingular) && all_finite(&lu)?));
        let rows = distarray_core::Layout::block(&comm, &[n])?;
        let rhs_layout = grid.layout(ElDist::McMr, n, 1)?;
        let built = factored.and_then(|finite| {
            if !finite {
                return Err(Error::NotConverged {
                    library: Library::Elemental,
                    method: "Elemental LU (partial pivoting)".into(),
                    iterations: 0,
                    residual: f64::INFINITY,
                    reason: "singular".into(),
                });
            }
            Ok((
                DistMatrix::new(grid, ElDist::McMr, n, 1)?,
                DistMatrix::new(grid, ElDist::McMr, n, 1)?,
                Plan::reshape(&rows, &rhs_layout)?,
                Plan::reshape(&rhs_layout, &rows)?,
            ))
        });
        let (rhs, resid, to_native, from_native) = match built {
            Ok(parts) => parts,
            Err(e) => {
                // SAFETY: made above, destroyed once.
                unsafe { ffi::ElDistPermutationDestroy(perm as ffi::ElConstDistPermutation) };
                return Err(e);
            }
        };
        Ok(LuSolver {
            a,
            lu,
            perm,
            rhs,
            resid,
            staging: DistArray::zeros(&rhs_layout),
            rows,
            to_native,
            from_native,
        })
    }

    /// Moves `b` into `m` (an `n x 1` `[MC,MR]` matrix) through the plan.
    fn load(&mut self, b: &DistArray<T>, which: Which) -> Result<()> {
        self.to_native.execute(b, &mut self.staging)?;
        let m = match which {
            Which::Rhs => &mut self.rhs,
            Which::Resid => &mut self.resid,
        };
        let mut lent = m.array_mut()?;
        lent.local_mut().assign(&self.staging.local());
        Ok(())
    }
}

enum Which {
    Rhs,
    Resid,
}

impl<T: ElScalar> LinearSolver<T> for LuSolver<'_, T> {
    fn library(&self) -> Library {
        Library::Elemental
    }

    fn rows(&self) -> &Layout {
        &self.rows
    }

    fn set_tolerances(&mut self, tolerances: Tolerances) -> Result<()> {
        let _ = tolerances; // a direct solve has none
        Ok(())
    }

    fn use_initial_guess(&mut self, yes: bool) -> Result<()> {
        let _ = yes; // a direct solve starts from nothing
        Ok(())
    }

    fn solve(&mut self, b: &DistArray<T>, x: &mut DistArray<T>) -> Result<SolveReport> {
        let comm = self.rows.comm().clone();
        let ok = |l: &Layout, what: &str| {
            if *l == self.rows {
                Ok(())
            } else {
                Err(Error::LayoutMismatch {
                    context: format!("LuSolver::solve: {what}"),
                    detail: format!(
                        "expected the solver's rows {:?}, got {l:?} (move it with a Plan)",
                        self.rows
                    ),
                })
            }
        };
        comm.agree(ok(b.layout(), "b").and_then(|()| ok(x.layout(), "x")))?;
        let start = Instant::now();
        self.load(b, Which::Rhs)?;
        let call = format!("ElSolveAfterLUPartialPivDist_{}", T::SUFFIX);
        // SAFETY: the live factors, their pivots and an n x 1 right-hand
        // side on the same grid.
        let solved = check(
            unsafe {
                T::solve_after_lu(
                    Orientation::Normal.raw(),
                    self.lu.raw(),
                    self.perm,
                    self.rhs.raw(),
                )
            },
            &call,
        );
        comm.agree(solved)?;
        {
            let lent = self.rhs.to_array()?;
            self.staging.local_mut().assign(&lent.local());
        }
        self.from_native.execute(&self.staging, x)?;
        let time = start.elapsed();
        // r = b - A x, with the original A
        self.load(b, Which::Resid)?;
        gemm(
            Orientation::Normal,
            Orientation::Normal,
            T::minus_one(),
            self.a,
            &self.rhs,
            T::one(),
            &mut self.resid,
        )?;
        let mine: f64 = self
            .resid
            .to_array()?
            .local()
            .iter()
            .map(|v| v.abs2())
            .sum();
        let residual = comm
            .all_gather_u64(mine.to_bits())
            .into_iter()
            .map(f64::from_bits)
            .sum::<f64>()
            .sqrt();
        Ok(SolveReport {
            library: Library::Elemental,
            method: "Elemental LU (partial pivoting)".into(),
            iterations: 0,
            residual,
            reason: "direct solve".into(),
            time,
        })
    }
}

impl<T: ElScalar> Drop for LuSolver<'_, T> {
    fn drop(&mut self) {
        // SAFETY: made by `new`, destroyed once.
        let code =
            unsafe { ffi::ElDistPermutationDestroy(self.perm as ffi::ElConstDistPermutation) };
        if code != ffi::ElError_EL_SUCCESS {
            eprintln!("bridge-elemental: ElDistPermutationDestroy returned {code}");
        }
    }
}

impl<T: ElScalar> std::fmt::Debug for LuSolver<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LuSolver")
            .field("n", &self.a.shape().0)
            .field("rows", &self.rows)
            .finish()
    }
}

//! Krylov solves (KSP): [`Ksp`] implements the core's
//! [`LinearSolver`], so code written
//! against the trait runs on PETSc as on Trilinos or Elemental.
//! [`PetscMat::solve`] is the one-call form, with a KSP set up once per
//! matrix and reused.
//!
//! The method and preconditioner come from PETSc's options database
//! (`-ksp_type cg -pc_type gamg` on the command line, in `PETSC_OPTIONS`, or
//! [`Petsc::set_options_on`](crate::Petsc::set_options_on)) when the KSP is
//! made; [`Ksp::set_method`] and [`Ksp::set_preconditioner`] set them in code.
//!
//! ## What PETSc keeps
//!
//! `KSPSolve` keeps the vectors it solved with until the next solve or the
//! KSP's end. So a solver (a [`Ksp`], or the one [`PetscMat::solve`] keeps
//! in its matrix) owns two vectors and PETSc only ever sees those: the
//! right-hand side is copied into the first (PETSc's memory: whatever the
//! method or preconditioner writes there, Eisenstat at any depth of
//! nesting say, the caller's `b` is only read), and the caller's `x` is
//! placed in the second for the solve (`VecPlaceArray`) and taken out
//! after it (`VecResetArray`), on every path, errors included. No PETSc
//! object points into an array of the caller's once a solve returns.
//! Diagonal scaling (`-ksp_diagonal_scale`) is refused: PETSc rescales the
//! matrix in place, which the solver only borrows. In-place factorizations
//! (`-pc_factor_in_place`, also inside block preconditioners as
//! `-sub_pc_factor_in_place`) overwrite the matrix as well and are not
//! detected: leave them unset for a matrix used again.

mod work;

use crate::error::{check, pint};
use crate::ffi;
use crate::scalar::IsPetscScalar;
use crate::vector::{AsPetscVec, AsPetscVecMut};
use crate::PetscMat;
use distarray_core::bridge::{Library, LinearSolver, SolveReport, Tolerances};
use distarray_core::comm::fingerprint;
use distarray_core::{Comm, DistArray, DistArrayBase, Error, Layout, Result};
use ndarray::Data;
use std::ffi::CString;
use std::marker::PhantomData;
use work::check_rows;
pub(crate) use work::Solver;

/// A KSP solver for one matrix. It borrows the matrix (and through it
/// PETSc): PETSc solves with the matrix's memory, which for
/// [`PetscMat::from_csr_split`] is arrays the matrix owns, so the matrix
/// can not be dropped while the solver lives.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{scalar_rows, Ksp, Petsc, PetscMat, Scalar};
/// use distarray_core::bridge::{LinearSolver, Tolerances};
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// let rows = Layout::block(&comm, &[8 * 8]).unwrap();
/// let csr = scalar_rows(poisson_2d(&rows, 8, 8).unwrap()); // f64 values in the build's Scalar
/// let a = PetscMat::from_csr_split(&petsc, &rows, &csr).unwrap();
/// let mut ksp = Ksp::new(&a).unwrap();
/// ksp.set_method("cg").unwrap();
/// ksp.set_preconditioner("jacobi").unwrap();
/// ksp.set_tolerances(Tolerances::default().relative(1e-10)).unwrap();
///
/// let b = DistArray::full(&rows, Scalar::from(1.0));
/// let mut x = DistArray::zeros(&rows);
/// let report = ksp.solve(&b, &mut x).unwrap(); // x written in place, b only read
/// assert_eq!(report.method, "cg + jacobi");
/// assert!(report.iterations > 0 && report.reason.starts_with("CONVERGED"), "{report}");
/// drop(ksp); // the solver goes before its matrix
/// drop(a);
/// ```
///
/// The other order does not compile:
///
/// ```compile_fail,E0505
/// # use bridge_petsc::{Ksp, Petsc, PetscMat};
/// # fn f(petsc: &Petsc, rows: &distarray_core::Layout, csr: &distarray_core::sparse::CsrRows<bridge_petsc::Scalar>) {
/// let a = PetscMat::from_csr_split(petsc, rows, csr).unwrap();
/// let ksp = Ksp::new(&a).unwrap();
/// drop(a); // error: `a` is still borrowed by `ksp`
/// drop(ksp);
/// # }
/// ```
pub struct Ksp<'a> {
    solver: Solver,
    rows: Layout,
    /// the operator (and through it PETSc)
    _operator: PhantomData<&'a ()>,
}

impl<'a> Ksp<'a> {
    /// A solver for `a` (square); method, preconditioner and tolerances
    /// come from the options database (`-ksp_type`, `-pc_type`,
    /// `-ksp_rtol`, ...) as it is now. Collective: a step that fails on
    /// one rank (a bad option value there, say) fails on every rank, and
    /// what the others made is destroyed.
    pub fn new(a: &'a PetscMat<'_>) -> Result<Ksp<'a>> {
        Ok(Ksp {
            solver: Solver::new(a)?,
            rows: a.rows().clone(),
            _operator: PhantomData,
        })
    }

    fn comm(&self) -> &Comm {
        self.rows.comm()
    }

    /// The operator's row layout: what `b` and `x` must have.
    pub fn rows(&self) -> &Layout {
        &self.rows
    }

    /// Sets when the iteration stops (`KSPSetTolerances`; divergence
    /// tolerance PETSc's default). Collective: every rank must pass the same
    /// values (agreed first: a rank with other tolerances would stop at
    /// another iteration).
    pub fn set_tolerances(&mut self, t: Tolerances) -> Result<()> {
        let args = fingerprint([
            t.relative.to_bits(),
            t.absolute.to_bits(),
            t.max_iterations as u64,
        ]);
        self.comm().agree_on("Ksp::set_tolerances", args, Ok(()))?;
        let max = self
            .comm()
            .agree(pint(t.max_iterations, "max_iterations"))?;
        // SAFETY: a live KSP.
        let set = check(
            unsafe {
                ffi::KSPSetTolerances(
                    self.solver.ksp,
                    t.relative,
                    t.absolute,
                    ffi::PETSC_DEFAULT as ffi::PetscReal,
                    max,
                )
            },
            "KSPSetTolerances",
        );
        self.comm().agree(set)
    }

    /// Whether `x`'s content on entry is the initial guess
    /// (`KSPSetInitialGuessNonzero`; by default the iteration starts from
    /// zero). Collective, agreed.
    pub fn use_initial_guess(&mut self, yes: bool) -> Result<()> {
        self.comm()
            .agree_on("Ksp::use_initial_guess", fingerprint([yes as u64]), Ok(()))?;
        let flag = if yes {
            ffi::PetscBool_PETSC_TRUE
        } else {
            ffi::PetscBool_PETSC_FALSE
        };
        // SAFETY: a live KSP.
        let set = check(
            unsafe { ffi::KSPSetInitialGuessNonzero(self.solver.ksp, flag) },
            "KSPSetInitialGuessNonzero",
        );
        self.comm().agree(set)
    }

    /// The Krylov method in PETSc's names (`"cg"`, `"gmres"`, `"bcgs"`,
    /// `"preonly"`, ...: `KSPSetType`). Collective, agreed.
    pub fn set_method(&mut self, name: &str) -> Result<()> {
        let c = self.agreed_name("Ksp::set_method", name)?;
        // SAFETY: a live KSP and a NUL-terminated name (PETSc copies it).
        let set = check(
            unsafe { ffi::KSPSetType(self.solver.ksp, c.as_ptr()) },
            "KSPSetType",
        );
        self.comm().agree(set)
    }

    /// The preconditioner in PETSc's names (`"jacobi"`, `"bjacobi"`,
    /// `"gamg"`, `"lu"`, `"none"`, ...: `PCSetType`). Collective, agreed.
    pub fn set_preconditioner(&mut self, name: &str) -> Result<()> {
        let c = self.agreed_name("Ksp::set_preconditioner", name)?;
        let mut pc: ffi::PC = std::ptr::null_mut();
        // SAFETY: a live KSP; its PC lives as long as it does.
        let set = unsafe {
            check(ffi::KSPGetPC(self.solver.ksp, &mut pc), "KSPGetPC")
                .and_then(|()| check(ffi::PCSetType(pc, c.as_ptr()), "PCSetType"))
        };
        self.comm().agree(set)
    }

    fn agreed_name(&self, what: &str, name: &str) -> Result<CString> {
        let args = fingerprint(name.bytes().map(u64::from));
        self.comm().agree_on(what, args, Ok(()))?;
        self.comm()
            .agree(CString::new(name).map_err(|e| Error::InvalidArgument(format!("{what}: {e}"))))
    }

    /// Solves `A x = b` for arrays in [`rows`](Self::rows): `x` is shared
    /// with PETSc (the solution is written in its memory; its content is
    /// the initial guess with [`use_initial_guess`](Self::use_initial_guess)),
    /// `b` is copied into the solver's own PETSc vector, so it is only
    /// read whatever the method and preconditioner do to the right-hand
    /// side (Eisenstat at any depth, ...). After the call PETSc holds no
    /// pointer into either array. Collective; an array of another layout
    /// is a [`LayoutMismatch`](Error::LayoutMismatch), a solve that does
    /// not converge an [`Error::NotConverged`] with PETSc's reason, on
    /// every rank.
    pub fn solve<T: IsPetscScalar>(
        &mut self,
        b: &DistArray<T>,
        x: &mut DistArray<T>,
    ) -> Result<SolveReport> {
        self.solver.solve_arrays(&self.rows, b, x)
    }

    /// Solves with PETSc vectors (any of the bridge's, in the rows'
    /// layout): `b` copied into the solver's own vector (`VecCopy`), `x`'s
    /// memory lent to the solver's vector for the call. Collective.
    pub fn solve_vec(
        &mut self,
        b: &impl AsPetscVec,
        x: &mut impl AsPetscVecMut,
    ) -> Result<SolveReport> {
        self.solver.solve_vecs(b, x)
    }
}

impl<T: IsPetscScalar> LinearSolver<T> for Ksp<'_> {
    fn library(&self) -> Library {
        Library::Petsc
    }
    fn rows(&self) -> &Layout {
        &self.rows
    }
    fn set_tolerances(&mut self, tolerances: Tolerances) -> Result<()> {
        Ksp::set_tolerances(self, tolerances)
    }
    fn use_initial_guess(&mut self, yes: bool) -> Result<()> {
        Ksp::use_initial_guess(self, yes)
    }
    fn solve(&mut self, b: &DistArray<T>, x: &mut DistArray<T>) -> Result<SolveReport> {
        Ksp::solve(self, b, x)
    }
}

impl PetscMat<'_> {
    /// Solves `A x = b` for a right-hand side in the matrix's row layout
    /// (square matrices) and returns `x` in the same layout, written by
    /// PETSc in place; `b` is copied into the solver's own vector and only
    /// read (as in [`Ksp::solve`]). The KSP is made at the first call
    /// (options database as it is then) and reused by later ones, so its
    /// setup (the preconditioner's factorization, say) is done once.
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{scalar_rows, Petsc, PetscMat, Scalar};
    /// use distarray_core::num_complex::ComplexFloat;
    /// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let rows = Layout::block(&Comm::world(), &[5 * 5]).unwrap();
    /// let a = PetscMat::from_csr(&petsc, &rows, &scalar_rows(poisson_2d(&rows, 5, 5).unwrap())).unwrap();
    /// let b = DistArray::full(&rows, Scalar::from(1.0));
    /// let (x, report) = a.solve(&b).unwrap();
    /// assert!(report.reason.starts_with("CONVERGED"), "{report}");
    /// // symmetric problem, symmetric answer: the four corners agree
    /// let corner = x.get(&[0]).unwrap();
    /// let diff = x.get(&[24]).unwrap() - corner;
    /// assert!(ComplexFloat::abs(diff) < 1e-4); // |.| of f64 or Complex64
    /// let first = a.solver_id();
    /// a.solve(&b).unwrap();
    /// assert_eq!(a.solver_id(), first); // the same KSP, set up once
    /// ```
    pub fn solve<T: IsPetscScalar, S: Data<Elem = T>>(
        &self,
        b: &DistArrayBase<S>,
    ) -> Result<(DistArray<T>, SolveReport)> {
        check_rows(self.rows(), "b", b.layout())?;
        if self.solver.get().is_none() {
            // the same on every rank: every rank solved as often
            let _ = self.solver.set(Solver::new(self)?);
        }
        let solver = self.solver.get().expect("made above");
        let mut x = DistArray::zeros(self.rows());
        let report = solver.solve_arrays(self.rows(), b, &mut x)?;
        Ok((x, report))
    }

    /// PETSc's id of the KSP that [`solve`](Self::solve) reuses (`None`
    /// before the first solve): the same from call to call.
    pub fn solver_id(&self) -> Option<i64> {
        let ksp = self.solver.get()?.ksp;
        let mut id: ffi::PetscObjectId = 0;
        // SAFETY: a live KSP (owned by this matrix); writes one integer.
        let code = unsafe { ffi::PetscObjectGetId(ksp.cast(), &mut id) };
        (code == 0).then_some(id as i64)
    }
}

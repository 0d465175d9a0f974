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

use crate::error::{check, pint};
use crate::ffi;
use crate::scalar::IsPetscScalar;
use crate::vector::{AsPetscVec, AsPetscVecMut, PetscVec, ReadVec};
use crate::PetscMat;
use distarray_core::bridge::{Library, LinearSolver, SolveReport, Tolerances};
use distarray_core::comm::fingerprint;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{Comm, DistArray, DistArrayBase, Error, Layout, Result};
use ndarray::Data;
use std::ffi::{c_char, CStr, CString};
use std::marker::PhantomData;
use std::time::Instant;

/// A KSP solver for one matrix. It borrows the matrix (and through it
/// PETSc): PETSc solves with the matrix's memory, which for
/// [`PetscMat::from_csr_split`] is arrays the matrix owns, so the matrix
/// can not be dropped while the solver lives.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Ksp, Petsc, PetscMat, Scalar};
/// use distarray_core::bridge::{LinearSolver, Tolerances};
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// let rows = Layout::block(&comm, &[8 * 8]).unwrap();
/// let a = PetscMat::from_csr_split(&petsc, &rows, &poisson_2d(&rows, 8, 8).unwrap()).unwrap();
/// let mut ksp = Ksp::new(&a).unwrap();
/// ksp.set_method("cg").unwrap();
/// ksp.set_preconditioner("jacobi").unwrap();
/// ksp.set_tolerances(Tolerances::default().relative(1e-10)).unwrap();
///
/// let b = DistArray::full(&rows, Scalar::from(1.0));
/// let mut x = DistArray::zeros(&rows);
/// let report = ksp.solve(&b, &mut x).unwrap(); // b and x shared with PETSc, no copy
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
/// # fn f(petsc: &Petsc, rows: &distarray_core::Layout, csr: &distarray_core::sparse::CsrRows) {
/// let a = PetscMat::from_csr_split(petsc, rows, csr).unwrap();
/// let ksp = Ksp::new(&a).unwrap();
/// drop(a); // error: `a` is still borrowed by `ksp`
/// drop(ksp);
/// # }
/// ```
pub struct Ksp<'a> {
    raw: ffi::KSP,
    rows: Layout,
    /// the operator (and through it PETSc)
    _operator: PhantomData<&'a ()>,
}

/// `KSPCreate` + `KSPSetOperators(a, a)` + `KSPSetFromOptions`.
fn create(a: &PetscMat<'_>) -> Result<ffi::KSP> {
    let mut raw: ffi::KSP = std::ptr::null_mut();
    // SAFETY: a live communicator.
    check(
        unsafe { ffi::KSPCreate(a.rows().comm().raw().as_raw(), &mut raw) },
        "KSPCreate",
    )?;
    // SAFETY: a live KSP and assembled matrix; the KSP's owner borrows the
    // matrix (Ksp) or is destroyed before it (PetscMat's cached solver).
    let configured = unsafe {
        check(
            ffi::KSPSetOperators(raw, a.raw(), a.raw()),
            "KSPSetOperators",
        )
        .and_then(|()| check(ffi::KSPSetFromOptions(raw), "KSPSetFromOptions"))
    };
    if let Err(e) = configured {
        // SAFETY: made above, destroyed once.
        unsafe { ffi::KSPDestroy(&mut raw) };
        return Err(e);
    }
    Ok(raw)
}

/// The same layout on every rank as the operator's rows, or a
/// `LayoutMismatch` on every rank.
fn check_rows(rows: &Layout, what: &str, layout: &Layout) -> Result<()> {
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

/// "ksp type + pc type" (`cg + jacobi`).
fn method(ksp: ffi::KSP) -> Result<String> {
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

/// Refuses the configurations in which KSPSolve writes the right-hand side
/// in place: `b` is a shared array (or a Vec lent for reading), which
/// PETSc must only read. Diagonal scaling (`-ksp_diagonal_scale`) scales
/// `b` in place; the Eisenstat preconditioner rewrites it during the solve.
fn check_b_is_only_read(ksp: ffi::KSP, method: &str) -> Result<()> {
    let mut scale: ffi::PetscBool = ffi::PetscBool_PETSC_FALSE;
    // SAFETY: a live KSP; writes one flag.
    check(
        unsafe { ffi::KSPGetDiagonalScale(ksp, &mut scale) },
        "KSPGetDiagonalScale",
    )?;
    let eisenstat = method.ends_with("+ eisenstat");
    if scale != ffi::PetscBool_PETSC_FALSE || eisenstat {
        return Err(Error::InvalidArgument(format!(
            "PETSc's {} writes the right-hand side in place, which the bridge shares read-only; \
             solve without it",
            if eisenstat {
                "Eisenstat preconditioner"
            } else {
                "diagonal scaling (-ksp_diagonal_scale)"
            }
        )));
    }
    Ok(())
}

/// KSPSolve and what it did; a negative converged reason (the same on every
/// rank) is an `Error::NotConverged`.
fn run(ksp: ffi::KSP, b: &impl AsPetscVec, x: &mut impl AsPetscVecMut) -> Result<SolveReport> {
    let method = method(ksp)?;
    check_b_is_only_read(ksp, &method)?;
    let start = Instant::now();
    // SAFETY: a live KSP and Vecs borrowed for the call; x is writable,
    // b is only read (checked above).
    check(
        unsafe { ffi::KSPSolve(ksp, b.raw_vec(), x.raw_vec()) },
        "KSPSolve",
    )?;
    let time = start.elapsed();
    let (mut reason, mut its, mut rnorm): (ffi::KSPConvergedReason, ffi::PetscInt, ffi::PetscReal) =
        (0, 0, 0.0);
    let mut name: *const c_char = std::ptr::null();
    // SAFETY: each call writes one value (or a static string pointer).
    unsafe {
        check(
            ffi::KSPGetConvergedReason(ksp, &mut reason),
            "KSPGetConvergedReason",
        )?;
        check(
            ffi::KSPGetIterationNumber(ksp, &mut its),
            "KSPGetIterationNumber",
        )?;
        check(
            ffi::KSPGetResidualNorm(ksp, &mut rnorm),
            "KSPGetResidualNorm",
        )?;
        check(
            ffi::KSPGetConvergedReasonString(ksp, &mut name),
            "KSPGetConvergedReasonString",
        )?;
    }
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

/// Solves with `ksp` for arrays in `rows`, both shared with PETSc.
fn solve_arrays<T: IsPetscScalar, S: Data<Elem = T>>(
    ksp: ffi::KSP,
    rows: &Layout,
    b: &DistArrayBase<S>,
    x: &mut DistArray<T>,
) -> Result<SolveReport> {
    check_rows(rows, "b", b.layout())?;
    check_rows(rows, "x", x.layout())?;
    let bv = ReadVec::wrap(b)?;
    let mut xv = PetscVec::wrap_any(x)?;
    run(ksp, &bv, &mut xv)
}

impl<'a> Ksp<'a> {
    /// A solver for `a`; method, preconditioner and tolerances come from
    /// the options database (`-ksp_type`, `-pc_type`, `-ksp_rtol`, ...) as
    /// it is now. Collective.
    pub fn new(a: &'a PetscMat<'_>) -> Result<Ksp<'a>> {
        Ok(Ksp {
            raw: create(a)?,
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
        check(
            unsafe {
                ffi::KSPSetTolerances(
                    self.raw,
                    t.relative,
                    t.absolute,
                    ffi::PETSC_DEFAULT as ffi::PetscReal,
                    max,
                )
            },
            "KSPSetTolerances",
        )
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
        check(
            unsafe { ffi::KSPSetInitialGuessNonzero(self.raw, flag) },
            "KSPSetInitialGuessNonzero",
        )
    }

    /// The Krylov method in PETSc's names (`"cg"`, `"gmres"`, `"bcgs"`,
    /// `"preonly"`, ...: `KSPSetType`). Collective, agreed.
    pub fn set_method(&mut self, name: &str) -> Result<()> {
        let c = self.agreed_name("Ksp::set_method", name)?;
        // SAFETY: a live KSP and a NUL-terminated name (PETSc copies it).
        check(
            unsafe { ffi::KSPSetType(self.raw, c.as_ptr()) },
            "KSPSetType",
        )
    }

    /// The preconditioner in PETSc's names (`"jacobi"`, `"bjacobi"`,
    /// `"gamg"`, `"lu"`, `"none"`, ...: `PCSetType`). Collective, agreed.
    pub fn set_preconditioner(&mut self, name: &str) -> Result<()> {
        let c = self.agreed_name("Ksp::set_preconditioner", name)?;
        let mut pc: ffi::PC = std::ptr::null_mut();
        // SAFETY: a live KSP; its PC lives as long as it does.
        unsafe {
            check(ffi::KSPGetPC(self.raw, &mut pc), "KSPGetPC")?;
            check(ffi::PCSetType(pc, c.as_ptr()), "PCSetType")
        }
    }

    fn agreed_name(&self, what: &str, name: &str) -> Result<CString> {
        let args = fingerprint(name.bytes().map(u64::from));
        self.comm().agree_on(what, args, Ok(()))?;
        self.comm()
            .agree(CString::new(name).map_err(|e| Error::InvalidArgument(format!("{what}: {e}"))))
    }

    /// Solves `A x = b` for arrays in [`rows`](Self::rows), both shared
    /// with PETSc without copying (`b` read-only). Collective; an array of
    /// another layout is a [`LayoutMismatch`](Error::LayoutMismatch), a
    /// solve that does not converge an
    /// [`Error::NotConverged`] with PETSc's reason, on every rank.
    pub fn solve<T: IsPetscScalar>(
        &mut self,
        b: &DistArray<T>,
        x: &mut DistArray<T>,
    ) -> Result<SolveReport> {
        solve_arrays(self.raw, &self.rows, b, x)
    }

    /// Solves with PETSc vectors (any of the bridge's). Collective.
    pub fn solve_vec(
        &mut self,
        b: &impl AsPetscVec,
        x: &mut impl AsPetscVecMut,
    ) -> Result<SolveReport> {
        run(self.raw, b, x)
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

impl Drop for Ksp<'_> {
    fn drop(&mut self) {
        // SAFETY: owned by this handle, destroyed once (before the matrix:
        // the handle borrows it).
        let code = unsafe { ffi::KSPDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: KSPDestroy returned {code}");
        }
    }
}

impl PetscMat<'_> {
    /// Solves `A x = b` for a right-hand side in the matrix's row layout
    /// and returns `x` in the same layout; `b` and `x` are shared with
    /// PETSc (no copy). The KSP is made at the first call (options database
    /// as it is then) and reused by later ones, so its setup (the
    /// preconditioner's factorization, say) is done once. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscMat, Scalar};
    /// use distarray_core::num_complex::ComplexFloat;
    /// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let rows = Layout::block(&Comm::world(), &[5 * 5]).unwrap();
    /// let a = PetscMat::from_csr(&petsc, &rows, &poisson_2d(&rows, 5, 5).unwrap()).unwrap();
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
        let mut ksp = self.solver.get();
        if ksp.is_null() {
            ksp = create(self)?;
            self.solver.set(ksp);
        }
        let mut x = DistArray::zeros(self.rows());
        let report = solve_arrays(ksp, self.rows(), b, &mut x)?;
        Ok((x, report))
    }

    /// PETSc's id of the KSP that [`solve`](Self::solve) reuses (`None`
    /// before the first solve): the same from call to call.
    pub fn solver_id(&self) -> Option<i64> {
        let ksp = self.solver.get();
        if ksp.is_null() {
            return None;
        }
        let mut id: ffi::PetscObjectId = 0;
        // SAFETY: a live KSP (owned by this matrix); writes one integer.
        let code = unsafe { ffi::PetscObjectGetId(ksp.cast(), &mut id) };
        (code == 0).then_some(id as i64)
    }
}

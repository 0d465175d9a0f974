//! The solver checks of `mpi_petsc`: KSP through the core's
//! `LinearSolver`, the convenience `PetscMat::solve` and its reused KSP,
//! solves that do not converge or that PETSc refuses, right-hand sides
//! that stay untouched whatever the preconditioner writes, and failures on
//! one rank that every rank reports.

use super::{harness, max_diff, s, with_petsc};
use distarray::bridge::{Library, LinearSolver, Tolerances};
use distarray::petsc::{scalar_rows, Ksp, Petsc, PetscMat, PetscVec, Scalar};
use distarray::sparse::gallery::poisson_2d;
use distarray::{Comm, Dist, DistArray, Error, Layout};

/// The Poisson problem on an `n x n` grid: the matrix rows, the
/// right-hand side and the analytic solution.
fn poisson<'p>(
    petsc: &'p Petsc,
    comm: &Comm,
    n: usize,
) -> (PetscMat<'p>, DistArray<Scalar>, DistArray<Scalar>) {
    let h = 1.0 / (n + 1) as f64;
    let rows = Layout::block(comm, &[n * n]).unwrap();
    let csr = scalar_rows(poisson_2d(&rows, n, n).unwrap());
    let a = PetscMat::from_csr(petsc, &rows, &csr).unwrap();
    let pi = std::f64::consts::PI;
    let exact = |r: usize| {
        let (x, y) = (((r / n) + 1) as f64 * h, ((r % n) + 1) as f64 * h);
        (pi * x).sin() * (pi * y).sin()
    };
    let b = DistArray::from_fn(&rows, |ix: &[usize]| {
        s(h * h * 2.0 * pi * pi * exact(ix[0]))
    });
    let u = DistArray::from_fn(&rows, |ix: &[usize]| s(exact(ix[0])));
    (a, b, u)
}

pub fn ksp_solves_poisson(comm: &Comm) {
    with_petsc(|petsc| {
        petsc
            .set_options("-ksp_type cg -pc_type jacobi -ksp_rtol 1e-10")
            .unwrap();
        let (a, b, u) = poisson(petsc, comm, 24);
        let (x, report) = a.solve(&b).unwrap();
        assert_eq!(report.library, Library::Petsc);
        assert_eq!(report.method, "cg + jacobi", "the options database chose");
        assert!(
            report.reason.starts_with("CONVERGED") && report.iterations > 0,
            "{report}"
        );
        let err = max_diff(comm, &x, &u);
        assert!(err < 2e-3, "max error {err} against the analytic solution");
        petsc.set_options("-ksp_type gmres -pc_type none").unwrap();
    })
}

/// Code written against `LinearSolver` solves with PETSc: the same answer
/// as the convenience solve, tolerances and the initial guess honoured.
pub fn one_solver_interface(comm: &Comm) {
    fn solve_with(
        solver: &mut dyn LinearSolver<Scalar>,
        b: &DistArray<Scalar>,
    ) -> (DistArray<Scalar>, usize) {
        let mut x = DistArray::zeros(solver.rows());
        let report = solver.solve(b, &mut x).unwrap();
        assert!(report.reason.starts_with("CONVERGED"), "{report}");
        (x, report.iterations)
    }
    with_petsc(|petsc| {
        let (a, b, u) = poisson(petsc, comm, 16);
        let mut ksp = Ksp::new(&a).unwrap();
        ksp.set_method("cg").unwrap();
        ksp.set_preconditioner("jacobi").unwrap();
        let solver: &mut dyn LinearSolver<Scalar> = &mut ksp;
        assert_eq!(solver.library(), Library::Petsc);
        solver
            .set_tolerances(Tolerances::default().relative(1e-10))
            .unwrap();
        let (x, _) = solve_with(solver, &b);
        assert!(max_diff(comm, &x, &u) < 5e-3);
        // (b is an eigenvector of the Laplacian: one CG step; ones need many)
        let ones = DistArray::full(solver.rows(), s(1.0));
        let (y, from_zero) = solve_with(solver, &ones);
        assert!(from_zero > 5, "{from_zero} iterations from zero");
        // started from the answer, the iteration has (almost) nothing to do
        solver.use_initial_guess(true).unwrap();
        let mut again = y.to_owned();
        let report = solver.solve(&ones, &mut again).unwrap();
        assert!(
            report.iterations < from_zero / 2,
            "{report} vs {from_zero} from zero"
        );
        assert!(max_diff(comm, &again, &y) < 1e-8);
        // without it, x's content is ignored: from zero again
        solver.use_initial_guess(false).unwrap();
        let report = solver.solve(&ones, &mut again).unwrap();
        assert_eq!(report.iterations, from_zero, "{report}");
        // b in another layout than the rows: one agreed error, before PETSc
        // (cyclic over 2-D: another layout on one rank too)
        let other = Layout::new(comm, &[16, 16], &[Dist::Cyclic, Dist::Block]).unwrap();
        let mut y = DistArray::<Scalar>::zeros(&other);
        let bad = DistArray::full(&other, s(1.0));
        let err = ksp
            .solve(&bad, &mut y)
            .expect_err("b is not in the rows' layout");
        assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
        harness::assert_same_everywhere(comm, &err);
    })
}

/// `PetscMat::solve` makes its KSP once and reuses it.
pub fn convenience_solve_reuses_its_ksp(comm: &Comm) {
    with_petsc(|petsc| {
        let (a, b, u) = poisson(petsc, comm, 12);
        assert_eq!(a.solver_id(), None, "no KSP before the first solve");
        let (x1, r1) = a.solve(&b).unwrap();
        let id = a.solver_id().expect("a KSP after the first solve");
        let twice = b.map(|v| v * s(2.0));
        let (x2, r2) = a.solve(&twice).unwrap();
        assert_eq!(a.solver_id(), Some(id), "the second solve reuses the KSP");
        assert_eq!(r1.method, r2.method);
        assert!(max_diff(comm, &x1, &u) < 1e-2);
        let doubled = x1.map(|v| v * s(2.0));
        assert!(max_diff(comm, &x2, &doubled) < 1e-6, "linear in b");
        // a second matrix has a KSP of its own
        let (c, _, _) = poisson(petsc, comm, 12);
        c.solve(&b).unwrap();
        assert_ne!(c.solver_id(), Some(id));
    })
}

/// Ranks that own no rows (2 unknowns on 3-4 ranks, or every row on the
/// last rank) take part in every solve: their parts of b and x are empty.
pub fn empty_ranks_solve(comm: &Comm) {
    with_petsc(|petsc| {
        let p = comm.size();
        let last = Layout::new(
            comm,
            &[3],
            &[Dist::BlockBounds([vec![0; p], vec![3]].concat())],
        )
        .unwrap();
        for rows in [Layout::block(comm, &[2]).unwrap(), last] {
            let n = rows.global_len();
            // [2 -1; -1 2 -1; ...]: x = 1 gives b = (1, 0, ..., 0, 1)
            let mut op = distarray::sparse::SparseBuilder::<Scalar>::new(&rows, n).unwrap();
            for r in distarray::sparse::owned_rows(&rows).unwrap() {
                op.add(r, r, s(2.0));
                if r > 0 {
                    op.add(r, r - 1, s(-1.0));
                }
                if r + 1 < n {
                    op.add(r, r + 1, s(-1.0));
                }
            }
            let a = PetscMat::from_csr(petsc, &rows, &op.assemble().unwrap()).unwrap();
            let b = DistArray::from_fn(&rows, |ix: &[usize]| {
                s(if ix[0] == 0 || ix[0] + 1 == n {
                    1.0
                } else {
                    0.0
                })
            });
            let ones = DistArray::full(&rows, s(1.0));
            let mut ksp = Ksp::new(&a).unwrap();
            ksp.set_tolerances(Tolerances::default().relative(1e-12))
                .unwrap();
            let mut x = DistArray::zeros(&rows);
            ksp.solve(&b, &mut x).unwrap();
            assert!(max_diff(comm, &x, &ones) < 1e-8);
            let (y, _) = a.solve(&b).unwrap();
            assert!(max_diff(comm, &y, &ones) < 1e-6);
        }
    })
}

pub fn divergence_and_petsc_errors_are_errors(comm: &Comm) {
    with_petsc(|petsc| {
        let rows = Layout::block(comm, &[100]).unwrap();
        let csr = scalar_rows(poisson_2d(&rows, 10, 10).unwrap());
        let a = PetscMat::from_csr(petsc, &rows, &csr).unwrap();
        let mut ksp = Ksp::new(&a).unwrap();
        ksp.set_tolerances(Tolerances {
            relative: 1e-14,
            absolute: 1e-50,
            max_iterations: 2,
        })
        .unwrap();
        let b = DistArray::full(&rows, s(1.0));
        let mut x = DistArray::zeros(&rows);
        let err = ksp
            .solve(&b, &mut x)
            .expect_err("2 iterations do not converge");
        match &err {
            Error::NotConverged {
                library,
                iterations,
                residual,
                reason,
                method,
            } => {
                assert_eq!(*library, Library::Petsc);
                assert_eq!(*iterations, 2);
                assert!(*residual > 0.0 && residual.is_finite());
                assert_eq!(reason, "DIVERGED_ITS");
                assert!(method.contains(" + "), "{method}");
            }
            other => panic!("expected NotConverged, got {other:?}"),
        }
        harness::assert_same_everywhere(comm, &err);
        // the same through PETSc vectors
        let mut xv = PetscVec::wrap(petsc, &mut x).unwrap();
        let bv = PetscVec::from_array_copy(petsc, &b).unwrap();
        assert!(matches!(
            ksp.solve_vec(&bv, &mut xv),
            Err(Error::NotConverged { .. })
        ));
        // a PETSc error (sizes differ) comes back with PETSc's own message
        let other = Layout::block(comm, &[101]).unwrap();
        let mut c = DistArray::full(&other, s(1.0));
        let cv = PetscVec::wrap(petsc, &mut c).unwrap();
        match xv.axpy(1.0, &cv) {
            Err(Error::Native {
                library,
                message,
                call,
                ..
            }) => {
                assert_eq!(library, Library::Petsc);
                assert_eq!(call, "VecAXPY");
                assert!(message.contains("VecAXPY"), "{message}");
            }
            other => panic!("expected PETSc's error, got {other:?}"),
        }
        drop((xv, cv));
        // diagonal scaling would rescale the borrowed matrix: refused, everywhere
        petsc.set_options("-ksp_diagonal_scale").unwrap();
        let mut scaled = Ksp::new(&a).unwrap();
        petsc.set_options("-ksp_diagonal_scale 0").unwrap();
        let err = scaled
            .solve(&b, &mut x)
            .expect_err("diagonal scaling rescales the matrix");
        assert!(err.to_string().contains("diagonal scaling"), "{err}");
        harness::assert_same_everywhere(comm, &err);
        assert!(b.local().iter().all(|&v| v == s(1.0)), "b untouched");
    })
}

/// Preconditioners that write the right-hand side in place (Eisenstat
/// nested in block Jacobi or in an inner KSP; PETSc 3.18's Eisenstat on an
/// MPIAIJ matrix itself fails in MatMultDiagonalBlock) solve with a copy:
/// the caller's `b` is untouched and the answer is the plain one. Solves
/// keep working after the arrays of earlier solves are gone.
pub fn preconditioners_that_write_b_leave_it_untouched(comm: &Comm) {
    with_petsc(|petsc| {
        let (a, _, _) = poisson(petsc, comm, 10);
        let tight = Tolerances::default().relative(1e-12);
        let b = DistArray::from_fn(a.rows(), |ix: &[usize]| s(1.0 + (ix[0] % 7) as f64));
        let before = b.to_owned();
        let mut reference = Ksp::new(&a).unwrap();
        reference.set_method("cg").unwrap();
        reference.set_preconditioner("jacobi").unwrap();
        reference.set_tolerances(tight).unwrap();
        let mut want = DistArray::zeros(a.rows());
        reference.solve(&b, &mut want).unwrap();
        for options in [
            "-pc_type bjacobi -sub_pc_type eisenstat",
            "-pc_type ksp -ksp_ksp_type preonly -ksp_pc_type eisenstat",
        ] {
            petsc.set_options_on(comm, options).unwrap();
            let made = Ksp::new(&a);
            // back to what the other checks expect
            petsc
                .set_options_on(comm, "-pc_type none -sub_pc_type ilu -ksp_pc_type none")
                .unwrap();
            let mut ksp = made.unwrap();
            ksp.set_method("gmres").unwrap();
            ksp.set_tolerances(tight).unwrap();
            let mut x = DistArray::zeros(a.rows());
            let report = ksp.solve(&b, &mut x).unwrap();
            assert!(report.method.contains("+ "), "{report}");
            assert_eq!(b.local(), before.local(), "{options}: b untouched");
            let apart = max_diff(comm, &x, &want);
            assert!(
                apart < 1e-8,
                "{options}: {apart} from CG's answer ({report})"
            );
            // the arrays of that solve go; the KSP solves again with others
            drop(x);
            let b2 = b.map(|v| v * s(2.0));
            let mut x2 = DistArray::zeros(a.rows());
            ksp.solve(&b2, &mut x2).unwrap();
            drop(b2);
            let doubled = want.map(|v| v * s(2.0));
            assert!(
                max_diff(comm, &x2, &doubled) < 1e-7,
                "{options}: linear in b"
            );
        }
    })
}

/// A KSP option set on one rank only: the failure there (an unknown method
/// when the KSP is made; diagonal scaling refused before the solve) is
/// every rank's error, and no rank is left in PETSc's collective calls.
pub fn failures_on_one_rank_fail_everywhere(comm: &Comm) {
    if comm.size() < 2 {
        return;
    }
    with_petsc(|petsc| {
        let odd = comm.rank() + 1 == comm.size();
        let (a, b, _) = poisson(petsc, comm, 8);
        if odd {
            petsc.set_options("-ksp_type no_such_method").unwrap();
        }
        let made = Ksp::new(&a).map(|_| ());
        petsc.set_options("-ksp_type gmres").unwrap();
        let err = made.expect_err("an unknown method on one rank");
        harness::assert_same_everywhere(comm, &err);
        if odd {
            petsc.set_options("-ksp_diagonal_scale").unwrap();
        }
        let mut ksp = Ksp::new(&a).unwrap();
        petsc.set_options("-ksp_diagonal_scale 0").unwrap();
        let mut x = DistArray::zeros(a.rows());
        let err = ksp
            .solve(&b, &mut x)
            .expect_err("diagonal scaling on one rank");
        assert!(err.to_string().contains("diagonal scaling"), "{err}");
        harness::assert_same_everywhere(comm, &err);
        // the same through the matrix's own solver, made after the options
        // are the same everywhere again
        let (x, report) = a.solve(&b).unwrap();
        assert!(report.reason.starts_with("CONVERGED"), "{report}");
        assert_eq!(x.layout(), a.rows());
    })
}

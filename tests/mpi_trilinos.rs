//! The Trilinos bridge on 1-4 ranks: maps both ways, Tpetra vectors lent as
//! arrays (writes seen on both sides), Belos solves of the Poisson problem
//! through the `LinearSolver` trait against the analytic solution (one
//! solver reused for several right-hand sides), a solve that does not
//! converge as a typed error on every rank, and a Tpetra Import that agrees
//! with our redistribution plan; the soundness checks in
//! `trilinos/soundness.rs` (ranks owning no rows, maps checked, nothing
//! kept between solves, no restart after finalize). (Feature `trilinos`.)

mod harness;
mod laplacian;
#[path = "trilinos/soundness.rs"]
mod soundness;

use distarray::bridge::{Library, LinearSolver, Tolerances};
use distarray::ndarray::{ArrayD, IxDyn, ShapeBuilder};
use distarray::trilinos::{
    export, import, to_native_plan, BelosMethod, BelosSolver, CrsMatrix, Preconditioner, TpetraMap,
    TpetraMultiVector, TpetraVector, Trilinos,
};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::{assert_same_everywhere, Check};
use laplacian::laplacian_2d;
use soundness::{
    empty_ranks_build_apply_and_solve, no_restart_after_finalize,
    rows_off_a_contiguous_map_are_refused_everywhere, solver_keeps_no_array_between_solves,
    vectors_on_wrong_maps_are_refused_everywhere,
};
use std::cell::RefCell;

static CHECKS: &[Check] = &[
    check!(maps_both_ways),
    check!(vectors_share_memory),
    check!(belos_solves_poisson),
    check!(one_solver_many_right_hand_sides),
    check!(not_converging_is_typed_everywhere),
    check!(other_layouts_go_through_the_native_plan),
    check!(import_agrees_with_our_plan),
    check!(our_memory_as_tpetra_vectors),
    check!(broken_csr_on_one_rank_fails_everywhere),
    check!(empty_ranks_build_apply_and_solve),
    check!(rows_off_a_contiguous_map_are_refused_everywhere),
    check!(vectors_on_wrong_maps_are_refused_everywhere),
    check!(solver_keeps_no_array_between_solves),
    check!(tpetra_finalizes),
    check!(no_restart_after_finalize),
];

fn main() {
    harness::main("mpi_trilinos", CHECKS, &[1, 2, 3, 4]);
}

thread_local! {
    static TRILINOS: RefCell<Option<Trilinos>> = const { RefCell::new(None) };
}

fn with_trilinos<R>(comm: &Comm, f: impl FnOnce(&Trilinos) -> R) -> R {
    TRILINOS.with(|t| {
        let mut slot = t.borrow_mut();
        if slot.is_none() {
            *slot = Some(Trilinos::init(comm).expect("Tpetra initializes"));
        }
        f(slot.as_ref().unwrap())
    })
}

fn unstructured(comm: &Comm, n: usize) -> Layout {
    let p = comm.size();
    let ix: Vec<usize> = (0..n)
        .rev()
        .filter(|g| (g * 7 + 3) % p == comm.rank())
        .collect();
    Layout::with_grid(
        comm,
        &[n],
        &[Dist::Unstructured {
            indices: ix,
            one_to_one: true,
        }],
        &[p],
    )
    .unwrap()
}

fn maps_both_ways(comm: &Comm) {
    with_trilinos(comm, |t| {
        let p = comm.size();
        let mut bounds: Vec<usize> = (0..p).map(|r| r * r).collect();
        bounds.push(p * p + 4);
        for layout in [
            Layout::block(comm, &[13]).unwrap(),
            Layout::new(comm, &[p * p + 4], &[Dist::BlockBounds(bounds)]).unwrap(),
            unstructured(comm, 11),
        ] {
            let map = TpetraMap::from_layout(t, &layout).unwrap();
            let back = map.to_layout().unwrap();
            assert_eq!(
                back.global_indices(0),
                layout.global_indices(0),
                "{layout:?}"
            );
        }
        let cyclic = Layout::new(comm, &[10], &[Dist::Cyclic]).unwrap();
        let map = TpetraMap::from_layout(t, &cyclic).unwrap();
        assert_eq!(
            map.to_layout().unwrap().global_indices(0),
            cyclic.global_indices(0)
        );
        let two_d = Layout::block(comm, &[3, 3]).unwrap();
        assert!(matches!(
            TpetraMap::from_layout(t, &two_d),
            Err(Error::LayoutMismatch { .. })
        ));
    })
}

fn vectors_share_memory(comm: &Comm) {
    with_trilinos(comm, |t| {
        let layout = Layout::block(comm, &[17]).unwrap();
        let map = TpetraMap::from_layout(t, &layout).unwrap();
        let mut v = TpetraVector::new(&map).unwrap();
        {
            let mut a = v.array_mut().unwrap();
            let idx = a.layout().global_indices(0);
            for (x, g) in a.local_mut().iter_mut().zip(idx) {
                *x = g as f64;
            }
        }
        let want = (0..17).map(|g| (g * g) as f64).sum::<f64>().sqrt();
        assert!(
            (v.norm2().unwrap() - want).abs() < 1e-9,
            "Tpetra sees the array's write"
        );
        let a = v.to_array().unwrap();
        assert_eq!(
            a.gather_all().unwrap().into_raw_vec_and_offset().0,
            (0..17).map(|g| g as f64).collect::<Vec<_>>()
        );
        a.finish().unwrap();
        // an explicit copy in, and Tpetra's memory lent back read-only
        let src = DistArray::from_fn(&layout, |ix: &[usize]| 2.0 * ix[0] as f64);
        let copy = TpetraVector::from_array_copy(&map, &src).unwrap();
        let (r1, r2) = (copy.to_array().unwrap(), copy.to_array().unwrap()); // shared: two at once
        assert_eq!(r1.local(), src.local());
        assert_eq!(r2.local(), src.local());
        // a multivector in Tpetra's memory, lent as a column-major 2-D array
        let mut mv = TpetraMultiVector::new(&map, 3).unwrap();
        {
            let mut lent = mv.array_mut().unwrap();
            let rows = lent.layout().global_indices(0);
            for (mut row, g) in lent.local_mut().outer_iter_mut().zip(rows) {
                for (c, x) in row.iter_mut().enumerate() {
                    *x = (g * 10 + c) as f64;
                }
            }
        }
        let norms = mv.norms2().unwrap();
        for (c, nm) in norms.iter().enumerate() {
            let want = (0..17)
                .map(|g| ((g * 10 + c) as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!((nm - want).abs() < 1e-9, "column {c}: {nm} vs {want}");
        }
        let whole = mv.to_array().unwrap().gather_all().unwrap();
        assert_eq!(whole[[16, 2]], 162.0);
    })
}

/// A CSR that is wrong on one rank only is the same error on every rank
/// (before: that rank returned while the others entered Tpetra's
/// collective assembly and waited for it).
fn broken_csr_on_one_rank_fails_everywhere(comm: &Comm) {
    with_trilinos(comm, |t| {
        let rows = Layout::block(comm, &[16]).unwrap();
        let map = TpetraMap::from_layout(t, &rows).unwrap();
        let mut csr = laplacian_2d(&rows, 4, 4).unwrap();
        if comm.rank() + 1 == comm.size() {
            if let Some(c) = csr.cols.last_mut() {
                *c = 99;
            }
        }
        let err = CrsMatrix::from_csr(&map, &csr)
            .err()
            .expect("a broken CSR is an error");
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert_same_everywhere(comm, &err);
    })
}

/// The Poisson right-hand side h² 2π² sin(πx) sin(πy) on an n x n grid
/// and its exact solution, as functions of the row.
fn poisson(n: usize) -> (impl Fn(usize) -> f64, impl Fn(usize) -> f64) {
    let h = 1.0 / (n + 1) as f64;
    let pi = std::f64::consts::PI;
    let exact = move |r: usize| {
        (pi * ((r / n) + 1) as f64 * h).sin() * (pi * ((r % n) + 1) as f64 * h).sin()
    };
    (move |r| h * h * 2.0 * pi * pi * exact(r), exact)
}

/// The largest |a - b| over every rank.
fn max_diff(comm: &Comm, a: &DistArray<f64>, b: &DistArray<f64>) -> f64 {
    let mine = a
        .local()
        .iter()
        .zip(b.local().iter())
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max);
    comm.all_gather_u64(mine.to_bits())
        .into_iter()
        .map(f64::from_bits)
        .fold(0.0, f64::max)
}

fn belos_solves_poisson(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 20;
        let rows = Layout::block(comm, &[n * n]).unwrap();
        let map = TpetraMap::from_layout(t, &rows).unwrap();
        let a = CrsMatrix::from_csr(&map, &laplacian_2d(&rows, n, n).unwrap()).unwrap();
        let (rhs, exact) = poisson(n);
        let b = DistArray::from_fn(&rows, |ix: &[usize]| rhs(ix[0]));
        let want = DistArray::from_fn(&rows, |ix: &[usize]| exact(ix[0]));
        for (method, prec) in [
            (BelosMethod::Cg, Preconditioner::None),
            (BelosMethod::Cg, Preconditioner::Jacobi),
            (BelosMethod::Cg, Preconditioner::Ilu),
            (BelosMethod::Gmres, Preconditioner::None),
            (BelosMethod::Gmres, Preconditioner::Ilu),
            (BelosMethod::BiCgStab, Preconditioner::Jacobi),
            (BelosMethod::Minres, Preconditioner::None),
        ] {
            let mut solver = BelosSolver::new(&a, method, prec).unwrap();
            solver
                .set_tolerances(Tolerances::default().relative(1e-10))
                .unwrap();
            // through the trait object: a program written for any library
            let s: &mut dyn LinearSolver<f64> = &mut solver;
            assert_eq!(s.library(), Library::Trilinos);
            assert_eq!(s.rows(), &rows);
            let mut x = DistArray::full(&rows, 7.0); // ignored: no initial guess
            let report = s.solve(&b, &mut x).unwrap();
            assert!(
                report.iterations > 0 && report.residual <= 1e-10,
                "{method:?}/{prec:?}: {report}"
            );
            assert_eq!(report.reason, "converged");
            assert!(report.method.contains(method.name()), "{}", report.method);
            let err = max_diff(comm, &x, &want);
            assert!(err < 3e-3, "{method:?}/{prec:?}: max error {err}");
            // Belos' numbers come from global reductions: the same on every rank
            let words = [report.iterations as u64, report.residual.to_bits()];
            assert!(comm.same_on_all(words[0]) && comm.same_on_all(words[1]));
        }
        // Tpetra-owned vectors solve alike
        let mut solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::Jacobi).unwrap();
        let bv = TpetraVector::from_array_copy(&map, &b).unwrap();
        let mut xv = TpetraVector::new(&map).unwrap();
        let report = solver.solve_vectors(&bv, &mut xv).unwrap();
        assert!(report.iterations > 0);
        let x = xv.to_array().unwrap().to_owned();
        assert!(max_diff(comm, &x, &want) < 3e-3);
    })
}

/// One solver, set up once (preconditioner and Belos manager kept in the
/// shim), solves several right-hand sides; an initial guess that is the
/// solution converges at once.
fn one_solver_many_right_hand_sides(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 12;
        let rows = Layout::block(comm, &[n * n]).unwrap();
        let map = TpetraMap::from_layout(t, &rows).unwrap();
        let csr = laplacian_2d(&rows, n, n).unwrap();
        let a = CrsMatrix::from_csr(&map, &csr).unwrap();
        let mut solver = BelosSolver::new(&a, BelosMethod::Gmres, Preconditioner::Ilu).unwrap();
        solver
            .set_tolerances(Tolerances::default().relative(1e-11))
            .unwrap();
        for k in 1..=3 {
            let b = DistArray::from_fn(&rows, |ix: &[usize]| ((ix[0] * k) % 5) as f64 + 1.0);
            let mut x = DistArray::zeros(&rows);
            let report = solver.solve(&b, &mut x).unwrap();
            assert!(report.iterations > 0, "{report}");
            // the residual with our own stencil: |A x - b| small everywhere
            let (r, ax, br) = worst_stencil_row(n, &x, &b);
            assert!((ax - br).abs() < 1e-7, "rhs {k}, row {r}: {ax} vs {br}");
            // started from its own solution, a solve to an absolute
            // tolerance has nothing to do
            solver.use_initial_guess(true).unwrap();
            solver
                .set_tolerances(Tolerances::default().relative(0.0).absolute(1e-8))
                .unwrap();
            let again = solver.solve(&b, &mut x).unwrap();
            assert!(again.iterations <= 1, "{again}");
            solver.use_initial_guess(false).unwrap();
            solver
                .set_tolerances(Tolerances::default().relative(1e-11))
                .unwrap();
        }
        // an absolute tolerance is honoured: the residual of a loose solve
        // is below it
        solver
            .set_tolerances(Tolerances::default().relative(0.0).absolute(1e-3))
            .unwrap();
        let b = DistArray::full(&rows, 1.0);
        let mut x = DistArray::zeros(&rows);
        let loose = solver.solve(&b, &mut x).unwrap();
        let bnorm = (n * n) as f64; // ||b||² for b = 1: r0 = b from a zero start
        assert!(loose.residual * bnorm.sqrt() <= 1e-3 * 1.0001, "{loose}");
        // arguments that differ between ranks, or a wrong layout, are errors everywhere
        let other = Layout::new(comm, &[n * n], &[Dist::Cyclic]).unwrap();
        let wrong = DistArray::zeros(&other);
        let mut x = DistArray::zeros(&rows);
        if comm.size() > 1 {
            let e = solver.solve(&wrong, &mut x).unwrap_err();
            assert!(matches!(e, Error::LayoutMismatch { .. }), "{e}");
            assert_same_everywhere(comm, &e);
        }
        let bad = if comm.rank() == 0 { -1.0 } else { 1e-8 };
        let e = solver
            .set_tolerances(Tolerances::default().relative(bad))
            .unwrap_err();
        assert_same_everywhere(comm, &e);
    })
}

/// Too few iterations: Error::NotConverged with Belos' numbers, on every rank.
/// `(A x)[r]` with our own 5-point stencil on the `n x n` grid, for the
/// row `r` where it is farthest from `b[r]`: `(r, (A x)[r], b[r])`.
/// Collective (gathers x and b).
fn worst_stencil_row(n: usize, x: &DistArray<f64>, b: &DistArray<f64>) -> (usize, f64, f64) {
    let whole = x.gather_all().unwrap();
    let bw = b.gather_all().unwrap();
    let ax = |r: usize| {
        let (i, j) = (r / n, r % n);
        let mut v = 4.0 * whole[r];
        if i > 0 {
            v -= whole[r - n];
        }
        if i + 1 < n {
            v -= whole[r + n];
        }
        if j > 0 {
            v -= whole[r - 1];
        }
        if j + 1 < n {
            v -= whole[r + 1];
        }
        v
    };
    (0..n * n)
        .map(|r| (r, ax(r), bw[r]))
        .max_by(|p, q| (p.1 - p.2).abs().total_cmp(&(q.1 - q.2).abs()))
        .expect("a non-empty grid")
}

fn not_converging_is_typed_everywhere(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 16;
        let rows = Layout::block(comm, &[n * n]).unwrap();
        let map = TpetraMap::from_layout(t, &rows).unwrap();
        let a = CrsMatrix::from_csr(&map, &laplacian_2d(&rows, n, n).unwrap()).unwrap();
        let mut solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::None).unwrap();
        solver
            .set_tolerances(Tolerances::default().relative(1e-14).max_iterations(2))
            .unwrap();
        let b = DistArray::from_fn(&rows, |ix: &[usize]| (ix[0] % 3) as f64);
        let mut x = DistArray::zeros(&rows);
        let e = solver.solve(&b, &mut x).unwrap_err();
        match &e {
            Error::NotConverged {
                library,
                iterations,
                residual,
                reason,
                ..
            } => {
                assert_eq!(*library, Library::Trilinos);
                assert_eq!(*iterations, 2);
                assert!(*residual > 1e-14 && residual.is_finite(), "{residual}");
                assert_eq!(reason, "max iterations");
            }
            other => panic!("expected NotConverged, got {other}"),
        }
        assert_same_everywhere(comm, &e);
    })
}

/// A 2-D cyclic array goes to Tpetra through the explicit native plan and
/// back: the solve on the native layout equals the one on a block layout.
fn other_layouts_go_through_the_native_plan(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 8;
        let grid = Layout::new(comm, &[n, n], &[Dist::Cyclic, Dist::Block]).unwrap();
        let mut plan = to_native_plan(&grid).unwrap();
        assert_eq!(plan.native.shape(), &[n * n]);
        let map = TpetraMap::from_layout(t, &plan.native).unwrap();
        let a = CrsMatrix::from_csr(&map, &laplacian_2d(&plan.native, n, n).unwrap()).unwrap();
        let mut solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::Jacobi).unwrap();
        let b2 = DistArray::from_fn(&grid, |ix: &[usize]| (ix[0] + 2 * ix[1]) as f64);
        let mut b = DistArray::zeros(&plan.native);
        plan.to_native.execute(&b2, &mut b).unwrap();
        let mut x = DistArray::zeros(&plan.native);
        solver.solve(&b, &mut x).unwrap();
        let mut x2 = DistArray::zeros(&grid);
        plan.from_native.execute(&x, &mut x2).unwrap();
        // x2[i, j] is the solution at row i * n + j
        let flat = x.gather_all().unwrap();
        let back = x2.gather_all().unwrap();
        for i in 0..n {
            for j in 0..n {
                assert_eq!(back[[i, j]], flat[i * n + j]);
            }
        }
    })
}

fn import_agrees_with_our_plan(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 29;
        let src = unstructured(comm, n);
        let dst = Layout::block(comm, &[n]).unwrap();
        let (sm, dm) = (
            TpetraMap::from_layout(t, &src).unwrap(),
            TpetraMap::from_layout(t, &dst).unwrap(),
        );
        let mut xs = TpetraVector::new(&sm).unwrap();
        {
            let mut a = xs.array_mut().unwrap();
            let idx = a.layout().global_indices(0);
            for (v, g) in a.local_mut().iter_mut().zip(idx) {
                *v = (g * 3) as f64 + 0.5;
            }
        }
        let mut yd = TpetraVector::new(&dm).unwrap();
        import(&xs, &mut yd).unwrap();
        let ours = DistArray::from_fn(&src, |ix: &[usize]| (ix[0] * 3) as f64 + 0.5)
            .redistribute(&dst)
            .unwrap();
        assert_eq!(
            yd.to_array().unwrap().local(),
            ours.local(),
            "Tpetra Import and our plan agree"
        );
        // and an Export the other way agrees with our plan back
        let mut back = TpetraVector::new(&sm).unwrap();
        export(&yd, &mut back).unwrap();
        let ours_back = ours.redistribute(&src).unwrap();
        assert_eq!(
            back.to_array().unwrap().local(),
            ours_back.local(),
            "Tpetra Export and our plan agree"
        );
    })
}

fn our_memory_as_tpetra_vectors(comm: &Comm) {
    with_trilinos(comm, |t| {
        // a solve straight into our array: b and x are our memory
        let n = 12;
        let rows = Layout::block(comm, &[n * n]).unwrap();
        let map = TpetraMap::from_layout(t, &rows).unwrap();
        let a = CrsMatrix::from_csr(&map, &laplacian_2d(&rows, n, n).unwrap()).unwrap();
        let mut b = DistArray::from_fn(&rows, |ix: &[usize]| 1.0 + (ix[0] % 7) as f64);
        let mut x = DistArray::zeros(&rows);
        {
            let bv = TpetraVector::wrap(&map, &mut b).unwrap();
            let want = (0..n * n)
                .map(|g| (1.0 + (g % 7) as f64).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(
                (bv.norm2().unwrap() - want).abs() < 1e-9,
                "Tpetra sees our values"
            );
        }
        let mut solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::Jacobi).unwrap();
        solver
            .set_tolerances(Tolerances::default().relative(1e-12))
            .unwrap();
        solver.solve(&b, &mut x).unwrap(); // b and x wrapped, no copy
                                           // the solution is in our array: check the residual with our own stencil
        let (r, ax, br) = worst_stencil_row(n, &x, &b);
        assert!((ax - br).abs() < 1e-6, "row {r}: {ax} vs {br}");
        // a multivector over a column-major 2-D array: shared; a row-major one: explicit copy
        let rows3 = Layout::new(comm, &[10, 3], &[Dist::Block, Dist::NotDistributed]).unwrap();
        let map3 = TpetraMap::from_layout(t, &Layout::block(comm, &[10]).unwrap()).unwrap();
        let c = DistArray::from_fn(&rows3, |ix: &[usize]| (ix[0] + 10 * ix[1]) as f64);
        let mut f = ArrayD::zeros(IxDyn(c.local().shape()).f());
        f.assign(&c.local());
        let mut fa = DistArray::from_local(rows3.clone(), f).unwrap();
        {
            let mut mv = TpetraMultiVector::wrap(&map3, &mut fa).unwrap();
            let norms = mv.norms2().unwrap();
            for (col, &nm) in norms.iter().enumerate() {
                let want = (0..10)
                    .map(|r| ((r + 10 * col) as f64).powi(2))
                    .sum::<f64>()
                    .sqrt();
                assert!((nm - want).abs() < 1e-9, "column {col}");
            }
            mv.scale(-1.0).unwrap();
        }
        assert_eq!(
            fa.gather_all().unwrap(),
            c.gather_all().unwrap().mapv(|v| -v),
            "Tpetra wrote our memory"
        );
        let mut row_major = c.to_owned();
        match TpetraMultiVector::wrap(&map3, &mut row_major) {
            Err(Error::LayoutMismatch { detail, .. }) => {
                assert!(detail.contains("from_array_copy"), "{detail}")
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a row-major buffer must not be shared silently"),
        }
        let copy = TpetraMultiVector::from_array_copy(&map3, &c).unwrap();
        assert_eq!(copy.norms2().unwrap().len(), 3);
    })
}

/// Handles are counted: a second handle keeps Tpetra alive after the
/// first is dropped (objects made through it stay valid), and the last one
/// finalizes Tpetra, once, before MPI.
fn tpetra_finalizes(comm: &Comm) {
    TRILINOS.with(|t| {
        let first = t
            .borrow_mut()
            .take()
            .expect("initialized by the earlier checks");
        let second = Trilinos::init(comm).expect("a second handle");
        drop(first); // Tpetra still runs: `second` lives
        let layout = Layout::block(comm, &[10]).unwrap();
        let map = TpetraMap::from_layout(&second, &layout).unwrap();
        let mut a = DistArray::full(&layout, 2.0);
        let v = TpetraVector::wrap(&map, &mut a).unwrap();
        assert!((v.norm2().unwrap() - 40f64.sqrt()).abs() < 1e-12);
        drop(v);
        drop(map);
        drop(second); // Tpetra::finalize; MPI stays up for the harness
    });
    assert!(distarray::mpi::environment::is_initialized());
}

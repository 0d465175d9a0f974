//! The Elemental bridge on 1-4 ranks: Elemental's row-major grid numbers
//! processes as distarray's C-order grid; every DistMatrix distribution the
//! bridge maps is exactly its layout (checked cell by cell through
//! Elemental's own Get); arrays attach without copying and Elemental's
//! memory is lent as arrays (writes seen both ways); other layouts move by
//! explicit redistributions; GEMM, LU solve, Cholesky and SPD solve agree
//! with a local reference; the LU solver (factored once, behind the
//! `LinearSolver` trait) solves several right-hand sides of a matrix
//! assembled from sparse rows; every scalar type (f32, f64, Complex32,
//! Complex64) round-trips and solves; a singular matrix is a typed error;
//! bad input is an error on every rank. (Built with
//! `--features elemental`; scripts/test enables it when Elemental is found.)

mod harness;

use distarray::bridge::{Library, LinearSolver};
use distarray::elemental::{
    cholesky, column_major_zeros, gemm, linear_solve, spd_solve, DistMatrix, ElDist, ElGrid,
    ElScalar, Elemental, LuSolver, Orientation, Triangle,
};
use distarray::ndarray::{Array2, Ix2};
use distarray::num_complex::{Complex32, Complex64};
use distarray::sparse::gallery::poisson_2d;
use distarray::{Comm, DistArray, Error, Layout};
use harness::Check;
use std::cell::RefCell;

static CHECKS: &[Check] = &[
    check!(grids_number_processes_in_c_order),
    check!(every_distribution_is_its_layout),
    check!(attached_arrays_share_memory),
    check!(elemental_memory_is_lent_as_arrays),
    check!(other_layouts_move_by_explicit_redistribution),
    check!(gemm_agrees_with_ndarray),
    check!(solves_and_factorizations_agree_with_ndarray),
    check!(bad_input_is_an_error_everywhere),
    check!(lu_solver_factors_once_for_many_right_hand_sides),
    check!(a_singular_matrix_is_not_converged_everywhere),
    check!(every_scalar_type_round_trips_and_solves),
];

fn main() {
    harness::main("mpi_elemental", CHECKS, &[1, 2, 3, 4]);
}

thread_local! {
    static EL: RefCell<Option<&'static Elemental>> = const { RefCell::new(None) };
}

fn el() -> &'static Elemental {
    EL.with(|e| {
        *e.borrow_mut().get_or_insert_with(|| {
            Box::leak(Box::new(Elemental::init().expect("Elemental initializes")))
        })
    })
}

fn heights(p: usize) -> Vec<usize> {
    (1..=p).filter(|h| p % h == 0).collect()
}

fn value(i: usize, j: usize) -> f64 {
    (100 * i + j) as f64 + 0.5
}

fn grids_number_processes_in_c_order(comm: &Comm) {
    for h in heights(comm.size()) {
        let grid = ElGrid::new(el(), comm, h).unwrap(); // checks Elemental's row/col/VC/VR
        assert_eq!((grid.height(), grid.width()), (h, comm.size() / h));
        // [MC,MR] is the C-order cyclic x cyclic layout on the same communicator
        let layout = grid.layout(ElDist::McMr, 9, 7).unwrap();
        assert!(layout.comm().congruent(comm));
        assert_eq!(layout.grid().shape(), &[h, comm.size() / h]);
    }
    // a layout's own grid gives Elemental's grid
    let layout = Layout::block(comm, &[12, 12]).unwrap();
    let grid = ElGrid::for_layout(el(), &layout).unwrap();
    assert_eq!(grid.height(), layout.grid().shape()[0]);
}

/// Elemental's Get reads every cell; it must be the one our layout put there.
fn assert_cells(m: &DistMatrix<'_>, f: impl Fn(usize, usize) -> f64, what: &str) {
    let (rows, cols) = m.shape();
    for i in 0..rows {
        for j in 0..cols {
            assert_eq!(m.get(i, j).unwrap(), f(i, j), "{what}: entry ({i}, {j})");
        }
    }
}

/// Writes f(i, j) into each local cell through distarray's view of the matrix.
fn fill_through_array(m: &mut DistMatrix<'_>, f: impl Fn(usize, usize) -> f64) {
    let mut a = m.array_mut().unwrap();
    let (rows, cols) = (a.layout().global_indices(0), a.layout().global_indices(1));
    for ((i, j), x) in a
        .local_mut()
        .into_dimensionality::<Ix2>()
        .unwrap()
        .indexed_iter_mut()
    {
        *x = f(rows[i], cols[j]);
    }
}

fn every_distribution_is_its_layout(comm: &Comm) {
    for h in heights(comm.size()) {
        let grid = ElGrid::new(el(), comm, h).unwrap();
        for d in ElDist::ALL {
            for (m, n) in [(7, 5), (2, 9), (0, 3)] {
                let mut a = DistMatrix::new(&grid, d, m, n).unwrap();
                let found = grid
                    .dist_of(a.layout())
                    .unwrap()
                    .expect("a DistMatrix layout");
                assert_eq!(
                    grid.layout(found, m, n).unwrap(),
                    *a.layout(),
                    "{d:?} found as {found:?}"
                );
                fill_through_array(&mut a, value);
                assert_cells(&a, value, &format!("{d:?} {m}x{n} on a {h}-high grid"));
            }
        }
    }
}

fn attached_arrays_share_memory(comm: &Comm) {
    let h = heights(comm.size())[heights(comm.size()).len() / 2];
    let grid = ElGrid::new(el(), comm, h).unwrap();
    for d in ElDist::ALL {
        let layout = grid.layout(d, 6, 5).unwrap();
        let mut a = column_major_zeros(&layout);
        let (rows, cols) = (layout.global_indices(0), layout.global_indices(1));
        for ((i, j), x) in a
            .local_mut()
            .into_dimensionality::<Ix2>()
            .unwrap()
            .indexed_iter_mut()
        {
            *x = value(rows[i], cols[j]);
        }
        let ptr = a.local().as_ptr();
        {
            let mut m = DistMatrix::attach(&grid, d, &mut a).unwrap();
            assert_eq!(m.dist(), d);
            // Elemental sees the array's values, and its buffer is the array's
            assert_cells(&m, value, &format!("attached {d:?}"));
            if layout.local_len() > 0 {
                assert_eq!(
                    m.to_array().unwrap().local().as_ptr(),
                    ptr,
                    "the same memory"
                );
            }
            // Elemental writes; the array sees them after the matrix is gone
            for i in 0..6 {
                for j in 0..5 {
                    m.set(i, j, -value(i, j)).unwrap();
                }
            }
        }
        let want = DistArray::from_fn(&layout, |ix: &[usize]| -value(ix[0], ix[1]));
        assert_eq!(
            a.local(),
            want.local(),
            "the array sees Elemental's writes ({d:?})"
        );
        // a C-order array is not Elemental's memory order: an error, or an explicit copy
        let c_order = DistArray::from_fn(&layout, |ix: &[usize]| value(ix[0], ix[1]));
        let copy = DistMatrix::from_array_copy(&grid, d, &c_order).unwrap();
        assert_cells(&copy, value, &format!("copied {d:?}"));
    }
    // a C-order local block of 2 x 2 or more cannot attach (every rank refuses)
    let layout = grid.layout(ElDist::McMr, 8, 8).unwrap();
    let mut c = DistArray::<f64>::zeros(&layout);
    let err = DistMatrix::attach(&grid, ElDist::McMr, &mut c)
        .expect_err("a C-order 2-D local block is refused");
    assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
    harness::assert_same_everywhere(comm, &err);
}

fn elemental_memory_is_lent_as_arrays(comm: &Comm) {
    let grid = ElGrid::new(el(), comm, 1).unwrap();
    let mut m = DistMatrix::new(&grid, ElDist::McMr, 5, 8).unwrap();
    m.set(2, 3, 7.5).unwrap();
    {
        let a = m.to_array().unwrap();
        assert_eq!(
            a.get(&[2, 3]).unwrap(),
            7.5,
            "the array sees Elemental's write"
        );
        assert_eq!(a.sum(distarray::All).unwrap(), 7.5);
    }
    {
        let mut a = m.array_mut().unwrap();
        a.local_mut().fill(1.0);
    }
    assert_eq!(
        m.get(4, 7).unwrap(),
        1.0,
        "Elemental sees the array's write"
    );
}

fn other_layouts_move_by_explicit_redistribution(comm: &Comm) {
    let grid = ElGrid::new(el(), comm, heights(comm.size()).last().copied().unwrap()).unwrap();
    let block = Layout::block(comm, &[9, 6]).unwrap();
    let src = DistArray::from_fn(&block, |ix: &[usize]| value(ix[0], ix[1]));
    // a block layout is no DistMatrix layout (on more than one rank)
    if comm.size() > 1 {
        let err = DistMatrix::from_array_copy(&grid, ElDist::McMr, &src)
            .expect_err("block is not element-cyclic");
        assert!(err.to_string().contains("redistribution"), "{err}");
    }
    for d in ElDist::ALL {
        let target = grid.layout(d, 9, 6).unwrap();
        let mut to = grid.redistribution(&block, &target).unwrap();
        let mut there = DistArray::zeros(&target);
        to.execute(&src, &mut there).unwrap();
        let m = DistMatrix::from_array_copy(&grid, d, &there).unwrap();
        assert_cells(&m, value, &format!("{d:?} after a redistribution"));
        // straight into Elemental's memory order (column-major), then attached
        let mut cm = column_major_zeros(&target);
        to.execute(&src, &mut cm).unwrap();
        let attached = DistMatrix::attach(&grid, d, &mut cm).unwrap();
        assert_cells(
            &attached,
            value,
            &format!("{d:?} redistributed column-major"),
        );
        drop(attached);
        // and back out of Elemental's memory
        let mut back = grid.redistribution(&target, &block).unwrap();
        let mut again = DistArray::zeros(&block);
        back.execute(&m.to_array().unwrap(), &mut again).unwrap();
        assert_eq!(again.local(), src.local(), "{d:?} there and back");
        // the one-call hand-off, from the block layout and from the
        // distribution's own layout
        let one = DistMatrix::from_distarray(&grid, d, &src).unwrap();
        assert_cells(&one, value, &format!("{d:?} from_distarray (block)"));
        let same = DistMatrix::from_distarray(&grid, d, &there).unwrap();
        assert_cells(&same, value, &format!("{d:?} from_distarray (own layout)"));
    }
    // a cyclic x block-cyclic array too, and a 1-D one is an error everywhere
    let odd = Layout::new(
        comm,
        &[7, 10],
        &[distarray::Dist::Cyclic, distarray::Dist::BlockCyclic(3)],
    )
    .unwrap();
    let src = DistArray::from_fn(&odd, |ix: &[usize]| value(ix[0], ix[1]));
    let m = DistMatrix::from_distarray(&grid, ElDist::McMr, &src).unwrap();
    assert_cells(&m, value, "from_distarray (cyclic x block-cyclic)");
    let flat = DistArray::<f64>::zeros(&Layout::block(comm, &[7]).unwrap());
    let err = DistMatrix::from_distarray(&grid, ElDist::McMr, &flat).unwrap_err();
    assert!(err.to_string().contains("2-D"), "{err}");
}

fn gathered(m: &DistMatrix<'_>) -> Array2<f64> {
    m.to_array()
        .unwrap()
        .gather_all()
        .unwrap()
        .into_dimensionality::<Ix2>()
        .unwrap()
}

fn matrix<'a>(grid: &'a ElGrid<'a>, d: ElDist, m: usize, n: usize, seed: u64) -> DistMatrix<'a> {
    let layout = grid.layout(d, m, n).unwrap();
    DistMatrix::from_array_copy(grid, d, &DistArray::<f64>::random(&layout, seed)).unwrap()
}

/// Adds `x` to every diagonal cell, through Elemental's get/set.
fn add_to_diagonal(m: &mut DistMatrix<'_>, x: f64) {
    let (rows, cols) = m.shape();
    for i in 0..rows.min(cols) {
        let d = m.get(i, i).unwrap();
        m.set(i, i, d + x).unwrap();
    }
}

fn close(a: &Array2<f64>, b: &Array2<f64>, tol: f64) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

fn gemm_agrees_with_ndarray(comm: &Comm) {
    for h in heights(comm.size()) {
        let grid = ElGrid::new(el(), comm, h).unwrap();
        for (da, db, dc) in [
            (ElDist::McMr, ElDist::McMr, ElDist::McMr),
            (ElDist::VcStar, ElDist::StarVr, ElDist::MrMc),
            (ElDist::StarStar, ElDist::CircCirc, ElDist::VrStar),
        ] {
            let a = matrix(&grid, da, 11, 7, 1);
            let b = matrix(&grid, db, 7, 5, 2);
            let mut c = matrix(&grid, dc, 11, 5, 3);
            let (ga, gb, gc) = (gathered(&a), gathered(&b), gathered(&c));
            gemm(
                Orientation::Normal,
                Orientation::Normal,
                2.0,
                &a,
                &b,
                0.5,
                &mut c,
            )
            .unwrap();
            assert!(
                close(&gathered(&c), &(2.0 * ga.dot(&gb) + 0.5 * gc), 1e-12),
                "{da:?} {db:?} {dc:?}"
            );
            // transposed operands
            let at = matrix(&grid, da, 7, 11, 4);
            let mut c2 = DistMatrix::new(&grid, dc, 11, 5).unwrap();
            gemm(
                Orientation::Transpose,
                Orientation::Normal,
                1.0,
                &at,
                &b,
                0.0,
                &mut c2,
            )
            .unwrap();
            assert!(close(&gathered(&c2), &gathered(&at).t().dot(&gb), 1e-12));
        }
    }
}

fn solves_and_factorizations_agree_with_ndarray(comm: &Comm) {
    let n = 13;
    for h in heights(comm.size()) {
        let grid = ElGrid::new(el(), comm, h).unwrap();
        // a well-conditioned general matrix: random + n on the diagonal
        let mut a = matrix(&grid, ElDist::McMr, n, n, 5);
        add_to_diagonal(&mut a, n as f64);
        let ga = gathered(&a);
        let mut b = matrix(&grid, ElDist::VcStar, n, 3, 6);
        let gb = gathered(&b);
        linear_solve(&a, &mut b).unwrap();
        assert!(close(&ga.dot(&gathered(&b)), &gb, 1e-10), "A X = B by LU");
        assert!(close(&gathered(&a), &ga, 0.0), "A unchanged");
        // symmetric positive definite: M Mᵀ + n I
        let m = matrix(&grid, ElDist::McMr, n, n, 7);
        let mut spd = DistMatrix::new(&grid, ElDist::McMr, n, n).unwrap();
        gemm(
            Orientation::Normal,
            Orientation::Transpose,
            1.0,
            &m,
            &m,
            0.0,
            &mut spd,
        )
        .unwrap();
        add_to_diagonal(&mut spd, n as f64);
        let gs = gathered(&spd);
        let mut b = matrix(&grid, ElDist::McMr, n, 2, 8);
        let gb = gathered(&b);
        spd_solve(Triangle::Lower, &spd, &mut b).unwrap();
        assert!(close(&gs.dot(&gathered(&b)), &gb, 1e-10), "SPD solve");
        cholesky(Triangle::Lower, &mut spd).unwrap();
        let l = Array2::from_shape_fn(
            (n, n),
            |(i, j)| if j <= i { gathered(&spd)[[i, j]] } else { 0.0 },
        );
        assert!(close(&l.dot(&l.t()), &gs, 1e-10), "L Lᵀ = A");
    }
}

fn bad_input_is_an_error_everywhere(comm: &Comm) {
    let p = comm.size();
    if p > 1 && p % 2 == 1 {
        let err = ElGrid::new(el(), comm, 2).expect_err("2 does not divide an odd count");
        harness::assert_same_everywhere(comm, &err);
    }
    let grid = ElGrid::new(el(), comm, 1).unwrap();
    let a = DistMatrix::new(&grid, ElDist::McMr, 4, 3).unwrap();
    let b = DistMatrix::new(&grid, ElDist::McMr, 4, 3).unwrap();
    let mut c = DistMatrix::new(&grid, ElDist::McMr, 4, 3).unwrap();
    let err = gemm(
        Orientation::Normal,
        Orientation::Normal,
        1.0,
        &a,
        &b,
        0.0,
        &mut c,
    )
    .expect_err("3 != 4");
    harness::assert_same_everywhere(comm, &err);
    // a singular system is reported, not returned as infinities
    let zero = DistMatrix::new(&grid, ElDist::McMr, 4, 4).unwrap();
    let mut rhs = DistMatrix::new(&grid, ElDist::McMr, 4, 1).unwrap();
    rhs.set(0, 0, 1.0).unwrap();
    let err = linear_solve(&zero, &mut rhs).expect_err("a singular matrix");
    harness::assert_same_everywhere(comm, &err);
    // not positive definite
    let mut neg = DistMatrix::new(&grid, ElDist::McMr, 3, 3).unwrap();
    for i in 0..3 {
        neg.set(i, i, -1.0).unwrap();
    }
    let err = cholesky(Triangle::Lower, &mut neg).expect_err("not SPD");
    harness::assert_same_everywhere(comm, &err);
    // non-square solve
    let mut rhs = DistMatrix::new(&grid, ElDist::McMr, 4, 1).unwrap();
    let err = linear_solve(&a, &mut rhs).expect_err("A is 4 x 3");
    harness::assert_same_everywhere(comm, &err);
    // operands on different grids
    let other = ElGrid::new(el(), comm, p).unwrap();
    let x = DistMatrix::<f64>::new(&other, ElDist::McMr, 3, 3).unwrap();
    let mut y = DistMatrix::new(&grid, ElDist::McMr, 3, 3).unwrap();
    let err = linear_solve(&x, &mut y).expect_err("two grids");
    harness::assert_same_everywhere(comm, &err);
    // out-of-range entries
    assert!(a.get(4, 0).is_err());
}

/// A dense matrix assembled from the 5-point Laplacian's CSR rows, factored
/// once by LuSolver and used (through the trait) for several right-hand
/// sides; the solution satisfies the stencil.
fn lu_solver_factors_once_for_many_right_hand_sides(comm: &Comm) {
    let n = 5;
    for h in heights(comm.size()) {
        let grid = ElGrid::new(el(), comm, h).unwrap();
        let rows = Layout::block(comm, &[n * n]).unwrap();
        let a = DistMatrix::from_csr(&grid, &rows, &poisson_2d(&rows, n, n).unwrap()).unwrap();
        let dense = gathered(&a);
        for r in 0..n * n {
            for c in 0..n * n {
                let (i, j, k, l) = (r / n, r % n, c / n, c % n);
                let near = i.abs_diff(k) + j.abs_diff(l) == 1;
                let want = if r == c {
                    4.0
                } else if near {
                    -1.0
                } else {
                    0.0
                };
                assert_eq!(dense[[r, c]], want, "entry ({r}, {c})");
            }
        }
        // complex rows from the builder give a complex dense matrix
        let mut zb = distarray::sparse::SparseBuilder::<Complex64>::new(&rows, n * n).unwrap();
        for r in distarray::sparse::owned_rows(&rows).unwrap() {
            zb.add(r, r, Complex64::new(4.0, 1.0));
            zb.add(r, (r + 1) % (n * n), Complex64::new(0.0, -1.0));
        }
        let z = DistMatrix::from_csr(&grid, &rows, &zb.assemble().unwrap()).unwrap();
        let zd = z.to_array().unwrap().gather_all().unwrap();
        for r in 0..n * n {
            assert_eq!(zd[[r, r]], Complex64::new(4.0, 1.0));
            assert_eq!(zd[[r, (r + 1) % (n * n)]], Complex64::new(0.0, -1.0));
        }
        let mut lu = LuSolver::new(&a).unwrap();
        let solver: &mut dyn LinearSolver<f64> = &mut lu;
        assert_eq!(solver.library(), Library::Elemental);
        for k in 1..=3 {
            let b = DistArray::from_fn(solver.rows(), |ix: &[usize]| ((ix[0] * k) % 7) as f64);
            let mut x = DistArray::zeros(solver.rows());
            let report = solver.solve(&b, &mut x).unwrap();
            assert!(report.residual < 1e-10, "{report}");
            assert_eq!(report.iterations, 0);
            let (xw, bw) = (x.gather_all().unwrap(), b.gather_all().unwrap());
            for r in 0..n * n {
                let ax: f64 = (0..n * n).map(|c| dense[[r, c]] * xw[c]).sum();
                assert!((ax - bw[r]).abs() < 1e-10, "rhs {k}, row {r}");
            }
        }
        // b in another layout is an error on every rank, pointing at a plan
        if comm.size() > 1 {
            let cyclic = Layout::new(comm, &[n * n], &[distarray::Dist::Cyclic]).unwrap();
            let b = DistArray::zeros(&cyclic);
            let mut x = DistArray::zeros(solver.rows());
            let err = solver.solve(&b, &mut x).unwrap_err();
            assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
            harness::assert_same_everywhere(comm, &err);
        }
    }
}

fn a_singular_matrix_is_not_converged_everywhere(comm: &Comm) {
    let grid = ElGrid::new(el(), comm, 1).unwrap();
    let zero = DistMatrix::<f64>::new(&grid, ElDist::McMr, 4, 4).unwrap();
    let err = LuSolver::new(&zero).expect_err("a singular matrix");
    match &err {
        Error::NotConverged {
            library, reason, ..
        } => {
            assert_eq!(*library, Library::Elemental);
            assert_eq!(reason, "singular");
        }
        other => panic!("expected NotConverged, got {other}"),
    }
    harness::assert_same_everywhere(comm, &err);
}

/// Writes `make(i, j)` into every local cell through the lent view, checks
/// Elemental reads it back, and solves with LuSolver<T>.
fn round_trip_and_solve<T: ElScalar>(comm: &Comm, make: fn(usize, usize) -> T, tol: f64) {
    let n = 6;
    for h in heights(comm.size()) {
        let grid = ElGrid::new(el(), comm, h).unwrap();
        let mut a = DistMatrix::<T>::new(&grid, ElDist::McMr, n, n).unwrap();
        {
            let mut lent = a.array_mut().unwrap();
            let rows = lent.layout().global_indices(0);
            let cols = lent.layout().global_indices(1);
            let mut local = lent.local_mut();
            for (li, &i) in rows.iter().enumerate() {
                for (lj, &j) in cols.iter().enumerate() {
                    local[[li, lj]] = make(i, j);
                }
            }
        }
        assert_eq!(
            a.get(n - 1, 2).unwrap(),
            make(n - 1, 2),
            "Elemental sees the writes"
        );
        let whole = a.to_array().unwrap().gather_all().unwrap();
        assert_eq!(whole[[3, 4]], make(3, 4), "the view is Elemental's memory");
        let mut solver = LuSolver::new(&a).unwrap();
        let b = DistArray::from_fn(solver.rows(), |ix: &[usize]| make(ix[0], 0));
        let mut x = DistArray::zeros(solver.rows());
        let report = solver.solve(&b, &mut x).unwrap();
        assert!(
            report.residual < tol,
            "{}: {report}",
            std::any::type_name::<T>()
        );
    }
}

fn every_scalar_type_round_trips_and_solves(comm: &Comm) {
    // diagonally dominant, so LU is stable in every precision
    round_trip_and_solve::<f32>(
        comm,
        |i, j| {
            if i == j {
                10.0
            } else {
                (i + 2 * j) as f32 * 0.1
            }
        },
        1e-4,
    );
    round_trip_and_solve::<f64>(
        comm,
        |i, j| {
            if i == j {
                10.0
            } else {
                (i + 2 * j) as f64 * 0.1
            }
        },
        1e-12,
    );
    round_trip_and_solve::<Complex32>(
        comm,
        |i, j| {
            let d = if i == j { 10.0 } else { 0.0 };
            Complex32::new(d + (i + j) as f32 * 0.1, (i as f32 - j as f32) * 0.2)
        },
        1e-4,
    );
    round_trip_and_solve::<Complex64>(
        comm,
        |i, j| {
            let d = if i == j { 10.0 } else { 0.0 };
            Complex64::new(d + (i + j) as f64 * 0.1, (i as f64 - j as f64) * 0.2)
        },
        1e-12,
    );
}

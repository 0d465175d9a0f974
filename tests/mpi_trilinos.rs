//! The Trilinos bridge on 1-4 ranks: maps both ways, Tpetra vectors lent as
//! arrays (writes seen on both sides), a Belos CG solve of the Poisson
//! problem against the analytic solution, and a Tpetra Import that agrees
//! with our redistribution plan. (Feature `trilinos`.)

mod harness;

use distarray::sparse::laplacian_2d;
use distarray::trilinos::{import, solve, CrsMatrix, Solver, TpetraMap, TpetraVector, Trilinos};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use std::cell::RefCell;

static CHECKS: &[Check] = &[
    check!(maps_both_ways),
    check!(vectors_share_memory),
    check!(belos_solves_poisson),
    check!(import_agrees_with_our_plan),
    check!(tpetra_finalizes),
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
        let a = v.array_mut().unwrap();
        assert_eq!(
            a.gather_all().unwrap().into_raw_vec_and_offset().0,
            (0..17).map(|g| g as f64).collect::<Vec<_>>()
        );
    })
}

fn belos_solves_poisson(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 20;
        let h = 1.0 / (n + 1) as f64;
        let rows = Layout::block(comm, &[n * n]).unwrap();
        let map = TpetraMap::from_layout(t, &rows).unwrap();
        let a = CrsMatrix::from_csr(&map, &laplacian_2d(&rows, n, n).unwrap()).unwrap();
        let pi = std::f64::consts::PI;
        let exact = |r: usize| {
            (pi * ((r / n) + 1) as f64 * h).sin() * (pi * ((r % n) + 1) as f64 * h).sin()
        };
        let mut b = TpetraVector::new(&map).unwrap();
        {
            let mut ba = b.array_mut().unwrap();
            let idx = ba.layout().global_indices(0);
            for (x, g) in ba.local_mut().iter_mut().zip(idx) {
                *x = h * h * 2.0 * pi * pi * exact(g);
            }
        }
        let mut x = TpetraVector::new(&map).unwrap();
        for prec in ["none", "jacobi", "ilu"] {
            let info = solve(
                &a,
                &b,
                &mut x,
                &Solver::default().preconditioner(prec).tolerance(1e-10),
            )
            .unwrap();
            assert!(
                info.iterations > 0 && info.achieved_tolerance <= 1e-10,
                "{prec}: {info:?}"
            );
            let xa = x.array_mut().unwrap();
            let want = DistArray::from_fn(xa.layout(), |ix: &[usize]| exact(ix[0]));
            let err = xa
                .local()
                .iter()
                .zip(want.local().iter())
                .map(|(p, q)| (p - q).abs())
                .fold(0.0, f64::max);
            let err = comm
                .all_gather_u64(err.to_bits())
                .into_iter()
                .map(f64::from_bits)
                .fold(0.0, f64::max);
            assert!(err < 3e-3, "{prec}: max error {err}");
        }
        // not converging is an error
        let mut y = TpetraVector::new(&map).unwrap();
        let e = solve(
            &a,
            &b,
            &mut y,
            &Solver::default().max_iterations(1).tolerance(1e-14),
        )
        .unwrap_err();
        assert!(matches!(e, Error::Native { .. }), "{e}");
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
            yd.array_mut().unwrap().local(),
            ours.local(),
            "Tpetra Import and our plan agree"
        );
    })
}

fn tpetra_finalizes(_comm: &Comm) {
    TRILINOS.with(|t| drop(t.borrow_mut().take()));
    assert!(distarray::mpi::environment::is_initialized());
}

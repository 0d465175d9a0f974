//! The Trilinos bridge on 1-4 ranks: maps both ways, Tpetra vectors lent as
//! arrays (writes seen on both sides), a Belos CG solve of the Poisson
//! problem against the analytic solution, and a Tpetra Import that agrees
//! with our redistribution plan. (Feature `trilinos`.)

mod harness;
mod laplacian;

use distarray::ndarray::{ArrayD, IxDyn, ShapeBuilder};
use distarray::trilinos::{
    export, import, solve, CrsMatrix, Solver, TpetraMap, TpetraMultiVector, TpetraVector, Trilinos,
};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::{assert_same_everywhere, Check};
use laplacian::laplacian_2d;
use std::cell::RefCell;

static CHECKS: &[Check] = &[
    check!(maps_both_ways),
    check!(vectors_share_memory),
    check!(belos_solves_poisson),
    check!(import_agrees_with_our_plan),
    check!(our_memory_as_tpetra_vectors),
    check!(broken_csr_on_one_rank_fails_everywhere),
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
        for (method, prec) in [
            ("CG", "none"),
            ("CG", "jacobi"),
            ("CG", "ilu"),
            ("GMRES", "none"),
            ("GMRES", "ilu"),
        ] {
            let mut x = TpetraVector::new(&map).unwrap(); // a zero initial guess each time
            let info = solve(
                &a,
                &b,
                &mut x,
                &Solver::default()
                    .method(method)
                    .preconditioner(prec)
                    .tolerance(1e-10),
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
        // and an Export the other way agrees with our plan back
        let mut back = TpetraVector::new(&sm).unwrap();
        export(&yd, &mut back).unwrap();
        let ours_back = ours.redistribute(&src).unwrap();
        assert_eq!(
            back.array_mut().unwrap().local(),
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
            let mut xv = TpetraVector::wrap(&map, &mut x).unwrap();
            solve(
                &a,
                &bv,
                &mut xv,
                &Solver::default().preconditioner("jacobi").tolerance(1e-12),
            )
            .unwrap();
        }
        // the solution is in our array: check the residual with our own stencil
        let whole = x.gather_all().unwrap();
        let bw = b.gather_all().unwrap();
        for r in 0..n * n {
            let (i, j) = (r / n, r % n);
            let mut ax = 4.0 * whole[r];
            if i > 0 {
                ax -= whole[r - n];
            }
            if i + 1 < n {
                ax -= whole[r + n];
            }
            if j > 0 {
                ax -= whole[r - 1];
            }
            if j + 1 < n {
                ax -= whole[r + 1];
            }
            assert!((ax - bw[r]).abs() < 1e-6, "row {r}: {ax} vs {}", bw[r]);
        }
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

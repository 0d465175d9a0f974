//! The soundness checks of `mpi_trilinos`: ranks owning no rows take part
//! in assembly, products and solves; rows on a map that is not contiguous
//! are refused; vectors on the wrong maps are refused before Tpetra (whose
//! release build does not check them) sees them; a solver keeps no
//! reference to the arrays of a solve once it returns; Tpetra is not
//! started again after it was finalized. Every refusal is the same error
//! on every rank.

use super::{harness, with_trilinos};
use distarray::bridge::{LinearSolver, Tolerances};
use distarray::sparse::{owned_rows, CsrRows, SparseBuilder};
use distarray::trilinos::{
    BelosMethod, BelosSolver, CrsMatrix, Importer, Preconditioner, TpetraMap, TpetraVector,
    Trilinos,
};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::assert_same_everywhere;

/// The 1-D Laplacian `[-1 2 -1]` on `rows` (a 1-D block layout), each
/// rank adding its own rows.
fn laplacian_1d(rows: &Layout) -> CsrRows {
    let n = rows.global_len();
    let mut b = SparseBuilder::new(rows, n).unwrap();
    for r in owned_rows(rows).unwrap() {
        b.add(r, r, 2.0);
        if r > 0 {
            b.add(r, r - 1, -1.0);
        }
        if r + 1 < n {
            b.add(r, r + 1, -1.0);
        }
    }
    b.assemble().unwrap()
}

/// `[-1 2 -1] x` for the whole vector `x`.
fn laplacian_1d_times(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|i| {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let right = if i + 1 < n { x[i + 1] } else { 0.0 };
            2.0 * x[i] - left - right
        })
        .collect()
}

/// Row layouts where some ranks own no rows (on enough ranks): 2 rows over
/// a block layout, every other rank empty, everything on the last rank.
fn layouts_with_empty_ranks(comm: &Comm) -> Vec<Layout> {
    let p = comm.size();
    let bounds = |counts: Vec<usize>| {
        let mut b = vec![0];
        for c in counts {
            b.push(b.last().unwrap() + c);
        }
        b
    };
    let odd_empty: Vec<usize> = (0..p).map(|r| if r % 2 == 1 { 0 } else { 3 + r }).collect();
    let last_only: Vec<usize> = (0..p).map(|r| if r + 1 == p { 5 } else { 0 }).collect();
    vec![
        Layout::block(comm, &[2]).unwrap(),
        Layout::new(
            comm,
            &[odd_empty.iter().sum()],
            &[Dist::BlockBounds(bounds(odd_empty))],
        )
        .unwrap(),
        Layout::new(comm, &[5], &[Dist::BlockBounds(bounds(last_only))]).unwrap(),
    ]
}

/// Ranks owning no rows (2 rows on 3-4 ranks, BlockBounds with empty
/// parts) build the matrix with empty CSRs, and products and solves
/// (with and without a preconditioner) are right.
pub fn empty_ranks_build_apply_and_solve(comm: &Comm) {
    with_trilinos(comm, |t| {
        for rows in layouts_with_empty_ranks(comm) {
            let n = rows.global_len();
            let map = TpetraMap::from_layout(t, &rows).unwrap();
            let csr = laplacian_1d(&rows);
            assert_eq!(csr.first_row, owned_rows(&rows).unwrap().start);
            let a = CrsMatrix::from_csr(&map, &csr).unwrap();
            // a product: x = 1, 2, ..., n
            let exact: Vec<f64> = (0..n).map(|i| (i + 1) as f64).collect();
            let mut xa = DistArray::from_fn(&rows, |ix: &[usize]| exact[ix[0]]);
            let mut y = TpetraVector::new(&map).unwrap();
            {
                let x = TpetraVector::wrap(&map, &mut xa).unwrap();
                a.apply(&x, &mut y).unwrap();
            }
            let want = laplacian_1d_times(&exact);
            let got = y.to_array().unwrap().to_owned().gather_all().unwrap();
            assert_eq!(got.as_slice().unwrap(), &want[..], "{rows:?}");
            // solves of A x = A exact
            let b = DistArray::from_fn(&rows, |ix: &[usize]| want[ix[0]]);
            for prec in [
                Preconditioner::None,
                Preconditioner::Jacobi,
                Preconditioner::Ilu,
            ] {
                let mut solver = BelosSolver::new(&a, BelosMethod::Cg, prec).unwrap();
                solver
                    .set_tolerances(Tolerances::default().relative(1e-12))
                    .unwrap();
                let mut x = DistArray::zeros(&rows);
                let report = solver.solve(&b, &mut x).unwrap();
                assert_eq!(report.reason, "converged");
                let x = x.gather_all().unwrap();
                for (i, (g, w)) in x.iter().zip(&exact).enumerate() {
                    assert!(
                        (g - w).abs() < 1e-8,
                        "{prec:?} {rows:?} row {i}: {g} vs {w}"
                    );
                }
            }
        }
    })
}

/// Rows on a cyclic or unstructured map would be put where the map lists
/// them, not where the CSR says: refused, on every rank, pointing at
/// `to_native_plan`; a CSR whose rows are not the rank's is refused too.
pub fn rows_off_a_contiguous_map_are_refused_everywhere(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 6;
        let block = Layout::block(comm, &[n]).unwrap();
        let csr = laplacian_1d(&block);
        let cyclic = Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap();
        let map = TpetraMap::from_layout(t, &cyclic).unwrap();
        let e = CrsMatrix::from_csr(&map, &csr).err().expect("refused");
        match &e {
            Error::LayoutMismatch { detail, .. } => {
                assert!(detail.contains("to_native_plan"), "{detail}")
            }
            other => panic!("expected LayoutMismatch, got {other}"),
        }
        assert_same_everywhere(comm, &e);
        // the right map, but one rank's rows start elsewhere
        let map = TpetraMap::from_layout(t, &block).unwrap();
        let mut shifted = csr.clone();
        if comm.rank() == 0 {
            shifted.first_row += 1;
        }
        let e = CrsMatrix::from_csr(&map, &shifted).err().expect("refused");
        assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
        assert_same_everywhere(comm, &e);
    })
}

/// A product or an import with vectors on maps other than the matrix's
/// or the importer's is the same error everywhere (Tpetra's release build
/// would read past the vectors).
pub fn vectors_on_wrong_maps_are_refused_everywhere(comm: &Comm) {
    with_trilinos(comm, |t| {
        let rows = Layout::block(comm, &[8]).unwrap();
        let shorter = Layout::block(comm, &[5]).unwrap();
        let cyclic = Layout::new(comm, &[8], &[Dist::Cyclic]).unwrap();
        let (map, short_map, cyclic_map) = (
            TpetraMap::from_layout(t, &rows).unwrap(),
            TpetraMap::from_layout(t, &shorter).unwrap(),
            TpetraMap::from_layout(t, &cyclic).unwrap(),
        );
        let a = CrsMatrix::from_csr(&map, &laplacian_1d(&rows)).unwrap();
        let (x, mut y) = (
            TpetraVector::new(&map).unwrap(),
            TpetraVector::new(&map).unwrap(),
        );
        let (short, mut short_y) = (
            TpetraVector::new(&short_map).unwrap(),
            TpetraVector::new(&short_map).unwrap(),
        );
        for e in [
            a.apply(&short, &mut y).unwrap_err(),
            a.apply(&x, &mut short_y).unwrap_err(),
        ] {
            assert!(matches!(e, Error::LayoutMismatch { .. }), "{e}");
            assert_same_everywhere(comm, &e);
        }
        a.apply(&x, &mut y).unwrap(); // the right maps still work
        let importer = Importer::new(&map, &cyclic_map).unwrap();
        let mut to_cyclic = TpetraVector::new(&cyclic_map).unwrap();
        let mut from_cyclic = TpetraVector::new(&cyclic_map).unwrap();
        let mut errors = vec![importer.apply(&short, &mut short_y).unwrap_err()];
        if cyclic != rows {
            // (on one rank the cyclic and block layouts are the same)
            errors.push(importer.apply(&x, &mut y).unwrap_err());
            errors.push(importer.apply(&from_cyclic, &mut to_cyclic).unwrap_err());
        }
        for e in errors {
            assert!(matches!(e, Error::LayoutMismatch { .. }), "{e}");
            assert_same_everywhere(comm, &e);
        }
        {
            let mut lent = from_cyclic.array_mut().unwrap();
            let idx = lent.layout().global_indices(0);
            for (v, g) in lent.local_mut().iter_mut().zip(idx) {
                *v = g as f64;
            }
        }
        let mut xb = TpetraVector::new(&map).unwrap();
        Importer::new(&cyclic_map, &map)
            .unwrap()
            .apply(&from_cyclic, &mut xb)
            .unwrap();
        let back = xb.to_array().unwrap().to_owned().gather_all().unwrap();
        assert_eq!(back.as_slice().unwrap(), &[0., 1., 2., 3., 4., 5., 6., 7.]);
    })
}

/// A solver reused across solves keeps no hold on the arrays of a solve
/// that returned: they are dropped (their memory freed and reused by the
/// next ones) between solves, and each later solve is right. Under
/// valgrind (scripts/memcheck) a solver still touching a dropped array
/// would be an invalid read or write.
pub fn solver_keeps_no_array_between_solves(comm: &Comm) {
    with_trilinos(comm, |t| {
        let n = 30;
        let rows = Layout::block(comm, &[n]).unwrap();
        let map = TpetraMap::from_layout(t, &rows).unwrap();
        let a = CrsMatrix::from_csr(&map, &laplacian_1d(&rows)).unwrap();
        for (method, prec) in [
            (BelosMethod::Cg, Preconditioner::Ilu),
            (BelosMethod::Gmres, Preconditioner::Jacobi),
            (BelosMethod::BiCgStab, Preconditioner::None),
            (BelosMethod::Minres, Preconditioner::None),
        ] {
            let mut solver = BelosSolver::new(&a, method, prec).unwrap();
            solver
                .set_tolerances(Tolerances::default().relative(1e-12))
                .unwrap();
            for k in 1..=3 {
                let exact: Vec<f64> = (0..n).map(|i| ((i * k) % 7) as f64 - 2.0).collect();
                let want = laplacian_1d_times(&exact);
                let b = DistArray::from_fn(&rows, |ix: &[usize]| want[ix[0]]);
                let mut x = DistArray::zeros(&rows);
                solver.solve(&b, &mut x).unwrap();
                let got = x.gather_all().unwrap();
                for (i, (g, w)) in got.iter().zip(&exact).enumerate() {
                    assert!(
                        (g - w).abs() < 1e-7,
                        "{method:?} rhs {k} row {i}: {g} vs {w}"
                    );
                }
                drop((b, x)); // freed while the solver lives on
            }
            // a solve that fails on its arguments leaves nothing behind either
            let wrong = DistArray::zeros(&Layout::block(comm, &[n + 1]).unwrap());
            let mut x = DistArray::zeros(&rows);
            let e = solver.solve(&wrong, &mut x).unwrap_err();
            assert_same_everywhere(comm, &e);
        }
    })
}

/// After the last handle finalized Tpetra, starting it again is refused
/// (Kokkos can not be initialized twice in a process: Kokkos 4 aborts),
/// the same error on every rank. Runs after `tpetra_finalizes`.
pub fn no_restart_after_finalize(comm: &Comm) {
    let e = Trilinos::init(comm)
        .err()
        .expect("Tpetra is not started again");
    match &e {
        Error::Native { message, .. } => {
            assert!(message.contains("finalized"), "{message}")
        }
        other => panic!("expected a Native error, got {other}"),
    }
    assert_same_everywhere(comm, &e);
    assert!(distarray::mpi::environment::is_initialized());
}

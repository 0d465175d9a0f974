//! The PETSc bridge on 1-4 ranks: Vecs over arrays and arrays over Vecs
//! share memory (a write on one side is seen on the other), other layouts
//! go through explicit plans, matrices assemble without mallocs, KSP solves
//! the Poisson problem to the analytic solution (through the core's
//! `LinearSolver` trait, and through `PetscMat::solve`, which reuses its
//! KSP), and PETSc's errors come back as Rust errors with PETSc's message.
//! (Built with `--features petsc`; scripts/test enables it when PETSc is
//! installed.)
//!
//! The checks are written in `Scalar` (f64 or Complex64, as the PETSc
//! built against has it) and run unchanged against every PETSc build: real
//! or complex scalars, 32- or 64-bit indices (`PETSC_DIR=... cargo test
//! --features petsc --test mpi_petsc`).

mod harness;
#[path = "petsc/matrix.rs"]
mod matrix;
#[path = "petsc/solver.rs"]
mod solver;

use distarray::bridge::Tolerances;
use distarray::halo::{Halo, Stencil};
use distarray::ndarray::{ArrayD, IxDyn, ShapeBuilder};
use distarray::num_complex::ComplexFloat;
use distarray::petsc::{
    scalar_rows, to_native_plan, DenseMat, Dmda, Ksp, Petsc, PetscMat, PetscVec, Scalar, COMPLEX,
    INDEX_BITS,
};
use distarray::sparse::gallery::poisson_2d;
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use matrix::{builder_matrices_of_any_shape, hand_filled_rows_are_checked_on_every_rank};
use solver::{
    convenience_solve_reuses_its_ksp, divergence_and_petsc_errors_are_errors, empty_ranks_solve,
    failures_on_one_rank_fail_everywhere, ksp_solves_poisson, one_solver_interface,
    preconditioners_that_write_b_leave_it_untouched,
};
use std::cell::RefCell;

static CHECKS: &[Check] = &[
    check!(vec_over_array_shares_memory),
    check!(array_over_petsc_vec_shares_memory),
    check!(other_layouts_need_an_explicit_plan),
    check!(matrix_assembles_without_mallocs),
    check!(builder_matrices_of_any_shape),
    check!(hand_filled_rows_are_checked_on_every_rank),
    check!(ksp_solves_poisson),
    check!(one_solver_interface),
    check!(convenience_solve_reuses_its_ksp),
    check!(empty_ranks_solve),
    check!(divergence_and_petsc_errors_are_errors),
    check!(preconditioners_that_write_b_leave_it_untouched),
    check!(failures_on_one_rank_fail_everywhere),
    check!(dense_matrices_share_or_copy_explicitly),
    check!(dmda_vectors_and_halo_agree),
    check!(settings_or_arrays_that_differ_on_one_rank_fail_everywhere),
    check!(scalar_and_index_types_follow_the_build),
    check!(petsc_finalizes_before_mpi),
];

fn main() {
    harness::main("mpi_petsc", CHECKS, &[1, 2, 3, 4]);
}

thread_local! {
    static PETSC: RefCell<Option<Petsc>> = const { RefCell::new(None) };
}

/// A value in the build's scalar type.
fn s(x: f64) -> Scalar {
    Scalar::from(x)
}

/// The largest `|a - b|` over every rank's cells.
fn max_diff(comm: &Comm, a: &DistArray<Scalar>, b: &DistArray<Scalar>) -> f64 {
    let local = a
        .local()
        .iter()
        .zip(b.local().iter())
        .map(|(x, y)| ComplexFloat::abs(x - y))
        .fold(0.0, f64::max);
    comm.all_gather_u64(local.to_bits())
        .into_iter()
        .map(f64::from_bits)
        .fold(0.0, f64::max)
}

/// Runs `f` with PETSc initialized (once per job).
fn with_petsc<R>(f: impl FnOnce(&Petsc) -> R) -> R {
    PETSC.with(|p| {
        let mut slot = p.borrow_mut();
        if slot.is_none() {
            *slot = Some(Petsc::init().expect("PETSc initializes"));
        }
        f(slot.as_ref().unwrap())
    })
}

fn vec_over_array_shares_memory(comm: &Comm) {
    with_petsc(|petsc| {
        let p = comm.size();
        let mut bounds: Vec<usize> = (0..p).map(|r| r * r).collect();
        bounds.push(p * p + 5);
        for layout in [
            Layout::block(comm, &[17]).unwrap(),
            Layout::new(comm, &[p * p + 5], &[Dist::BlockBounds(bounds)]).unwrap(),
        ] {
            let mut a = DistArray::from_fn(&layout, |ix: &[usize]| s(ix[0] as f64));
            let n = layout.global_len() as f64;
            let want = ((n - 1.0) * n * (2.0 * n - 1.0) / 6.0).sqrt();
            {
                let mut v = PetscVec::wrap(petsc, &mut a).unwrap();
                assert!(
                    (v.norm2().unwrap() - want).abs() < 1e-9,
                    "PETSc sees the array's values"
                );
                v.set(2.5).unwrap();
            }
            assert!(
                a.local().iter().all(|&x| x == s(2.5)),
                "the array sees PETSc's write"
            );
            a.set(&[0], s(10.0)).unwrap();
            let memory = a.local().as_ptr();
            let v = PetscVec::wrap(petsc, &mut a).unwrap();
            // PETSc's memory lent back is the array's memory
            assert_eq!(v.to_array().unwrap().local().as_ptr(), memory);
            let want = (2.5f64 * 2.5 * (n - 1.0) + 100.0).sqrt();
            assert!((v.norm2().unwrap() - want).abs() < 1e-9);
        }
    })
}

fn array_over_petsc_vec_shares_memory(comm: &Comm) {
    with_petsc(|petsc| {
        let mut v = PetscVec::with_size(petsc, comm, 23).unwrap();
        v.set(1.0).unwrap();
        {
            let mut view = v.array_mut().unwrap();
            assert_eq!(view.shape(), &[23]);
            assert!(
                view.local().iter().all(|&x| x == s(1.0)),
                "the array sees PETSc's values"
            );
            let layout = view.layout().clone();
            let idx = layout.global_indices(0);
            for (x, g) in view.local_mut().iter_mut().zip(idx) {
                *x = s(g as f64);
            }
            let whole = view.gather_all().unwrap();
            assert_eq!(
                whole.iter().copied().collect::<Vec<_>>(),
                (0..23).map(|g| s(g as f64)).collect::<Vec<_>>()
            );
            view.finish().unwrap(); // VecRestoreArray, its error returned
        }
        let want = (0..23).map(|g| (g * g) as f64).sum::<f64>().sqrt();
        assert!(
            (v.norm2().unwrap() - want).abs() < 1e-9,
            "PETSc sees the array's write"
        );
        // the layout PETSc chose is a valid irregular block layout
        let l = v.layout();
        assert_eq!(l.global_len(), 23);
        assert_eq!(comm.sum_u64(l.local_len() as u64), 23);
        // read-only views can be many at once; the copy is PETSc's own
        let (r1, r2) = (v.to_array().unwrap(), v.to_array().unwrap());
        assert_eq!(r1.local(), r2.local());
        drop((r1, r2));
        let a = DistArray::from_fn(l, |ix: &[usize]| s(2.0 * ix[0] as f64));
        let mut copy = PetscVec::from_array_copy(petsc, &a).unwrap();
        copy.set(0.0).unwrap();
        assert_eq!(a.get(&[22]).unwrap(), s(44.0), "from_array_copy copies");
    })
}

fn other_layouts_need_an_explicit_plan(comm: &Comm) {
    with_petsc(|petsc| {
        let layout = Layout::new(comm, &[5, 7], &[Dist::Cyclic, Dist::Block]).unwrap();
        let mut a = DistArray::from_fn(&layout, |ix: &[usize]| s((ix[0] * 7 + ix[1]) as f64));
        match PetscVec::wrap(petsc, &mut a) {
            Err(Error::LayoutMismatch { detail, .. }) => {
                assert!(detail.contains("to_native_plan"), "{detail}")
            }
            Err(e) => panic!("wrong error {e}"),
            Ok(_) => panic!("a 2-D cyclic array must not be wrapped silently"),
        }
        let mut plan = to_native_plan(&layout).unwrap();
        let mut f = DistArray::zeros(&plan.native);
        plan.to_native.execute(&a, &mut f).unwrap();
        {
            let mut v = PetscVec::wrap(petsc, &mut f).unwrap();
            let n = 35.0f64;
            assert!(
                (v.norm2().unwrap() - ((n - 1.0) * n * (2.0 * n - 1.0) / 6.0).sqrt()).abs() < 1e-9
            );
            v.set(3.0).unwrap();
        }
        let mut b = DistArray::zeros(&layout);
        plan.from_native.execute(&f, &mut b).unwrap();
        assert!(b.local().iter().all(|&x| x == s(3.0)));
    })
}

fn matrix_assembles_without_mallocs(comm: &Comm) {
    with_petsc(|petsc| {
        let (nx, ny) = (7, 5);
        let rows = Layout::block(comm, &[nx * ny]).unwrap();
        let csr = scalar_rows(poisson_2d(&rows, nx, ny).unwrap());
        let a = PetscMat::from_csr(petsc, &rows, &csr).unwrap();
        assert_eq!(a.assembly_mallocs().unwrap(), 0.0);
        // A * ones = the row sums
        let mut ones = DistArray::full(&rows, s(1.0));
        let mut y = DistArray::<Scalar>::zeros(&rows);
        {
            let x = PetscVec::wrap(petsc, &mut ones).unwrap();
            let mut yv = PetscVec::wrap(petsc, &mut y).unwrap();
            a.mult(&x, &mut yv).unwrap();
        }
        for (i, &v) in y.local().iter().enumerate() {
            let (_, vals) = csr.row(i);
            assert_eq!(v, vals.iter().sum::<Scalar>());
        }
        // the split-array form (PETSc uses our arrays in place) multiplies alike
        let split = PetscMat::from_csr_split(petsc, &rows, &csr).unwrap();
        let mut ones2 = DistArray::full(&rows, s(1.0));
        let mut y2 = DistArray::<Scalar>::zeros(&rows);
        {
            let x = PetscVec::wrap(petsc, &mut ones2).unwrap();
            let mut yv = PetscVec::wrap(petsc, &mut y2).unwrap();
            split.mult(&x, &mut yv).unwrap();
        }
        assert_eq!(y2.local(), y.local());
        // CSR that does not match the layout: one clear error everywhere
        // (rows that are not this rank's; another column count is a
        // rectangular matrix, see tests/petsc/matrix.rs)
        let mut bad = csr.clone();
        bad.first_row += 1;
        let err = PetscMat::from_csr(petsc, &rows, &bad)
            .err()
            .expect("not this rank's rows");
        harness::assert_same_everywhere(comm, &err);
    })
}

fn dense_matrices_share_or_copy_explicitly(comm: &Comm) {
    with_petsc(|petsc| {
        let (n, m) = (7, 5);
        let rows = Layout::new(comm, &[n, m], &[Dist::Block, Dist::NotDistributed]).unwrap();
        let a = DistArray::from_fn(&rows, |ix: &[usize]| s((ix[0] * m + ix[1]) as f64));
        // a C-order array: copied, visibly
        let mut mat = DenseMat::from_array_copy(petsc, &a).unwrap();
        {
            let view = mat.to_array().unwrap();
            assert_eq!(
                view.local(),
                a.local(),
                "the matrix holds the array's values"
            );
        }
        let mut ones = DistArray::full(&Layout::block(comm, &[m]).unwrap(), s(1.0));
        let mut y = DistArray::<Scalar>::zeros(&Layout::block(comm, &[n]).unwrap());
        {
            let x = PetscVec::wrap(petsc, &mut ones).unwrap();
            let mut yv = PetscVec::wrap(petsc, &mut y).unwrap();
            mat.mult(&x, &mut yv).unwrap();
        }
        for (i, &v) in y.local().iter().enumerate() {
            let r = y.layout().global_indices(0)[i];
            assert_eq!(v, s((0..m).map(|j| (r * m + j) as f64).sum::<f64>()));
        }
        // the matrix's memory lent writable: PETSc sees the write
        {
            let mut lent = mat.array_mut().unwrap();
            lent.local_mut().fill(s(1.0));
        }
        mat.scale(3.0).unwrap();
        assert_eq!(
            mat.to_array().unwrap().gather_all().unwrap().sum(),
            s((3 * n * m) as f64)
        );
        let mut c_order = a.to_owned();
        match DenseMat::wrap(petsc, &mut c_order) {
            Err(Error::LayoutMismatch { detail, .. }) => {
                assert!(detail.contains("from_array_copy"), "{detail}")
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a row-major buffer must not be shared silently"),
        }
        // a column-major array: shared
        let local = a.local().to_owned();
        let mut f = ArrayD::zeros(IxDyn(local.shape()).f());
        f.assign(&local);
        let mut fa = DistArray::from_local(rows.clone(), f).unwrap();
        {
            let mut shared = DenseMat::wrap(petsc, &mut fa).unwrap();
            shared.scale(2.0).unwrap();
        }
        assert_eq!(
            fa.gather_all().unwrap(),
            a.gather_all().unwrap().mapv(|x| s(2.0) * x),
            "PETSc wrote the array's memory"
        );
    })
}

fn dmda_vectors_and_halo_agree(comm: &Comm) {
    with_petsc(|petsc| {
        for (shape, width) in [
            (vec![9usize, 11], 1usize),
            (vec![8, 10], 2),
            (vec![5, 6, 7], 1),
        ] {
            for stencil in [Stencil::Star, Stencil::Box] {
                let d = Dist::BlockPadded {
                    ghost_width: width,
                    boundary_width: (0, 0),
                    periodic: false,
                };
                let dists = vec![d; shape.len()];
                let padded = Layout::new(comm, &shape, &dists).unwrap();
                let dm = Dmda::new(petsc, &padded, stencil).unwrap();
                let flat = |ix: &[usize]| {
                    s(ix.iter().zip(&shape).fold(0, |acc, (&i, &n)| acc * n + i) as f64)
                };
                let mut global = DistArray::from_fn(dm.owned_layout(), flat);
                let mut via_petsc = DistArray::full(&padded, s(-1.0));
                {
                    let g = dm.global_vec(&mut global).unwrap();
                    assert_eq!(g.layout(), dm.owned_layout());
                    let mut l = dm.local_vec(&mut via_petsc).unwrap();
                    dm.global_to_local(&g, &mut l).unwrap();
                }
                // ours: owned cells from the same values, ghosts by our halo update
                let mut ours = DistArray::full(&padded, s(-1.0));
                let owned = padded.owned_local_ranges();
                let axes: Vec<Vec<usize>> =
                    (0..shape.len()).map(|a| padded.global_indices(a)).collect();
                for (ix, v) in ours.local_mut().indexed_iter_mut() {
                    if (0..shape.len()).all(|a| owned[a].contains(&ix[a])) {
                        let g: Vec<usize> = (0..shape.len()).map(|a| axes[a][ix[a]]).collect();
                        *v = flat(&g);
                    }
                }
                Halo::new(&padded, stencil)
                    .unwrap()
                    .update(&mut ours)
                    .unwrap();
                assert_eq!(
                    via_petsc.local(),
                    ours.local(),
                    "{shape:?} width {width} {stencil:?}"
                );
            }
        }
    })
}

/// Tolerances, a right-hand side of another layout, or a non-contiguous
/// array on one rank only: the same error on every rank, before PETSc's
/// collective calls.
fn settings_or_arrays_that_differ_on_one_rank_fail_everywhere(comm: &Comm) {
    if comm.size() < 2 {
        return;
    }
    with_petsc(|petsc| {
        let odd = comm.rank() + 1 == comm.size();
        let rows = Layout::block(comm, &[100]).unwrap();
        let csr = scalar_rows(poisson_2d(&rows, 10, 10).unwrap());
        let a = PetscMat::from_csr(petsc, &rows, &csr).unwrap();
        let mut ksp = Ksp::new(&a).unwrap();
        let rtol = if odd { 1e-6 } else { 1e-8 };
        let err = ksp
            .set_tolerances(Tolerances::default().relative(rtol))
            .expect_err("tolerances differ");
        harness::assert_same_everywhere(comm, &err);
        let err = ksp
            .set_method(if odd { "gmres" } else { "cg" })
            .expect_err("methods differ");
        harness::assert_same_everywhere(comm, &err);
        let err = ksp
            .use_initial_guess(odd)
            .expect_err("initial-guess settings differ");
        harness::assert_same_everywhere(comm, &err);
        let cyclic = Layout::new(comm, &[100], &[Dist::Cyclic]).unwrap();
        let b = DistArray::full(if odd { &cyclic } else { &rows }, s(1.0));
        let err = a.solve(&b).expect_err("b's layout differs");
        harness::assert_same_everywhere(comm, &err);
        let mut x = DistArray::zeros(&rows);
        let err = ksp.solve(&b, &mut x).expect_err("b's layout differs");
        harness::assert_same_everywhere(comm, &err);
        // the rows' (1-D) layout everywhere, but on one rank the local part
        // is every other element of a buffer: not contiguous there only
        let mut strided = ArrayD::<Scalar>::zeros(IxDyn(&[2 * rows.local_len()]));
        let mut plain = DistArray::<Scalar>::zeros(&rows);
        let mut view = distarray::DistArrayViewMut::from_local(
            rows.clone(),
            strided.slice_each_axis_mut(|_| distarray::ndarray::Slice::new(0, None, 2)),
        )
        .unwrap();
        let err = if odd {
            PetscVec::wrap(petsc, &mut view).map(|_| ())
        } else {
            PetscVec::wrap(petsc, &mut plain).map(|_| ())
        };
        let err = err.expect_err("not contiguous on one rank");
        assert!(err.to_string().contains("not contiguous"), "{err}");
        harness::assert_same_everywhere(comm, &err);
        // the same for the solution of a solve (PETSc writes it in place)
        let ones = DistArray::full(&rows, s(1.0));
        let err = if odd {
            // an owned array whose buffer runs backwards in memory
            let mut local = ArrayD::<Scalar>::zeros(IxDyn(&[rows.local_len()]));
            local.invert_axis(distarray::ndarray::Axis(0));
            let mut x = DistArray::from_local(rows.clone(), local).unwrap();
            ksp.solve(&ones, &mut x).map(|_| ())
        } else {
            ksp.solve(&ones, &mut DistArray::zeros(&rows)).map(|_| ())
        };
        let err = err.expect_err("x not contiguous on one rank");
        harness::assert_same_everywhere(comm, &err);
        let (x, _) = a.solve(&DistArray::full(&rows, s(1.0))).unwrap();
        assert!(ComplexFloat::re(x.sum(distarray::All).unwrap()) > 0.0);
    });
}

/// `Scalar` and `PetscIndex` are what the PETSc built against has; sizes
/// past the index type are a clear error on every rank.
fn scalar_and_index_types_follow_the_build(comm: &Comm) {
    with_petsc(|petsc| {
        let scalar_bytes = std::mem::size_of::<Scalar>();
        assert_eq!(scalar_bytes, if COMPLEX { 16 } else { 8 });
        assert_eq!(
            std::mem::size_of::<distarray::petsc::PetscIndex>() * 8,
            INDEX_BITS as usize
        );
        if comm.rank() == 0 {
            println!(
                "PETSc build under test: {} scalars, {INDEX_BITS}-bit indices",
                if COMPLEX { "complex" } else { "real" }
            );
        }
        if COMPLEX {
            // a complex value goes through PETSc and back unchanged
            let layout = Layout::block(comm, &[3]).unwrap();
            let mut v = PetscVec::new(petsc, &layout).unwrap();
            let z = Scalar::from(3.0) + Scalar::from(4.0) * ComplexFloat::sqrt(Scalar::from(-1.0));
            v.set(z).unwrap();
            assert!((v.norm2().unwrap() - 5.0 * 3f64.sqrt()).abs() < 1e-12);
            assert!(v.to_array().unwrap().local().iter().all(|&x| x == z));
        } else if comm.rank() == 0 {
            println!("(the complex round trip applies to complex builds only; this one is real)");
        }
        let too_big = (i32::MAX as usize) + 1;
        if INDEX_BITS == 32 {
            let e = PetscVec::with_size(petsc, comm, too_big)
                .err()
                .expect("a 32-bit PETSc refuses 2^31 entries");
            assert!(e.to_string().contains("32-bit PetscInt"), "{e}");
            harness::assert_same_everywhere(comm, &e);
        } else if comm.rank() == 0 {
            // a valid size there, but 2^31 scalars (16-32 GiB) are not allocated in a test
            println!("(64-bit indices: {too_big} entries is a valid size, not allocated here)");
        }
    })
}

/// Handles are counted: a second handle keeps PETSc alive after the one
/// that initialized it is dropped (objects made through it stay valid),
/// and the last one finalizes PETSc, once, before MPI.
fn petsc_finalizes_before_mpi(comm: &Comm) {
    PETSC.with(|p| {
        let first = p
            .borrow_mut()
            .take()
            .expect("initialized by the earlier checks");
        let second = Petsc::init().expect("a second handle");
        drop(first); // PETSc still runs: `second` lives
        let layout = Layout::block(comm, &[10]).unwrap();
        let mut v = PetscVec::new(&second, &layout).unwrap();
        v.set(2.0).unwrap();
        assert!((v.norm2().unwrap() - 40f64.sqrt()).abs() < 1e-12);
        drop(v);
        drop(second); // PetscFinalize; MPI stays up for the harness
    });
    assert!(distarray::mpi::environment::is_initialized());
}

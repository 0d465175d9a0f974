//! The checks of mpi_petsc_binary that need PETSc (`--features petsc`): the
//! files PETSc writes load here, ours load in PETSc, and the bytes agree.

use super::{all_on, value, write_file};
use crate::laplacian::laplacian_2d;
use distarray::io::{self, PetscBinaryOptions, PetscIndexWidth};
use distarray::petsc::{Petsc, PetscMat, PetscVec};
use distarray::sparse::{owned_rows, CsrRows};
use distarray::{Comm, Dist, DistArray, Layout};
use std::cell::RefCell;

thread_local! {
    static PETSC: RefCell<Option<Petsc>> = const { RefCell::new(None) };
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

/// A PETSc-owned Vec of `n` entries holding `value(g)` at `g`.
fn petsc_vec<'p>(petsc: &'p Petsc, comm: &Comm, n: usize) -> PetscVec<'p> {
    let mut v = PetscVec::with_size(petsc, comm, n).unwrap();
    {
        let mut access = v.array_mut().unwrap();
        let globals = access.layout().global_indices(0);
        for (x, g) in access.view_mut().local_mut().iter_mut().zip(globals) {
            *x = value(g);
        }
    }
    v
}

/// Square tridiagonal rows whose columns come in decreasing order.
fn unsorted_square(rows: &Layout) -> CsrRows {
    let n = rows.global_len();
    let mine = owned_rows(rows).unwrap();
    let mut csr = CsrRows {
        first_row: mine.start,
        ncols: n,
        row_ptr: vec![0],
        cols: vec![],
        vals: vec![],
    };
    for r in mine {
        for c in [r + 1, r, r.wrapping_sub(1)] {
            if c < n {
                csr.cols.push(c);
                csr.vals.push(1.0 + r as f64 - c as f64 / 8.0);
            }
        }
        csr.row_ptr.push(csr.cols.len());
    }
    csr
}

pub fn files_petsc_wrote_load_here(comm: &Comm) {
    with_petsc(|petsc| {
        let dir = harness_scratch(comm, "pbin-petsc-wrote");
        let n = 11;
        petsc_vec(petsc, comm, n).save(dir.join("v")).unwrap();
        let x = DistArray::<f64>::load_petsc_vec(comm, dir.join("v")).unwrap();
        let want: Vec<f64> = (0..n).map(value).collect();
        assert_eq!(x.gather_all().unwrap().into_raw_vec_and_offset().0, want);
        let cyclic = Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap();
        let y = DistArray::<f64>::load_petsc_vec_in(&cyclic, dir.join("v")).unwrap();
        for (l, g) in y.layout().global_indices(0).into_iter().enumerate() {
            assert_eq!(y.local()[[l]], value(g));
        }
        let rows = Layout::block(comm, &[20]).unwrap();
        let a = laplacian_2d(&rows, 5, 4).unwrap();
        PetscMat::from_csr(petsc, &rows, &a)
            .unwrap()
            .save(dir.join("a"))
            .unwrap();
        assert_eq!(
            io::load_petsc_mat_in::<f64>(&rows, dir.join("a")).unwrap(),
            a
        );
        let last = all_on(comm, 20, comm.size() - 1);
        let b = io::load_petsc_mat_in::<f64>(&last, dir.join("a")).unwrap();
        assert_eq!(b, laplacian_2d(&last, 5, 4).unwrap());
        let (balanced, c) = io::load_petsc_mat::<f64>(comm, dir.join("a")).unwrap();
        assert_eq!(c, laplacian_2d(&balanced, 5, 4).unwrap());
    })
}

pub fn files_we_wrote_load_in_petsc(comm: &Comm) {
    with_petsc(|petsc| {
        let dir = harness_scratch(comm, "pbin-we-wrote");
        let n = 13;
        let layout = Layout::new(comm, &[n], &[Dist::BlockCyclic(2)]).unwrap();
        DistArray::from_fn(&layout, |ix| value(ix[0]))
            .save_petsc_vec(dir.join("v"))
            .unwrap();
        let mut v = PetscVec::load(petsc, comm, dir.join("v")).unwrap();
        {
            let access = v.array_mut().unwrap();
            assert_eq!(access.shape(), &[n]);
            let globals = access.layout().global_indices(0);
            for (x, g) in access.local().iter().zip(globals) {
                assert_eq!(*x, value(g));
            }
        }
        // a matrix: PETSc's product with x is ours
        let rows = Layout::block(comm, &[20]).unwrap();
        let csr = laplacian_2d(&rows, 4, 5).unwrap();
        io::save_petsc_mat(dir.join("a"), &rows, &csr).unwrap();
        let a = PetscMat::load(petsc, comm, dir.join("a")).unwrap();
        let prows = a.rows().clone();
        let mut x = DistArray::from_fn(&prows, |ix| value(ix[0]));
        let mut y = DistArray::<f64>::zeros(&prows);
        {
            let xv = PetscVec::wrap(petsc, &mut x).unwrap();
            let mut yv = PetscVec::wrap(petsc, &mut y).unwrap();
            a.mult(&xv, &mut yv).unwrap();
        }
        let mine = laplacian_2d(&prows, 4, 5).unwrap();
        for i in 0..mine.local_rows() {
            let (c, vals) = mine.row(i);
            let want: f64 = c.iter().zip(vals).map(|(&c, &v)| v * value(c)).sum();
            assert!((y.local()[[i]] - want).abs() < 1e-12);
        }
        // files PETSc's build cannot read: the same error everywhere, before PETSc
        let o = PetscBinaryOptions {
            index: PetscIndexWidth::I64,
            ..Default::default()
        };
        x.save_petsc_vec_with(dir.join("v64"), o).unwrap();
        let e = PetscVec::load(petsc, comm, dir.join("v64")).err().unwrap();
        assert!(e.to_string().contains("64-bit indices"), "{e}");
        super::assert_same_everywhere(comm, &e);
        let e = PetscMat::load(petsc, comm, dir.join("v")).err().unwrap();
        assert!(e.to_string().contains("not a Mat"), "{e}");
        write_file(comm, &dir.join("junk"), b"not petsc");
        let e = PetscVec::load(petsc, comm, dir.join("junk")).err().unwrap();
        super::assert_same_everywhere(comm, &e);
    })
}

pub fn our_bytes_are_petscs(comm: &Comm) {
    with_petsc(|petsc| {
        let dir = harness_scratch(comm, "pbin-bytes");
        let same = |a: &str, b: &str| {
            for ext in ["", ".info"] {
                let read = |f: &str| std::fs::read(dir.join(format!("{f}{ext}"))).unwrap();
                assert!(read(a) == read(b), "{a}{ext} and {b}{ext} differ");
            }
        };
        for n in [0, 1, 17] {
            petsc_vec(petsc, comm, n).save(dir.join("pv")).unwrap();
            let layout = Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap();
            DistArray::from_fn(&layout, |ix| value(ix[0]))
                .save_petsc_vec(dir.join("ov"))
                .unwrap();
            same("pv", "ov");
        }
        let rows = Layout::block(comm, &[6 * 5]).unwrap();
        for csr in [laplacian_2d(&rows, 6, 5).unwrap(), unsorted_square(&rows)] {
            PetscMat::from_csr(petsc, &rows, &csr)
                .unwrap()
                .save(dir.join("pm"))
                .unwrap();
            io::save_petsc_mat(dir.join("om"), &rows, &csr).unwrap();
            same("pm", "om");
            // and what PETSc loads from ours it writes back unchanged
            PetscMat::load(petsc, comm, dir.join("om"))
                .unwrap()
                .save(dir.join("pm2"))
                .unwrap();
            same("pm2", "om");
        }
        // rows split unevenly (all on rank 0): the same file
        let first = all_on(comm, 30, 0);
        PetscMat::from_csr(petsc, &first, &laplacian_2d(&first, 6, 5).unwrap())
            .unwrap()
            .save(dir.join("pm"))
            .unwrap();
        io::save_petsc_mat(dir.join("om"), &rows, &laplacian_2d(&rows, 6, 5).unwrap()).unwrap();
        same("pm", "om");
    })
}

fn harness_scratch(comm: &Comm, name: &str) -> std::path::PathBuf {
    super::harness::scratch(comm, name)
}

/// The last check: PETSc finalizes here, before the harness finalizes MPI.
pub fn petsc_finalizes_before_mpi(_comm: &Comm) {
    let petsc = PETSC.with(|p| p.borrow_mut().take());
    assert!(petsc.is_some(), "initialized by the earlier checks");
    drop(petsc); // PetscFinalize
    assert!(distarray::mpi::environment::is_initialized());
}

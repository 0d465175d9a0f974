//! The checks of mpi_petsc_binary that need PETSc (`--features petsc`): the
//! files PETSc writes load here, ours load in PETSc, and the bytes agree.
//! Written in the build's `Scalar` and binary options
//! (`bridge_petsc::binary_options`), so they run unchanged against every
//! PETSc build (`scripts/test-petsc-variants`).

use super::{all_on, value, write_file};
use crate::laplacian::laplacian_2d;
use distarray::halo::Stencil;
use distarray::io::{self, PetscBinaryOptions, PetscIndexWidth, PetscScalarKind};
use distarray::petsc::{binary_options, scalar_rows, Dmda, Petsc, PetscMat, PetscVec, Scalar};
use distarray::sparse::{owned_rows, CsrRows};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use std::cell::RefCell;

/// `value(g)` in the build's scalar type.
fn sv(g: usize) -> Scalar {
    Scalar::from(value(g))
}

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
            *x = sv(g);
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
        let x = DistArray::<Scalar>::load_petsc_vec(comm, dir.join("v")).unwrap();
        let want: Vec<Scalar> = (0..n).map(sv).collect();
        assert_eq!(x.gather_all().unwrap().into_raw_vec_and_offset().0, want);
        let cyclic = Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap();
        let y = DistArray::<Scalar>::load_petsc_vec_in(&cyclic, dir.join("v")).unwrap();
        for (l, g) in y.layout().global_indices(0).into_iter().enumerate() {
            assert_eq!(y.local()[[l]], sv(g));
        }
        let rows = Layout::block(comm, &[20]).unwrap();
        let a = laplacian_2d(&rows, 5, 4).unwrap();
        PetscMat::from_csr(petsc, &rows, &scalar_rows(a.clone()))
            .unwrap()
            .save(dir.join("a"))
            .unwrap();
        // the file holds the build's scalars: read back as such
        let a = scalar_rows(a);
        assert_eq!(
            io::load_petsc_mat_in::<Scalar>(&rows, dir.join("a")).unwrap(),
            a
        );
        if binary_options().scalar == PetscScalarKind::Complex {
            // and not as real rows, with a message that says so
            let e = io::load_petsc_mat_in::<f64>(&rows, dir.join("a")).unwrap_err();
            assert!(matches!(e, Error::DTypeMismatch { .. }), "{e}");
            super::assert_same_everywhere(comm, &e);
        }
        let last = all_on(comm, 20, comm.size() - 1);
        let b = io::load_petsc_mat_in::<Scalar>(&last, dir.join("a")).unwrap();
        assert_eq!(b, scalar_rows(laplacian_2d(&last, 5, 4).unwrap()));
        let (balanced, c) = io::load_petsc_mat::<Scalar>(comm, dir.join("a")).unwrap();
        assert_eq!(c, scalar_rows(laplacian_2d(&balanced, 5, 4).unwrap()));
    })
}

/// A DMDA global vector of a 2-D or 3-D grid saved by `PetscVec::save`
/// holds the grid in C order (not each rank's block after the other): it
/// loads here cell for cell, and the bytes are what distarray writes for
/// the same array.
pub fn dmda_vectors_save_in_grid_order(comm: &Comm) {
    with_petsc(|petsc| {
        let dir = harness_scratch(comm, "pbin-dmda");
        for shape in [vec![7usize, 5], vec![4, 3, 5]] {
            let d = Dist::BlockPadded {
                ghost_width: 1,
                boundary_width: (0, 0),
                periodic: false,
            };
            let padded = Layout::new(comm, &shape, &vec![d; shape.len()]).unwrap();
            let dm = Dmda::new(petsc, &padded, Stencil::Star).unwrap();
            let flat = |ix: &[usize]| ix.iter().zip(&shape).fold(0, |acc, (&i, &n)| acc * n + i);
            let mut global = DistArray::from_fn(dm.owned_layout(), |ix: &[usize]| sv(flat(ix)));
            let expected = global.to_owned();
            dm.global_vec(&mut global)
                .unwrap()
                .save(dir.join("g"))
                .unwrap();
            let n = shape.iter().product();
            let back = DistArray::<Scalar>::load_petsc_vec(comm, dir.join("g")).unwrap();
            let want: Vec<Scalar> = (0..n).map(sv).collect();
            assert_eq!(
                back.gather_all().unwrap().into_raw_vec_and_offset().0,
                want,
                "{shape:?}: the file holds the grid in C order"
            );
            expected
                .save_petsc_vec_with(dir.join("o"), binary_options())
                .unwrap();
            let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
            assert!(
                read("g") == read("o"),
                "{shape:?}: the bytes distarray writes"
            );
        }
    })
}

pub fn files_we_wrote_load_in_petsc(comm: &Comm) {
    with_petsc(|petsc| {
        let dir = harness_scratch(comm, "pbin-we-wrote");
        let n = 13;
        let layout = Layout::new(comm, &[n], &[Dist::BlockCyclic(2)]).unwrap();
        DistArray::from_fn(&layout, |ix| sv(ix[0]))
            .save_petsc_vec_with(dir.join("v"), binary_options())
            .unwrap();
        let mut v = PetscVec::load(petsc, comm, dir.join("v")).unwrap();
        {
            let access = v.array_mut().unwrap();
            assert_eq!(access.shape(), &[n]);
            let globals = access.layout().global_indices(0);
            for (x, g) in access.local().iter().zip(globals) {
                assert_eq!(*x, sv(g));
            }
        }
        // a matrix: PETSc's product with x is ours
        let rows = Layout::block(comm, &[20]).unwrap();
        let csr = laplacian_2d(&rows, 4, 5).unwrap();
        io::save_petsc_mat_with(dir.join("a"), &rows, &csr, binary_options()).unwrap();
        let a = PetscMat::load(petsc, comm, dir.join("a")).unwrap();
        assert_eq!(a.cols(), a.rows(), "a square matrix");
        let prows = a.rows().clone();
        let mut x = DistArray::from_fn(&prows, |ix| sv(ix[0]));
        let mut y = DistArray::<Scalar>::zeros(&prows);
        {
            let xv = PetscVec::wrap(petsc, &mut x).unwrap();
            let mut yv = PetscVec::wrap(petsc, &mut y).unwrap();
            a.mult(&xv, &mut yv).unwrap();
        }
        let mine = laplacian_2d(&prows, 4, 5).unwrap();
        for i in 0..mine.local_rows() {
            let (c, vals) = mine.row(i);
            let want: f64 = c.iter().zip(vals).map(|(&c, &v)| v * value(c)).sum();
            let diff = y.local()[[i]] - Scalar::from(want);
            assert!(distarray::num_complex::ComplexFloat::abs(diff) < 1e-12);
        }
        // files PETSc's build cannot read (the other index width; real
        // scalars for a complex build): the same error everywhere, before PETSc
        let mine = binary_options();
        let other_index = PetscBinaryOptions {
            index: match mine.index {
                PetscIndexWidth::I32 => PetscIndexWidth::I64,
                PetscIndexWidth::I64 => PetscIndexWidth::I32,
            },
            ..mine
        };
        x.save_petsc_vec_with(dir.join("vi"), other_index).unwrap();
        let e = PetscVec::load(petsc, comm, dir.join("vi")).err().unwrap();
        let bits = if other_index.index == PetscIndexWidth::I64 {
            "64"
        } else {
            "32"
        };
        assert!(
            e.to_string().contains(&format!("{bits}-bit indices")),
            "{e}"
        );
        super::assert_same_everywhere(comm, &e);
        if mine.scalar == PetscScalarKind::Complex {
            let real = DistArray::from_fn(&prows, |ix| value(ix[0]));
            let o = PetscBinaryOptions {
                scalar: PetscScalarKind::Real,
                ..mine
            };
            real.save_petsc_vec_with(dir.join("vr"), o).unwrap();
            let e = PetscVec::load(petsc, comm, dir.join("vr")).err().unwrap();
            super::assert_same_everywhere(comm, &e);
        }
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
            DistArray::from_fn(&layout, |ix| sv(ix[0]))
                .save_petsc_vec_with(dir.join("ov"), binary_options())
                .unwrap();
            same("pv", "ov");
        }
        let rows = Layout::block(comm, &[6 * 5]).unwrap();
        for csr in [laplacian_2d(&rows, 6, 5).unwrap(), unsorted_square(&rows)] {
            PetscMat::from_csr(petsc, &rows, &scalar_rows(csr.clone()))
                .unwrap()
                .save(dir.join("pm"))
                .unwrap();
            io::save_petsc_mat_with(dir.join("om"), &rows, &csr, binary_options()).unwrap();
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
        PetscMat::from_csr(
            petsc,
            &first,
            &scalar_rows(laplacian_2d(&first, 6, 5).unwrap()),
        )
        .unwrap()
        .save(dir.join("pm"))
        .unwrap();
        let csr = laplacian_2d(&rows, 6, 5).unwrap();
        io::save_petsc_mat_with(dir.join("om"), &rows, &csr, binary_options()).unwrap();
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

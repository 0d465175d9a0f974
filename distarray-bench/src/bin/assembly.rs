//! Benchmark: assembling a sparse matrix with the builder against PETSc's
//! own `MatSetValues` + `MatAssemblyBegin/End`, in this run.
//!
//! - `assembly_vs_petsc`: the 2-D 5-point operator of about 1e7 rows
//!   (3163 x 3163 grid; the first argument changes `n`), where about 5% of
//!   the entries are set by the wrong rank: builder + `assemble()` / the C
//!   program (preallocated with d_nz = 5, o_nz = 2), best of 3 each, timed
//!   alternately; target <= 1.0. Both give the same matrix (entry count
//!   and a weighted checksum compared).
//! - `assembly_to_petscmat_vs_petsc`: the same, the builder's rows then
//!   handed to PETSc (`PetscMat::from_csr`: a complete PETSc matrix in
//!   PETSc's memory) against the same C program; target <= 1.0.

use distarray::petsc::{Petsc, PetscMat};
use distarray::{Comm, Layout};
use distarray_bench::baseline::c_assembly_5_point;
use distarray_bench::operators::{checksum, laplacian_2d_mixed_up};
use distarray_bench::{report, timed, Target};

fn main() {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let petsc = Petsc::init().unwrap();
    {
        let comm = Comm::world();
        let n: usize = std::env::args()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(3163);
        let rows = Layout::block(&comm, &[n * n]).unwrap();
        let (mut t_ours, mut t_petsc, mut t_to_mat, mut t_handoff, mut t_split) = (
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            f64::INFINITY,
        );
        for rep in 0..3 {
            let mut a = None;
            t_ours = t_ours.min(timed(&comm, || a = Some(laplacian_2d_mixed_up(&rows, n))));
            let a = a.expect("assembled");
            let (t, nnz_c, sum_c) = c_assembly_5_point(&comm, n);
            t_petsc = t_petsc.min(t);
            if rep == 0 {
                let (nnz, sum) = checksum(&rows, &a);
                assert_eq!(nnz, nnz_c, "the same number of entries as PETSc's");
                assert!(
                    (sum - sum_c).abs() <= 1e-12 * sum_c.abs().max(1.0),
                    "the same entries as PETSc's: checksum {sum} against {sum_c}"
                );
                assert_eq!(nnz, n * n + 4 * n * (n - 1), "the 5-point operator");
            }
            // for the record: the handoff alone, both forms
            t_handoff = t_handoff.min(timed(&comm, || {
                let m = PetscMat::from_csr(&petsc, &rows, &a).unwrap();
                std::hint::black_box(&m);
            }));
            t_split = t_split.min(timed(&comm, || {
                let m = PetscMat::from_csr_split(&petsc, &rows, &a).unwrap();
                std::hint::black_box(&m);
            }));
            drop(a);
            // the figure: builder and handoff, a PETSc matrix at the end
            t_to_mat = t_to_mat.min(timed(&comm, || {
                let a = laplacian_2d_mixed_up(&rows, n);
                let m = PetscMat::from_csr(&petsc, &rows, &a).unwrap();
                std::hint::black_box(&m);
            }));
        }
        if comm.rank() == 0 {
            eprintln!(
                "assembly of {} rows on {} ranks: builder {:.3} s, PETSc {:.3} s; \
                 builder + PetscMat::from_csr {:.3} s (from_csr alone {:.3} s, from_csr_split {:.3} s)",
                n * n,
                comm.size(),
                t_ours,
                t_petsc,
                t_to_mat,
                t_handoff,
                t_split
            );
        }
        report(
            &comm,
            "assembly_vs_petsc",
            t_ours / t_petsc,
            "x",
            Target::AtMost(1.0),
        );
        report(
            &comm,
            "assembly_to_petscmat_vs_petsc",
            t_to_mat / t_petsc,
            "x",
            Target::AtMost(1.0),
        );
    }
    drop(petsc);
    drop(universe);
}

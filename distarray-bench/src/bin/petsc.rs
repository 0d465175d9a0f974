//! Benchmark: the PETSc bridge against PETSc itself, in this run.
//!
//! - `petsc_wrap_scaling`: time to wrap a DistArray as a Vec and a Vec as a
//!   DistArray at 1e8 elements / at 1e3 (<= 1.2: wrapping costs the same at
//!   any size; no allocation proportional to N, checked too).
//! - `petsc_poisson_vs_c`: the demo's assembly and solve through the bridge
//!   / the same in a plain C PETSc program (<= 1.05).

use distarray::petsc::{Petsc, PetscMat, PetscVec, Scalar};
use distarray::sparse::gallery::poisson_2d;
use distarray::{Comm, DistArray, Layout};
use distarray_bench::baseline::c_poisson_solve;
use distarray_bench::stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};
use distarray_bench::{median, report, timed, Target};
use std::alloc::System;
use std::f64::consts::PI;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Wraps `a` as a Vec and `v` as a DistArray, and drops both wrappers.
fn wrap_both_ways(petsc: &Petsc, a: &mut DistArray<Scalar>, v: &mut PetscVec<'_>) {
    let w = PetscVec::wrap(petsc, a).unwrap();
    drop(w);
    let g = v.array_mut().unwrap();
    drop(g);
}

/// Median timings of wrapping both ways at each size in `sizes`, measured
/// in alternation (rep by rep) so machine drift hits every size alike, and
/// the bytes one wrap allocates at each size.
fn wrap_costs(petsc: &Petsc, comm: &Comm, sizes: &[usize], reps: usize) -> Vec<(f64, usize)> {
    let mut cases: Vec<(DistArray<Scalar>, PetscVec<'_>)> = sizes
        .iter()
        .map(|&n| {
            let layout = Layout::block(comm, &[n]).unwrap();
            (
                DistArray::full(&layout, Scalar::from(1.0)),
                PetscVec::new(petsc, &layout).unwrap(),
            )
        })
        .collect();
    let bytes: Vec<usize> = cases
        .iter_mut()
        .map(|(a, v)| {
            wrap_both_ways(petsc, a, v);
            let region = Region::new(GLOBAL);
            wrap_both_ways(petsc, a, v);
            region.change().bytes_allocated
        })
        .collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(reps); sizes.len()];
    for _ in 0..reps {
        for ((a, v), t) in cases.iter_mut().zip(&mut times) {
            t.push(timed(comm, || wrap_both_ways(petsc, a, v)));
        }
    }
    times
        .into_iter()
        .zip(bytes)
        .map(|(t, b)| (median(t), b))
        .collect()
}

fn main() {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let petsc = Petsc::init().unwrap();
    {
        let comm = Comm::world();
        let costs = wrap_costs(&petsc, &comm, &[1_000, 100_000_000], 201);
        let ((small, small_bytes), (large, large_bytes)) = (costs[0], costs[1]);
        if comm.rank() == 0 {
            eprintln!(
                "wrap both ways: 1e3 {:.1} us ({small_bytes} B allocated), 1e8 {:.1} us ({large_bytes} B allocated)",
                small * 1e6,
                large * 1e6
            );
        }
        assert!(
            large_bytes < 64 * 1024,
            "wrapping allocated {large_bytes} bytes at 1e8 elements"
        );
        report(
            &comm,
            "petsc_wrap_scaling",
            large / small,
            "ratio",
            Target::AtMost(1.2),
        );

        let n: usize = std::env::args()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(300);
        let h = 1.0 / (n + 1) as f64;
        let exact = |r: usize| {
            (PI * ((r / n) + 1) as f64 * h).sin() * (PI * ((r % n) + 1) as f64 * h).sin()
        };
        let ours = || {
            let rows = Layout::block(&comm, &[n * n]).unwrap();
            let a = PetscMat::from_csr(&petsc, &rows, &poisson_2d(&rows, n, n).unwrap()).unwrap();
            let b = DistArray::from_fn(&rows, |ix: &[usize]| {
                Scalar::from(h * h * 2.0 * PI * PI * exact(ix[0]))
            });
            let (x, report) = a.solve(&b).unwrap();
            std::hint::black_box(&x);
            report.iterations
        };
        let (mut t_ours, mut t_c) = (f64::INFINITY, f64::INFINITY);
        let (mut its_ours, mut its_c) = (0, 0);
        for _ in 0..5 {
            t_ours = t_ours.min(timed(&comm, || its_ours = ours()));
            let mut tc = 0.0;
            let t = timed(&comm, || (tc, its_c) = c_poisson_solve(&comm, n));
            let _ = tc;
            t_c = t_c.min(t);
        }
        assert_eq!(its_ours, its_c, "the same solve: the same iteration count");
        if comm.rank() == 0 {
            eprintln!(
                "poisson {n}x{n}: bridge {:.1} ms, C {:.1} ms, {its_ours} iterations",
                t_ours * 1e3,
                t_c * 1e3
            );
        }
        report(
            &comm,
            "petsc_poisson_vs_c",
            t_ours / t_c,
            "ratio",
            Target::AtMost(1.05),
        );
    }
    drop(petsc);
    drop(universe);
}

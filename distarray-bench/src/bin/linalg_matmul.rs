//! Benchmark: C = A B of two 4096 x 4096 f64 matrices by our SUMMA
//! (`MatMul`, block-cyclic blocks of 128 on the default 2-D grid)
//! against ScaLAPACK's `pdgemm` on the same distribution and grid (the C
//! program `c/pdgemm.c`, Debian's libscalapack-openmpi, BLAS from
//! OpenBLAS on both sides, one BLAS thread per rank), in the same run.
//!
//! Figures: `matmul_vs_scalapack`, ScaLAPACK's best time / ours (target
//! at least 1.0). Also printed (a `#` line; the issue sets no target):
//! one process's DGEMM of the whole product (OpenBLAS, one thread) over
//! ours, the speedup and the aggregate efficiency.
//!
//! Before timing, a 300 x 300 product (partial blocks) is computed both
//! ways and compared cell by cell, so the baseline computes what we do.
//!
//! `scripts/bench linalg_matmul` runs it on 2 ranks; a matrix order can be
//! passed as the first argument.

use distarray::linalg::MatMul;
use distarray::mpi::traits::*;
use distarray::ndarray::Array2;
use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::baseline::{matmul_a, matmul_b, scalapack_pdgemm};
use distarray_bench::{report, size_arg, timed, Target};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Block length of both distributions.
const NB: usize = 128;
/// Timed rounds of each side (after one warm-up); the figure takes the best.
const REPS: usize = 2;

fn operands(comm: &Comm, n: usize) -> (Layout, DistArray<f64>, DistArray<f64>) {
    let layout = Layout::new(
        comm,
        &[n, n],
        &[Dist::BlockCyclic(NB), Dist::BlockCyclic(NB)],
    )
    .expect("layout");
    let a = DistArray::from_fn(&layout, |ix: &[usize]| matmul_a(ix[0], ix[1]));
    let b = DistArray::from_fn(&layout, |ix: &[usize]| matmul_b(ix[0], ix[1]));
    (layout, a, b)
}

fn grid_of(layout: &Layout) -> [usize; 2] {
    [layout.grid().shape()[0], layout.grid().shape()[1]]
}

/// Our product and ScaLAPACK's of a small order agree cell by cell.
fn check_against_scalapack(comm: &Comm, n: usize) {
    let (layout, a, b) = operands(comm, n);
    let c = MatMul::new(&layout, &layout)
        .expect("plan")
        .product(&a, &b)
        .expect("matmul");
    assert_eq!(c.layout(), &layout, "the result stays block-cyclic");
    let mut theirs = vec![0.0; layout.local_len()];
    scalapack_pdgemm(comm, n, NB, grid_of(&layout), 1, Some(&mut theirs));
    let ours = c.local();
    let worst = ours
        .iter()
        .zip(&theirs)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max);
    // the cells are sums of n products of magnitude <= 1/4
    assert!(
        worst <= 1e-12 * n as f64,
        "rank {}: ours and pdgemm's differ by {worst}",
        comm.rank()
    );
}

/// One process's DGEMM of the whole product (ndarray's `dot`, OpenBLAS),
/// on rank 0 while the others wait without spinning; every rank returns
/// the seconds.
fn one_process_seconds(comm: &Comm, n: usize) -> f64 {
    let mut t = f64::INFINITY;
    if comm.rank() == 0 {
        let a = Array2::from_shape_fn((n, n), |(i, j)| matmul_a(i, j));
        let b = Array2::from_shape_fn((n, n), |(i, j)| matmul_b(i, j));
        black_box(
            a.slice(distarray::ndarray::s![..64, ..64])
                .dot(&b.slice(distarray::ndarray::s![..64, ..64])),
        );
        let start = Instant::now();
        black_box(a.dot(&b));
        t = start.elapsed().as_secs_f64();
    }
    let mut request = comm.raw().immediate_barrier();
    loop {
        match request.test() {
            Ok(_) => break,
            Err(r) => request = r,
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    comm.raw().process_at_rank(0).broadcast_into(&mut t);
    t
}

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI");
    let comm = Comm::world();
    let n = size_arg(4096);
    check_against_scalapack(&comm, 300);

    let (layout, a, b) = operands(&comm, n);
    let grid = grid_of(&layout);
    let mut product = MatMul::new(&layout, &layout).expect("plan");
    let mut c = DistArray::zeros(product.result_layout());
    // rounds alternate the two sides, so that load from elsewhere falls on
    // both alike; round 0 warms up
    let (mut ours, mut theirs) = (f64::INFINITY, f64::INFINITY);
    for r in 0..=REPS {
        let t = timed(&comm, || product.execute(&a, &b, &mut c).expect("matmul"));
        let s = scalapack_pdgemm(&comm, n, NB, grid, 1, None);
        if r > 0 {
            ours = ours.min(t);
            theirs = theirs.min(s);
        }
    }
    black_box(&c);
    drop(c);
    let one = one_process_seconds(&comm, n);
    let p = comm.size();
    if comm.rank() == 0 {
        println!(
            "# matmul {n} x {n} f64, blocks of {NB} on a {}x{} grid: ours {ours:.3} s, \
             pdgemm {theirs:.3} s, one process's DGEMM {one:.3} s (speedup {:.2} on {p} ranks, \
             efficiency {:.2})",
            grid[0],
            grid[1],
            one / ours,
            one / ours / p as f64
        );
    }
    report(
        &comm,
        "matmul_vs_scalapack",
        theirs / ours,
        "ratio",
        Target::AtLeast(1.0),
    );
}

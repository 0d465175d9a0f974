//! Benchmark: the R factor of a tall-skinny 1e7 x 16 `f64` matrix by
//! TSQR ([`DistArray::qr`]) on the ranks, against one process's LAPACK
//! Householder QR of the whole matrix (`dgeqrf`'s row-major twin `dgelqf`,
//! the same kernel our ranks run on their rows) in the same run, on rank 0
//! while the other ranks wait idle.
//!
//! Like with like: both sides compute R only (no Q), and both include the
//! copy of the matrix LAPACK overwrites (ours copies each rank's rows).
//! Ours also includes the reduction tree and R's broadcast.
//!
//! Figures: `tsqr_vs_local`, local time / ours (target >= 1.3 on 2 ranks).
//! `#` lines give our `qr` on one process alone (how much of the figure
//! is the chunked local kernel — LAPACK's QR of a 16-column matrix is
//! bound by memory bandwidth — and how much the ranks) and CholeskyQR2's
//! time (Q and R) for comparison.
//!
//! Run with `OPENBLAS_NUM_THREADS=1` (one core per rank; the baseline
//! runs single-threaded too). `scripts/bench linalg_tsqr` runs it on 2
//! ranks; a row count can be passed as the first argument.

use distarray::mpi::traits::*;
use distarray::ndarray::Array2;
use distarray::random::mix64;
use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::{report, size_arg, timed, Target};
use ndarray_linalg::{Lapack, MatrixLayout};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Columns.
const N: usize = 16;
/// Rounds; the figure takes each side's best.
const ROUNDS: usize = 2;

/// Cell `(i, j)` of the matrix: uniform in [-0.5, 0.5).
fn cell(i: usize, j: usize) -> f64 {
    (mix64((i * N + j) as u64) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// One process's best time for R of the whole `m x N` matrix (copy +
/// LAPACK Householder QR), and our `qr` on that one process alone, on
/// rank 0 while the others wait without spinning; every rank returns the
/// seconds.
fn local_seconds(comm: &Comm, m: usize) -> (f64, f64) {
    let mut t = [f64::INFINITY; 2];
    if let Some(me) = comm.subset(comm.rank() == 0) {
        let all = Array2::from_shape_fn((m, N), |(i, j)| cell(i, j));
        let layout = MatrixLayout::C {
            row: m as i32,
            lda: N as i32,
        };
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let mut a = all.clone();
            let tau =
                f64::householder(layout, a.as_slice_mut().expect("contiguous")).expect("LAPACK QR");
            t[0] = t[0].min(start.elapsed().as_secs_f64());
            black_box((&a, &tau));
        }
        let layout =
            Layout::new(&me, &[m, N], &[Dist::Block, Dist::NotDistributed]).expect("layout");
        let a = DistArray::from_local(layout, all.into_dyn()).expect("local");
        for _ in 0..ROUNDS {
            let start = Instant::now();
            black_box(a.qr().expect("qr").into_r());
            t[1] = t[1].min(start.elapsed().as_secs_f64());
        }
    }
    let mut request = comm.raw().immediate_barrier();
    loop {
        match request.test() {
            Ok(_) => break,
            Err(r) => request = r,
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    comm.raw().process_at_rank(0).broadcast_into(&mut t[..]);
    (t[0], t[1])
}

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let m = size_arg(10_000_000);
    let (local, ours_alone) = local_seconds(&comm, m);
    let layout = Layout::new(&comm, &[m, N], &[Dist::Block, Dist::NotDistributed]).expect("layout");
    let a = DistArray::from_fn(&layout, |ix: &[usize]| cell(ix[0], ix[1]));
    let mut ours = f64::INFINITY;
    let mut cholqr2 = f64::INFINITY;
    let mut r_tsqr = None;
    let mut r_chol = None;
    for _ in 0..ROUNDS {
        ours = ours.min(timed(&comm, || {
            r_tsqr = Some(a.qr().expect("tsqr").into_r());
        }));
        cholqr2 = cholqr2.min(timed(&comm, || {
            r_chol = Some(a.cholesky_qr2().expect("cholesky_qr2"));
        }));
    }
    // the two R factors agree (both canonical): a check that the run
    // measured real factorizations
    let (rt, rc) = (r_tsqr.expect("ran"), r_chol.expect("ran").1);
    let diff = (&rt - &rc).iter().fold(0.0f64, |d, x| d.max(x.abs()));
    assert!(
        diff <= 1e-8 * rt[[0, 0]],
        "TSQR and CholeskyQR2 disagree by {diff}"
    );
    if comm.rank() == 0 {
        eprintln!(
            "linalg_tsqr: R of {m} x {N} f64: one process {:.0} ms; {} ranks: TSQR {:.0} ms, \
             CholeskyQR2 (Q and R) {:.0} ms",
            local * 1e3,
            comm.size(),
            ours * 1e3,
            cholqr2 * 1e3
        );
        println!(
            "# tsqr on one process {:.0} ms ({:.2}x LAPACK's QR: the chunked local kernel alone)",
            ours_alone * 1e3,
            local / ours_alone
        );
        println!(
            "# cholesky_qr2 {:.0} ms (Q and R), {:.2}x one process's R-only LAPACK QR",
            cholqr2 * 1e3,
            local / cholqr2
        );
    }
    report(
        &comm,
        "tsqr_vs_local",
        local / ours,
        "ratio",
        Target::AtLeast(1.3),
    );
}

//! Benchmark: sorting 1e8 uniform `f64` (`Generator::random`) on the
//! ranks with [`DistArray::sort`] against one process sorting the same
//! 1e8 values with `sort_unstable_by(f64::total_cmp)`, timed on rank 0
//! while the other ranks wait idle, in the same run.
//!
//! Figures: `sort_vs_local`, the local time / ours (target >= 1.2 on 2
//! ranks); `sort_skewed`, the worse of our times on 90%-equal keys and on
//! already sorted keys over our uniform time (target <= 1.5).
//!
//! `scripts/bench sort` runs it on 2 ranks; an element count can be passed
//! as the first argument.

use distarray::mpi::traits::*;
use distarray::random::Generator;
use distarray::sort::SortOptions;
use distarray::{Comm, DistArray, Layout};
use distarray_bench::{report, size_arg, timed, Target};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Rounds; the figure takes each side's best.
const ROUNDS: usize = 2;

/// One process sorting all `n` values (the same generator and seed, on a
/// communicator of rank 0 alone), on rank 0 while the others wait without
/// spinning; every rank returns the seconds.
fn local_seconds(comm: &Comm, n: usize) -> f64 {
    let mut t = f64::INFINITY;
    if let Some(me) = comm.subset(comm.rank() == 0) {
        let layout = Layout::block(&me, &[n]).expect("layout");
        let all = Generator::new(7).random::<f64>(&layout).expect("random");
        let all = all.local().as_slice().expect("contiguous").to_vec();
        for _ in 0..ROUNDS {
            let mut v = all.clone();
            let start = Instant::now();
            v.sort_unstable_by(f64::total_cmp);
            t = t.min(start.elapsed().as_secs_f64());
            black_box(&v);
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
    comm.raw().process_at_rank(0).broadcast_into(&mut t);
    t
}

/// Our best time sorting `a` (the result freed outside the timing).
fn ours(comm: &Comm, a: &DistArray<f64>) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..ROUNDS {
        let mut kept = None;
        best = best.min(timed(comm, || {
            kept = Some(a.sort(SortOptions::default()).expect("sort"));
        }));
        black_box(&kept);
    }
    best
}

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(100_000_000);
    let local = local_seconds(&comm, n);
    let layout = Layout::block(&comm, &[n]).expect("layout");
    let uniform = Generator::new(7).random::<f64>(&layout).expect("random");
    let t_uniform = ours(&comm, &uniform);
    // 90% one value, the rest uniform
    let skewed = uniform.map(|x| if x < 0.9 { 0.5 } else { x });
    let t_skewed = ours(&comm, &skewed);
    drop(skewed);
    let sorted = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
    let t_sorted = ours(&comm, &sorted);
    if comm.rank() == 0 {
        eprintln!(
            "sort: {n} f64: one process {:.0} ms; {} ranks: uniform {:.0} ms, 90% equal {:.0} ms, sorted {:.0} ms",
            local * 1e3,
            comm.size(),
            t_uniform * 1e3,
            t_skewed * 1e3,
            t_sorted * 1e3
        );
    }
    report(
        &comm,
        "sort_vs_local",
        local / t_uniform,
        "ratio",
        Target::AtLeast(1.2),
    );
    report(
        &comm,
        "sort_skewed",
        t_skewed.max(t_sorted) / t_uniform,
        "ratio",
        Target::AtMost(1.5),
    );
}

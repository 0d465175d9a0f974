//! Benchmark `unique_scaling`: [`DistArray::unique`] of 1e8 `i64` drawn
//! from 1e6 distinct values (`Generator::integers`, block layout) on the
//! ranks, against [`DistArray::sort`] of the same array in the same run.
//!
//! Figures: `unique_vs_sort`, our unique's time / our sort's time (target
//! <= 1); `unique_peak_memory`, the largest per-rank growth of the peak
//! resident memory during `unique` (`VmHWM` in `/proc/self/status`, reset
//! by writing 5 to `/proc/self/clear_refs` just before) over the rank's
//! local data bytes (target <= 1.5). The memory is measured first, before
//! any timed run, so no memory freed by an earlier run hides the growth.
//!
//! `scripts/bench unique` runs it on 2 ranks; an element count can be
//! passed as the first argument.

use distarray::mpi::collective::SystemOperation;
use distarray::mpi::traits::*;
use distarray::random::Generator;
use distarray::sort::SortOptions;
use distarray::{Comm, DistArray, Layout};
use distarray_bench::{report, size_arg, status_bytes, timed, Target};
use std::hint::black_box;

/// Rounds; the figure takes each side's best.
const ROUNDS: usize = 2;
/// Distinct values the data is drawn from.
const DISTINCT: i64 = 1_000_000;

/// This rank's peak resident memory growth while `f` runs (the peak reset
/// to the current resident size first) over `bytes`; on every rank the
/// largest ratio of any rank.
fn peak_growth(comm: &Comm, bytes: usize, f: impl FnOnce()) -> f64 {
    comm.barrier();
    std::fs::write("/proc/self/clear_refs", "5").expect("resetting the peak (clear_refs)");
    let before = status_bytes("VmRSS:");
    f();
    let mine = status_bytes("VmHWM:").saturating_sub(before) as f64 / bytes.max(1) as f64;
    let mut most = 0f64;
    comm.raw()
        .all_reduce_into(&mine, &mut most, SystemOperation::max());
    most
}

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(100_000_000);
    let layout = Layout::block(&comm, &[n]).expect("layout");
    let a: DistArray<i64> = Generator::new(11)
        .integers(&layout, 0, DISTINCT)
        .expect("random");
    let local_bytes = layout.local_len() * std::mem::size_of::<i64>();
    let mut values = 0;
    let growth = peak_growth(&comm, local_bytes, || {
        let u = a.unique().expect("unique");
        values = u.shape()[0];
    });
    let mut t_unique = f64::INFINITY;
    let mut t_sort = f64::INFINITY;
    for _ in 0..ROUNDS {
        let mut kept = None;
        t_sort = t_sort.min(timed(&comm, || {
            kept = Some(a.sort(SortOptions::default()).expect("sort"));
        }));
        drop(black_box(kept));
        let mut kept = None;
        t_unique = t_unique.min(timed(&comm, || {
            kept = Some(a.unique().expect("unique"));
        }));
        drop(black_box(kept));
    }
    if comm.rank() == 0 {
        eprintln!(
            "unique_scaling: {n} i64 from {DISTINCT} values ({values} distinct), {} ranks: sort {:.0} ms, unique {:.0} ms; peak growth {:.2}x of {:.0} MB local data",
            comm.size(),
            t_sort * 1e3,
            t_unique * 1e3,
            growth,
            local_bytes as f64 / 1e6
        );
    }
    report(
        &comm,
        "unique_vs_sort",
        t_unique / t_sort,
        "ratio",
        Target::AtMost(1.0),
    );
    report(
        &comm,
        "unique_peak_memory",
        growth,
        "ratio",
        Target::AtMost(1.5),
    );
}

//! Benchmark: the exact median of 1e8 uniform `f64` (`Generator::random`)
//! by distributed selection ([`DistArrayBase::median`]) against our full
//! distributed sort ([`DistArrayBase::sort`]) of the same array, in the
//! same run.
//!
//! Figure: `quantile_vs_sort`, the median's time over the sort's (target
//! <= 0.3 on 2 ranks). Each side takes its best of a few rounds.
//!
//! `scripts/bench order_stats` runs it on 2 ranks; an element count can be
//! passed as the first argument. With `ORDER_STATS_MORE=1` in the
//! environment it also prints (no figure) the times of `topk(10)`, a
//! `partition` at the middle and five quantiles at once.
//!
//! [`DistArrayBase::median`]: distarray::DistArrayBase::median
//! [`DistArrayBase::sort`]: distarray::DistArrayBase::sort

use distarray::random::Generator;
use distarray::sort::SortOptions;
use distarray::{Comm, Layout};
use distarray_bench::{report, size_arg, timed, Target};
use std::hint::black_box;

/// Rounds; the figure takes each side's best.
const ROUNDS: usize = 3;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(100_000_000);
    let layout = Layout::block(&comm, &[n]).expect("layout");
    let a = Generator::new(7).random::<f64>(&layout).expect("random");
    let (mut t_median, mut t_sort) = (f64::INFINITY, f64::INFINITY);
    let mut median = 0.0;
    for _ in 0..ROUNDS {
        t_median = t_median.min(timed(&comm, || {
            median = a.median().expect("median");
        }));
        let mut kept = None;
        t_sort = t_sort.min(timed(&comm, || {
            kept = Some(a.sort(SortOptions::default()).expect("sort"));
        }));
        black_box(&kept);
    }
    if std::env::var_os("ORDER_STATS_MORE").is_some() {
        let t_top = timed(&comm, || {
            black_box(a.topk(10, true).expect("topk"));
        });
        let t_part = timed(&comm, || {
            black_box(a.partition(n / 2).expect("partition"));
        });
        let t_q = timed(&comm, || {
            black_box(
                a.quantiles(&[0.01, 0.25, 0.5, 0.75, 0.99])
                    .expect("quantiles"),
            );
        });
        if comm.rank() == 0 {
            eprintln!(
                "topk(10) {:.0} ms, partition {:.0} ms, 5 quantiles {:.0} ms",
                t_top * 1e3,
                t_part * 1e3,
                t_q * 1e3
            );
        }
    }
    // the selection's answer is the sorted middle (uniform on [0, 1): near 0.5)
    assert!((median - 0.5).abs() < 0.01, "median {median}");
    if comm.rank() == 0 {
        eprintln!(
            "order_stats: {n} f64 on {} ranks: median {:.0} ms, full sort {:.0} ms",
            comm.size(),
            t_median * 1e3,
            t_sort * 1e3
        );
    }
    report(
        &comm,
        "quantile_vs_sort",
        t_median / t_sort,
        "ratio",
        Target::AtMost(0.3),
    );
}

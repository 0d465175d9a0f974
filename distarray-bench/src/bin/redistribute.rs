//! Benchmark: redistribution plans against a hand-written `MPI_Alltoallw`
//! with derived datatypes (the method of mpi4py-fft and Heat) and against a
//! STREAM-style copy of the same bytes, all measured in this run.
//!
//! Figures (scripts/bench runs it on 2 ranks with 5e7 f64):
//! - `redistribute_rows_to_cols`: Alltoallw time / plan time, 2-D row blocks -> column blocks (>= 1.3)
//! - `redistribute_block_to_cyclic`: the same for 1-D block -> cyclic (>= 1.3)
//! - `redistribute_vs_copy`: copy time / plan time for rows -> cols (>= 0.5)
//! - `plan_build_cost`: plan build time / one execution (<= 2)
//! - `execute_allocations`: heap allocations during one execution (<= 0)

use distarray::redistribute::Plan;
use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::baseline::Alltoallw;
use distarray_bench::stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};
use distarray_bench::{allocations_during, report, size_arg, timed, Target};
use std::alloc::System;
use std::hint::black_box;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Executions per figure (the best counts): more than a plan's timing
/// phase (up to 9 executions: a warm-up and two timed runs per transport),
/// so the chosen transport's steady state is among them.
const REPS: usize = 12;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(50_000_000);
    let ncols = 10_000.min(n);
    let nrows = n / ncols;
    let say = |s: String| {
        if comm.rank() == 0 {
            eprintln!("{s}");
        }
    };

    // 2-D row blocks -> column blocks
    let rows = Layout::with_grid(
        &comm,
        &[nrows, ncols],
        &[Dist::Block, Dist::NotDistributed],
        &[comm.size(), 1],
    )
    .unwrap();
    let cols = Layout::with_grid(
        &comm,
        &[nrows, ncols],
        &[Dist::NotDistributed, Dist::Block],
        &[1, comm.size()],
    )
    .unwrap();
    let a = DistArray::<f64>::random(&rows, 1);
    let mut b = DistArray::<f64>::zeros(&cols);
    let mut plan = None;
    let t_build = timed(&comm, || {
        plan = Some(Plan::<f64>::new(&rows, &cols).unwrap())
    });
    let mut plan = plan.unwrap();
    let mut baseline = Alltoallw::rows_to_cols(&comm, nrows, ncols);
    let mut check = vec![0.0; b.local().len()];
    let mut copy_dst = vec![0.0; a.local().len()];
    let src = a.local().to_slice().unwrap().to_vec();
    let (mut t_plan, mut t_base, mut t_copy) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..REPS {
        t_plan = t_plan.min(timed(&comm, || plan.execute(&a, &mut b).unwrap()));
        t_base = t_base.min(timed(&comm, || baseline.execute(&src, &mut check)));
        t_copy = t_copy.min(timed(&comm, || {
            copy_dst.copy_from_slice(&src);
            black_box(&copy_dst);
        }));
    }
    assert_eq!(
        b.local().as_slice().unwrap(),
        &check[..],
        "plan and baseline agree"
    );
    let allocs = allocations_during(GLOBAL, || plan.execute(&a, &mut b).unwrap());
    let max_allocs = comm
        .all_gather_u64(allocs as u64)
        .into_iter()
        .max()
        .unwrap_or(0);
    say(format!(
        "rows->cols {nrows}x{ncols} f64 on {} ranks: plan {:.1} ms (build {:.1} ms), Alltoallw {:.1} ms, copy {:.1} ms",
        comm.size(),
        t_plan * 1e3,
        t_build * 1e3,
        t_base * 1e3,
        t_copy * 1e3
    ));
    report(
        &comm,
        "redistribute_rows_to_cols",
        t_base / t_plan,
        "ratio",
        Target::AtLeast(1.3),
    );
    report(
        &comm,
        "redistribute_vs_copy",
        t_copy / t_plan,
        "ratio",
        Target::AtLeast(0.5),
    );
    report(
        &comm,
        "plan_build_cost",
        t_build / t_plan,
        "ratio",
        Target::AtMost(2.0),
    );
    report(
        &comm,
        "execute_allocations",
        max_allocs as f64,
        "count",
        Target::AtMost(0.0),
    );
    drop((a, b, check, copy_dst, src, baseline, plan));

    // 1-D block -> cyclic
    let block = Layout::block(&comm, &[n]).unwrap();
    let cyclic = Layout::new(&comm, &[n], &[Dist::Cyclic]).unwrap();
    let a = DistArray::<f64>::random(&block, 2);
    let mut b = DistArray::<f64>::zeros(&cyclic);
    let mut plan = Plan::<f64>::new(&block, &cyclic).unwrap();
    let mut baseline = Alltoallw::block_to_cyclic(&comm, n);
    let src = a.local().to_slice().unwrap().to_vec();
    let mut check = vec![0.0; b.local().len()];
    let (mut t_plan, mut t_base) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..REPS {
        t_plan = t_plan.min(timed(&comm, || plan.execute(&a, &mut b).unwrap()));
        t_base = t_base.min(timed(&comm, || baseline.execute(&src, &mut check)));
    }
    assert_eq!(
        b.local().as_slice().unwrap(),
        &check[..],
        "plan and baseline agree"
    );
    say(format!(
        "block->cyclic {n} f64: plan {:.1} ms, Alltoallw {:.1} ms",
        t_plan * 1e3,
        t_base * 1e3
    ));
    report(
        &comm,
        "redistribute_block_to_cyclic",
        t_base / t_plan,
        "ratio",
        Target::AtLeast(1.3),
    );
}

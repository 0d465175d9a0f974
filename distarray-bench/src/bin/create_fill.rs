//! Benchmark: creating and filling a distributed f64 array against a plain
//! local fill of the same bytes (each rank `vec![x; n_local]`), measured in
//! the same run. Figure `create_fill`: baseline time / our time (target >= 0.9).
//!
//! `scripts/bench create_fill` runs it on 2 ranks with 1e8 elements; an
//! element count can be passed as the first argument.

use distarray::{Comm, DistArray, Layout};
use distarray_bench::{best_of, report, size_arg, Target};
use std::hint::black_box;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(100_000_000);
    let n_local = n.div_ceil(comm.size());
    let reps = 5;
    // interleave the two so drift in the machine's load hits both alike
    let mut plain = f64::INFINITY;
    let mut ours = f64::INFINITY;
    for _ in 0..reps {
        plain = plain.min(best_of(&comm, 1, || {
            let v = vec![1.5f64; n_local];
            black_box(&v);
        }));
        ours = ours.min(best_of(&comm, 1, || {
            let layout = Layout::block(&comm, &[n]).expect("layout");
            let a = DistArray::full(&layout, 1.5f64);
            black_box(&a);
        }));
    }
    if comm.rank() == 0 {
        eprintln!(
            "create_fill: {n} f64 on {} ranks: plain fill {:.1} ms, DistArray::full {:.1} ms",
            comm.size(),
            plain * 1e3,
            ours * 1e3
        );
    }
    report(
        &comm,
        "create_fill",
        plain / ours,
        "ratio",
        Target::AtLeast(0.9),
    );
}

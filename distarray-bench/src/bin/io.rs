//! Benchmark: parallel `.npy` save and load (into an existing array) of 2 GB against `dd` writing
//! (with `conv=fdatasync`, as our save syncs) and reading the same number
//! of bytes on the same disk, in this run. Figures: `npy_save` and
//! `npy_load` (dd time / our time, >= 0.7). The method (page cache dropped
//! before each read, sides taking turns, best of `REPS`) is
//! [`distarray_bench::disk`]'s.
//!
//! The files go to `DISTARRAY_BENCH_DIR` (default: the system temp dir).

use distarray::io::Order;
use distarray::{Comm, DistArray, Layout};
use distarray_bench::disk::{bench_paths, save_load_against_dd};
use distarray_bench::{report, size_arg, Target};

/// Runs of each side (alternating which goes first).
const REPS: usize = 6;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(250_000_000); // 2 GB of f64
    let bytes = n * 8;
    let (ours, theirs) = bench_paths(&comm, "npy");
    let layout = Layout::block(&comm, &[n]).unwrap();
    let a = DistArray::full(&layout, 1.25f64);
    // loads go into an existing array, as dd reads into an existing buffer
    let mut b = DistArray::full(&layout, 0.0f64);
    let t = save_load_against_dd(
        &comm,
        (&ours, &theirs),
        bytes,
        REPS,
        || a.save_npy(&ours, Order::C).unwrap(),
        || b.load_npy_into(&ours).unwrap(),
        || {},
    );
    if comm.rank() == 0 {
        let gbps = |t: f64| bytes as f64 / t / 1e9;
        eprintln!(
            "npy {:.2} GB on {} ranks: save {:.2} GB/s (dd {:.2}), load {:.2} GB/s (dd {:.2})",
            bytes as f64 / 1e9,
            comm.size(),
            gbps(t.save),
            gbps(t.dd_write),
            gbps(t.load),
            gbps(t.dd_read)
        );
    }
    report(
        &comm,
        "npy_save",
        t.dd_write / t.save,
        "ratio",
        Target::AtLeast(0.7),
    );
    report(
        &comm,
        "npy_load",
        t.dd_read / t.load,
        "ratio",
        Target::AtLeast(0.7),
    );
}

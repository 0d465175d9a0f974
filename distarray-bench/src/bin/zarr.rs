//! Benchmark: parallel Zarr v3 save and load (into an existing array, as
//! the `io` benchmark's `npy_load`) of 2 GB of f64, uncompressed,
//! default chunks (each rank writes and reads its own), against `dd`
//! writing (with `conv=fdatasync`, as our save syncs its chunks) and
//! reading the same number of bytes on the same disk, in this run (the
//! method of the `io` benchmark). Figures: `zarr_save` and `zarr_load` (dd
//! time / our time, >= 0.7).
//!
//! The files go to `DISTARRAY_BENCH_DIR` (default: the system temp dir).
//! Before each read the page cache is dropped (when running as root), so
//! both sides read from the disk.

use distarray::io::ZarrOptions;
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
    let (ours, theirs) = bench_paths(&comm, "zarr");
    let layout = Layout::block(&comm, &[n]).unwrap();
    let a = DistArray::full(&layout, 1.25f64);
    let options = ZarrOptions::default();
    // loads go into an existing array, as dd reads into an existing buffer
    let b = std::cell::RefCell::new(DistArray::full(&layout, 0.0f64));
    let t = save_load_against_dd(
        &comm,
        (&ours, &theirs),
        bytes,
        REPS,
        || a.save_zarr(&ours, &options).unwrap(),
        || b.borrow_mut().load_zarr_into(&ours).unwrap(),
        || {
            assert!(
                b.borrow().local().iter().all(|&x| x == 1.25),
                "the load reads what the save wrote"
            )
        },
    );
    if comm.rank() == 0 {
        let gbps = |t: f64| bytes as f64 / t / 1e9;
        eprintln!(
            "zarr {:.2} GB on {} ranks: save {:.2} GB/s (dd {:.2}), load {:.2} GB/s (dd {:.2})",
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
        "zarr_save",
        t.dd_write / t.save,
        "ratio",
        Target::AtLeast(0.7),
    );
    report(
        &comm,
        "zarr_load",
        t.dd_read / t.load,
        "ratio",
        Target::AtLeast(0.7),
    );
}

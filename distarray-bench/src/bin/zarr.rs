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
use distarray_bench::{report, size_arg, timed, Target};
use std::process::Command;

/// Runs of each side (alternating which goes first).
const REPS: usize = 6;

fn dd(args: &[String]) -> bool {
    Command::new("dd")
        .args(args)
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Empties the page cache (root only; otherwise both sides read from cache).
fn drop_caches(comm: &Comm) {
    comm.barrier();
    if comm.rank() == 0 {
        let _ = std::fs::write("/proc/sys/vm/drop_caches", "1");
    }
    comm.barrier();
}

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(250_000_000); // 2 GB of f64
    let bytes = n * 8;
    let dir = std::env::var("DISTARRAY_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let ours = dir.join(format!("distarray-bench-{}.zarr", std::process::id()));
    let theirs = dir.join(format!("distarray-bench-{}.dd", std::process::id()));
    let ours = std::path::PathBuf::from(
        String::from_utf8(
            comm.broadcast_bytes(0, ours.to_string_lossy().into_owned().into_bytes()),
        )
        .unwrap(),
    );
    let layout = Layout::block(&comm, &[n]).unwrap();
    let a = DistArray::full(&layout, 1.25f64);
    let options = ZarrOptions::default();
    // loads go into an existing array, as dd reads into an existing buffer
    let mut b = DistArray::full(&layout, 0.0f64);
    let mb = 4 << 20;
    let (mut t_save, mut t_dd_w, mut t_load, mut t_dd_r) =
        (f64::INFINITY, f64::INFINITY, f64::INFINITY, f64::INFINITY);
    // Both sides write alike: just before its write each side deletes its
    // own previous file (this disk is mounted with `discard`, so freeing a
    // big file slows the next large write), syncs and drops the caches; and
    // the two take turns going first. The best of REPS runs of each side is
    // the figure (this disk's speed swings 3x between identical runs: few
    // runs do not find each side's best).
    let fresh_start = |comm: &Comm, file: &std::path::Path| {
        if comm.rank() == 0 {
            let _ = std::fs::remove_file(file);
            let _ = std::fs::remove_dir_all(file);
            let _ = Command::new("sync").status();
        }
        drop_caches(comm);
    };
    let save_ours = |comm: &Comm| timed(comm, || a.save_zarr(&ours, &options).unwrap());
    let write_dd = |comm: &Comm| {
        timed(comm, || {
            if comm.rank() == 0 {
                assert!(dd(&[
                    "if=/dev/zero".into(),
                    format!("of={}", theirs.display()),
                    format!("bs={mb}"),
                    format!("count={}", bytes.div_ceil(mb)),
                    "conv=fdatasync".into(),
                ]));
            }
        })
    };
    for rep in 0..REPS {
        for side in [rep % 2, 1 - rep % 2] {
            if side == 0 {
                fresh_start(&comm, &ours);
                t_save = t_save.min(save_ours(&comm));
            } else {
                fresh_start(&comm, &theirs);
                t_dd_w = t_dd_w.min(write_dd(&comm));
            }
        }
        let load_ours =
            |comm: &Comm, b: &mut DistArray<f64>| timed(comm, || b.load_zarr_into(&ours).unwrap());
        let read_dd = |comm: &Comm| {
            timed(comm, || {
                if comm.rank() == 0 {
                    assert!(dd(&[
                        format!("if={}", theirs.display()),
                        "of=/dev/null".into(),
                        format!("bs={mb}")
                    ]));
                }
            })
        };
        if comm.rank() == 0 && std::env::var_os("DISTARRAY_BENCH_VERBOSE").is_some() {
            eprintln!("rep {rep}: best so far save {t_save:.3} s, dd write {t_dd_w:.3} s");
        }
        drop_caches(&comm);
        if rep % 2 == 0 {
            t_load = t_load.min(load_ours(&comm, &mut b));
            drop_caches(&comm);
            t_dd_r = t_dd_r.min(read_dd(&comm));
        } else {
            t_dd_r = t_dd_r.min(read_dd(&comm));
            drop_caches(&comm);
            t_load = t_load.min(load_ours(&comm, &mut b));
        }
        if rep == 0 {
            assert!(
                b.local().iter().all(|&x| x == 1.25),
                "the load reads what the save wrote"
            );
        }
    }
    if comm.rank() == 0 {
        let gbps = |t: f64| bytes as f64 / t / 1e9;
        eprintln!(
            "zarr {:.2} GB on {} ranks: save {:.2} GB/s (dd {:.2}), load {:.2} GB/s (dd {:.2})",
            bytes as f64 / 1e9,
            comm.size(),
            gbps(t_save),
            gbps(t_dd_w),
            gbps(t_load),
            gbps(t_dd_r)
        );
        let _ = std::fs::remove_dir_all(&ours);
        let _ = std::fs::remove_file(&theirs);
    }
    report(
        &comm,
        "zarr_save",
        t_dd_w / t_save,
        "ratio",
        Target::AtLeast(0.7),
    );
    report(
        &comm,
        "zarr_load",
        t_dd_r / t_load,
        "ratio",
        Target::AtLeast(0.7),
    );
}

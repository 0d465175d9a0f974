//! Saving and loading against `dd` on the same disk, in the same run: the
//! method the file-format benchmarks (`io`, `zarr`) share.
//!
//! Both sides write alike: just before its write each side deletes its own
//! previous file (this disk is mounted with `discard`, so freeing a big file
//! slows the next large write), syncs and drops the caches; and the two take
//! turns going first. Before each read the page cache is dropped (when
//! running as root), so both sides read from the disk. The best of `reps`
//! runs of each side is the figure (this disk's speed swings 3x between
//! identical runs: few runs do not find each side's best).

use crate::timed;
use distarray::Comm;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The best times of each side, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct DiskTimes {
    /// Our save.
    pub save: f64,
    /// `dd` writing as many bytes (`conv=fdatasync`, as our saves sync).
    pub dd_write: f64,
    /// Our load (into an existing array).
    pub load: f64,
    /// `dd` reading them back.
    pub dd_read: f64,
}

pub fn dd(args: &[String]) -> bool {
    Command::new("dd")
        .args(args)
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Empties the page cache (root only; otherwise both sides read from cache).
pub fn drop_caches(comm: &Comm) {
    comm.barrier();
    if comm.rank() == 0 {
        let _ = std::fs::write("/proc/sys/vm/drop_caches", "1");
    }
    comm.barrier();
}

/// Removes `file` (a file or a directory), syncs and drops the caches.
pub fn fresh_start(comm: &Comm, file: &Path) {
    if comm.rank() == 0 {
        let _ = std::fs::remove_file(file);
        let _ = std::fs::remove_dir_all(file);
        let _ = Command::new("sync").status();
    }
    drop_caches(comm);
}

/// Our file at `name.ours_ext` and dd's at `name.dd` in `DISTARRAY_BENCH_DIR`
/// (default: the system temp dir), rank 0's names on every rank.
pub fn bench_paths(comm: &Comm, ours_ext: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::var("DISTARRAY_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let stem = format!("distarray-bench-{}", std::process::id());
    let stem = String::from_utf8(comm.broadcast_bytes(0, stem.into_bytes())).unwrap();
    (
        dir.join(format!("{stem}.{ours_ext}")),
        dir.join(format!("{stem}.dd")),
    )
}

/// `reps` rounds of `save` (writing `ours`) against dd writing `bytes` to
/// `theirs`, and of `load` against dd reading them, as the module says.
/// `after_first_load` runs once, after the first load (a check of what was
/// read). Both files are removed at the end. Collective.
pub fn save_load_against_dd(
    comm: &Comm,
    (ours, theirs): (&Path, &Path),
    bytes: usize,
    reps: usize,
    mut save: impl FnMut(),
    mut load: impl FnMut(),
    mut after_first_load: impl FnMut(),
) -> DiskTimes {
    let mb = 4 << 20;
    let mut t = DiskTimes {
        save: f64::INFINITY,
        dd_write: f64::INFINITY,
        load: f64::INFINITY,
        dd_read: f64::INFINITY,
    };
    let write_dd = || {
        if comm.rank() == 0 {
            assert!(dd(&[
                "if=/dev/zero".into(),
                format!("of={}", theirs.display()),
                format!("bs={mb}"),
                format!("count={}", bytes.div_ceil(mb)),
                "conv=fdatasync".into(),
            ]));
        }
    };
    let read_dd = || {
        if comm.rank() == 0 {
            assert!(dd(&[
                format!("if={}", theirs.display()),
                "of=/dev/null".into(),
                format!("bs={mb}")
            ]));
        }
    };
    for rep in 0..reps {
        for side in [rep % 2, 1 - rep % 2] {
            if side == 0 {
                fresh_start(comm, ours);
                t.save = t.save.min(timed(comm, &mut save));
            } else {
                fresh_start(comm, theirs);
                t.dd_write = t.dd_write.min(timed(comm, write_dd));
            }
        }
        if comm.rank() == 0 && std::env::var_os("DISTARRAY_BENCH_VERBOSE").is_some() {
            eprintln!(
                "rep {rep}: best so far save {:.3} s, dd write {:.3} s",
                t.save, t.dd_write
            );
        }
        drop_caches(comm);
        if rep % 2 == 0 {
            t.load = t.load.min(timed(comm, &mut load));
            drop_caches(comm);
            t.dd_read = t.dd_read.min(timed(comm, read_dd));
        } else {
            t.dd_read = t.dd_read.min(timed(comm, read_dd));
            drop_caches(comm);
            t.load = t.load.min(timed(comm, &mut load));
        }
        if rep == 0 {
            after_first_load();
        }
    }
    if comm.rank() == 0 {
        let _ = std::fs::remove_file(ours);
        let _ = std::fs::remove_dir_all(ours);
        let _ = std::fs::remove_file(theirs);
    }
    t
}

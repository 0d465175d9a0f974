//! The benchmark programs' shared parts (the programs are `src/bin/*.rs`):
//! timing that every rank agrees on, the `BENCH` line `scripts/bench`
//! prints, an allocation counter, and the C baselines.
//!
//! A figure is always a ratio against a baseline measured in the same run:
//! absolute times on these shared machines are noise.

pub mod baseline;
pub mod disk;
pub mod operators;

use distarray::mpi::collective::SystemOperation;
use distarray::mpi::traits::*;
use distarray::Comm;
use std::time::Instant;

/// Runs `f` on every rank between barriers; returns the slowest rank's seconds.
pub fn timed(comm: &Comm, f: impl FnOnce()) -> f64 {
    comm.barrier();
    let t = Instant::now();
    f();
    let mine = t.elapsed().as_secs_f64();
    let mut slowest = 0.0f64;
    comm.raw()
        .all_reduce_into(&mine, &mut slowest, SystemOperation::max());
    slowest
}

/// Best (smallest) of `reps` timings of `f`.
pub fn best_of(comm: &Comm, reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| timed(comm, &mut f))
        .fold(f64::INFINITY, f64::min)
}

/// Whether a figure meets its target.
#[derive(Clone, Copy)]
pub enum Target {
    /// value >= bound
    AtLeast(f64),
    /// value <= bound
    AtMost(f64),
}

/// Prints `BENCH <name> <value> <unit> target <op> <bound> PASS|FAIL` on rank 0.
pub fn report(comm: &Comm, name: &str, value: f64, unit: &str, target: Target) {
    if comm.rank() != 0 {
        return;
    }
    let (op, bound, pass) = match target {
        Target::AtLeast(b) => (">=", b, value >= b),
        Target::AtMost(b) => ("<=", b, value <= b),
    };
    println!(
        "BENCH {name} {value:.3} {unit} target {op} {bound} {}",
        if pass { "PASS" } else { "FAIL" }
    );
}

/// The median of some timings (the middle one after sorting).
pub fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Element count from the first argument, or the default.
pub fn size_arg(default: usize) -> usize {
    std::env::args()
        .nth(1)
        .and_then(|s| s.parse::<f64>().ok())
        .map(|x| x as usize)
        .unwrap_or(default)
}

/// A field of `/proc/self/status` in bytes (`VmHWM`, `VmRSS`).
pub fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("a number of kB");
    kb * 1024
}

/// Counts heap allocations, for figures that must be zero. Install with
/// `#[global_allocator] static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;`
/// and read with [`allocations_during`].
pub use stats_alloc;

/// Number of allocations (plus reallocations) `f` made on this rank.
pub fn allocations_during(
    alloc: &'static stats_alloc::StatsAlloc<std::alloc::System>,
    f: impl FnOnce(),
) -> usize {
    let region = stats_alloc::Region::new(alloc);
    f();
    let c = region.change();
    c.allocations + c.reallocations
}

//! Benchmark: how one rank's plan grows with the number of ranks, on
//! paper (`distarray::exchange::scale`): for a virtual world of P = 4 ...
//! 100,000 ranks, the plan of one rank is built without MPI, exactly as
//! that rank would build it, and its memory counted.
//!
//! Prints per case and P the rank's peers, plan memory, layout memory and
//! build time, then the figure:
//! - `plan_build_scaling`: the largest, over the cases, of (plan memory
//!   per peer at P = 100,000) / (plan memory per peer at P = 1,000): a
//!   plan may grow with the peers a rank really talks to, and no faster
//!   (<= 2). For the halo the peers stay 8, so this is its memory ratio.

use distarray::exchange::scale::{footprint, Case};
use distarray::Comm;
use distarray_bench::{report, Target};

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let sizes = [4, 16, 100, 1_000, 10_000, 100_000];
    let mut worst: f64 = 0.0;
    if comm.rank() == 0 {
        for case in Case::ALL {
            let mut at = std::collections::HashMap::new();
            for &p in &sizes {
                let f = footprint(case, p, p / 2 + p / 7);
                eprintln!(
                    "{:<22} P {:>6}: peers {:>6}, plan {:>10} B, layouts {:>8} B, build {:>8.4} s",
                    case.name(),
                    p,
                    f.peers,
                    f.plan_bytes,
                    f.layout_bytes,
                    f.build_seconds
                );
                at.insert(p, f);
            }
            let (small, large) = (&at[&1_000], &at[&100_000]);
            let per_peer = |f: &distarray::exchange::scale::Footprint| {
                f.plan_bytes as f64 / f.peers.max(1) as f64
            };
            let ratio = per_peer(large) / per_peer(small);
            eprintln!(
                "{:<22} memory x{:.2} for peers x{:.2}: x{:.3} per peer",
                case.name(),
                large.plan_bytes as f64 / small.plan_bytes as f64,
                large.peers as f64 / small.peers.max(1) as f64,
                ratio
            );
            worst = worst.max(ratio);
        }
    }
    report(&comm, "plan_build_scaling", worst, "x", Target::AtMost(2.0));
}

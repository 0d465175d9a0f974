//! Benchmark: making a distributed array of 1e8 uniform `f64` in [0, 1)
//! (`Generator::random`, Philox4x32-10, allocation included) against
//! NumPy's `numpy.random.default_rng(seed).random(n)` (PCG64) timed in a
//! `python3` subprocess on rank 0 while the other ranks wait idle, in the
//! same run. Figure `random_vs_numpy`: NumPy's time / ours, i.e. our
//! throughput over NumPy's (target >= 1.5).
//!
//! `scripts/bench random_vs_numpy` runs it on 2 ranks; an element count can
//! be passed as the first argument.

use distarray::mpi::traits::*;
use distarray::random::Generator;
use distarray::{Comm, Layout};
use distarray_bench::{report, size_arg, timed, Target};
use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

/// Rounds; each times both sides once, the figure takes each side's best.
const ROUNDS: usize = 5;

/// Times `rng.random(n)` in a fresh Python (its start-up and NumPy's import
/// excluded); seconds.
const NUMPY: &str = r#"
import sys, time
import numpy as np
n = int(sys.argv[1])
rng = np.random.default_rng(12345)
rng.random(1000)
t = time.perf_counter()
a = rng.random(n)
t = time.perf_counter() - t
assert a.shape == (n,) and a.dtype == np.float64
print(t)
"#;

/// NumPy's time on rank 0 (the other ranks wait without spinning, so
/// NumPy has a core to itself); every rank returns it.
fn numpy_seconds(comm: &Comm, n: usize) -> f64 {
    let mut t = 0.0f64;
    if comm.rank() == 0 {
        // no idle BLAS threads beside NumPy's one
        let out = Command::new("python3")
            .args(["-c", NUMPY, &n.to_string()])
            .env("OPENBLAS_NUM_THREADS", "1")
            .env("OMP_NUM_THREADS", "1")
            .output()
            .expect("python3 runs (scripts/install-deps installs numpy)");
        assert!(
            out.status.success(),
            "the NumPy baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("python prints its seconds");
    }
    // an idle wait: a spinning barrier would take a core from NumPy
    let mut request = comm.raw().immediate_barrier();
    loop {
        match request.test() {
            Ok(_) => break,
            Err(r) => request = r,
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    comm.raw().process_at_rank(0).broadcast_into(&mut t);
    t
}

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(100_000_000);
    let layout = Layout::block(&comm, &[n]).expect("layout");
    let mut rng = Generator::new(12345);
    let (mut numpy, mut ours) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..ROUNDS {
        numpy = numpy.min(numpy_seconds(&comm, n));
        // the array is freed outside the timing, as NumPy's is
        let mut kept = None;
        ours = ours.min(timed(&comm, || {
            kept = Some(rng.random::<f64>(&layout).expect("random array"));
        }));
        black_box(&kept);
        drop(kept);
    }
    if comm.rank() == 0 {
        eprintln!(
            "random_vs_numpy: {n} uniform f64: NumPy (1 process) {:.1} ms, distarray on {} ranks {:.1} ms",
            numpy * 1e3,
            comm.size(),
            ours * 1e3
        );
    }
    report(
        &comm,
        "random_vs_numpy",
        numpy / ours,
        "ratio",
        Target::AtLeast(1.5),
    );
}

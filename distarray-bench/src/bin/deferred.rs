//! Benchmark: deferred (fused) expressions against the same work written
//! eagerly, and against STREAM-style loops on the same data, in this run.
//!
//! - `fused_chain`: `y = sqrt(a*a + b*b) * c + 2.0*a - b` evaluated in one
//!   pass (`eval_into`) / the same with eager `out=` operations into two
//!   preallocated temporaries (>= 1.8)
//! - `fused_chain_bandwidth`: the fused pass's bandwidth / a STREAM triad's
//!   (`t = a + s*b` over the same local slices) (>= 0.8). Bytes counted
//!   the same way for both, reads plus writes, no write-allocate traffic:
//!   fused 3 reads + 1 write of 8 bytes per cell, triad 2 reads + 1 write.
//! - `fused_reduction`: a plain local loop summing `a[i] + b[i]` (eight
//!   accumulators, the same bytes read) / `((a - b) * (a - b)).sum()`
//!   (>= 0.9)
//!
//! The arrays are 1e8 f64 (an argument changes it): six of them.

use distarray::{Comm, DistArray, Layout};
use distarray_bench::{best_of, report, size_arg, Target};
use std::hint::black_box;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(100_000_000);
    let layout = Layout::block(&comm, &[n]).unwrap();
    let a = DistArray::<f64>::random(&layout, 1);
    let b = DistArray::<f64>::random(&layout, 2);
    let c = DistArray::<f64>::random(&layout, 3);
    let mut y = DistArray::<f64>::zeros(&layout);
    let mut t = DistArray::<f64>::zeros(&layout);
    let mut u = DistArray::<f64>::zeros(&layout);
    let reps = 5;
    let (mut t_triad, mut t_eager, mut t_fused) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    for _ in 0..reps {
        t_triad = t_triad.min(best_of(&comm, 1, || {
            let s = black_box(3.0);
            let (sa, sb) = (a.local().to_slice().unwrap(), b.local().to_slice().unwrap());
            let mut out = t.local_mut();
            let so = out.as_slice_mut().unwrap();
            for ((o, x), y) in so.iter_mut().zip(sa).zip(sb) {
                *o = x + s * y;
            }
            black_box(so.first());
        }));
        t_eager = t_eager.min(best_of(&comm, 1, || {
            // NumPy with out=: multiply(a, a, out=t); multiply(b, b, out=u); ...
            t.assign_zip2(&a, &a, |x, y| x * y).unwrap();
            u.assign_zip2(&b, &b, |x, y| x * y).unwrap();
            t += &u;
            t.map_inplace(f64::sqrt);
            t *= &c;
            u.zip_inplace(&a, |_, x| 2.0 * x).unwrap();
            t += &u;
            y.assign_zip2(&t, &b, |x, y| x - y).unwrap();
        }));
        t_fused = t_fused.min(best_of(&comm, 1, || {
            let (x, v, z) = (a.lazy(), b.lazy(), c.lazy());
            ((x * x + v * v).sqrt() * z + 2.0 * x - v)
                .eval_into(&mut t)
                .unwrap();
        }));
    }
    assert_eq!(t.local(), y.local(), "fused and eager agree bitwise");
    let (mut t_plain, mut t_reduce) = (f64::INFINITY, f64::INFINITY);
    let mut sums = (0.0, 0.0);
    for _ in 0..reps {
        t_plain = t_plain.min(best_of(&comm, 1, || {
            let (sa, sb) = (a.local().to_slice().unwrap(), b.local().to_slice().unwrap());
            let mut acc = [0.0f64; 8];
            let (ca, cb) = (sa.chunks_exact(8), sb.chunks_exact(8));
            let tail: f64 = ca
                .remainder()
                .iter()
                .zip(cb.remainder())
                .map(|(x, y)| x + y)
                .sum();
            for (p, q) in ca.zip(cb) {
                for i in 0..8 {
                    acc[i] += p[i] + q[i];
                }
            }
            sums.0 = black_box(acc.iter().sum::<f64>() + tail);
        }));
        t_reduce = t_reduce.min(best_of(&comm, 1, || {
            let (x, v) = (a.lazy(), b.lazy());
            sums.1 = black_box(((x - v) * (x - v)).sum().unwrap());
        }));
    }
    assert!(sums.0 > 0.0 && sums.1 > 0.0);
    let bw_fused = 32.0 / t_fused;
    let bw_triad = 24.0 / t_triad;
    if comm.rank() == 0 {
        eprintln!(
            "{n} f64 on {} ranks: triad {:.1} ms, eager chain {:.1} ms, fused chain {:.1} ms; plain two-array sum {:.1} ms, fused reduction {:.1} ms",
            comm.size(),
            t_triad * 1e3,
            t_eager * 1e3,
            t_fused * 1e3,
            t_plain * 1e3,
            t_reduce * 1e3
        );
    }
    report(
        &comm,
        "fused_chain",
        t_eager / t_fused,
        "ratio",
        Target::AtLeast(1.8),
    );
    report(
        &comm,
        "fused_chain_bandwidth",
        bw_fused / bw_triad,
        "ratio",
        Target::AtLeast(0.8),
    );
    report(
        &comm,
        "fused_reduction",
        t_plain / t_reduce,
        "ratio",
        Target::AtLeast(0.9),
    );
}

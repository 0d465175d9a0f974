//! Benchmark: elementwise work and sums against STREAM-style loops on the
//! same data, in this run.
//!
//! - `ufunc_add`: `c = a + b` into an existing array (NumPy's `add(a, b, out=c)`)
//!   / a STREAM triad `c = a + s*b` over the same local slices (>= 0.9)
//! - `fused_axpy`: `out = alpha*x + y` in one fused pass / the triad (>= 0.9)
//! - `reproducible_sum`: the reproducible sum's bandwidth / a plain local
//!   sum's (>= 0.5)

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
    let mut c = DistArray::<f64>::zeros(&layout);
    let (sa, sb) = (
        a.local().to_slice().unwrap().to_vec(),
        b.local().to_slice().unwrap().to_vec(),
    );
    let mut sc = vec![0.0f64; sa.len()];
    let reps = 5;
    let mut t_triad = f64::INFINITY;
    let (mut t_add, mut t_axpy) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps {
        t_triad = t_triad.min(best_of(&comm, 1, || {
            let s = black_box(3.0);
            for ((o, x), y) in sc.iter_mut().zip(&sa).zip(&sb) {
                *o = x + s * y;
            }
            black_box(&sc);
        }));
        t_add = t_add.min(best_of(&comm, 1, || {
            c.assign_zip2(&a, &b, |x, y| x + y).unwrap()
        }));
        t_axpy = t_axpy.min(best_of(&comm, 1, || {
            let alpha = black_box(3.0);
            c.assign_zip2(&a, &b, |x, y| alpha * x + y).unwrap()
        }));
    }
    let (mut t_sum, mut t_repro) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..reps {
        t_sum = t_sum.min(best_of(&comm, 1, || {
            // the fastest plain sum: eight independent accumulators (vectorized)
            let mut acc = [0.0f64; 8];
            let chunks = sa.chunks_exact(8);
            let tail: f64 = chunks.remainder().iter().sum();
            for c in chunks {
                for i in 0..8 {
                    acc[i] += c[i];
                }
            }
            black_box(acc.iter().sum::<f64>() + tail);
        }));
        t_repro = t_repro.min(best_of(&comm, 1, || {
            black_box(a.sum_reproducible().unwrap());
        }));
    }
    if comm.rank() == 0 {
        eprintln!(
            "{n} f64 on {} ranks: triad {:.1} ms, add {:.1} ms, axpy {:.1} ms; plain sum {:.1} ms, reproducible {:.1} ms",
            comm.size(),
            t_triad * 1e3,
            t_add * 1e3,
            t_axpy * 1e3,
            t_sum * 1e3,
            t_repro * 1e3
        );
    }
    report(
        &comm,
        "ufunc_add",
        t_triad / t_add,
        "ratio",
        Target::AtLeast(0.9),
    );
    report(
        &comm,
        "fused_axpy",
        t_triad / t_axpy,
        "ratio",
        Target::AtLeast(0.9),
    );
    report(
        &comm,
        "reproducible_sum",
        t_sum / t_repro,
        "ratio",
        Target::AtLeast(0.5),
    );
}

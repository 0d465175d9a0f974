//! Benchmark: repeated matrix-vector products `y = A x` through one
//! [`MatVec`] plan, with a 20000 x 20000 `f64` matrix in a block x block
//! layout (the plans built once, before the timing).
//!
//! Figure: `matvec_repeat`, the time per product (100 products, in 10
//! rounds interleaved with the baselines' rounds; medians) over the
//! sum of its two unavoidable parts measured alone in the same run: the
//! local DGEMV of each rank's block (all ranks at once, as in the product,
//! so they share the memory bandwidth the same way; the slowest rank, i.e.
//! the largest block) and the exchange that brings each rank the cells of x
//! its columns need ([`MatVec::import_x`]). Target <= 1.2 on 2 ranks: the
//! plan adds little beyond them (the agreement, the partial row sums sent
//! to y's owners).
//!
//! `scripts/bench linalg_matvec` runs it on 2 ranks with
//! `OPENBLAS_NUM_THREADS=1`; the matrix order can be passed as the first
//! argument.

use distarray::linalg::{matvec_layout, MatVec};
use distarray::ndarray::linalg::general_mat_vec_mul;
use distarray::ndarray::{Array1, Ix2};
use distarray::{Comm, DistArray, Layout};
use distarray_bench::{median, report, size_arg, timed, Target};
use std::hint::black_box;

/// Products in the timed run.
const PRODUCTS: usize = 100;
/// Products per round.
const PER_ROUND: usize = 10;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI");
    let comm = Comm::world();
    let n = size_arg(20_000);
    let a_layout = Layout::block(&comm, &[n, n]).expect("layout");
    let a = DistArray::from_fn(&a_layout, |ix: &[usize]| {
        ((ix[0] * 31 + ix[1] * 17) % 1000) as f64 / 1000.0 - 0.5
    });
    let x = DistArray::from_fn(
        &Layout::block(&comm, &[n]).expect("layout"),
        |ix: &[usize]| 1.0 + (ix[0] % 7) as f64,
    );
    let y_layout = matvec_layout(&a_layout).expect("layout");
    let mut y = DistArray::zeros(&y_layout);
    let mut plan = MatVec::new(&a_layout, x.layout(), &y_layout).expect("plan");
    // warm-up: the exchanges choose their transport over the first runs
    for _ in 0..8 {
        plan.apply(&a, &x, &mut y).expect("matvec");
    }

    // The product and its two baselines in interleaved rounds of
    // PER_ROUND each (100 products in all), so that the load of a shared
    // machine drifts over the three alike; each figure is its rounds' median.
    let block = a.local().into_dimensionality::<Ix2>().expect("2-d");
    let xs = Array1::from_elem(block.ncols(), 1.0);
    let mut ys = Array1::zeros(block.nrows());
    let (mut ours, mut gemv, mut import) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..PRODUCTS / PER_ROUND {
        // baseline 1: DGEMV of each rank's block, all ranks at once
        gemv.push(timed(&comm, || {
            for _ in 0..PER_ROUND {
                general_mat_vec_mul(1.0, &block, &xs, 0.0, &mut ys);
            }
        }));
        // baseline 2: the import of x alone
        import.push(timed(&comm, || {
            for _ in 0..PER_ROUND {
                plan.import_x(&x).expect("import");
            }
        }));
        ours.push(timed(&comm, || {
            for _ in 0..PER_ROUND {
                plan.apply(&a, &x, &mut y).expect("matvec");
            }
        }));
    }
    black_box((&ys, &y));
    let per = |t: Vec<f64>| median(t) / PER_ROUND as f64;
    let (ours, gemv, import) = (per(ours), per(gemv), per(import));

    if comm.rank() == 0 {
        eprintln!(
            "matvec_repeat: n={n} ranks={} per product {:.2} ms, DGEMV of the largest block {:.2} ms, import of x {:.3} ms",
            comm.size(),
            ours * 1e3,
            gemv * 1e3,
            import * 1e3
        );
    }
    report(
        &comm,
        "matvec_repeat",
        ours / (gemv + import),
        "ratio",
        Target::AtMost(1.2),
    );
}

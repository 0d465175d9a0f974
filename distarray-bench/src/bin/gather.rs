//! Benchmark: gathering a distributed array onto one rank, and scattering
//! it back, against a memcpy of the same bytes measured in this run.
//!
//! Figures (scripts/bench runs it on 2 ranks with 2e8 f64 = 1.6 GB):
//! - `gather_vs_copy`: memcpy time / gather time, where the memcpy copies
//!   the gathered bytes between two buffers already in memory on the root
//!   and the gather allocates the root's global array (>= 0.5)
//!
//! The scatter (`from_global`) is timed too and printed alongside.

use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::{report, size_arg, timed, Target};
use std::hint::black_box;

const REPS: usize = 3;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(200_000_000);
    let ncols = 1_000.min(n);
    let nrows = n / ncols;
    let layout = Layout::new(&comm, &[nrows, ncols], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let a = DistArray::<f64>::random(&layout, 7);

    let (mut t_gather, mut t_scatter, mut t_copy) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let mut whole = None;
    for _ in 0..REPS {
        whole = None; // free the previous result before gathering again
        t_gather = t_gather.min(timed(&comm, || whole = a.gather(0).unwrap()));
    }
    // the root's copy of the same bytes, between two buffers in memory
    let mut src = Vec::new();
    let mut dst = Vec::new();
    if let Some(w) = &whole {
        src = w.as_slice().expect("C order").to_vec();
        dst = vec![1.0f64; src.len()];
    }
    for _ in 0..REPS + 2 {
        t_copy = t_copy.min(timed(&comm, || {
            dst.copy_from_slice(&src);
            black_box(&dst);
        }));
    }
    drop((src, dst));
    for _ in 0..REPS {
        let mut b = None;
        t_scatter = t_scatter.min(timed(&comm, || {
            b = Some(DistArray::from_global(&layout, 0, whole.as_ref().map(|w| w.view())).unwrap())
        }));
        let b = b.unwrap();
        assert_eq!(
            b.local(),
            a.local(),
            "the scatter gives back what was gathered"
        );
    }
    if let Some(w) = &whole {
        // spot checks against the seeded generator's values
        let check = DistArray::<f64>::random(&layout, 7);
        let mine = check.local();
        assert_eq!(w.shape(), &[nrows, ncols]);
        assert_eq!(w[[0, 0]], mine[[0, 0]]);
    }
    if comm.rank() == 0 {
        eprintln!(
            "gather {:.3} s, scatter {:.3} s ({:.2}x the copy), memcpy of the same {:.2} GB {:.3} s",
            t_gather,
            t_scatter,
            t_copy / t_scatter,
            (n * 8) as f64 / 1e9,
            t_copy
        );
    }
    report(
        &comm,
        "gather_vs_copy",
        t_copy / t_gather,
        "x",
        Target::AtLeast(0.5),
    );
}

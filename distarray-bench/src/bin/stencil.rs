//! Benchmark: 50 Jacobi steps of the 2-D 5-point Laplacian on 8192 x 8192
//! `f64` (rows split over the ranks, one ghost row between neighbours, a
//! one-cell Dirichlet boundary), three ways in the same run:
//!
//! - overlapped: [`Halo::apply`] (begin the exchange, the interior, finish,
//!   the rim);
//! - blocking: [`Halo::update`] then [`Halo::sweep`] over every cell;
//! - no exchange at all: [`Halo::sweep`] alone (the physical floor: the
//!   same memory traffic, no messages, no waiting).
//!
//! Figures: `stencil_overlap`, blocking time / overlapped time (target at
//! least 1.15); `stencil_overlap_floor`, overlapped time / no-exchange
//! time (target at most 1.10). Each is the best of `ROUNDS` interleaved rounds.
//! Also printed (`#` lines, no target): the same 50 steps written by hand
//! over row slices with no closure, against the sweep, to show what the
//! closure interface costs; and the exchange alone (50 halo updates), from
//! which the most any overlap can gain follows: (no exchange + exchange) /
//! no exchange. Two ranks of one node exchange two 64 KB rows in
//! microseconds against tens of milliseconds of sweep per step, so that
//! bound, not the implementation, caps `stencil_overlap` here.
//!
//! `scripts/bench stencil` runs it on 2 ranks; the grid side can be passed
//! as the first argument.

use distarray::halo::{Halo, Neighbourhood, Stencil};
use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::{report, size_arg, timed, Target};

const STEPS: usize = 50;
const ROUNDS: usize = 3;

/// The Jacobi update of the 5-point Laplacian.
#[inline(always)]
fn jacobi(nb: &Neighbourhood<'_, f64>) -> f64 {
    0.25 * (nb[[-1, 0]] + nb[[1, 0]] + nb[[0, -1]] + nb[[0, 1]])
}

/// The same steps over row slices, no closure, no exchange.
fn by_hand(u: &mut DistArray<f64>, next: &mut DistArray<f64>, rows: (usize, usize)) {
    let cols = u.local().shape()[1];
    for _ in 0..STEPS {
        let src = u.local();
        let src = src.as_slice().expect("contiguous");
        let mut dst = next.local_mut();
        let dst = dst.as_slice_mut().expect("contiguous");
        for i in rows.0..rows.1 {
            let (up, mid, down) = (
                &src[(i - 1) * cols..i * cols],
                &src[i * cols..(i + 1) * cols],
                &src[(i + 1) * cols..(i + 2) * cols],
            );
            let out = &mut dst[i * cols + 1..(i + 1) * cols - 1];
            for (j, o) in out.iter_mut().enumerate() {
                *o = 0.25 * (up[j + 1] + down[j + 1] + mid[j] + mid[j + 2]);
            }
        }
        std::mem::swap(u, next);
    }
}

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(8192);
    let d = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (1, 1),
        periodic: false,
    };
    let p = comm.size();
    let layout = Layout::with_grid(&comm, &[n, n], &[d.clone(), d], &[p, 1]).expect("layout");
    let edge = |ix: &[usize]| ix[0] == 0 || ix[1] == 0 || ix[0] == n - 1 || ix[1] == n - 1;
    let start = |ix: &[usize]| if edge(ix) { 1.0 } else { 0.0 };
    let mut u = DistArray::from_fn(&layout, start);
    let mut next = DistArray::from_fn(&layout, start);
    let mut halo = Halo::<f64>::new(&layout, Stencil::Star).expect("halo");

    let overlapped = |u: &mut DistArray<f64>, next: &mut DistArray<f64>, halo: &mut Halo<f64>| {
        for _ in 0..STEPS {
            halo.apply(u, next, jacobi).expect("apply");
            std::mem::swap(u, next);
        }
    };
    let blocking = |u: &mut DistArray<f64>, next: &mut DistArray<f64>, halo: &mut Halo<f64>| {
        for _ in 0..STEPS {
            halo.update(u).expect("update");
            halo.sweep(u, next, jacobi).expect("sweep");
            std::mem::swap(u, next);
        }
    };
    let floor = |u: &mut DistArray<f64>, next: &mut DistArray<f64>, halo: &mut Halo<f64>| {
        for _ in 0..STEPS {
            halo.sweep(u, next, jacobi).expect("sweep");
            std::mem::swap(u, next);
        }
    };
    // warm-up (page faults, the halo's buffers)
    overlapped(&mut u, &mut next, &mut halo);
    let (mut t_over, mut t_block, mut t_floor, mut t_hand, mut t_sweep) = [f64::INFINITY; 5].into();
    // the owned rows that are not the boundary
    let owned = layout.owned_local_ranges()[0].clone();
    let first = layout.global_indices(0)[owned.start];
    let rows = (
        owned.start + usize::from(first == 0),
        owned.end - usize::from(first + owned.len() == n),
    );
    for _ in 0..ROUNDS {
        t_block = t_block.min(timed(&comm, || blocking(&mut u, &mut next, &mut halo)));
        t_over = t_over.min(timed(&comm, || overlapped(&mut u, &mut next, &mut halo)));
        t_floor = t_floor.min(timed(&comm, || floor(&mut u, &mut next, &mut halo)));
    }
    let mut t_exchange = f64::INFINITY;
    for _ in 0..2 {
        t_hand = t_hand.min(timed(&comm, || by_hand(&mut u, &mut next, rows)));
        t_sweep = t_sweep.min(timed(&comm, || floor(&mut u, &mut next, &mut halo)));
        t_exchange = t_exchange.min(timed(&comm, || {
            for _ in 0..STEPS {
                halo.update(&mut u).expect("update");
            }
        }));
    }
    if comm.rank() == 0 {
        println!(
            "# {n} x {n}, {STEPS} steps on {p} ranks: overlapped {t_over:.3} s, blocking \
             {t_block:.3} s, no exchange {t_floor:.3} s; hand-written loop {t_hand:.3} s \
             against the sweep's {t_sweep:.3} s ({:.2}x)",
            t_sweep / t_hand
        );
        // hiding the exchange entirely saves its time and no more: the
        // most blocking / overlapped can reach on this machine
        println!(
            "# the exchange alone: {t_exchange:.4} s for {STEPS} steps; the most overlap can \
             gain over blocking is (no exchange + exchange) / no exchange = {:.3}x",
            (t_floor + t_exchange) / t_floor
        );
    }
    report(
        &comm,
        "stencil_overlap",
        t_block / t_over,
        "ratio",
        Target::AtLeast(1.15),
    );
    report(
        &comm,
        "stencil_overlap_floor",
        t_over / t_floor,
        "ratio",
        Target::AtMost(1.10),
    );
}

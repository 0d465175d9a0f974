//! Benchmark: a width-1 halo update of a 2-D block x block array against a
//! hand-written neighbour exchange of the same bytes (post receives for the
//! ghost rows/columns, send the owned boundary rows/columns, wait), both
//! measured in this run. Figure `halo_2d_width1`: our time / hand-written
//! time (<= 1.5).

use distarray::halo::{Halo, Stencil};
use distarray::mpi::traits::*;
use distarray::{Comm, Dist, DistArray, Layout};
use distarray_bench::{report, size_arg, timed, Target};

const REPS: usize = 50;

fn main() {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let n = size_arg(4000);
    let ghost = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (0, 0),
        periodic: false,
    };
    let layout = Layout::new(&comm, &[n, n], &[ghost.clone(), ghost]).unwrap();
    let mut a = DistArray::<f64>::random(&layout, 3);
    let mut halo = Halo::<f64>::new(&layout, Stencil::Star).unwrap();

    // the hand-written exchange: neighbours along each grid axis, faces only
    let grid = layout.grid().shape().to_vec();
    let coords = layout.grid().coords().to_vec();
    let shape = layout.local_shape().to_vec();
    let (nr, nc) = (shape[0], shape[1]);
    let mut buf = a.local().to_slice().unwrap().to_vec();
    let neighbour = |axis: usize, delta: isize| -> Option<i32> {
        let c = coords[axis] as isize + delta;
        (c >= 0 && (c as usize) < grid[axis]).then(|| {
            let mut cc = coords.clone();
            cc[axis] = c as usize;
            layout.grid().rank_at(&cc) as i32
        })
    };
    let (north, south, west, east) = (
        neighbour(0, -1),
        neighbour(0, 1),
        neighbour(1, -1),
        neighbour(1, 1),
    );
    let mut col_out = [vec![0.0; nr], vec![0.0; nr]];
    let mut col_in = [vec![0.0; nr], vec![0.0; nr]];
    let raw = comm.raw();
    let mut hand = || {
        // pack the owned boundary columns that have a neighbour
        for r in 0..nr {
            if west.is_some() {
                col_out[0][r] = buf[r * nc + 1];
            }
            if east.is_some() {
                col_out[1][r] = buf[r * nc + nc - 2];
            }
        }
        let (top, rest) = buf.split_at_mut(nc);
        let (mid, bottom) = rest.split_at_mut((nr - 2) * nc);
        let first_owned = &mid[..nc];
        let last_owned = &mid[(nr - 3) * nc..];
        let [ci0, ci1] = &mut col_in;
        distarray::mpi::request::scope(|s| {
            let r1 = north.map(|p| {
                raw.process_at_rank(p)
                    .immediate_receive_into_with_tag(s, &mut *top, 1)
            });
            let r2 = south.map(|p| {
                raw.process_at_rank(p)
                    .immediate_receive_into_with_tag(s, &mut *bottom, 2)
            });
            let r3 = west.map(|p| {
                raw.process_at_rank(p)
                    .immediate_receive_into_with_tag(s, &mut ci0[..], 3)
            });
            let r4 = east.map(|p| {
                raw.process_at_rank(p)
                    .immediate_receive_into_with_tag(s, &mut ci1[..], 4)
            });
            let s1 = north.map(|p| {
                raw.process_at_rank(p)
                    .immediate_send_with_tag(s, first_owned, 2)
            });
            let s2 = south.map(|p| {
                raw.process_at_rank(p)
                    .immediate_send_with_tag(s, last_owned, 1)
            });
            let s3 = west.map(|p| {
                raw.process_at_rank(p)
                    .immediate_send_with_tag(s, &col_out[0][..], 4)
            });
            let s4 = east.map(|p| {
                raw.process_at_rank(p)
                    .immediate_send_with_tag(s, &col_out[1][..], 3)
            });
            for r in [r1, r2, r3, r4].into_iter().flatten() {
                r.wait();
            }
            for r in [s1, s2, s3, s4].into_iter().flatten() {
                r.wait();
            }
        });
        if west.is_some() {
            for r in 0..nr {
                buf[r * nc] = col_in[0][r];
            }
        }
        if east.is_some() {
            for r in 0..nr {
                buf[r * nc + nc - 1] = col_in[1][r];
            }
        }
    };
    let (mut t_ours, mut t_hand) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..REPS {
        t_ours = t_ours.min(timed(&comm, || halo.update(&mut a).unwrap()));
        t_hand = t_hand.min(timed(&comm, &mut hand));
    }
    if comm.rank() == 0 {
        eprintln!(
            "halo width 1 on {n}x{n} (grid {grid:?}): distarray {:.3} ms, hand-written {:.3} ms",
            t_ours * 1e3,
            t_hand * 1e3
        );
    }
    report(
        &comm,
        "halo_2d_width1",
        t_ours / t_hand,
        "ratio",
        Target::AtMost(1.5),
    );
}

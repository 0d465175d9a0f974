//! Benchmarks of the Global Arrays bridge, in this run:
//! - `ga_wrap_scaling`: lending a Global Array's memory as a DistArray and
//!   giving it back (`NGA_Access` + view + `NGA_Release_update`), at 1e8
//!   elements / at 1e3 (<= 1.2): wrapping is O(1), not O(n);
//! - `halo_vs_ga_update_ghosts`: distarray's halo update (width 1, box
//!   stencil, periodic) on a ghosted GA's own memory, against
//!   `GA_Update_ghosts` on the same array: our time / GA's (<= 1.0).

use distarray::ga::{ghost_layout, Ga, GlobalArray};
use distarray::halo::{Halo, Stencil};
use distarray::{Comm, Layout};
use distarray_bench::{median, report, size_arg, timed, Target};

fn main() {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let ga = Ga::init().unwrap();
    {
        // both sizes timed in alternation, rep by rep, so drift hits them alike
        let mut arrays: Vec<GlobalArray<f64>> = [1_000usize, 100_000_000]
            .iter()
            .map(|&n| GlobalArray::new(&ga, &Layout::block(&comm, &[n]).unwrap()).unwrap())
            .collect();
        let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(101); arrays.len()];
        for _ in 0..101 {
            for (g, t) in arrays.iter_mut().zip(&mut times) {
                t.push(timed(&comm, || {
                    let view = g.array_mut().unwrap();
                    std::hint::black_box(&view);
                }));
            }
        }
        let mut medians = times.into_iter().map(median);
        let (small, large) = (medians.next().unwrap(), medians.next().unwrap());
        if comm.rank() == 0 {
            eprintln!(
                "GA memory as a DistArray and back: 1e3 {:.2} us, 1e8 {:.2} us",
                small * 1e6,
                large * 1e6
            );
        }
        report(
            &comm,
            "ga_wrap_scaling",
            large / small,
            "ratio",
            Target::AtMost(1.2),
        );
    }
    {
        // a 2-D block x block array with ghost width 1 (1e8 cells in all
        // by default, as in the halo benchmark)
        let n = size_arg(100_000_000);
        let side = (n as f64).sqrt() as usize;
        let interior = Layout::block(&comm, &[side, side]).unwrap();
        let padded = ghost_layout(&interior, &[1, 1]).unwrap();
        let mut g = GlobalArray::<f64>::new(&ga, &padded).unwrap();
        g.array_mut().unwrap().local_mut().fill(1.0);
        g.sync();
        let mut halo = Halo::new(&padded, Stencil::Box).unwrap();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for _ in 0..21 {
            theirs.push(timed(&comm, || g.update_ghosts()));
            ours.push(timed(&comm, || {
                let mut lent = g.array_mut().unwrap();
                halo.update(&mut lent.view_mut()).unwrap();
            }));
        }
        let (ours, theirs) = (median(ours), median(theirs));
        if comm.rank() == 0 {
            eprintln!(
                "ghost update of a {side}x{side} array, width 1, on {} ranks: distarray {:.3} ms, GA_Update_ghosts {:.3} ms",
                comm.size(),
                ours * 1e3,
                theirs * 1e3
            );
        }
        report(
            &comm,
            "halo_vs_ga_update_ghosts",
            ours / theirs,
            "ratio",
            Target::AtMost(1.0),
        );
    }
    drop(ga);
    drop(comm);
    drop(universe);
}

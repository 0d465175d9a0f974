//! The 2-D heat equation u_t = Δu on the unit square, u = 0 on the
//! boundary, explicit Euler in time and the 5-point Laplacian in space,
//! each step one overlapped stencil sweep (`Halo::apply`: the ghost rows
//! travel while the interior is computed). Starting from the mode
//! sin(πx) sin(πy), the discrete solution stays that mode and shrinks by
//! exactly g = 1 - 8 r sin²(πh/2) per step (r = dt/h²), so its energy
//! Σ u² h² falls by g² per step: printed every `every` steps with a
//! deferred-expression reduction (one pass, no temporary array), and
//! checked at the end.
//!
//! Run: `scripts/mpirun -n 2 target/debug/examples/heat [n] [steps] [every]`
//! (n grid points per side, boundary included; defaults 128, 400, 100).

use distarray::halo::{Halo, Stencil};
use distarray::{Comm, Dist, DistArray, Layout};
use std::f64::consts::PI;

fn main() -> Result<(), distarray::Error> {
    let _universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let (n, steps, every) = (arg(1, 128), arg(2, 400), arg(3, 100).max(1));
    let h = 1.0 / (n - 1) as f64;
    let r = 0.2; // dt / h², stable up to 0.25
    let dt = r * h * h;

    // one ghost cell between neighbours; the one-cell boundary is padding
    let d = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (1, 1),
        periodic: false,
    };
    let layout = Layout::new(&comm, &[n, n], &[d.clone(), d])?;
    let mode = |ix: &[usize]| (PI * ix[0] as f64 * h).sin() * (PI * ix[1] as f64 * h).sin();
    let mut u = DistArray::from_fn(&layout, mode);
    let mut next = DistArray::from_fn(&layout, mode); // its boundary stays 0
    let mut halo = Halo::new(&layout, Stencil::Star)?;
    // deferred expressions: Σ u² and max |u| each one pass, no temporary
    let energy = |u: &DistArray<f64>| -> Result<f64, distarray::Error> {
        let v = u.lazy();
        Ok((v * v).sum()? * h * h)
    };

    let e0 = energy(&u)?;
    let g = 1.0 - 8.0 * r * (PI * h / 2.0).sin().powi(2);
    if comm.rank() == 0 {
        println!(
            "heat: {n} x {n} grid on {} ranks ({:?} process grid), dt = {dt:.3e}",
            comm.size(),
            layout.grid().shape()
        );
        println!(
            "{:>6} {:>10} {:>14} {:>14}",
            "step", "t", "energy", "max |u|"
        );
    }
    let mut worst: f64 = 0.0;
    for step in 1..=steps {
        halo.apply(&mut u, &mut next, |nb| {
            let c = nb.centre();
            c + r * (nb[[-1, 0]] + nb[[1, 0]] + nb[[0, -1]] + nb[[0, 1]] - 4.0 * c)
        })?;
        std::mem::swap(&mut u, &mut next);
        if step % every == 0 || step == steps {
            let e = energy(&u)?;
            let max = u.lazy().abs().max()?;
            let expected = e0 * g.powi(2 * step as i32);
            worst = worst.max((e / expected - 1.0).abs());
            if comm.rank() == 0 {
                println!(
                    "{step:>6} {:>10.3e} {e:>14.6e} {max:>14.6e}",
                    step as f64 * dt
                );
            }
        }
    }
    let continuous = (-2.0 * PI * PI * steps as f64 * dt).exp().powi(2);
    if comm.rank() == 0 {
        println!(
            "energy decay matches the discrete mode g^(2k) to {worst:.1e} \
             (continuous exp(-4π²t): {:.6e} of the start, discrete {:.6e})",
            continuous,
            g.powi(2 * steps as i32)
        );
    }
    assert!(worst < 1e-9, "the energy left the mode's decay: {worst:e}");
    Ok(())
}

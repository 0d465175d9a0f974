//! Global Arrays and distarray on one array: fill a 2-D periodic field
//! through distarray's API, let GA fill the ghost cells
//! (`GA_Update_ghosts`), apply the 5-point Laplacian on GA's memory seen as
//! a distributed array, and check it against the exact answer (a periodic
//! sine is an eigenvector of the periodic 5-point Laplacian).
//!
//! Run: `cargo build --release --features ga --example ga_stencil`
//! then `scripts/mpirun -n 4 target/release/examples/ga_stencil [n]`.

use distarray::ga::{ghost_layout, Ga, GlobalArray};
use distarray::ndarray::Array2;
use distarray::{All, Comm, DistArray, Layout};
use std::f64::consts::PI;

fn main() -> Result<(), distarray::Error> {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let ga = Ga::init()?;
    let result = run(&comm, &ga);
    drop(ga); // GA terminates before MPI does
    drop(comm);
    drop(universe);
    result
}

fn run(comm: &Comm, ga: &Ga) -> Result<(), distarray::Error> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400);
    let (ny, nx) = (n, n + n / 2);
    let field = |i: usize, j: usize| {
        (2.0 * PI * i as f64 / ny as f64).sin() * (2.0 * PI * j as f64 / nx as f64).cos()
    };

    // the interior distribution, and the same with GA's ghost cells around
    let interior = Layout::block(comm, &[ny, nx])?;
    let padded = ghost_layout(&interior, &[1, 1])?;
    // fill through distarray (ghost cells too get a value: GA overwrites them)
    let u = DistArray::from_fn(&padded, |ix: &[usize]| {
        field((ix[0] + ny - 1) % ny, (ix[1] + nx - 1) % nx)
    });
    let mut g = GlobalArray::from_array_copy(ga, &u)?;
    // poison the ghost ring (GA's ghosts surround each rank's block), so
    // the check below proves GA filled it
    {
        let mut lent = g.array_mut()?; // GA's memory, no copy
        let mut local = lent.local_mut();
        let (h, w) = (local.shape()[0], local.shape()[1]);
        for ((i, j), x) in local.indexed_iter_mut().map(|(ix, x)| ((ix[0], ix[1]), x)) {
            if i == 0 || j == 0 || i + 1 == h || j + 1 == w {
                *x = f64::NAN;
            }
        }
    }
    g.update_ghosts();

    // the stencil on GA's memory, through distarray's local view: the
    // error at every owned interior cell, as a distributed array of the
    // same layout (its ghost cells are never counted by reductions)
    let view = g.to_array()?;
    let local = view.local();
    let rows = view.layout().global_indices(0);
    let cols = view.layout().global_indices(1);
    let (h, w) = (local.shape()[0], local.shape()[1]);
    let eig = 2.0 * (2.0 * PI / ny as f64).cos() - 2.0 + 2.0 * (2.0 * PI / nx as f64).cos() - 2.0;
    let mut err = Array2::<f64>::zeros((h, w));
    for i in 1..h - 1 {
        for j in 1..w - 1 {
            let (gi, gj) = (rows[i], cols[j]);
            if gi == 0 || gi > ny || gj == 0 || gj > nx {
                continue; // boundary padding: not an interior cell
            }
            let lap = local[[i - 1, j]] + local[[i + 1, j]] + local[[i, j - 1]] + local[[i, j + 1]]
                - 4.0 * local[[i, j]];
            err[[i, j]] = (lap - eig * field(gi - 1, gj - 1)).abs();
        }
    }
    let err = DistArray::from_local(view.layout().clone(), err.into_dyn())?;
    drop(view);
    // the largest error on every rank; a NaN left in a ghost cell makes
    // its neighbours' errors NaN, and max propagates NaN (as NumPy's)
    let worst = err.max(All)?;
    if comm.rank() == 0 {
        println!("5-point Laplacian of a {ny}x{nx} periodic field on {} ranks, ghosts by GA: max error {worst:.2e}", comm.size());
    }
    if worst.is_nan() || worst > 1e-12 {
        return Err(distarray::Error::InvalidArgument(format!(
            "stencil error {worst:.2e} exceeds 1e-12"
        )));
    }
    Ok(())
}

//! A dense linear system through Elemental, from and back to distributed
//! arrays: build `A` (diagonally dominant) and `B` row-block distributed,
//! move them to Elemental's [MC,MR] layout with explicit redistributions,
//! solve `A X = B` by LU with partial pivoting, check the residual with
//! Elemental's GEMM, and bring `X` back to the row-block layout.
//!
//! Run: `cargo build --release --features elemental --example elemental_solve`
//! then `scripts/mpirun -n 4 target/release/examples/elemental_solve [n]`
//! (Elemental found through ELEMENTAL_DIR; see README).

use distarray::elemental::{
    gemm, linear_solve, DistMatrix, ElDist, ElGrid, Elemental, Orientation::Normal,
};
use distarray::{All, Comm, DistArray, Layout};

fn main() -> Result<(), distarray::Error> {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let el = Elemental::init()?;
    let result = run(&comm, &el);
    drop(el); // Elemental finalizes before MPI does
    drop(comm);
    drop(universe);
    result
}

fn run(comm: &Comm, el: &Elemental) -> Result<(), distarray::Error> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    let k = 4;
    // 1. the problem as row-block distributed arrays
    let rows = |cols: usize| {
        Layout::with_grid(
            comm,
            &[n, cols],
            &[distarray::Dist::Block, distarray::Dist::NotDistributed],
            &[comm.size(), 1],
        )
    };
    let a = DistArray::from_fn(&rows(n)?, |ix: &[usize]| {
        let off = ((ix[0] * 7 + ix[1] * 13) % 17) as f64 / 17.0;
        if ix[0] == ix[1] {
            n as f64 + off
        } else {
            off
        }
    });
    let b = DistArray::from_fn(&rows(k)?, |ix: &[usize]| (ix[0] + ix[1]) as f64);

    // 2. Elemental's grid from the process count; [MC,MR] layouts on it
    let height = (1..=comm.size())
        .rev()
        .find(|h| comm.size() % h == 0 && h * h <= comm.size())
        .unwrap_or(1);
    let grid = ElGrid::new(el, comm, height)?;
    let (la, lb) = (
        grid.layout(ElDist::McMr, n, n)?,
        grid.layout(ElDist::McMr, n, k)?,
    );
    let (mut a_el, mut b_el) = (DistArray::zeros(&la), DistArray::zeros(&lb));
    grid.redistribution(a.layout(), &la)?
        .execute(&a, &mut a_el)?;
    grid.redistribution(b.layout(), &lb)?
        .execute(&b, &mut b_el)?;
    let a_m = DistMatrix::from_array_copy(&grid, ElDist::McMr, &a_el)?;
    let mut x_m = DistMatrix::from_array_copy(&grid, ElDist::McMr, &b_el)?;

    // 3. solve, then the residual R = A X - B with Elemental's GEMM
    linear_solve(&a_m, &mut x_m)?;
    let mut r_m = DistMatrix::from_array_copy(&grid, ElDist::McMr, &b_el)?;
    gemm(Normal, Normal, 1.0, &a_m, &x_m, -1.0, &mut r_m)?;
    let worst = r_m.to_array()?.abs().max(All)?; // NumPy's abs(R).max()

    // 4. X back in the problem's row-block layout
    let mut x = DistArray::zeros(b.layout());
    grid.redistribution(&lb, b.layout())?
        .execute(&*x_m.to_array()?, &mut x)?;
    let x00 = x.get(&[0, 0])?;
    if comm.rank() == 0 {
        println!(
            "A X = B, A {n} x {n}, B {n} x {k}, on a {} x {} Elemental grid: max |A X - B| = {worst:.2e}, X[0,0] = {x00:.6}",
            grid.height(),
            grid.width()
        );
    }
    if worst.is_nan() || worst > 1e-9 * n as f64 {
        return Err(distarray::Error::InvalidArgument(format!(
            "residual {worst:e} too large"
        )));
    }
    Ok(())
}

//! A dense linear system through Elemental, from and back to distributed
//! arrays: build `A` (diagonally dominant) row-block distributed, move it
//! to Elemental's [MC,MR] layout with an explicit redistribution, factor it
//! once (LU with partial pivoting) behind the `LinearSolver` trait, and
//! solve for several right-hand sides, each a distributed array; the
//! solver reports `|b - A x|` (Elemental's GEMM).
//!
//! Run: `cargo build --release --features elemental --example elemental_solve`
//! then `scripts/mpirun -n 4 target/release/examples/elemental_solve [n]`
//! (Elemental found through ELEMENTAL_DIR; see README).

use distarray::bridge::LinearSolver;
use distarray::elemental::{DistMatrix, ElDist, ElGrid, Elemental, LuSolver};
use distarray::{Comm, DistArray, Layout};

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
    // 2. Elemental's grid from the process count; A copied to [MC,MR] on it
    let height = (1..=comm.size())
        .rev()
        .find(|h| comm.size() % h == 0 && h * h <= comm.size())
        .unwrap_or(1);
    let grid = ElGrid::new(el, comm, height)?;
    let la = grid.layout(ElDist::McMr, n, n)?;
    let mut a_el = DistArray::zeros(&la);
    grid.redistribution(a.layout(), &la)?
        .execute(&a, &mut a_el)?;
    let a_m = DistMatrix::from_array_copy(&grid, ElDist::McMr, &a_el)?;

    // 3. factored once, then k right-hand sides b_j[i] = i + j through the
    //    trait every solver library implements
    let mut lu = LuSolver::new(&a_m)?;
    let solver: &mut dyn LinearSolver<f64> = &mut lu;
    let mut worst = 0f64;
    let mut x00 = 0.0;
    for j in 0..k {
        let b = DistArray::from_fn(solver.rows(), |ix: &[usize]| (ix[0] + j) as f64);
        let mut x = DistArray::zeros(solver.rows());
        let report = solver.solve(&b, &mut x)?;
        worst = worst.max(report.residual);
        if j == 0 {
            x00 = x.get(&[0])?;
        }
    }
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

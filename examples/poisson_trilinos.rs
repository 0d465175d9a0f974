//! The Poisson demo solved through Trilinos: the same problem as
//! `examples/poisson.rs`, assembled as a Tpetra CrsMatrix from the same CSR
//! rows, solved by Belos CG (Ifpack2 Jacobi) through the `LinearSolver`
//! trait straight into a distributed array (b and x are wrapped, not
//! copied), and checked against sin(πx)sin(πy). (That right-hand
//! side is an eigenvector of the 5-point Laplacian, so an unpreconditioned
//! or Jacobi-preconditioned Krylov method converges in one iteration.)
//!
//! Run: `cargo build --release --features trilinos --example poisson_trilinos`
//! then `scripts/mpirun -n 4 target/release/examples/poisson_trilinos [n]`.

use distarray::bridge::{LinearSolver, Tolerances};
use distarray::sparse::{owned_rows, CsrRows, SparseBuilder};
use distarray::trilinos::{
    BelosMethod, BelosSolver, CrsMatrix, Preconditioner, TpetraMap, Trilinos,
};
use distarray::{All, Comm, DistArray, Layout};
use std::f64::consts::PI;

fn main() -> Result<(), distarray::Error> {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let trilinos = Trilinos::init(&comm)?;
    let result = run(&comm, &trilinos);
    drop(trilinos); // Tpetra finalizes before MPI does
    drop(comm);
    drop(universe);
    result
}

fn run(comm: &Comm, trilinos: &Trilinos) -> Result<(), distarray::Error> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let h = 1.0 / (n + 1) as f64;
    let exact =
        |r: usize| (PI * ((r / n) + 1) as f64 * h).sin() * (PI * ((r % n) + 1) as f64 * h).sin();
    let rows = Layout::block(comm, &[n * n])?;
    let map = TpetraMap::from_layout(trilinos, &rows)?;
    let a = CrsMatrix::from_csr(&map, &laplacian_2d(&rows, n)?)?;
    let b = DistArray::from_fn(&rows, |ix: &[usize]| h * h * 2.0 * PI * PI * exact(ix[0]));
    let mut u = DistArray::zeros(&rows);
    let mut solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::Jacobi)?;
    solver.set_tolerances(Tolerances::default().relative(1e-10))?;
    let report = solver.solve(&b, &mut u)?;
    // max |u - exact|, as in NumPy
    let exact_u = DistArray::from_fn(&rows, |ix: &[usize]| exact(ix[0]));
    let err = (&u - &exact_u).abs().max(All)?;
    if comm.rank() == 0 {
        println!(
            "Poisson {n}x{n} on {} ranks: {report}; max error {err:.3e}",
            comm.size()
        );
    }
    if err.is_nan() || err > 10.0 * h * h * PI * PI {
        return Err(distarray::Error::InvalidArgument(format!(
            "the solution is off: max error {err:e}"
        )));
    }
    Ok(())
}

/// The 5-point Laplacian on the `n x n` grid, `4 u[i,j] - u[i-1,j] -
/// u[i+1,j] - u[i,j-1] - u[i,j+1]` (unknown `(i, j)` is row `i * n + j`,
/// Dirichlet boundaries): each rank sets its own rows, as with PETSc's
/// `MatSetValues`, and assembly gives it those rows in CSR form.
fn laplacian_2d(rows: &Layout, n: usize) -> Result<CsrRows, distarray::Error> {
    let mut op = SparseBuilder::new(rows, n * n)?;
    op.reserve(5); // entries per row: the preallocation
    for r in owned_rows(rows)? {
        let (i, j) = (r / n, r % n);
        op.add(r, r, 4.0);
        if i > 0 {
            op.add(r, r - n, -1.0);
        }
        if i + 1 < n {
            op.add(r, r + n, -1.0);
        }
        if j > 0 {
            op.add(r, r - 1, -1.0);
        }
        if j + 1 < n {
            op.add(r, r + 1, -1.0);
        }
    }
    op.assemble()
}

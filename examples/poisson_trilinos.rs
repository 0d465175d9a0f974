//! The Poisson demo solved through Trilinos: the same problem as
//! `examples/poisson.rs`, assembled as a Tpetra CrsMatrix from the same CSR
//! rows, solved by Belos CG (Ifpack2 Jacobi), the solution lent back as a
//! distributed array and checked against sin(πx)sin(πy). (That right-hand
//! side is an eigenvector of the 5-point Laplacian, so an unpreconditioned
//! or Jacobi-preconditioned Krylov method converges in one iteration.)
//!
//! Run: `cargo build --release --features trilinos --example poisson_trilinos`
//! then `scripts/mpirun -n 4 target/release/examples/poisson_trilinos [n]`.

use distarray::sparse::{owned_rows, CsrRows, SparseBuilder};
use distarray::trilinos::{solve, CrsMatrix, Solver, TpetraMap, TpetraVector, Trilinos};
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
    let mut b = TpetraVector::new(&map)?;
    {
        let mut view = b.array_mut()?;
        let globals = view.layout().global_indices(0);
        for (x, g) in view.local_mut().iter_mut().zip(globals) {
            *x = h * h * 2.0 * PI * PI * exact(g);
        }
    }
    let mut x = TpetraVector::new(&map)?;
    let info = solve(
        &a,
        &b,
        &mut x,
        &Solver::default()
            .method("CG")
            .preconditioner("jacobi")
            .tolerance(1e-10),
    )?;
    // the solution lent back as a distributed array: max |u - exact|, as in NumPy
    let u = x.array_mut()?;
    let exact_u = DistArray::from_fn(u.layout(), |ix: &[usize]| exact(ix[0]));
    let err = (&u - &exact_u).abs().max(All)?;
    if comm.rank() == 0 {
        println!(
            "Poisson {n}x{n} on {} ranks through Belos CG + Ifpack2 Jacobi: {} iterations, achieved {:.2e}, max error {err:.3e}",
            comm.size(),
            info.iterations,
            info.achieved_tolerance
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

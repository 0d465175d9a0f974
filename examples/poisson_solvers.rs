//! One Poisson problem, two solver libraries, one interface: the operator
//! is assembled once with the sparse builder, then solved by PETSc's KSP
//! and by Trilinos' Belos through the `LinearSolver` trait. Switching
//! library is switching the constructor; the solve, the report and the
//! post-processing are the same code.
//!
//!   -Δu = 2 (x(1-x) + y(1-y)) on the unit square, u = 0 on the boundary;
//!   exact solution u = x(1-x) y(1-y), which 5-point finite differences on
//!   an n x n grid reproduce exactly at the grid points (so the error left
//!   is the solver's); the operator assembled edge by edge as a
//!   finite-element code would (an edge's 2 x 2 block lands in rows other
//!   ranks own: the builder moves them).
//!
//! Run: `cargo build --release --features petsc,trilinos --example poisson_solvers`
//! then `scripts/mpirun -n 4 target/release/examples/poisson_solvers [n]`.

use distarray::bridge::{LinearSolver, Tolerances};
use distarray::petsc::{Ksp, Petsc, PetscMat};
use distarray::sparse::{owned_rows, CsrRows, SparseBuilder};
use distarray::trilinos::{
    BelosMethod, BelosSolver, CrsMatrix, Preconditioner, TpetraMap, Trilinos,
};
use distarray::{All, Comm, DistArray, Error, Layout};

fn main() -> Result<(), Error> {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let comm = Comm::world();
    let petsc = Petsc::init()?;
    let trilinos = Trilinos::init(&comm)?;
    let result = run(&comm, &petsc, &trilinos);
    drop(trilinos); // both libraries finalize before MPI does
    drop(petsc);
    drop(comm);
    drop(universe);
    result
}

fn run(comm: &Comm, petsc: &Petsc, trilinos: &Trilinos) -> Result<(), Error> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let h = 1.0 / (n + 1) as f64;
    let rows = Layout::block(comm, &[n * n])?;
    let csr = assemble_by_edges(&rows, n)?;
    let b = DistArray::from_fn(&rows, |ix: &[usize]| {
        let (x, y) = point(ix[0] / n, ix[0] % n, h);
        h * h * 2.0 * (x * (1.0 - x) + y * (1.0 - y))
    });
    let exact_u = DistArray::from_fn(&rows, |ix: &[usize]| exact(ix[0] / n, ix[0] % n, h));
    let tolerances = Tolerances::default().relative(1e-10);

    // PETSc: CG + Jacobi (the options database may still override them:
    // `-ksp_type`, `-pc_type`)
    let a_petsc = PetscMat::from_csr(petsc, &rows, &csr)?;
    let mut ksp = Ksp::new(&a_petsc)?;
    ksp.set_method("cg")?;
    ksp.set_preconditioner("jacobi")?;
    let u_petsc = solve(comm, &mut ksp, tolerances, &b, &exact_u)?;

    // Trilinos: the same operator, the same method, through Tpetra and Belos
    let map = TpetraMap::from_layout(trilinos, &rows)?;
    let a_tpetra = CrsMatrix::from_csr(&map, &csr)?;
    let mut belos = BelosSolver::new(&a_tpetra, BelosMethod::Cg, Preconditioner::Jacobi)?;
    let u_belos = solve(comm, &mut belos, tolerances, &b, &exact_u)?;

    let apart = (&u_petsc - &u_belos).abs().max(All)?;
    if comm.rank() == 0 {
        println!("the two solutions differ by at most {apart:.3e}");
    }
    if apart.is_nan() || apart > 1e-6 {
        return Err(Error::InvalidArgument(format!(
            "PETSc's and Trilinos' solutions differ by {apart:e}"
        )));
    }
    Ok(())
}

/// Solves with any library's solver and checks the answer: the same code
/// for every library.
fn solve(
    comm: &Comm,
    solver: &mut dyn LinearSolver<f64>,
    tolerances: Tolerances,
    b: &DistArray<f64>,
    exact_u: &DistArray<f64>,
) -> Result<DistArray<f64>, Error> {
    solver.set_tolerances(tolerances)?;
    let mut u = DistArray::zeros(solver.rows());
    let report = solver.solve(b, &mut u)?;
    let err = (&u - exact_u).abs().max(All)?;
    if comm.rank() == 0 {
        println!("{report}; max error {err:.3e}");
    }
    if err.is_nan() || err > 1e-6 {
        return Err(Error::InvalidArgument(format!(
            "{}: the solution is off, max error {err:e}",
            report.library
        )));
    }
    Ok(u)
}

/// The point of unknown `(i, j)`.
fn point(i: usize, j: usize, h: f64) -> (f64, f64) {
    ((i + 1) as f64 * h, (j + 1) as f64 * h)
}

/// The exact solution at unknown `(i, j)`.
fn exact(i: usize, j: usize, h: f64) -> f64 {
    let (x, y) = point(i, j, h);
    x * (1.0 - x) * y * (1.0 - y)
}

/// The 5-point Laplacian assembled edge by edge: every grid edge between
/// unknowns `p` and `q` adds the 2 x 2 block `[1 -1; -1 1]` to rows `p`
/// and `q` (the rank owning `p` adds it, so where `q` is another rank's
/// row the entries travel to it at `assemble`), and every edge to the
/// Dirichlet boundary adds 1 to its unknown's diagonal.
fn assemble_by_edges(rows: &Layout, n: usize) -> Result<CsrRows, Error> {
    let mut op = SparseBuilder::new(rows, n * n)?;
    op.reserve(5);
    let block = [1.0, -1.0, -1.0, 1.0];
    for p in owned_rows(rows)? {
        let (i, j) = (p / n, p % n);
        // the edges to the right and below belong to p; the ones to the
        // left and above to the neighbour that owns them
        for (inside, q) in [(j + 1 < n, p + 1), (i + 1 < n, p + n)] {
            if inside {
                op.add_values(&[p, q], &[p, q], &block);
            } else {
                op.add(p, p, 1.0);
            }
        }
        // the boundary edges to the left and above
        for outside in [j == 0, i == 0] {
            if outside {
                op.add(p, p, 1.0);
            }
        }
    }
    op.assemble()
}

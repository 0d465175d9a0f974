//! The main demo: a 2-D Poisson problem built as distributed arrays (the
//! operator assembled with the sparse builder, as with PETSc's
//! `MatSetValues`), solved by PETSc (KSP) into the solution array's own
//! memory, the solution wrapped back as a distributed array, checked
//! against the analytic solution, post-processed and saved.
//!
//!   -Δu = 2π² sin(πx) sin(πy) on the unit square, u = 0 on the boundary,
//!   exact solution u = sin(πx) sin(πy); 5-point finite differences on an
//!   n x n grid of unknowns.
//!
//! Run: `scripts/demo` (4 ranks), or
//! `scripts/mpirun -n 4 target/release/examples/poisson [n] [-ksp_type cg -pc_type gamg ...]`.
//! Files go to `target/demo/` (or `DISTARRAY_DEMO_DIR`).

use distarray::io::Order;
use distarray::num_complex::ComplexFloat;
use distarray::petsc::{Petsc, PetscMat, Scalar};
use distarray::redistribute::Plan;
use distarray::sparse::{owned_rows, SparseBuilder};
use distarray::{s, All, Comm, DistArray, Layout};
use std::f64::consts::PI;
use std::time::Instant;

fn main() -> Result<(), distarray::Error> {
    let universe = distarray::mpi::initialize().expect("MPI initializes");
    distarray::abort_on_panic();
    let petsc = Petsc::init()?;
    let result = run(&petsc);
    drop(petsc); // PETSc finalizes before MPI does
    drop(universe);
    result
}

fn run(petsc: &Petsc) -> Result<(), distarray::Error> {
    let comm = Comm::world();
    let say = |s: String| {
        if comm.rank() == 0 {
            println!("{s}");
        }
    };
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let h = 1.0 / (n + 1) as f64;
    let exact =
        |i: usize, j: usize| (PI * (i + 1) as f64 * h).sin() * (PI * (j + 1) as f64 * h).sin();
    say(format!(
        "Poisson on a {n} x {n} grid ({} unknowns) over {} ranks",
        n * n,
        comm.size()
    ));

    // 1. the problem as distributed arrays: rows of the operator in 1-D blocks
    let t = Instant::now();
    let rows = Layout::block(&comm, &[n * n])?;
    // each rank sets the rows of its own unknowns, as with PETSc's
    // MatSetValues (any rank may set any row: assemble() moves them), in
    // PETSc's scalar type: f64, or Complex64 for a complex PETSc
    let mut op = SparseBuilder::<Scalar>::new(&rows, n * n)?;
    op.reserve(5); // entries per row: the preallocation
    for r in owned_rows(&rows)? {
        let (i, j) = (r / n, r % n);
        op.add(r, r, Scalar::from(4.0));
        let neighbours = [(i > 0, r.wrapping_sub(n)), (i + 1 < n, r + n)];
        let beside = [(j > 0, r.wrapping_sub(1)), (j + 1 < n, r + 1)];
        for (inside, c) in neighbours.into_iter().chain(beside) {
            if inside {
                op.add(r, c, Scalar::from(-1.0));
            }
        }
    }
    let a = PetscMat::from_csr(petsc, &rows, &op.assemble()?)?;
    let b = DistArray::from_fn(&rows, |ix: &[usize]| {
        Scalar::from(h * h * 2.0 * PI * PI * exact(ix[0] / n, ix[0] % n))
    });
    say(format!(
        "assembled in {:.3} s (PETSc mallocs during assembly: {})",
        t.elapsed().as_secs_f64(),
        a.assembly_mallocs()?
    ));

    // 2. solve with PETSc: x is written in its array's memory, b is copied once
    let (x, report) = a.solve(&b)?;
    let x = x.map(ComplexFloat::re); // the real part (all of it for a real PETSc)
    say(format!(
        "KSP {}: {} in {} iterations, residual norm {:.3e}, {:.3} s",
        report.method,
        report.reason,
        report.iterations,
        report.residual,
        report.time.as_secs_f64()
    ));

    // 3. the solution as a 2-D distributed array (block x block grid)
    let grid = Layout::block(&comm, &[n, n])?;
    let mut plan = Plan::reshape(&rows, &grid)?;
    let mut u = DistArray::zeros(&grid);
    plan.execute(&x, &mut u)?;
    say(format!(
        "solution wrapped as a distributed {n} x {n} array on a {:?} grid",
        grid.grid().shape()
    ));

    // 4. check against the analytic solution: max and RMS error, as in NumPy
    //    (`err = abs(u - exact)`, `err.max()`, `sqrt(mean(err**2))`)
    let exact_u = DistArray::from_fn(&grid, |ix: &[usize]| exact(ix[0], ix[1]));
    let err = (&u - &exact_u).abs();
    let gmax = err.max(All)?;
    let rms = err.square().mean(All)?.sqrt();
    say(format!(
        "error against sin(πx)sin(πy): max {gmax:.3e}, rms {rms:.3e} (h² = {:.3e})",
        h * h
    ));
    if gmax.is_nan() || gmax > 10.0 * h * h * PI * PI {
        return Err(distarray::Error::InvalidArgument(format!(
            "the solution is off: max error {gmax:e}"
        )));
    }

    // 5. post-processing: a value, a norm, a slice
    let centre = u.get(&[n / 2, n / 2])?;
    let l2 = u.square().sum(All)?;
    say(format!(
        "u at the centre {centre:.6}, discrete L2 norm h·‖u‖ = {:.6} (exact 0.5)",
        h * l2.sqrt()
    ));
    // u[n/2, :]: only the middle row moves to rank 0
    if let Some(row) = u.slice(s![n / 2, ..])?.gather(0)? {
        let picks: Vec<String> = (0..5)
            .map(|k| format!("{:.4}", row[k * (n - 1) / 4]))
            .collect();
        println!("middle row, five samples: [{}]", picks.join(", "));
    }

    // 6. save it: one .dnpy per rank (DistArray's format) and one .npy NumPy reads
    let dir = std::env::var("DISTARRAY_DEMO_DIR").unwrap_or_else(|_| "target/demo".into());
    if comm.rank() == 0 {
        std::fs::create_dir_all(&dir).map_err(|e| distarray::Error::Io {
            path: dir.clone(),
            detail: e.to_string(),
        })?;
    }
    comm.barrier();
    let prefix = format!("{dir}/poisson");
    u.save_dnpy(&prefix)?;
    u.save_npy(format!("{dir}/poisson.npy"), Order::C)?;
    let back = DistArray::<f64>::load_npy(&grid, format!("{dir}/poisson.npy"))?;
    assert_eq!(back.local(), u.local(), "the saved file reads back");
    say(format!(
        "saved {prefix}_<rank>.dnpy ({} files) and {dir}/poisson.npy; reread and checked",
        comm.size()
    ));
    say("done".into());
    Ok(())
}

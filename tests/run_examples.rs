//! The examples run and pass their own checks: each is launched under
//! mpiexec on 1 and 3 ranks (and more where a grid shape matters) (odd counts catch uneven splits) and must exit 0
//! with its result line. Examples of bridges are run when the bridge's
//! feature is on (scripts/test turns on every installed bridge).

mod harness;

use std::path::PathBuf;
use std::process::Command;

/// `cargo test` builds the examples next to the test binaries' directory
/// (a plain `cargo test` does; before running this test alone, build them
/// with `cargo build --examples` and the same features).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>");
    dir.join("examples").join(name)
}

/// Runs an example on `ranks` ranks and returns its standard output.
fn run(name: &str, ranks: usize, args: &[&str]) -> String {
    let path = example(name);
    assert!(
        path.exists(),
        "{} was not built (cargo test builds examples)",
        path.display()
    );
    let mut cmd = Command::new("mpiexec");
    cmd.args([
        "-n",
        &ranks.to_string(),
        "--oversubscribe",
        "--timeout",
        "300",
    ])
    .arg(&path)
    .args(args);
    harness::mpi_env(&mut cmd);
    let out = cmd
        .output()
        .expect("mpiexec starts (scripts/install-deps installs Open MPI)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} on {ranks} ranks failed ({:?}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn heat_decays_like_its_mode() {
    for ranks in [1, 2, 3] {
        let out = run("heat", ranks, &["64", "200", "50"]);
        assert!(
            out.contains("energy decay matches the discrete mode"),
            "{out}"
        );
    }
}

#[cfg(feature = "ga")]
#[test]
fn ga_stencil_computes_the_exact_laplacian() {
    for ranks in [1, 3] {
        let out = run("ga_stencil", ranks, &["120"]);
        assert!(out.contains("ghosts by GA: max error"), "{out}");
    }
}

#[cfg(feature = "petsc")]
#[test]
fn poisson_demo_converges() {
    for ranks in [1, 3] {
        let out = run("poisson", ranks, &["40"]);
        assert!(out.contains("error against sin(πx)sin(πy)"), "{out}");
    }
}

#[cfg(feature = "trilinos")]
#[test]
fn poisson_trilinos_converges() {
    for ranks in [1, 3] {
        let out = run("poisson_trilinos", ranks, &["40"]);
        assert!(out.contains("max error"), "{out}");
    }
}

#[cfg(all(feature = "petsc", feature = "trilinos"))]
#[test]
fn poisson_solvers_agree() {
    for ranks in [1, 3] {
        let out = run("poisson_solvers", ranks, &["40"]);
        assert!(out.contains("PETSc cg + jacobi"), "{out}");
        assert!(out.contains("Trilinos"), "{out}");
        assert!(out.contains("the two solutions differ by at most"), "{out}");
    }
}

#[cfg(feature = "elemental")]
#[test]
fn elemental_solve_has_a_small_residual() {
    for ranks in [1, 3, 4] {
        let out = run("elemental_solve", ranks, &["60"]);
        assert!(out.contains("max |A X - B|"), "{out}");
    }
}

//! Compiles the C baselines (hand-written MPI programs the benchmarks
//! compare against) with Open MPI's compiler wrapper, and links ScaLAPACK
//! for the matmul baseline.
fn main() {
    println!("cargo:rerun-if-changed=c/alltoallw.c");
    println!("cargo:rerun-if-changed=c/pdgemm.c");
    cc::Build::new()
        .compiler("mpicc")
        .file("c/alltoallw.c")
        .file("c/pdgemm.c")
        .opt_level(3)
        .compile("distarray_baselines");
    // pdgemm.c's ScaLAPACK (Debian's libscalapack-openmpi-dev, BLAS from
    // OpenBLAS: scripts/install-deps)
    println!("cargo:rustc-link-lib=scalapack-openmpi");
    if std::env::var_os("CARGO_FEATURE_PETSC").is_some() {
        println!("cargo:rerun-if-changed=c/poisson_petsc.c");
        println!("cargo:rerun-if-changed=c/assembly_petsc.c");
        let mut b = cc::Build::new();
        b.compiler("mpicc")
            .file("c/poisson_petsc.c")
            .file("c/assembly_petsc.c")
            .opt_level(3);
        match pkg_config::Config::new()
            .cargo_metadata(false)
            .probe("PETSc")
        {
            Ok(lib) => {
                for inc in lib.include_paths {
                    b.include(inc);
                }
            }
            Err(_) => {
                let dir = std::env::var("PETSC_DIR").unwrap_or_else(|_| "/usr/lib/petsc".into());
                b.include(format!("{dir}/include"));
            }
        }
        b.compile("distarray_petsc_baseline");
    }
}

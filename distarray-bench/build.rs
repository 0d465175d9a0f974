//! Compiles the C baselines (hand-written MPI programs the benchmarks
//! compare against) with Open MPI's compiler wrapper.
fn main() {
    println!("cargo:rerun-if-changed=c/alltoallw.c");
    cc::Build::new()
        .compiler("mpicc")
        .file("c/alltoallw.c")
        .opt_level(3)
        .compile("distarray_baselines");
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

//! Compiles the C baselines (hand-written MPI programs the benchmarks
//! compare against) with Open MPI's compiler wrapper.
fn main() {
    println!("cargo:rerun-if-changed=c/alltoallw.c");
    cc::Build::new()
        .compiler("mpicc")
        .file("c/alltoallw.c")
        .opt_level(3)
        .compile("distarray_baselines");
}

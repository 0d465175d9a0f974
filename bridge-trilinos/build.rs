//! Compiles the C++ shim over Tpetra/Belos/Ifpack2 and binds its header with
//! bindgen (MPI types from rsmpi's mpi-sys). Discovery: `TRILINOS_DIR`
//! (include/, lib/), then Debian's /usr/include/trilinos; the libraries
//! are the ones Debian's <Pkg>Config.cmake files list.

use std::path::{Path, PathBuf};

fn libraries(cmake_dir: &Path) -> Vec<String> {
    let mut libs: Vec<String> = Vec::new();
    for pkg in ["Ifpack2", "Belos", "Tpetra"] {
        let file = cmake_dir.join(pkg).join(format!("{pkg}Config.cmake"));
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        println!("cargo:rerun-if-changed={}", file.display());
        for line in text.lines() {
            if let Some(rest) = line.trim().strip_prefix(&format!("set({pkg}_LIBRARIES \"")) {
                for l in rest.trim_end_matches("\")").split(';') {
                    if !l.is_empty() && !libs.iter().any(|x| x == l) {
                        libs.push(l.to_string());
                    }
                }
            }
        }
    }
    libs
}

fn main() {
    if bridge_build::documentation_only() {
        return; // docs.rs: no library there, nothing to find or link
    }
    println!("cargo:rerun-if-env-changed=TRILINOS_DIR");
    println!("cargo:rerun-if-changed=shim/tpetra_shim.cpp");
    println!("cargo:rerun-if-changed=shim/tpetra_shim.h");
    let (include, lib_dir, cmake_dir) = match std::env::var_os("TRILINOS_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            (d.join("include"), d.join("lib"), d.join("lib/cmake"))
        }
        None => (
            PathBuf::from("/usr/include/trilinos"),
            PathBuf::from("/usr/lib/x86_64-linux-gnu"),
            PathBuf::from("/usr/lib/x86_64-linux-gnu/cmake"),
        ),
    };
    if !include.join("Tpetra_Core.hpp").exists() || !include.join("BelosSolverFactory.hpp").exists()
    {
        panic!(
            "\n\nTrilinos (Tpetra, Belos, Ifpack2) was not found at {} (feature `trilinos`).\n\
             Install it (Debian: apt-get install libtrilinos-teuchos-dev libtrilinos-kokkos-dev \
             libtrilinos-kokkos-kernels-dev libtrilinos-tpetra-dev libtrilinos-belos-dev libtrilinos-ifpack2-dev, \
             or run scripts/install-deps) or set TRILINOS_DIR to an installed prefix.\n\n",
            include.display()
        );
    }
    let mpi = pkg_config::Config::new()
        .cargo_metadata(false)
        .probe("ompi-cxx")
        .or_else(|_| {
            pkg_config::Config::new()
                .cargo_metadata(false)
                .probe("ompi-c")
        });
    let mpi_includes = mpi.map(|m| m.include_paths).unwrap_or_default();
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("shim/tpetra_shim.cpp")
        .include(&include)
        .include("shim")
        .define("OMPI_SKIP_MPICXX", "1")
        .flag_if_supported("-std=c++14")
        .flag_if_supported("-w")
        .opt_level(2);
    for inc in &mpi_includes {
        build.include(inc);
    }
    build.compile("distarray_tpetra_shim");
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    // link what the config lists and is installed for linking (the -dev
    // packages of optional parts such as amesos2 may be absent)
    for l in libraries(&cmake_dir) {
        if lib_dir.join(format!("lib{l}.so")).exists() {
            println!("cargo:rustc-link-lib=dylib={l}");
        }
    }
    println!("cargo:rustc-link-lib=dylib=stdc++");

    let b = bridge_build::bindgen_with_mpi("shim/tpetra_shim.h", &[])
        .allowlist_function("tri_.*")
        .allowlist_type("Tri.*");
    bridge_build::write_bindings(b, "shim.rs", "the shim header");
}

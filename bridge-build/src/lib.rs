//! Build-script helpers shared by the bridges.
//!
//! Every bridge binds a native library whose headers include `mpi.h`. The
//! bindings must not define MPI's types again: they use rsmpi's (`mpi-sys`),
//! so that a communicator from rsmpi passes straight into the library and
//! the program has one `MPI_Comm`.
//!
//! ```no_run
//! // no_run: build-script code, which needs the library's headers and the
//! // OUT_DIR cargo gives build scripts
//! let b = bridge_build::bindgen_with_mpi("wrapper.h", &[])
//!     .allowlist_function("GA_.*");
//! bridge_build::write_bindings(b, "ga.rs", "GA's headers");
//! ```

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

use std::path::{Path, PathBuf};

/// The cfg a bridge is compiled with when [`documentation_only`] says so.
pub const DOCS_CFG: &str = "docs_without_native";

/// Whether this build only documents the bridge, on a machine that may not
/// have the native library (docs.rs sets `DOCS_RS`): the build script then
/// skips discovery, compiling and linking, and generates no bindings.
///
/// Call it first in the build script and return when it is true. It
/// declares the cfg [`DOCS_CFG`] (`docs_without_native`) in every build and
/// sets it in a documentation build; the bridge's `ffi` module then declares
/// only what rustdoc resolves (the types the safe API names), and the crate
/// is empty when rustc compiles it (a crate documented with this one as a
/// dependency, such as `distarray` with the bridge's feature, needs no more
/// than the crate's name).
///
/// # Examples
///
/// First thing in a bridge's `build.rs`:
///
/// ```
/// if bridge_build::documentation_only() {
///     return; // docs.rs: no library to find, nothing to link
/// }
/// // ... find the library, generate the bindings, link
/// ```
pub fn documentation_only() -> bool {
    println!("cargo:rerun-if-env-changed=DOCS_RS");
    println!("cargo:rustc-check-cfg=cfg({DOCS_CFG})");
    let docs = std::env::var_os("DOCS_RS").is_some();
    if docs {
        println!("cargo:rustc-cfg={DOCS_CFG}");
    }
    docs
}

/// Open MPI's include directories (pkg-config `ompi-c`), empty if unknown.
///
/// # Examples
///
/// ```
/// for dir in bridge_build::mpi_include_paths() {
///     assert!(dir.is_dir(), "{}", dir.display());
/// }
/// ```
pub fn mpi_include_paths() -> Vec<PathBuf> {
    pkg_config::Config::new()
        .cargo_metadata(false)
        .probe("ompi-c")
        .map(|m| m.include_paths)
        .unwrap_or_default()
}

/// A bindgen builder over `header` with `includes` and MPI's include
/// directories, MPI's own items left out (`mpi::ffi::*` is imported into the
/// bindings instead), no layout tests and no comments. Callers add their
/// allowlists.
pub fn bindgen_with_mpi(header: &str, includes: &[PathBuf]) -> bindgen::Builder {
    println!("cargo:rerun-if-changed={header}");
    let mut b = bindgen::Builder::default()
        .header(header)
        .blocklist_type("MPI_.*")
        .blocklist_type("ompi_.*")
        .blocklist_item("ompi_.*")
        .blocklist_item("MPI_.*")
        .raw_line("#[allow(unused_imports)]\nuse mpi::ffi::*;")
        .layout_tests(false)
        .generate_comments(false);
    for inc in includes.iter().chain(&mpi_include_paths()) {
        b = b.clang_arg(format!("-I{}", inc.display()));
    }
    b
}

/// Generates the bindings and writes them to `OUT_DIR/file`; returns the
/// text (for configuration checks). Panics with `what` on failure, as a
/// build script should.
pub fn write_bindings(b: bindgen::Builder, file: &str, what: &str) -> String {
    let bindings = b
        .generate()
        .unwrap_or_else(|e| panic!("bindgen over {what}: {e}"));
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR in a build script")).join(file);
    bindings.write_to_file(&out).expect("writing the bindings");
    bindings.to_string()
}

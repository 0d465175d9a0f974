//! Finds Elemental, checks its configuration against what the bridge
//! assumes, and generates bindings to its C API with bindgen (MPI types come
//! from rsmpi's `mpi-sys`, so there is one `MPI_Comm` in the program).
//!
//! Elemental is in no package registry: build it from its source (see the
//! README) into a prefix and point `ELEMENTAL_DIR` at it. Without the
//! variable, `/usr/local` and `/opt/elemental` are tried.

use std::path::{Path, PathBuf};

/// Elemental versions the bridge was written and tested against.
const SUPPORTED: &[&str] = &["0.87", "0.88"];

fn is_prefix(dir: &Path) -> bool {
    dir.join("include/El.h").exists()
        && (dir.join("lib/libEl.so").exists() || dir.join("lib64/libEl.so").exists())
}

fn find() -> Result<PathBuf, String> {
    println!("cargo:rerun-if-env-changed=ELEMENTAL_DIR");
    if let Some(dir) = std::env::var_os("ELEMENTAL_DIR") {
        let dir = PathBuf::from(dir);
        return if is_prefix(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "ELEMENTAL_DIR={} has no include/El.h with lib/libEl.so",
                dir.display()
            ))
        };
    }
    ["/usr/local", "/opt/elemental"]
        .iter()
        .map(PathBuf::from)
        .find(|d| is_prefix(d))
        .ok_or_else(|| "ELEMENTAL_DIR is not set, and neither /usr/local nor /opt/elemental holds include/El.h with lib/libEl.so".into())
}

/// The string value of `#define NAME "value"` in config.h.
fn define(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("#define ")?.strip_prefix(name)?;
        let v = rest.trim();
        (!v.is_empty() && rest.starts_with(char::is_whitespace))
            .then(|| v.trim_matches('"').to_string())
    })
}

fn main() {
    if bridge_build::documentation_only() {
        // docs.rs: no Elemental there, nothing to find or link
        println!("cargo:rustc-env=ELEMENTAL_VERSION=(none: a documentation build)");
        println!("cargo:rustc-env=ELEMENTAL_DIR_FOUND=(no prefix)");
        return;
    }
    let prefix = find().unwrap_or_else(|why| {
        panic!(
            "\n\nElemental was not found (feature `elemental`): {why}.\n\
             Elemental is not packaged: build it from https://github.com/elemental/Elemental with \
             -DEL_C_INTERFACE=ON (see README, 'Elemental') and set ELEMENTAL_DIR to its install prefix.\n\n"
        )
    });
    let include = prefix.join("include");
    let config = include.join("El/config.h");
    let text = std::fs::read_to_string(&config)
        .unwrap_or_else(|e| panic!("\n\nreading {}: {e}\n\n", config.display()));
    println!("cargo:rerun-if-changed={}", config.display());
    if text
        .lines()
        .any(|l| l.trim_start().starts_with("#define EL_USE_64BIT_INTS"))
    {
        panic!(
            "\n\nThe Elemental at {} uses 64-bit ElInt (EL_USE_64BIT_INTS); the bridge assumes a 32-bit \
             ElInt (the default). Rebuild Elemental without EL_USE_64BIT_INTS.\n\n",
            prefix.display()
        );
    }
    let major = define(&text, "EL_VERSION_MAJOR").unwrap_or_default();
    let minor = define(&text, "EL_VERSION_MINOR").unwrap_or_default();
    let version = format!("{major}.{minor}");
    if !SUPPORTED.iter().any(|v| version.starts_with(v)) {
        panic!(
            "\n\nElemental {version} at {} is not a version the bridge supports ({}).\n\n",
            prefix.display(),
            SUPPORTED.join(", ")
        );
    }
    let sha = define(&text, "EL_GIT_SHA1").unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=ELEMENTAL_VERSION={version}");
    println!("cargo:rustc-env=ELEMENTAL_GIT_SHA1={sha}");
    println!("cargo:rustc-env=ELEMENTAL_DIR_FOUND={}", prefix.display());

    let lib_dir = if prefix.join("lib/libEl.so").exists() {
        prefix.join("lib")
    } else {
        prefix.join("lib64")
    };
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=El");
    println!(
        "cargo:rustc-link-arg=-Wl,--disable-new-dtags,-rpath,{}",
        lib_dir.display()
    );
    // dependents read this as DEP_EL_LIBDIR to put the same rpath on their
    // binaries (a build script's link arguments reach only its own package)
    println!("cargo:libdir={}", lib_dir.display());

    let b = bridge_build::bindgen_with_mpi("wrapper.h", std::slice::from_ref(&include))
        .allowlist_function("El(Initialize|Finalize|Initialized|ErrorString|Grid.*|DistMatrix.*_[sdcz]|GemmDist_[sdcz]|LinearSolveDist_[sdcz]|CholeskyDist_[sdcz]|HPDSolveDist_[sdcz]|LUPartialPivDist_[sdcz]|SolveAfterLUPartialPivDist_[sdcz]|DistPermutation.*)")
        .allowlist_type("El.*")
        .allowlist_var("EL_.*")
        .default_enum_style(bindgen::EnumVariation::Consts);
    bridge_build::write_bindings(b, "elemental.rs", "Elemental's C headers");
}

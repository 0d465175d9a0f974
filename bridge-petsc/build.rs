//! Finds PETSc, reads its configuration, and generates bindings with
//! bindgen (MPI types come from rsmpi's `mpi-sys`, so there is one
//! `MPI_Comm` in the program).
//!
//! Discovery order: `PETSC_DIR` (+ `PETSC_ARCH`), then pkg-config (`PETSc`,
//! `petsc`), then Debian's `/usr/lib/petsc`. Debian installs each variant
//! as its own prefix, which `PETSC_DIR` names alone:
//! `/usr/lib/petscdir/petsc3.18/x86_64-linux-gnu-{real,complex}` (32-bit
//! indices) and `/usr/lib/petscdir/petsc64-3.18/x86_64-linux-gnu-{real,complex}`
//! (64-bit), or `PETSC_DIR=/usr/lib/petscdir/petsc3.18
//! PETSC_ARCH=x86_64-linux-gnu-complex`.
//!
//! From `petscconf.h`: `PETSC_USE_COMPLEX` sets `cfg(petsc_complex)`
//! (`Scalar = Complex64`), `PETSC_USE_64BIT_INDICES` sets `cfg(petsc_int64)`
//! (bindgen's `PetscInt` is then `i64` by itself); a precision other than
//! double is refused.

use std::path::{Path, PathBuf};

struct Found {
    include: Vec<PathBuf>,
    lib_dir: PathBuf,
    lib: String,
}

/// The PETSc library in `dir`: `libpetsc` or one of Debian's variant names
/// (`libpetsc_real`, `libpetsc_complex`, `libpetsc64_real`, ...).
fn lib_in(dir: &Path) -> Option<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|f| {
            let stem = f.strip_prefix("lib")?;
            let name = stem
                .strip_suffix(".so")
                .or_else(|| stem.strip_suffix(".a"))?;
            (name == "petsc" || name.starts_with("petsc_") || name.starts_with("petsc64_"))
                .then(|| name.to_string())
        })
        .collect();
    names.sort();
    names.dedup();
    // one library per prefix; "petsc" first when there are several names
    names.into_iter().next()
}

fn from_dir(dir: &Path, arch: Option<&str>) -> Option<Found> {
    let base = arch.map_or(dir.to_path_buf(), |a| dir.join(a));
    let lib_dir = base.join("lib");
    let lib = lib_in(&lib_dir)?;
    let mut include = vec![dir.join("include")];
    if arch.is_some() {
        include.push(base.join("include"));
    }
    Some(Found {
        include,
        lib_dir,
        lib,
    })
}

fn find() -> Result<Found, String> {
    println!("cargo:rerun-if-env-changed=PETSC_DIR");
    println!("cargo:rerun-if-env-changed=PETSC_ARCH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let mut tried = Vec::new();
    if let Some(dir) = std::env::var_os("PETSC_DIR") {
        let arch = std::env::var("PETSC_ARCH").ok().filter(|a| !a.is_empty());
        match from_dir(Path::new(&dir), arch.as_deref()) {
            Some(f) => return Ok(f),
            None => {
                // with PETSC_DIR set, a fallback would silently build against
                // another PETSc than the one asked for
                return Err(format!(
                    "PETSC_DIR={} PETSC_ARCH={}: no libpetsc in {}",
                    Path::new(&dir).display(),
                    arch.as_deref().unwrap_or("(unset)"),
                    arch.as_ref()
                        .map_or(Path::new(&dir).to_path_buf(), |a| Path::new(&dir).join(a))
                        .join("lib")
                        .display()
                ));
            }
        }
    }
    for name in ["PETSc", "petsc"] {
        match pkg_config::Config::new().cargo_metadata(false).probe(name) {
            Ok(lib) => {
                if let (Some(lib_dir), Some(lib_name)) = (lib.link_paths.first(), lib.libs.first())
                {
                    return Ok(Found {
                        include: lib.include_paths.clone(),
                        lib_dir: lib_dir.clone(),
                        lib: lib_name.clone(),
                    });
                }
                tried.push(format!("pkg-config {name}: no library listed"));
            }
            Err(e) => tried.push(format!("pkg-config {name}: {e}")),
        }
    }
    match from_dir(Path::new("/usr/lib/petsc"), None) {
        Some(f) => Ok(f),
        None => {
            tried.push("/usr/lib/petsc: not there".into());
            Err(tried.join("\n  "))
        }
    }
}

/// What `petscconf.h` says about the scalar and index types.
struct Config {
    complex: bool,
    int64: bool,
}

fn read_config(found: &Found) -> Config {
    let conf = found
        .include
        .iter()
        .map(|d| d.join("petscconf.h"))
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "\n\nNo petscconf.h in PETSc's include directories {:?}; is PETSC_ARCH right?\n\n",
                found.include
            )
        });
    println!("cargo:rerun-if-changed={}", conf.display());
    let text = std::fs::read_to_string(&conf).expect("readable petscconf.h");
    let defined = |m: &str| {
        text.lines().any(|l| {
            let mut w = l.split_whitespace();
            w.next() == Some("#define") && w.next() == Some(m)
        })
    };
    if !defined("PETSC_USE_REAL_DOUBLE") {
        let precision = ["SINGLE", "__FLOAT128", "__FP16"]
            .into_iter()
            .find(|p| defined(&format!("PETSC_USE_REAL_{p}")))
            .unwrap_or("unknown");
        panic!(
            "\n\nThe PETSc at {} is configured with {precision} precision (no PETSC_USE_REAL_DOUBLE); \
             the bridge shares f64 / Complex64 memory with PETSc and supports double precision only. \
             Point PETSC_DIR/PETSC_ARCH at a double-precision build (Debian: petsc-dev, \
             libpetsc-complex-dev, libpetsc64-real-dev, libpetsc64-complex-dev).\n\n",
            conf.display()
        );
    }
    Config {
        complex: defined("PETSC_USE_COMPLEX"),
        int64: defined("PETSC_USE_64BIT_INDICES"),
    }
}

fn main() {
    // declared whatever the build finds, so that no cfg is unexpected
    println!("cargo::rustc-check-cfg=cfg(petsc_complex)");
    println!("cargo::rustc-check-cfg=cfg(petsc_int64)");
    if bridge_build::documentation_only() {
        return; // docs.rs: no library there, nothing to find or link
    }
    let found = find().unwrap_or_else(|why| {
        panic!(
            "\n\nPETSc was not found (feature `petsc`). Tried:\n  {why}\n\
             Install it (Debian: `apt-get install petsc-dev`, or run scripts/install-deps) \
             or set PETSC_DIR (and PETSC_ARCH) to an installed PETSc.\n\n"
        )
    });
    let config = read_config(&found);
    if config.complex {
        println!("cargo:rustc-cfg=petsc_complex");
    }
    if config.int64 {
        println!("cargo:rustc-cfg=petsc_int64");
    }
    // for dependents' build scripts (DEP_PETSC_COMPLEX, DEP_PETSC_INT64)
    println!("cargo:complex={}", config.complex);
    println!("cargo:int64={}", config.int64);
    println!("cargo:rustc-link-search=native={}", found.lib_dir.display());
    println!("cargo:rustc-link-lib={}", found.lib);
    println!(
        "cargo:rustc-link-arg=-Wl,-rpath,{}",
        found.lib_dir.display()
    );

    let b = bridge_build::bindgen_with_mpi("wrapper.h", &found.include)
        .allowlist_function("(Petsc|Vec|Mat|KSP|PC|DM|DMDA|IS)[A-Z].*")
        .allowlist_type("(Petsc|Vec|Mat|KSP|PC|DM|DMDA|IS|_p_).*")
        .allowlist_var("(PETSC|KSP|MAT|VEC|DM|INSERT|ADD|NORM|SCATTER)_.*")
        .default_enum_style(bindgen::EnumVariation::Consts);
    bridge_build::write_bindings(b, "petsc.rs", "PETSc's headers");
}

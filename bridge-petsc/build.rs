//! Finds PETSc, checks its configuration against what the bridge assumes,
//! and generates bindings with bindgen (MPI types come from rsmpi's
//! `mpi-sys`, so there is one `MPI_Comm` in the program).
//!
//! Discovery order: `PETSC_DIR` (+ `PETSC_ARCH`), then pkg-config
//! (`PETSc`), then Debian's `/usr/lib/petsc`.

use std::path::{Path, PathBuf};

struct Found {
    include: Vec<PathBuf>,
    lib_dir: PathBuf,
    lib: String,
}

fn lib_in(dir: &Path) -> Option<String> {
    ["petsc", "petsc_real"]
        .into_iter()
        .find(|l| dir.join(format!("lib{l}.so")).exists() || dir.join(format!("lib{l}.a")).exists())
        .map(String::from)
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
    let mut tried = Vec::new();
    if let Some(dir) = std::env::var_os("PETSC_DIR") {
        let arch = std::env::var("PETSC_ARCH").ok();
        match from_dir(Path::new(&dir), arch.as_deref()) {
            Some(f) => return Ok(f),
            None => tried.push(format!(
                "PETSC_DIR={} PETSC_ARCH={arch:?}: no libpetsc there",
                Path::new(&dir).display()
            )),
        }
    }
    match pkg_config::Config::new()
        .cargo_metadata(false)
        .probe("PETSc")
    {
        Ok(lib) => {
            if let (Some(lib_dir), Some(name)) = (lib.link_paths.first(), lib.libs.first()) {
                return Ok(Found {
                    include: lib.include_paths.clone(),
                    lib_dir: lib_dir.clone(),
                    lib: name.clone(),
                });
            }
            tried.push("pkg-config PETSc: no library listed".into());
        }
        Err(e) => tried.push(format!("pkg-config PETSc: {e}")),
    }
    match from_dir(Path::new("/usr/lib/petsc"), None) {
        Some(f) => Ok(f),
        None => {
            tried.push("/usr/lib/petsc: not there".into());
            Err(tried.join("\n  "))
        }
    }
}

fn main() {
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
    // the bridge hands f64 buffers to PETSc: scalars must be real doubles
    let conf = found
        .include
        .iter()
        .map(|d| d.join("petscconf.h"))
        .find(|p| p.exists())
        .expect("petscconf.h in PETSc's include directories");
    let text = std::fs::read_to_string(&conf).expect("readable petscconf.h");
    let defined = |m: &str| {
        text.lines()
            .any(|l| l.trim_start().starts_with(&format!("#define {m} ")))
    };
    if !defined("PETSC_USE_REAL_DOUBLE") || defined("PETSC_USE_COMPLEX") {
        panic!(
            "\n\nThe PETSc at {} is not configured with real double scalars \
             (PETSC_USE_REAL_DOUBLE, no PETSC_USE_COMPLEX); the bridge shares f64 buffers with it. \
             Point PETSC_DIR/PETSC_ARCH at a real double build.\n\n",
            conf.display()
        );
    }
    println!("cargo:rerun-if-changed={}", conf.display());
    println!("cargo:rustc-link-search=native={}", found.lib_dir.display());
    println!("cargo:rustc-link-lib={}", found.lib);
    println!(
        "cargo:rustc-link-arg=-Wl,-rpath,{}",
        found.lib_dir.display()
    );
    println!("cargo:rustc-cfg=petsc_int64_checked");
    println!("cargo:rustc-check-cfg=cfg(petsc_int64_checked)");

    let b = bridge_build::bindgen_with_mpi("wrapper.h", &found.include)
        .allowlist_function("(Petsc|Vec|Mat|KSP|PC|DM|DMDA|IS)[A-Z].*")
        .allowlist_type("(Petsc|Vec|Mat|KSP|PC|DM|DMDA|IS|_p_).*")
        .allowlist_var("(PETSC|KSP|MAT|VEC|DM|INSERT|ADD|NORM|SCATTER)_.*")
        .default_enum_style(bindgen::EnumVariation::Consts);
    bridge_build::write_bindings(b, "petsc.rs", "PETSc's headers");
}

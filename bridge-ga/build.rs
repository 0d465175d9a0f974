//! Finds Global Arrays, checks the integer widths the bridge relies on, and
//! generates bindings with bindgen (MPI types come from rsmpi's `mpi-sys`).
//!
//! Discovery order: `GA_DIR` (`include/ga.h`, `lib/libga*.a`), then
//! `ga-config` on PATH (Debian's `libglobalarrays-dev`), then `/usr`.
//! Debian's GA is static and runs over ARMCI-MPI: its link line is
//! `ga-config --libs` (GA, ScaLAPACK, LAPACK, BLAS, ARMCI) plus gfortran.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Found {
    include: PathBuf,
    lib_dirs: Vec<PathBuf>,
    libs: Vec<String>,
}

fn ga_config(arg: &str) -> Option<String> {
    let out = Command::new("ga-config").arg(arg).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The `-l`/`-L` words of a link line, in order, without repeats.
fn parse_link_line(line: &str, libs: &mut Vec<String>, dirs: &mut Vec<PathBuf>) {
    for w in line.split_whitespace() {
        if let Some(l) = w.strip_prefix("-l") {
            if !libs.iter().any(|x| x == l) {
                libs.push(l.to_string());
            }
        } else if let Some(d) = w.strip_prefix("-L") {
            dirs.push(PathBuf::from(d));
        }
    }
}

fn from_prefix(dir: &Path) -> Option<Found> {
    let include = dir.join("include");
    if !include.join("ga.h").exists() {
        return None;
    }
    let lib_dir = dir.join("lib");
    let ga = ["ga-openmpi", "ga"].into_iter().find(|l| {
        lib_dir.join(format!("lib{l}.a")).exists() || lib_dir.join(format!("lib{l}.so")).exists()
    })?;
    let armci = ["armci-openmpi", "armci"]
        .into_iter()
        .find(|l| {
            lib_dir.join(format!("lib{l}.a")).exists()
                || lib_dir.join(format!("lib{l}.so")).exists()
        })
        .unwrap_or("armci");
    Some(Found {
        include,
        lib_dirs: vec![lib_dir],
        libs: vec![
            ga.into(),
            "scalapack-openmpi".into(),
            "lapack".into(),
            "blas".into(),
            armci.into(),
        ],
    })
}

fn find() -> Result<Found, String> {
    println!("cargo:rerun-if-env-changed=GA_DIR");
    let mut tried = Vec::new();
    if let Some(dir) = std::env::var_os("GA_DIR") {
        match from_prefix(Path::new(&dir)) {
            Some(f) => return Ok(f),
            None => tried.push(format!(
                "GA_DIR={}: no include/ga.h with lib/libga*.a there",
                Path::new(&dir).display()
            )),
        }
    }
    if let Some(libs_line) = ga_config("--libs") {
        let mut libs = Vec::new();
        let mut lib_dirs = Vec::new();
        parse_link_line(&libs_line, &mut libs, &mut lib_dirs);
        parse_link_line(
            &ga_config("--ldflags").unwrap_or_default(),
            &mut libs,
            &mut lib_dirs,
        );
        let include = ga_config("--cflags")
            .and_then(|c| {
                c.split_whitespace()
                    .find_map(|w| w.strip_prefix("-I").map(PathBuf::from))
            })
            .unwrap_or_else(|| PathBuf::from("/usr/include"));
        if include.join("ga.h").exists() && !libs.is_empty() {
            return Ok(Found {
                include,
                lib_dirs,
                libs,
            });
        }
        tried.push(format!("ga-config: no ga.h in {}", include.display()));
    } else {
        tried.push("ga-config: not on PATH".into());
    }
    match from_prefix(Path::new("/usr")) {
        Some(f) => Ok(f),
        None => {
            tried.push("/usr: no ga.h".into());
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
            "\n\nGlobal Arrays was not found (feature `ga`). Tried:\n  {why}\n\
             Install it (Debian: `apt-get install libglobalarrays-dev libarmci-mpi-dev gfortran`, \
             or run scripts/install-deps) or set GA_DIR to an installed GA prefix.\n\n"
        )
    });
    for d in &found.lib_dirs {
        println!("cargo:rustc-link-search=native={}", d.display());
    }
    // Debian also has /usr/lib/<triple> for the static archives
    println!("cargo:rustc-link-search=native=/usr/lib/x86_64-linux-gnu");
    for l in &found.libs {
        println!("cargo:rustc-link-lib={l}");
    }
    // GA's Fortran parts and ARMCI-MPI's C need these at link time
    println!("cargo:rustc-link-lib=gfortran");
    println!("cargo:rustc-link-lib=m");

    let b = bridge_build::bindgen_with_mpi("wrapper.h", std::slice::from_ref(&found.include))
        .allowlist_function("(N?GA|MA)_.*|pnga_get_distribution_type")
        .allowlist_type("(Integer|Boolean|ga_nbhdl_t)")
        .allowlist_var("(C_|MT_|MA_).*");
    let text = bridge_build::write_bindings(b, "ga.rs", "GA's headers");
    // The bridge passes 64-bit extents (the *64 entry points) and MA's
    // `Integer`; check both widths here rather than at run time.
    for (what, needle) in [
        (
            "MA's Integer is a C long (64-bit on this platform)",
            "pub type Integer = ::std::os::raw::c_long;",
        ),
        (
            "NGA_Create_irreg64 takes int64_t extents",
            "pub fn NGA_Create_irreg64",
        ),
    ] {
        if !text.contains(needle) {
            panic!(
                "\n\nThe Global Arrays at {} differs from what bridge-ga assumes: {what}.\n\n",
                found.include.display()
            );
        }
    }
}

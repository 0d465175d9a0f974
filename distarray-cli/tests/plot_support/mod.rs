//! Helpers of the `distarray plot` tests: the binary, the conformance
//! data, scratch directories, hand-written .npy files, and exit checks.

#![allow(dead_code)] // each test crate uses some of them

use distarray::io::NpyHeader;
use distarray::DType;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distarray"))
}

pub fn conformance() -> PathBuf {
    let dir = std::env::var_os("DISTARRAY_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
        });
    assert!(
        dir.join("dnpy").is_dir(),
        "no conformance data at {}",
        dir.display()
    );
    dir.join("dnpy")
}

pub fn case(name: &str) -> PathBuf {
    conformance().join(name).join(name)
}

pub fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("distarray-plot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes an .npy file of `dtype` and `shape` holding `data` (its bytes).
pub fn write_npy(path: &Path, dtype: DType, fortran: bool, shape: &[usize], data: &[u8]) {
    let mut bytes = NpyHeader {
        dtype,
        fortran_order: fortran,
        shape: shape.to_vec(),
    }
    .to_bytes();
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

pub fn f64_bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn fails(out: &Output, words: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs the binary under mpiexec on `n` ranks with these machines' settings.
pub fn mpirun(n: usize, args: &[&str]) -> Output {
    Command::new("mpiexec")
        .args([
            "-n",
            &n.to_string(),
            "--oversubscribe",
            env!("CARGO_BIN_EXE_distarray"),
        ])
        .args(args)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_pml", "ob1")
        .env("OMPI_MCA_btl", "self,vader")
        .output()
        .expect("mpiexec runs")
}

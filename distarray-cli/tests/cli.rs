//! The `distarray` command end to end: info (text, JSON, errors), convert
//! (on 1 and 2 ranks, byte-identical to numpy.save; through HDF5 and Zarr
//! with their features), plot (PNG and SVG);
//! invalid sets (a file missing, two dtypes, cells without a value, files of
//! two saves) refused by info and convert, and no output from a failed
//! convert.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distarray"))
}

fn conformance() -> PathBuf {
    let dir = std::env::var_os("DISTARRAY_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
        });
    assert!(
        dir.join("dnpy").is_dir(),
        "conformance data not found at {}",
        dir.display()
    );
    dir.join("dnpy")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("distarray-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the binary under mpiexec with the settings these machines need.
fn mpirun(n: usize, args: &[&str]) -> Output {
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

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn info_describes_sets_and_files() {
    let c = conformance();
    let text = ok(&bin()
        .arg("info")
        .arg(c.join("i32_bxc_2d_4x7_e4/i32_bxc_2d_4x7_e4"))
        .output()
        .unwrap());
    assert!(
        text.contains(".dnpy set of 4 files")
            && text.contains("dtype int32")
            && text.contains("[\"b\",\"c\"]"),
        "{text}"
    );
    let files: Vec<PathBuf> = (0..3)
        .map(|r| c.join(format!("f64_block_1d_n10_e3/f64_block_1d_n10_e3_{r}.dnpy")))
        .collect();
    let json: serde_json::Value = serde_json::from_str(&ok(&bin()
        .arg("info")
        .args(&files)
        .arg("--json")
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(json["nprocs"], 3);
    assert_eq!(json["shape"], serde_json::json!([10]));
    assert_eq!(json["ranks"][2]["dim_data"][0]["start"], 8);
    let npy = ok(&bin()
        .args(["info", "--json"])
        .arg(c.join("f32_bxb_2d_6x5_e3/global.npy"))
        .output()
        .unwrap());
    assert!(npy.contains("\"float32\""), "{npy}");
}

#[test]
fn info_names_the_file_and_the_rule() {
    let d = scratch("broken");
    let src = conformance().join("f64_block_1d_n10_e3");
    for r in 0..3 {
        std::fs::copy(
            src.join(format!("f64_block_1d_n10_e3_{r}.dnpy")),
            d.join(format!("s_{r}.dnpy")),
        )
        .unwrap();
    }
    // rank 1 claims stop 9 where its buffer holds 4 cells (same header length)
    let f = d.join("s_1.dnpy");
    let mut bytes = std::fs::read(&f).unwrap();
    let at = bytes
        .windows(9)
        .position(|w| w == b"'stop': 8")
        .expect("the stop key");
    bytes[at + 8] = b'9';
    std::fs::write(&f, &bytes).unwrap();
    let out = bin().arg("info").arg(d.join("s")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("s_1.dnpy") && err.contains("buffer_extent_ne_stop_minus_start"),
        "{err}"
    );
    std::fs::write(d.join("t_0.dnpy"), b"garbage").unwrap();
    let out = bin().arg("info").arg(d.join("t")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("t_0.dnpy"));
    let out = bin().arg("info").arg(d.join("nothing")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing_0.dnpy"));
    // a file of no format distarray reads: info and convert name it
    std::fs::write(d.join("notes.txt"), b"plain text").unwrap();
    for cmd in [&["info"][..], &["convert"][..]] {
        let mut c = bin();
        c.args(cmd).arg(d.join("notes.txt"));
        if cmd[0] == "convert" {
            c.arg(d.join("out.npy"));
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("notes.txt") && err.contains("not a file distarray reads"),
            "{err}"
        );
    }
    assert!(!d.join("out.npy").exists());
}

/// Copies a conformance set's files to `dir/<to>_<r>.dnpy`.
fn copy_set(case: &str, files: usize, dir: &Path, to: &str) {
    for r in 0..files {
        std::fs::copy(
            conformance().join(case).join(format!("{case}_{r}.dnpy")),
            dir.join(format!("{to}_{r}.dnpy")),
        )
        .unwrap();
    }
}

/// `info` fails (status 1) with a message that contains every one of `words`.
fn info_refuses(prefix: &Path, words: &[&str]) {
    let out = bin().arg("info").arg(prefix).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
}

/// `convert` of `input` fails on 1 and 2 ranks with a message that
/// contains `word`, and writes no output (an .npy file or a .dnpy set).
fn convert_refuses(input: &Path, dir: &Path, word: &str) {
    for (i, out) in ["out.npy", "out-set"].iter().enumerate() {
        let out = dir.join(out);
        let one = bin().arg("convert").arg(input).arg(&out).output().unwrap();
        let two = mpirun(
            2,
            &["convert", input.to_str().unwrap(), out.to_str().unwrap()],
        );
        for o in [one, two] {
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!o.status.success() && err.contains(word), "{i}: {err}");
        }
        let left: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("out"))
            .collect();
        assert!(left.is_empty(), "a failed convert left {left:?}");
    }
}

/// Writes a 1-D unstructured set of `2 p` cells on `p` files in which the
/// last file holds one cell only: cell `2 p - 1` has no value.
fn write_uncovering_set(prefix: &Path, p: usize) {
    use distarray::io::{dnpy_header, dnpy_path, NpyHeader};
    for r in 0..p {
        let ix: Vec<usize> = if r + 1 == p {
            vec![2 * r]
        } else {
            vec![2 * r, 2 * r + 1]
        };
        let json = serde_json::json!({"dist_type": "u", "size": 2 * p, "proc_grid_rank": r,
            "proc_grid_size": p, "indices": ix});
        let dims = distarray::protocol::parse_dim_data(&[json], &[ix.len()], r).unwrap();
        let mut bytes = dnpy_header(&dims);
        bytes.extend(
            NpyHeader {
                dtype: distarray::DType::F64,
                fortran_order: false,
                shape: vec![ix.len()],
            }
            .to_bytes(),
        );
        for &g in &ix {
            bytes.extend((g as f64).to_le_bytes());
        }
        std::fs::write(dnpy_path(prefix, r), bytes).unwrap();
    }
}

#[test]
fn invalid_sets_are_refused_and_nothing_is_written() {
    let d = scratch("invalid");
    // a file missing: the last one, then one in the middle
    copy_set("i32_bxc_2d_4x7_e4", 4, &d, "l");
    std::fs::remove_file(d.join("l_3.dnpy")).unwrap();
    info_refuses(&d.join("l"), &["l_3.dnpy", "missing"]);
    convert_refuses(&d.join("l"), &d, "l_3.dnpy");
    copy_set("i32_bxc_2d_4x7_e4", 4, &d, "m");
    std::fs::remove_file(d.join("m_1.dnpy")).unwrap();
    info_refuses(&d.join("m"), &["m_1.dnpy", "missing"]);
    // two element types: both files named
    copy_set("f64_block_1d_n10_e3", 3, &d, "t");
    let f = d.join("t_2.dnpy");
    let mut bytes = std::fs::read(&f).unwrap();
    let at = bytes.windows(3).position(|w| w == b"<f8").unwrap();
    bytes[at + 1] = b'i';
    std::fs::write(&f, &bytes).unwrap();
    info_refuses(&d.join("t"), &["t_0.dnpy", "t_2.dnpy", "float64", "int64"]);
    convert_refuses(&d.join("t"), &d, "t_2.dnpy");
    // an unstructured axis whose indices leave a cell without a value
    write_uncovering_set(&d.join("u"), 3);
    info_refuses(&d.join("u"), &["indices_do_not_cover"]);
    convert_refuses(&d.join("u"), &d, "indices_do_not_cover");
    // files of two saves
    let npy = conformance().join("f64_block_1d_n10_e3/global.npy");
    for set in ["s", "r"] {
        let p = d.join(set);
        ok(&mpirun(
            2,
            &["convert", npy.to_str().unwrap(), p.to_str().unwrap()],
        ));
    }
    ok(&bin().arg("info").arg(d.join("s")).output().unwrap());
    std::fs::remove_file(d.join("s_1.dnpy")).unwrap();
    std::fs::copy(d.join("r_1.dnpy"), d.join("s_1.dnpy")).unwrap();
    info_refuses(&d.join("s"), &["s_1.dnpy", "mixes files of two saves"]);
    convert_refuses(&d.join("s"), &d, "mixes files of two saves");
}

fn numpy_bytes(case: &str) -> Vec<u8> {
    std::fs::read(conformance().join(case).join("global.npy")).unwrap()
}

#[test]
fn convert_matches_numpy_on_one_and_two_ranks() {
    let d = scratch("convert");
    for case in [
        "c128_cxc_2d_5x9_e4",
        "i64_irregular_block_1d_n12_e3",
        "bool_block_1d_n9_e2",
    ] {
        let set = conformance().join(case).join(case);
        let one = d.join(format!("{case}-1.npy"));
        ok(&bin().arg("convert").arg(&set).arg(&one).output().unwrap());
        assert!(
            std::fs::read(&one).unwrap() == numpy_bytes(case),
            "{case}: 1 rank"
        );
        let two = d.join(format!("{case}-2.npy"));
        ok(&mpirun(
            2,
            &["convert", set.to_str().unwrap(), two.to_str().unwrap()],
        ));
        assert!(
            std::fs::read(&two).unwrap() == numpy_bytes(case),
            "{case}: 2 ranks"
        );
        // and back into a .dnpy set on 3 ranks, then to .npy again
        let back = d.join(format!("{case}-set"));
        ok(&mpirun(
            3,
            &["convert", two.to_str().unwrap(), back.to_str().unwrap()],
        ));
        let again = d.join(format!("{case}-again.npy"));
        ok(&bin()
            .arg("convert")
            .arg(&back)
            .arg(&again)
            .output()
            .unwrap());
        assert!(
            std::fs::read(&again).unwrap() == numpy_bytes(case),
            "{case}: through a 3-file set"
        );
    }
    if cfg!(feature = "hdf5") {
        let h5 = d.join("z.h5");
        let npy = d.join("z.npy");
        let set = conformance().join("f64_bxnxb_3d_4x3x5_e4/f64_bxnxb_3d_4x3x5_e4");
        ok(&mpirun(
            2,
            &[
                "convert",
                set.to_str().unwrap(),
                h5.to_str().unwrap(),
                "--dataset",
                "g/z",
            ],
        ));
        ok(&bin()
            .arg("convert")
            .arg(&h5)
            .arg(&npy)
            .args(["--dataset", "g/z"])
            .output()
            .unwrap());
        assert!(std::fs::read(&npy).unwrap() == numpy_bytes("f64_bxnxb_3d_4x3x5_e4"));
        let info = ok(&bin()
            .arg("info")
            .arg(&h5)
            .args(["--dataset", "g/z"])
            .output()
            .unwrap());
        assert!(info.contains("float64"), "{info}");
        // without --dataset: the file's only dataset
        let info = ok(&bin().arg("info").arg(&h5).output().unwrap());
        assert!(info.contains("dataset g/z"), "{info}");
        let again = d.join("z-again.npy");
        ok(&bin().arg("convert").arg(&h5).arg(&again).output().unwrap());
        assert!(std::fs::read(&again).unwrap() == numpy_bytes("f64_bxnxb_3d_4x3x5_e4"));
        // a dataset the file does not have is named in the error
        let out = bin()
            .arg("info")
            .arg(&h5)
            .args(["--dataset", "nope"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
    }
    if cfg!(feature = "zarr") {
        // a .dnpy set to Zarr on 2 ranks, Zarr to Zarr on 3, to .npy on 1
        // and 2: what numpy.save writes
        let case = "f64_bxnxb_3d_4x3x5_e4";
        let set = conformance().join(case).join(case);
        let z = d.join("u.zarr");
        let z3 = d.join("u3.zarr");
        ok(&mpirun(
            2,
            &["convert", set.to_str().unwrap(), z.to_str().unwrap()],
        ));
        let info = ok(&bin().arg("info").arg(&z).output().unwrap());
        assert!(
            info.contains(": zarr") && info.contains("float64") && info.contains("chunks"),
            "{info}"
        );
        let json: serde_json::Value = serde_json::from_str(&ok(&bin()
            .args(["info", "--json"])
            .arg(&z)
            .output()
            .unwrap()))
        .unwrap();
        assert_eq!(json["format"], "zarr");
        assert_eq!(json["shape"], serde_json::json!([4, 3, 5]));
        assert_eq!(json["saved_layout"]["ranks"], 2);
        ok(&mpirun(
            3,
            &["convert", z.to_str().unwrap(), z3.to_str().unwrap()],
        ));
        let one = d.join("u-1.npy");
        ok(&bin().arg("convert").arg(&z3).arg(&one).output().unwrap());
        assert!(
            std::fs::read(&one).unwrap() == numpy_bytes(case),
            "zarr, 1 rank"
        );
        let two = d.join("u-2.npy");
        ok(&mpirun(
            2,
            &["convert", z.to_str().unwrap(), two.to_str().unwrap()],
        ));
        assert!(
            std::fs::read(&two).unwrap() == numpy_bytes(case),
            "zarr, 2 ranks"
        );
        if cfg!(feature = "hdf5") {
            // Zarr to HDF5 and back out of core, on 2 ranks
            let h5 = d.join("u-ooc.h5");
            let back = d.join("u-back.zarr");
            ok(&mpirun(
                2,
                &[
                    "convert",
                    z3.to_str().unwrap(),
                    h5.to_str().unwrap(),
                    "--dataset",
                    "g/u",
                ],
            ));
            ok(&mpirun(
                2,
                &[
                    "convert",
                    h5.to_str().unwrap(),
                    back.to_str().unwrap(),
                    "--dataset",
                    "g/u",
                ],
            ));
            let three = d.join("u-3.npy");
            ok(&bin()
                .arg("convert")
                .arg(&back)
                .arg(&three)
                .output()
                .unwrap());
            assert!(
                std::fs::read(&three).unwrap() == numpy_bytes(case),
                "zarr -> hdf5 -> zarr out of core"
            );
        }
    }
}

#[test]
fn plot_draws_owners() {
    let d = scratch("plot");
    let png = d.join("p.png");
    let out = ok(&bin()
        .arg("plot")
        .arg(conformance().join("i32_bxc_2d_4x7_e4/i32_bxc_2d_4x7_e4"))
        .arg("-o")
        .arg(&png)
        .output()
        .unwrap());
    assert!(
        out.contains("4 x 7  block x cyclic  grid 2 x 2") && out.contains("4 ranks"),
        "{out}"
    );
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
    let svg = d.join("q.svg");
    let out = ok(&bin()
        .args([
            "plot", "--shape", "8x10", "--dist", "b,bc3", "--grid", "2x2", "-o",
        ])
        .arg(&svg)
        .output()
        .unwrap());
    assert!(
        out.contains("8 x 10  block x block-cyclic 3  grid 2 x 2") && out.contains("4 ranks"),
        "{out}"
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        (0..4).all(|r| text.contains(&format!("rank {r} ("))),
        "a legend entry per rank"
    );
    let out = bin()
        .args(["plot", "--shape", "2x3x4", "-o"])
        .arg(d.join("x.png"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let _ = Path::new("");
}

fn be(words: &[i32], values: &[f64]) -> Vec<u8> {
    let mut b: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    b.extend(values.iter().flat_map(|v| v.to_be_bytes()));
    b
}

/// The f64 values of an .npy file, with its shape.
fn npy_values(path: &Path) -> (Vec<usize>, Vec<f64>) {
    let bytes = std::fs::read(path).unwrap();
    let (h, off) = distarray::io::NpyHeader::parse(&bytes, "out.npy").unwrap();
    assert_eq!(h.dtype, distarray::DType::F64);
    let mut v = vec![0.0; h.shape.iter().product()];
    distarray::io::from_bytes(&bytes[off..], &mut v, "out.npy").unwrap();
    (h.shape, v)
}

#[test]
fn petsc_binary_files_show_and_convert() {
    let d = scratch("petsc");
    let x = [1.5, -2.0, 0.25, 8.0, 3.0];
    let vec = be(&[1211214, 5], &x);
    // [[1 0 2], [0 0 0], [3 4 0]]
    let mat = be(
        &[1211216, 3, 3, 4, 2, 0, 2, 0, 2, 0, 1],
        &[1.0, 2.0, 3.0, 4.0],
    );
    std::fs::write(d.join("x.petsc"), [vec.clone(), mat.clone()].concat()).unwrap();
    std::fs::write(d.join("a.petsc"), &mat).unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(&bin()
        .args(["info", "--json"])
        .arg(d.join("x.petsc"))
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(json["format"], "petsc");
    assert_eq!(json["shape"], serde_json::json!([5]));
    assert_eq!(
        (&json["dtype"], &json["index_bits"]),
        (&"float64".into(), &32.into())
    );
    assert_eq!(json["objects"][1]["class"], "Mat");
    assert_eq!(json["objects"][1]["nnz"], 4);
    assert_eq!(json["objects"][1]["offset"], 48);
    let text = ok(&bin().arg("info").arg(d.join("a.petsc")).output().unwrap());
    assert!(
        text.contains("PETSc binary file (float64 scalars, 32-bit indices)")
            && text.contains("object 0: Mat  shape [3,3]  nnz 4"),
        "{text}"
    );
    // a Vec to .npy (its first Vec), on 1 and 2 ranks; and back, byte for byte
    for n in [1, 2] {
        let (npy, back) = (d.join(format!("x{n}.npy")), d.join(format!("x{n}.petsc")));
        let (x_in, npy_s, back_s) = (
            d.join("x.petsc"),
            npy.to_str().unwrap(),
            back.to_str().unwrap(),
        );
        ok(&mpirun(n, &["convert", x_in.to_str().unwrap(), npy_s]));
        assert_eq!(npy_values(&npy), (vec![5], x.to_vec()));
        ok(&mpirun(n, &["convert", npy_s, back_s]));
        assert_eq!(std::fs::read(&back).unwrap(), vec);
        assert_eq!(
            std::fs::read_to_string(d.join(format!("x{n}.petsc.info"))).unwrap(),
            "-vecload_block_size 1\n"
        );
    }
    // a Mat: dense to .npy, and to a PETSc file with 64-bit indices
    ok(&mpirun(
        2,
        &[
            "convert",
            d.join("a.petsc").to_str().unwrap(),
            d.join("a.npy").to_str().unwrap(),
        ],
    ));
    assert_eq!(
        npy_values(&d.join("a.npy")),
        (
            vec![3, 3],
            vec![1.0, 0.0, 2.0, 0.0, 0.0, 0.0, 3.0, 4.0, 0.0]
        )
    );
    ok(&bin()
        .arg("convert")
        .arg(d.join("a.petsc"))
        .arg(d.join("a64.bin"))
        .arg("--int64")
        .output()
        .unwrap());
    let a64 = std::fs::read(d.join("a64.bin")).unwrap();
    assert_eq!(
        &a64[..16],
        &[0, 0, 0, 0, 0, 0x12, 0x7b, 0x50, 0, 0, 0, 0, 0, 0, 0, 3]
    );
    assert_eq!(a64.len(), (4 + 3 + 4) * 8 + 4 * 8);
    // a truncated file: named, and nothing written
    std::fs::write(d.join("t.petsc"), &vec[..vec.len() - 4]).unwrap();
    for cmd in [&["info"][..], &["convert"][..]] {
        let mut c = bin();
        c.args(cmd).arg(d.join("t.petsc"));
        if cmd[0] == "convert" {
            c.arg(d.join("out.npy"));
        }
        let out = c.output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("t.petsc") && err.contains("truncated"),
            "{err}"
        );
    }
    assert!(!d.join("out.npy").exists());
}

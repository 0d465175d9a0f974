//! `distarray plot --values`: the values of every element type, of .npy
//! files, .dnpy sets (conformance sets and one saved by distarray) and
//! HDF5, slices of 3-D arrays, and the errors of bad inputs.

mod plot_support;

use distarray::io::NpyHeader;
use distarray::DType;
use distarray_cli::plot::values::{plane, read_values};
use distarray_cli::plot::{heatmap, ownership};
use plot_support::{bin, case, conformance, f64_bytes, fails, mpirun, ok, scratch, write_npy};

#[test]
fn values_of_every_dtype_and_of_sets() {
    // a .dnpy set holds the same values as NumPy's global.npy of the case
    for name in [
        "f64_block_1d_n10_e3",
        "i32_bxc_2d_4x7_e4",
        "c128_cxc_2d_5x9_e4",
        "f32_bxb_2d_6x5_e3",
        "f64_bxnxb_3d_4x3x5_e4",
        "bool_block_1d_n9_e2",
        "i64_irregular_block_1d_n12_e3",
    ] {
        let set = read_values(&case(name), "data").unwrap();
        let npy = read_values(&conformance().join(name).join("global.npy"), "data").unwrap();
        assert_eq!(set, npy, "{name}");
        // and through one of the set's files
        let file = conformance().join(name).join(format!("{name}_1.dnpy"));
        assert_eq!(read_values(&file, "data").unwrap(), npy, "{name}");
    }
    // the f64 values are the file's, bit for bit
    let npy = conformance().join("f64_bxnxb_3d_4x3x5_e4/global.npy");
    let bytes = std::fs::read(&npy).unwrap();
    let (h, off) = NpyHeader::parse(&bytes, "x").unwrap();
    let raw: Vec<f64> = bytes[off..]
        .chunks(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(read_values(&npy, "data").unwrap(), (h.shape, raw));

    let d = scratch("dtypes");
    // Fortran order: read back in C order
    let f = d.join("f.npy");
    write_npy(
        &f,
        DType::F64,
        true,
        &[2, 3],
        &f64_bytes(&[0.0, 3.0, 1.0, 4.0, 2.0, 5.0]),
    );
    assert_eq!(
        read_values(&f, "").unwrap().1,
        [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    );
    // complex: magnitude; bool: 0/1; integers as they are
    let c = d.join("c.npy");
    let c64: Vec<u8> = [3.0f32, 4.0, 0.0, -2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    write_npy(&c, DType::C64, false, &[1, 2], &c64);
    assert_eq!(read_values(&c, "").unwrap().1, [5.0, 2.0]);
    let b = d.join("b.npy");
    write_npy(&b, DType::Bool, false, &[2, 2], &[1, 0, 0, 1]);
    assert_eq!(read_values(&b, "").unwrap().1, [1.0, 0.0, 0.0, 1.0]);
    let i = d.join("i.npy");
    let i64s: Vec<u8> = [-7i64, 1 << 40]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    write_npy(&i, DType::I64, false, &[2, 1], &i64s);
    assert_eq!(read_values(&i, "").unwrap().1, [-7.0, (1u64 << 40) as f64]);
    // a truncated file is named
    let t = d.join("t.npy");
    write_npy(&t, DType::F64, false, &[2, 2], &f64_bytes(&[1.0, 2.0, 3.0]));
    let err = read_values(&t, "").unwrap_err();
    assert!(err.contains("t.npy") && err.contains("truncated"), "{err}");
}

/// Writes a 1-D set of 6 cells on 2 files whose blocks carry one cell of
/// communication padding each, holding -1 (cells the other file owns).
fn write_padded_set(prefix: &std::path::Path) {
    use distarray::io::{dnpy_header, dnpy_path};
    for (r, (start, stop, pad, data)) in [
        (0, 4, [0, 1], [0.0, 1.0, 2.0, -1.0]),
        (2, 6, [1, 0], [-1.0, 3.0, 4.0, 5.0]),
    ]
    .into_iter()
    .enumerate()
    {
        let json = serde_json::json!({"dist_type": "b", "size": 6, "proc_grid_rank": r,
            "proc_grid_size": 2, "start": start, "stop": stop, "padding": pad});
        let dims = distarray::protocol::parse_dim_data(&[json], &[4], r).unwrap();
        let mut bytes = dnpy_header(&dims);
        bytes.extend(
            NpyHeader {
                dtype: DType::F64,
                fortran_order: false,
                shape: vec![4],
            }
            .to_bytes(),
        );
        bytes.extend(f64_bytes(&data));
        std::fs::write(dnpy_path(prefix, r), bytes).unwrap();
    }
}

#[test]
fn padding_is_not_data() {
    let d = scratch("padded");
    write_padded_set(&d.join("p"));
    let (shape, v) = read_values(&d.join("p"), "").unwrap();
    assert_eq!(shape, [6]);
    assert_eq!(v, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    let o = ownership::from_set(&d.join("p")).unwrap();
    assert_eq!(o.cells, [0, 0, 0, 1, 1, 1]);
}

#[test]
fn slices_of_3d_arrays() {
    let (shape, v) = read_values(&case("f64_bxnxb_3d_4x3x5_e4"), "data").unwrap();
    assert_eq!(shape, [4, 3, 5]);
    let p = plane("t", &shape, &v, Some("1=2")).unwrap();
    assert_eq!(
        (p.rows, p.cols, p.axes, p.slice.as_str()),
        (4, 5, (0, 2), "[:, 2, :]")
    );
    for i in 0..4 {
        for k in 0..5 {
            assert_eq!(p.values[i * 5 + k], v[(i * 3 + 2) * 5 + k]);
        }
    }
    assert_eq!(
        plane("t", &shape, &v, Some("0=-1")).unwrap().values,
        v[45..].to_vec()
    );
    let pic = heatmap::plan("t", &shape, &p, 720);
    assert_eq!(pic.title.text, "t  4 x 3 x 5  slice [:, 2, :]");
    let names: Vec<&str> = pic.axis_labels.iter().map(|t| t.text.as_str()).collect();
    assert!(names.contains(&"axis 0 (rows)") && names.contains(&"axis 2 (columns)"));
    let d = scratch("slice");
    let out = ok(&bin()
        .args(["plot", "--values", "--slice", "2=4"])
        .arg(case("f64_bxnxb_3d_4x3x5_e4"))
        .arg("-o")
        .arg(d.join("s.png"))
        .output()
        .unwrap());
    assert!(out.contains("slice [:, :, 4]"), "{out}");
}

#[test]
fn bad_inputs_are_refused_clearly() {
    let d = scratch("bad");
    let png = d.join("x.png");
    let plot = |args: &[&str]| {
        bin()
            .arg("plot")
            .args(args)
            .arg("-o")
            .arg(&png)
            .output()
            .unwrap()
    };
    let one_d = case("f64_block_1d_n10_e3");
    fails(
        &plot(&["--values", one_d.to_str().unwrap()]),
        &["2-D array", "is 1-D", "[10]"],
    );
    let four = d.join("four.npy");
    write_npy(
        &four,
        DType::F64,
        false,
        &[2, 2, 2, 2],
        &f64_bytes(&[0.0; 16]),
    );
    fails(
        &plot(&["--values", four.to_str().unwrap()]),
        &["four.npy is 4-D", "[2, 2, 2, 2]"],
    );
    let missing = d.join("missing.npy");
    fails(
        &plot(&["--values", missing.to_str().unwrap()]),
        &["missing.npy", "No such file"],
    );
    fails(
        &plot(&["--values", d.join("noset").to_str().unwrap()]),
        &["noset_0.dnpy", "no such .dnpy set"],
    );
    let three = case("f64_bxnxb_3d_4x3x5_e4");
    let three = three.to_str().unwrap();
    fails(
        &plot(&["--values", three, "--slice", "1=3"]),
        &["index 3 is out of range for axis 1", "3 indices"],
    );
    fails(
        &plot(&["--values", three, "--slice", "0=-5"]),
        &["index -5 is out of range for axis 0"],
    );
    fails(
        &plot(&["--values", three, "--slice", "3=0"]),
        &["axes 0, 1 and 2"],
    );
    fails(&plot(&["--values", three, "--slice", "x"]), &["AXIS=INDEX"]);
    fails(
        &plot(&["--values", three]),
        &["is 3-D", "--slice AXIS=INDEX"],
    );
    let two = conformance().join("i32_bxc_2d_4x7_e4/global.npy");
    fails(
        &plot(&["--values", two.to_str().unwrap(), "--slice", "0=1"]),
        &["is 2-D", "3-D arrays"],
    );
    fails(&plot(&["--values", "--shape", "4x4"]), &["--shape"]);
    fails(&plot(&["--values"]), &["needs a file"]);
    fails(&plot(&["--shape", "2x3x4"]), &["1-D and 2-D", "[2, 3, 4]"]);
    fails(&plot(&["--shape", "4x4", "--slice", "0=1"]), &["--values"]);
    fails(&plot(&["--shape", "0x4"]), &["empty"]);
    assert!(!png.exists(), "a refused plot wrote a picture");
    let out = bin()
        .args(["plot", "--shape", "4x4", "-o"])
        .arg(d.join("x.gif"))
        .output()
        .unwrap();
    fails(&out, &["x.gif", ".png or .svg"]);
}

#[test]
fn a_set_saved_by_distarray_is_drawn() {
    // a set saved through the library (a committed set: links into a
    // directory), as the Poisson demo saves its solution, on 3 ranks
    let d = scratch("saved");
    let npy = conformance().join("f32_bxb_2d_6x5_e3/global.npy");
    let set = d.join("u");
    let (npy_s, set_s) = (npy.to_str().unwrap(), set.to_str().unwrap());
    let out = mpirun(3, &["convert", npy_s, set_s]);
    ok(&out);
    assert_eq!(
        read_values(&set, "").unwrap(),
        read_values(&npy, "").unwrap()
    );
    let o = ownership::from_set(&set).unwrap();
    assert_eq!(o.grid.iter().product::<usize>(), 3);
    assert_eq!(ownership::plan(&o, 720).legend.len(), 3);
    let png = d.join("u.png");
    let out = ok(&bin()
        .args(["plot", "--values"])
        .arg(&set)
        .arg("-o")
        .arg(&png)
        .output()
        .unwrap());
    assert!(out.contains("u  6 x 5"), "{out}");
    assert_eq!(&std::fs::read(&png).unwrap()[..8], b"\x89PNG\r\n\x1a\n");
}

#[cfg(feature = "hdf5")]
#[test]
fn hdf5_values_are_drawn() {
    let d = scratch("h5");
    let npy = conformance().join("c128_cxc_2d_5x9_e4/global.npy");
    let h5 = d.join("z.h5");
    ok(&bin()
        .arg("convert")
        .arg(&npy)
        .arg(&h5)
        .args(["--dataset", "g/z"])
        .output()
        .unwrap());
    let png = d.join("z.png");
    let out = ok(&bin()
        .args(["plot", "--values", "--dataset", "g/z"])
        .arg(&h5)
        .arg("-o")
        .arg(&png)
        .output()
        .unwrap());
    assert!(out.contains("z.h5:g/z  5 x 9"), "{out}");
    // the same values as the .npy file it came from (magnitudes of complex128)
    let (_, want) = read_values(&npy, "").unwrap();
    let (lo, hi) = heatmap::finite_range(&want).unwrap();
    let short = distarray_cli::plot::plan::short;
    assert!(
        out.contains(&format!("values {} to {}", short(lo), short(hi))),
        "{out}"
    );
    fails(
        &bin()
            .args(["plot", "--values", "--dataset", "nope"])
            .arg(&h5)
            .arg("-o")
            .arg(&png)
            .output()
            .unwrap(),
        &["z.h5"],
    );
}

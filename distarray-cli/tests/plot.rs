//! `distarray plot`: the plans (title, legend, ticks, cell numbers, colour
//! range, sizes) of ownership pictures and heatmaps, one real render per
//! mode and format read back (PNG pixels, SVG text), the values of every
//! element type and of .dnpy sets, and the errors of bad inputs.

use distarray::io::NpyHeader;
use distarray::DType;
use distarray_cli::plot::colour::{rank_colour, viridis, Rgb, NAN};
use distarray_cli::plot::plan::{Plan, MAX_EXTENT};
use distarray_cli::plot::render::{render, Format};
use distarray_cli::plot::values::{plane, read_values};
use distarray_cli::plot::{heatmap, ownership, values_plan, Args};
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
        "no conformance data at {}",
        dir.display()
    );
    dir.join("dnpy")
}

fn case(name: &str) -> PathBuf {
    conformance().join(name).join(name)
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("distarray-plot-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes an .npy file of `dtype` and `shape` holding `data` (its bytes).
fn write_npy(path: &Path, dtype: DType, fortran: bool, shape: &[usize], data: &[u8]) {
    let mut bytes = NpyHeader {
        dtype,
        fortran_order: fortran,
        shape: shape.to_vec(),
    }
    .to_bytes();
    bytes.extend_from_slice(data);
    std::fs::write(path, bytes).unwrap();
}

fn f64_bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A PNG's size and RGB pixels.
fn read_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "plotters writes RGB");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn pixel(png: &(u32, u32, Vec<u8>), x: i32, y: i32) -> Rgb {
    let at = (y as usize * png.0 as usize + x as usize) * 3;
    (png.2[at], png.2[at + 1], png.2[at + 2])
}

/// The centre pixel of drawn cell (i, j).
fn cell_centre(p: &Plan, i: usize, j: usize) -> (i32, i32) {
    let g = p.cells.geometry;
    (
        p.cells.x + (j as u32 * g.cell_w + g.cell_w / 2) as i32,
        p.cells.y + (i as u32 * g.cell_h + g.cell_h / 2) as i32,
    )
}

fn fails(out: &Output, words: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for w in words {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ownership_plan_names_layout_lists_every_rank_and_numbers_cells() {
    let o = ownership::from_spec("8x6", Some("b,c"), Some("2x2")).unwrap();
    let p = ownership::plan(&o, 720);
    assert_eq!(p.title.text, "8 x 6  block x cyclic  grid 2 x 2");
    let legend: Vec<&str> = p.legend.iter().map(|s| s.label.text.as_str()).collect();
    assert_eq!(
        legend,
        [
            "rank 0 (0,0)",
            "rank 1 (0,1)",
            "rank 2 (1,0)",
            "rank 3 (1,1)"
        ]
    );
    assert!(p
        .legend
        .iter()
        .enumerate()
        .all(|(r, s)| s.colour == rank_colour(r)));
    // 40-pixel cells, each with its owner's number: rows 0..4 are ranks 0/1
    assert_eq!(
        (p.cells.geometry.width(), p.cells.geometry.height()),
        (240, 320)
    );
    assert_eq!(p.cell_labels.len(), 48);
    assert_eq!(p.cell_labels[1].text, "1");
    assert_eq!(p.cell_labels[6 * 4].text, "2");
    // every row and column index is a tick
    let rows: Vec<usize> = p.row_ticks.iter().map(|t| t.index).collect();
    let cols: Vec<usize> = p.col_ticks.iter().map(|t| t.index).collect();
    assert_eq!((rows, cols), ((0..8).collect(), (0..6).collect()));
    let names: Vec<&str> = p.axis_labels.iter().map(|t| t.text.as_str()).collect();
    assert!(names.contains(&"axis 0 (rows)") && names.contains(&"axis 1 (columns)"));

    // ranks that own nothing are listed too: 3 cells on a grid of 5
    let o = ownership::from_spec("3", Some("b"), Some("5")).unwrap();
    let p = ownership::plan(&o, 720);
    assert_eq!(p.legend.len(), 5);
    assert_eq!(p.legend[4].label.text, "rank 4");

    // 1-D: one row, no row ticks, numbers in the cells
    let o = ownership::from_spec("10", Some("c"), Some("3")).unwrap();
    let p = ownership::plan(&o, 720);
    assert_eq!(p.title.text, "10  cyclic  grid 3");
    assert_eq!(p.cells.geometry.drawn_rows, 1);
    assert!(p.row_ticks.is_empty());
    let numbers: Vec<&str> = p.cell_labels.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(numbers, ["0", "1", "2", "0", "1", "2", "0", "1", "2", "0"]);

    // a set: its name, its layout and its four ranks
    let o = ownership::from_set(&case("i32_bxc_2d_4x7_e4")).unwrap();
    let p = ownership::plan(&o, 720);
    assert_eq!(
        p.title.text,
        "i32_bxc_2d_4x7_e4: 4 x 7  block x cyclic  grid 2 x 2"
    );
    assert_eq!(p.legend.len(), 4);
}

/// Every text, swatch and bar of `p` lies inside the picture.
fn assert_inside(p: &Plan) {
    let texts = p
        .cell_labels
        .iter()
        .chain(&p.axis_labels)
        .chain([&p.title])
        .chain(&p.subtitle)
        .chain(p.row_ticks.iter().map(|t| &t.label))
        .chain(p.col_ticks.iter().map(|t| &t.label))
        .chain(p.legend.iter().map(|s| &s.label))
        .chain(p.colour_bar.iter().flat_map(|b| &b.labels));
    for t in texts {
        let (l, r, b) = (
            t.left(),
            t.left() + t.width() as i32,
            t.y + 8 * t.scale as i32,
        );
        assert!(
            l >= 0 && t.y >= 0 && r <= p.width as i32 && b <= p.height as i32,
            "{:?} outside {} x {}",
            t.text,
            p.width,
            p.height
        );
    }
    for s in &p.legend {
        assert!(s.x + 12 <= p.width as i32 && s.y + 12 <= p.height as i32);
    }
    let g = p.cells.geometry;
    assert!(p.cells.x + g.width() as i32 <= p.width as i32);
    assert!(p.cells.y + g.height() as i32 <= p.height as i32);
}

#[test]
fn every_part_of_a_picture_is_inside_it() {
    for (shape, dist, grid) in [
        ("8x6", "b,c", "2x2"),
        ("1", "b", "1"),
        ("10000", "bc7", "5"),
        ("3x900", "c,b", "1x64"),
        ("700x2", "b,n", "7x1"),
    ] {
        let o = ownership::from_spec(shape, Some(dist), Some(grid)).unwrap();
        for f in [Format::Png, Format::Svg] {
            let p = ownership::plan(&o, f.max_drawn());
            assert_eq!(p.legend.len(), o.ranks(), "{shape}");
            assert_inside(&p);
        }
    }
    for (shape, v) in [
        (vec![1, 1], vec![f64::NAN]),
        (vec![2, 3], vec![-1e-7, 5e9, 0.0, 1.0, f64::NAN, 2.0]),
    ] {
        let p = heatmap::plan(
            "a-rather-long-file-name.npy",
            &shape,
            &plane("x", &shape, &v, None).unwrap(),
            720,
        );
        assert_inside(&p);
    }
}

#[test]
fn large_arrays_have_capped_pictures_without_numbers() {
    let o = ownership::from_spec("200x100", Some("b,b"), Some("4x4")).unwrap();
    let p = ownership::plan(&o, 720);
    let g = p.cells.geometry;
    assert_eq!((g.cell_w, g.width(), g.height()), (3, 300, 600));
    assert!(p.cell_labels.is_empty(), "3-pixel cells hold no number");
    assert_eq!(p.legend.len(), 16);
    assert!(
        p.row_ticks.len() < 60 && p.row_ticks.len() > 5,
        "{}",
        p.row_ticks.len()
    );

    let o = ownership::from_spec("5000x3000", Some("b,c"), Some("2x2")).unwrap();
    let p = ownership::plan(&o, Format::Png.max_drawn());
    let g = p.cells.geometry;
    assert_eq!((g.height(), g.width()), (MAX_EXTENT, 432));
    assert!(
        p.width < 1000 && p.height < 1000,
        "{} x {}",
        p.width,
        p.height
    );
    assert!(p
        .subtitle
        .unwrap()
        .text
        .contains("720 x 432 of 5000 x 3000 cells drawn"));
    // the last index is marked
    assert_eq!(p.row_ticks.last().unwrap().index, 4999);
}

#[test]
fn ownership_pictures_are_drawn_as_planned() {
    let d = scratch("own");
    let o = ownership::from_spec("8x6", Some("b,c"), Some("2x2")).unwrap();
    let p = ownership::plan(&o, 720);
    let png = d.join("o.png");
    render(&p, &png, Format::Png).unwrap();
    let img = read_png(&png);
    assert_eq!((img.0, img.1), (p.width, p.height));
    // a cell's corner (inside the lines, away from the number) has its owner's colour
    for (i, j, r) in [(0, 0, 0), (0, 1, 1), (7, 4, 2), (7, 5, 3)] {
        let (x, y) = cell_centre(&p, i, j);
        assert_eq!(
            pixel(&img, x - 15, y - 15),
            rank_colour(r),
            "cell ({i}, {j})"
        );
    }
    // the numbers are drawn: the cell's centre column holds text pixels
    let (x, y) = cell_centre(&p, 0, 1);
    let text = (y - 7..y + 7)
        .filter(|&yy| pixel(&img, x, yy) != rank_colour(1))
        .count();
    assert!(text > 0, "no number in cell (0, 1)");

    // the same through the command, as SVG: every rank's legend entry is text
    let svg = d.join("o.svg");
    let out = ok(&bin()
        .args([
            "plot", "--shape", "8x6", "--dist", "b,c", "--grid", "2x2", "-o",
        ])
        .arg(&svg)
        .output()
        .unwrap());
    assert!(
        out.contains("8 x 6  block x cyclic  grid 2 x 2") && out.contains("4 ranks"),
        "{out}"
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.contains(&format!("width=\"{}\" height=\"{}\"", p.width, p.height)));
    for r in 0..4 {
        assert!(
            text.contains(&format!("rank {r} (")),
            "rank {r} missing from the legend"
        );
    }
    assert!(text.contains("block x cyclic"));
}

#[test]
fn heatmap_range_is_the_data_range_and_nan_is_grey() {
    let v = [2.0, -3.5, f64::NAN, 7.25, 0.0, f64::NAN];
    let pl = plane("a.npy", &[2, 3], &v, None).unwrap();
    let p = heatmap::plan("a.npy", &[2, 3], &pl, 720);
    let bar = p.colour_bar.as_ref().unwrap();
    assert_eq!((bar.lo, bar.hi), (-3.5, 7.25));
    assert_eq!(bar.labels.first().unwrap().text, "7.25");
    assert_eq!(bar.labels.last().unwrap().text, "-3.5");
    assert_eq!(p.title.text, "a.npy  2 x 3");
    assert_eq!(
        p.subtitle.as_ref().unwrap().text,
        "values -3.5 to 7.25, 2 NaN"
    );
    let fills = &p.cells.fills;
    assert_eq!(fills[1], viridis(0.0), "the minimum is the bottom colour");
    assert_eq!(fills[3], viridis(1.0), "the maximum is the top colour");
    assert_eq!((fills[2], fills[5]), (NAN, NAN));
    assert!(!fills
        .iter()
        .enumerate()
        .any(|(k, &f)| f == NAN && !v[k].is_nan()));
    assert_eq!(p.legend.len(), 1);
    assert_eq!(
        (p.legend[0].colour, p.legend[0].label.text.as_str()),
        (NAN, "NaN")
    );
    // no NaN: no NaN entry; infinities are not the range, but its ends
    let v = [1.0, f64::INFINITY, 3.0, f64::NEG_INFINITY];
    let p = heatmap::plan("b", &[2, 2], &plane("b", &[2, 2], &v, None).unwrap(), 720);
    let bar = p.colour_bar.as_ref().unwrap();
    assert_eq!((bar.lo, bar.hi), (1.0, 3.0));
    assert!(p.legend.is_empty());
    assert_eq!(
        (p.cells.fills[1], p.cells.fills[3]),
        (viridis(1.0), viridis(0.0))
    );
}

#[test]
fn heatmaps_are_drawn_from_files() {
    let d = scratch("heat");
    let v: Vec<f64> = (0..12)
        .map(|k| if k == 5 { f64::NAN } else { k as f64 * 0.5 })
        .collect();
    let file = d.join("h.npy");
    write_npy(&file, DType::F64, false, &[3, 4], &f64_bytes(&v));
    let args = Args {
        files: vec![file.clone()],
        output: d.join("h.png"),
        values: true,
        dataset: "data".into(),
        ..Args::default()
    };
    let p = values_plan(&args, Format::Png).unwrap();
    assert_eq!(p.title.text, "h.npy  3 x 4");
    let bar = p.colour_bar.as_ref().unwrap();
    assert_eq!((bar.lo, bar.hi), (0.0, 5.5));
    let out = ok(&bin()
        .arg("plot")
        .arg("--values")
        .arg(&file)
        .arg("-o")
        .arg(&args.output)
        .output()
        .unwrap());
    assert!(out.contains("values 0 to 5.5, 1 NaN"), "{out}");
    let img = read_png(&args.output);
    assert_eq!((img.0, img.1), (p.width, p.height));
    let at = |i, j| {
        let (x, y) = cell_centre(&p, i, j);
        pixel(&img, x, y)
    };
    assert_eq!(at(0, 0), viridis(0.0));
    assert_eq!(at(2, 3), viridis(1.0));
    assert_eq!(at(1, 1), NAN);
    // the colour bar: the top is the maximum's colour, the bottom the minimum's
    assert_eq!(pixel(&img, bar.x + 8, bar.y), viridis(1.0));
    assert_eq!(
        pixel(&img, bar.x + 8, bar.y + bar.h as i32 - 1),
        viridis(0.0)
    );

    // SVG: a large array is sampled to a bounded number of rectangles
    let big: Vec<f64> = (0..600 * 500).map(|k| ((k % 600) as f64).sin()).collect();
    let file = d.join("big.npy");
    write_npy(&file, DType::F64, false, &[600, 500], &f64_bytes(&big));
    let svg = d.join("big.svg");
    let out = ok(&bin()
        .args(["plot", "--values"])
        .arg(&file)
        .arg("-o")
        .arg(&svg)
        .output()
        .unwrap());
    assert!(out.contains("200 x 167 of 600 x 500 cells drawn"), "{out}");
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.matches("<rect").count() < 200 * 167 + 1000);
    assert!(text.contains("big.npy") && text.contains("axis 1 (columns)"));
}

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
    let out = Command::new("mpiexec")
        .args([
            "-n",
            "3",
            "--oversubscribe",
            env!("CARGO_BIN_EXE_distarray"),
            "convert",
        ])
        .arg(&npy)
        .arg(&set)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_pml", "ob1")
        .env("OMPI_MCA_btl", "self,vader")
        .output()
        .unwrap();
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
    let want = read_values(&npy, "").unwrap();
    let (_, v) = want.clone();
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    assert!(
        out.contains(&format!("values {}", distarray_cli::plot::plan::short(lo))),
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

//! `distarray plot` pictures: the plans (title, legend, ticks, cell
//! numbers, colour range, sizes) of ownership pictures and heatmaps, and
//! one real render per mode and format read back (PNG pixels, SVG text).

mod plot_support;

use distarray::DType;
use distarray_cli::plot::colour::{rank_colour, viridis, Rgb, NAN};
use distarray_cli::plot::geometry::MAX_EXTENT;
use distarray_cli::plot::plan::Plan;
use distarray_cli::plot::render::{render, Format};
use distarray_cli::plot::values::plane;
use distarray_cli::plot::{heatmap, ownership, values_plan, Args};
use plot_support::{bin, case, f64_bytes, ok, scratch, write_npy};
use std::path::Path;

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
fn bad_grids_and_pathless_sets_are_errors_not_panics() {
    let err = ownership::from_spec("8x10", Some("b,b"), Some("0x2")).unwrap_err();
    assert!(err.contains("at least 1"), "{err}");
    let out = std::env::temp_dir().join(format!(
        "distarray-plot-pathless-{}.svg",
        std::process::id()
    ));
    for values in [false, true] {
        let args = distarray_cli::plot::Args {
            files: vec!["..".into()],
            output: out.clone(),
            shape: None,
            dist: None,
            grid: None,
            values,
            slice: None,
            dataset: "data".into(),
        };
        let err = distarray_cli::plot::run(&args).unwrap_err();
        assert!(err.contains(".."), "{err}");
        assert!(!out.exists(), "no picture for a bad input");
    }
}

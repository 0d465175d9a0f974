//! `distarray plot`: pictures of distributed arrays, as PNG or SVG.
//!
//! - Ownership (the default): which rank owns which cell of a 1-D or 2-D
//!   array, from a `.dnpy` set or from `--shape`/`--dist`/`--grid`; each
//!   cell in its owner's colour with the owner's number inside when it
//!   fits, a legend listing every rank (with its grid coordinates), ticks
//!   with row and column indices, and a title naming shape, distribution
//!   and grid.
//! - `--values`: the data of a 2-D array, or of the 2-D slice
//!   `--slice AXIS=INDEX` of a 3-D one, as a viridis heatmap with a colour
//!   bar labelled with the smallest and largest finite values; NaN cells
//!   are grey and excluded from the range. Any element type: booleans are
//!   0/1, complex numbers their magnitude.
//!
//! Each picture is first a [`plan::Plan`] (what to draw where, plain data)
//! and then drawn ([`render`]). A grid is at most 720 pixels along an axis;
//! cells shrink to fit (at most 40 pixels, at least 1) and numbers inside
//! cells vanish when they do not fit; beyond 720 cells (200 in SVG) an axis
//! is sampled, and the subtitle says so.

pub mod colour;
pub mod font;
pub mod geometry;
pub mod heatmap;
pub mod ownership;
pub mod plan;
pub mod render;
pub mod values;

use crate::{dnpy_prefix, kind_of, Kind};
use plan::Plan;
use render::Format;
use std::path::{Path, PathBuf};

/// The command line of `distarray plot`.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// A .dnpy set (prefix or files); with `values`, an .npy or .h5 file too.
    pub files: Vec<PathBuf>,
    /// The picture (.png or .svg).
    pub output: PathBuf,
    /// `--shape 8x10` (ownership without a set).
    pub shape: Option<String>,
    /// `--dist b,c`.
    pub dist: Option<String>,
    /// `--grid 2x2`.
    pub grid: Option<String>,
    /// `--values`: draw the data.
    pub values: bool,
    /// `--slice AXIS=INDEX` for a 3-D array's values.
    pub slice: Option<String>,
    /// `--dataset` of an HDF5 file.
    pub dataset: String,
}

/// Draws the picture `args` ask for and says what it drew.
pub fn run(args: &Args) -> Result<(), String> {
    let format = Format::of(&args.output)?;
    let plan = if args.values {
        values_plan(args, format)?
    } else {
        ownership_plan(args, format)?
    };
    render::render(&plan, &args.output, format)?;
    let sub = plan.subtitle.as_ref().map_or("", |s| s.text.as_str());
    println!(
        "{}: {}; {sub}; {} x {} pixels",
        args.output.display(),
        plan.title.text,
        plan.width,
        plan.height
    );
    Ok(())
}

/// The plan of an ownership picture.
pub fn ownership_plan(args: &Args, format: Format) -> Result<Plan, String> {
    if args.slice.is_some() {
        return Err("--slice goes with --values".into());
    }
    let owners = if args.files.is_empty() {
        ownership::from_spec(
            args.shape
                .as_deref()
                .ok_or("plot needs a .dnpy set or --shape")?,
            args.dist.as_deref(),
            args.grid.as_deref(),
        )?
    } else {
        ownership::from_set(&set_prefix(&args.files)?)?
    };
    if owners.cells.is_empty() {
        return Err(format!(
            "nothing to draw: the array is empty (shape {:?})",
            owners.shape
        ));
    }
    Ok(ownership::plan(&owners, format.max_drawn()))
}

/// The plan of a heatmap (`--values`).
pub fn values_plan(args: &Args, format: Format) -> Result<Plan, String> {
    if args.shape.is_some() || args.dist.is_some() || args.grid.is_some() {
        return Err(
            "--values draws a file's data; --shape, --dist and --grid are for ownership pictures"
                .into(),
        );
    }
    let first = args
        .files
        .first()
        .ok_or("plot --values needs a file: an .npy file, a .dnpy set or an .h5 file")?;
    let path: PathBuf = match kind_of(first) {
        Kind::Dnpy => set_prefix(&args.files)?,
        _ if args.files.len() > 1 => {
            return Err(format!(
                "plot --values draws one file ({} given)",
                args.files.len()
            ))
        }
        _ => first.clone(),
    };
    let mut name = name_of(&path);
    if kind_of(&path) == Kind::Hdf5 {
        name = format!("{name}:{}", args.dataset);
    }
    let (shape, data) = values::read_values(&path, &args.dataset)?;
    let plane = values::plane(&name, &shape, &data, args.slice.as_deref())?;
    if plane.values.is_empty() {
        return Err(format!(
            "{name}: nothing to draw: the plane is empty (shape {shape:?})"
        ));
    }
    Ok(heatmap::plan(&name, &shape, &plane, format.max_drawn()))
}

/// The file name a title shows.
fn name_of(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A `.dnpy` set's prefix from the files named, or an error saying why not
/// (no file, or a path with no file name such as `..`).
fn set_prefix(files: &[PathBuf]) -> Result<PathBuf, String> {
    dnpy_prefix(files).ok_or_else(|| match files.first() {
        None => "plot needs a .dnpy set (its prefix or files) or --shape".to_string(),
        Some(f) => format!("{}: not a file or a set's prefix", f.display()),
    })
}

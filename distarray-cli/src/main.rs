//! `distarray`: look at, convert and picture distributed array files.
//!
//! ```text
//! distarray info run/u                 # a .dnpy set (u_0.dnpy, u_1.dnpy, ...)
//! distarray info a.npy --json
//! distarray info out.h5                # its only dataset (or --dataset results/u)
//! distarray convert run/u u.npy        # any direction between .dnpy sets, .npy, .h5
//! mpiexec -n 4 distarray convert big.npy big.h5 --dataset u
//! distarray plot run/u -o u.png        # which rank owns which cell
//! distarray plot --shape 8x10 --dist b,c --grid 2x2 -o layout.svg
//! ```
//!
//! `info` and `plot` read headers only and need no MPI; `convert` runs on
//! one process or under mpiexec (a set written by N ranks converts on any
//! number of ranks). Invalid or corrupt input exits with status 1 and a
//! message naming the file and the broken rule.

mod convert;
mod info;
mod plot;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "distarray",
    version,
    about = "Inspect, convert and picture distributed array files (.dnpy sets, .npy, HDF5)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Shape, dtype, distribution and each rank's DAP dim_data of a .dnpy set, or an .npy/HDF5 file's metadata.
    Info {
        /// A .dnpy set (its prefix, or its files), an .npy file, or an HDF5 file.
        files: Vec<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// HDF5 dataset name (default: the file's only dataset).
        #[arg(long)]
        dataset: Option<String>,
    },
    /// Convert between .dnpy sets, .npy and HDF5 (by extension: .npy, .h5/.hdf5, otherwise a .dnpy prefix).
    Convert {
        /// Input (a .dnpy set's prefix or files, .npy, or .h5), then the output.
        #[arg(num_args = 2.., required = true)]
        paths: Vec<PathBuf>,
        /// HDF5 dataset name, of the input (default: its only dataset) and of
        /// the output (default: data).
        #[arg(long)]
        dataset: Option<String>,
        /// Element order of an .npy output.
        #[arg(long, default_value = "c")]
        order: String,
    },
    /// Draw which rank owns which cell (1-D and 2-D), as PNG or SVG.
    Plot {
        /// A .dnpy set (prefix or files); or use --shape/--dist/--grid.
        files: Vec<PathBuf>,
        /// Output picture (.png or .svg).
        #[arg(short, long)]
        output: PathBuf,
        /// Global shape, e.g. 8x10 (instead of files).
        #[arg(long)]
        shape: Option<String>,
        /// Distribution per axis: b, c, bcN (block-cyclic with block N), n.
        #[arg(long)]
        dist: Option<String>,
        /// Process grid, e.g. 2x2.
        #[arg(long)]
        grid: Option<String>,
    },
}

/// A .dnpy set's prefix from a prefix or a list of its files.
pub(crate) fn dnpy_prefix(files: &[PathBuf]) -> Option<PathBuf> {
    let first = files.first()?;
    let name = first.file_name()?.to_string_lossy().into_owned();
    match name.strip_suffix(".dnpy").and_then(|s| s.rsplit_once('_')) {
        Some((stem, n)) if n.chars().all(|c| c.is_ascii_digit()) => {
            Some(first.with_file_name(stem))
        }
        _ => Some(first.clone()),
    }
}

/// What the input holds (by content): the dataset `dataset` of an HDF5
/// file when one is named, else what `io::open` finds. Headers only.
pub(crate) fn open_input(
    path: &std::path::Path,
    dataset: Option<&str>,
) -> distarray::Result<distarray::io::FileInfo> {
    match dataset {
        Some(d) if distarray::io::is_hdf5(path) => distarray::io::open_hdf5(path, d),
        _ => distarray::io::open(path),
    }
}

/// What an output path is to be, by its name.
pub(crate) enum Kind {
    Npy,
    Hdf5,
    Dnpy,
}

pub(crate) fn kind_of(path: &std::path::Path) -> Kind {
    match path.extension().and_then(|e| e.to_str()) {
        Some("npy") => Kind::Npy,
        Some("h5") | Some("hdf5") => Kind::Hdf5,
        _ => Kind::Dnpy,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info {
            files,
            json,
            dataset,
        } => info::run(&files, json, dataset.as_deref()),
        Command::Convert {
            mut paths,
            dataset,
            order,
        } => {
            let out = paths.pop().expect("clap requires two paths");
            convert::run(&paths, &out, dataset.as_deref(), &order)
        }
        Command::Plot {
            files,
            output,
            shape,
            dist,
            grid,
        } => plot::run(
            &files,
            &output,
            shape.as_deref(),
            dist.as_deref(),
            grid.as_deref(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("distarray: {message}");
            ExitCode::from(1)
        }
    }
}

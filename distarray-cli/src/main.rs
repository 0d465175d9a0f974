//! `distarray`: look at, convert and picture distributed array files.
//!
//! ```text
//! distarray info run/u                 # a .dnpy set (u_0.dnpy, u_1.dnpy, ...)
//! distarray info a.npy --json
//! distarray info out.h5                # its only dataset (or --dataset results/u)
//! distarray convert run/u u.npy        # any direction between .dnpy sets, .npy, .h5
//! distarray info solution.petsc        # a PETSc binary file (VecView/MatView output)
//! distarray convert x.petsc x.npy      # a PETSc Vec to .npy; u.npy u.petsc the other way
//! mpiexec -n 4 distarray convert big.npy big.h5 --dataset u
//! distarray plot run/u -o u.png        # which rank owns which cell
//! distarray plot --shape 8x10 --dist b,c --grid 2x2 -o layout.svg
//! distarray plot --values target/demo/poisson.npy -o u.png   # the data
//! distarray plot --values run/t.npy --slice 0=3 -o t3.png    # t[3, :, :]
//! ```
//!
//! `info` and `plot` need no MPI (`plot --values` of an HDF5 file starts
//! it on one process); `convert` runs on one process or under mpiexec (a
//! set written by N ranks converts on any number of ranks). Invalid or
//! corrupt input exits with status 1 and a message naming the file and
//! the broken rule.

mod convert;
mod info;
#[cfg(feature = "zarr")]
mod ooc_convert;

use clap::{Parser, Subcommand};
use distarray_cli::plot;
pub(crate) use distarray_cli::{kind_of, Kind};
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
    /// Shape, dtype, distribution and each rank's DAP dim_data of a .dnpy set, or an .npy/HDF5/PETSc binary file's metadata.
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
    /// Convert between .dnpy sets, .npy, HDF5, Zarr v3 arrays and PETSc binary Vecs (by extension: .npy, .h5/.hdf5, .zarr, .petsc/.bin, otherwise a .dnpy prefix); a PETSc binary Mat to a dense array or a PETSc file.
    Convert {
        /// Input (a .dnpy set's prefix or files, .npy, .h5, or a PETSc binary file), then the output.
        #[arg(num_args = 2.., required = true)]
        paths: Vec<PathBuf>,
        /// HDF5 dataset name, of the input (default: its only dataset) and of
        /// the output (default: data).
        #[arg(long)]
        dataset: Option<String>,
        /// Element order of an .npy output.
        #[arg(long, default_value = "c")]
        order: String,
        /// A PETSc binary output (.petsc, .bin) for a PETSc build with 64-bit indices.
        #[arg(long)]
        int64: bool,
    },
    /// Draw which rank owns which cell (1-D and 2-D), or with --values the data (a heatmap), as PNG or SVG.
    Plot {
        /// A .dnpy set (prefix or files); or use --shape/--dist/--grid. With --values: an .npy file, a .dnpy set or (feature hdf5) an .h5 file.
        files: Vec<PathBuf>,
        /// Output picture (.png or .svg).
        #[arg(short, long)]
        output: PathBuf,
        /// Global shape, e.g. 8x10 (instead of files).
        #[arg(long)]
        shape: Option<String>,
        /// Distribution per axis: b, c, bcN (block-cyclic with block N), n (default: b on every axis).
        #[arg(long)]
        dist: Option<String>,
        /// Process grid, e.g. 2x2.
        #[arg(long)]
        grid: Option<String>,
        /// Draw the values (a viridis heatmap with a colour bar; NaN in grey) of a 2-D array, or of a 2-D slice of a 3-D one.
        #[arg(long)]
        values: bool,
        /// With --values on a 3-D array: the plane drawn, AXIS=INDEX (0=2 draws a[2, :, :], 2=-1 draws a[:, :, -1]).
        #[arg(long, value_name = "AXIS=INDEX")]
        slice: Option<String>,
        /// HDF5 dataset name (--values on an .h5 file).
        #[arg(long, default_value = "data")]
        dataset: String,
    },
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
            int64,
        } => {
            let out = paths.pop().expect("clap requires two paths");
            convert::run(&paths, &out, dataset.as_deref(), &order, int64)
        }
        Command::Plot {
            files,
            output,
            shape,
            dist,
            grid,
            values,
            slice,
            dataset,
        } => plot::run(&plot::Args {
            files,
            output,
            shape,
            dist,
            grid,
            values,
            slice,
            dataset,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("distarray: {message}");
            ExitCode::from(1)
        }
    }
}

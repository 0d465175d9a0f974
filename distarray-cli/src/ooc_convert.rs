//! `distarray convert` between Zarr arrays and HDF5 datasets out of core:
//! chunk by chunk within a budget per rank (`distarray::ooc`: 1 GiB, or
//! four of the input's chunks when they are bigger), so arrays larger than
//! the ranks' memory convert too. A Zarr copy keeps the input's saved
//! layout; an HDF5 dataset written this way records none (a load gives
//! balanced blocks). Other pairs load the whole array in balanced blocks.

use crate::{kind_of, Kind};
use distarray::io::{FileInfo, Format};
use distarray::ooc::{DiskArray, OocOptions};
use distarray::{Comm, DType};
use std::path::Path;

/// Runs `$body` with `$t` the element type of `$dtype`.
macro_rules! with_dtype {
    ($dtype:expr, $t:ident, $body:expr) => {
        match $dtype {
            DType::Bool => {
                type $t = bool;
                $body
            }
            DType::U8 => {
                type $t = u8;
                $body
            }
            DType::I32 => {
                type $t = i32;
                $body
            }
            DType::I64 => {
                type $t = i64;
                $body
            }
            DType::F32 => {
                type $t = f32;
                $body
            }
            DType::F64 => {
                type $t = f64;
                $body
            }
            DType::C64 => {
                type $t = distarray::num_complex::Complex32;
                $body
            }
            DType::C128 => {
                type $t = distarray::num_complex::Complex64;
                $body
            }
        }
    };
}

/// Converts `input` to `output` out of core when both are Zarr arrays or
/// HDF5 datasets (not both HDF5) and the build has what they need; `None`
/// otherwise. Collective.
pub(crate) fn convert(
    comm: &Comm,
    input: &Path,
    info: &FileInfo,
    output: &Path,
    dataset: Option<&str>,
) -> Option<distarray::Result<()>> {
    // 1 GiB per rank, or room for four of the input's chunks when they are
    // bigger (the whole array in memory would take more still)
    let itemsize = info.dtype.itemsize();
    let chunk_bytes = match &info.format {
        Format::Zarr {
            chunk_shape: Some(c),
        } => c.iter().product::<usize>() * itemsize,
        _ => 0,
    };
    let options = OocOptions {
        budget: OocOptions::default().budget.max(4 * chunk_bytes),
        ..OocOptions::default()
    };
    match (&info.format, kind_of(output)) {
        (
            Format::Zarr {
                chunk_shape: Some(_),
            },
            Kind::Zarr,
        ) => Some(with_dtype!(info.dtype, T, {
            DiskArray::<T>::open(comm, input)
                .and_then(|d| d.rechunk_to(output, &options).map(|_| ()))
        })),
        #[cfg(feature = "hdf5")]
        (
            Format::Zarr {
                chunk_shape: Some(_),
            },
            Kind::Hdf5,
        ) => Some(with_dtype!(info.dtype, T, {
            DiskArray::<T>::open(comm, input)
                .and_then(|d| d.to_hdf5(output, dataset.unwrap_or("data"), None))
        })),
        #[cfg(feature = "hdf5")]
        (Format::Hdf5 { dataset: name }, Kind::Zarr) => Some(with_dtype!(info.dtype, T, {
            DiskArray::<T>::from_hdf5(comm, input, name, output, &options).map(|_| ())
        })),
        _ => {
            let _ = dataset;
            None
        }
    }
}

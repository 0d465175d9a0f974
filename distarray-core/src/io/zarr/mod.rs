//! Zarr v3 arrays (feature `zarr`, through the `zarrs` crate): one array
//! directory that zarr-python and Dask (`da.from_zarr`) read, written and read in
//! parallel, each rank the chunks it owns.
//!
//! - [`DistArrayBase::save_zarr`](crate::DistArrayBase::save_zarr):
//!   collective. The chunk shape comes from the layout (each rank's block,
//!   or the largest regular chunk that divides every rank's block; for
//!   cyclic, padded or unstructured layouts the cells first move to a block
//!   layout whose blocks are whole chunks) or is given
//!   ([`ZarrOptions::chunk_shape`]); either way every chunk has exactly one
//!   writer, the cells of a chunk that several ranks hold reaching it
//!   through one redistribution plan (never a read-modify-write). Every
//!   rank writes its chunks into a temporary directory, then rank 0 writes
//!   the metadata (`zarr.json`) last and renames the directory: a store
//!   that looks complete is complete.
//! - [`DistArray::load_zarr`](crate::DistArray::load_zarr) into any layout
//!   (each rank reads the part of the chunks that overlaps its block,
//!   whatever the store's chunk shape; missing chunks read as the fill
//!   value), [`DistArray::load_zarr_into`](crate::DistArray::load_zarr_into)
//!   into an existing array,
//!   [`DistArray::load_zarr_saved_layout`](crate::DistArray::load_zarr_saved_layout)
//!   into the layout it was saved from.
//! - The layout is stored in the array's attributes under
//!   `distarray_layout`: the ranks' dimension dictionaries of the
//!   Distributed Array Protocol (`{"ranks": p, "dim_data": [...],
//!   "buffer_shapes": [...]}`), so a reload on `p` ranks restores it.
//! - Element types: all of distarray's (`bool`, `uint8`, `int32`, `int64`,
//!   `float32`, `float64`, `complex64`, `complex128`), C order, fill value 0.
//!   Compression: none, zstd or blosc ([`ZarrCompression`]); loads decode
//!   the codecs this build of zarrs has: bytes, zstd, blosc, gzip, crc32c
//!   and sharding (not transpose, zlib, bz2, pcodec or zfp: an error
//!   naming the codec). The axes are named `dim_0`, `dim_1`, ... in the
//!   metadata's `dimension_names` (xarray's names for unnamed axes; it
//!   reads Zarr v3 arrays only with names).
//!
//! [`open`](super::open) recognizes an array directory (its `zarr.json`)
//! without the feature; loading it needs the feature.
//!
//! ```
//! # #[cfg(feature = "zarr")] {
//! use distarray_core::io::{ZarrCompression, ZarrOptions};
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let layout = Layout::new(&comm, &[6, 5], &[Dist::Cyclic, Dist::Block]).unwrap();
//! let a = DistArray::<f64>::random(&layout, 3);
//! let path = std::env::temp_dir().join(format!("distarray-doc-{}.zarr", std::process::id()));
//! let options = ZarrOptions { chunk_shape: Some(vec![2, 5]), compression: ZarrCompression::Zstd { level: 3 } };
//! a.save_zarr(&path, &options).unwrap();          // zarr.open(path) reads it
//! let b = DistArray::<f64>::load_zarr_saved_layout(&comm, &path).unwrap();
//! assert!(b.layout() == a.layout());
//! assert_eq!(b.local(), a.local());
//! let c = DistArray::<f64>::load_zarr(&Layout::block(&comm, &[6, 5]).unwrap(), &path).unwrap();
//! assert_eq!(c.gather_all().unwrap(), a.gather_all().unwrap());
//! # }
//! ```

#[cfg(feature = "zarr")]
pub(crate) mod chunks;
#[cfg(feature = "zarr")]
pub(crate) mod load;
pub(crate) mod meta;
#[cfg(feature = "zarr")]
pub(crate) mod save;

#[cfg(feature = "zarr")]
pub use chunks::default_chunk_shape;
pub(super) use meta::read_zarr_json;
pub use meta::{is_zarr_array, ZARR_LAYOUT_ATTRIBUTE};

/// How `DistArrayBase::save_zarr` (feature `zarr`) writes an array.
///
/// # Examples
///
/// ```
/// use distarray_core::io::{ZarrCompression, ZarrOptions};
/// let o = ZarrOptions::default();
/// assert_eq!((o.chunk_shape, o.compression), (None, ZarrCompression::None));
/// let z = ZarrOptions { chunk_shape: Some(vec![64, 64]), compression: ZarrCompression::Zstd { level: 3 } };
/// assert_eq!(z.chunk_shape.unwrap(), [64, 64]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZarrOptions {
    /// The chunk shape (one positive length per axis); `None`: chosen from
    /// the layout (`io::default_chunk_shape`, feature `zarr`).
    pub chunk_shape: Option<Vec<usize>>,
    /// The compression of each chunk.
    pub compression: ZarrCompression,
}

/// The compression of a Zarr array's chunks.
///
/// # Examples
///
/// ```
/// use distarray_core::io::ZarrCompression;
/// let c = ZarrCompression::Blosc { compressor: "lz4".into(), level: 5, shuffle: true };
/// assert_ne!(c, ZarrCompression::None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ZarrCompression {
    /// Raw little-endian bytes (the `bytes` codec only).
    #[default]
    None,
    /// The `zstd` codec at `level` (1..=22; negative levels are faster).
    Zstd {
        /// zstd's compression level.
        level: i32,
    },
    /// The `blosc` codec (c-blosc, built from source with the `zarr`
    /// feature).
    Blosc {
        /// `blosclz`, `lz4`, `lz4hc`, `snappy`, `zlib` or `zstd`.
        compressor: String,
        /// 0..=9.
        level: u8,
        /// Byte shuffle by element size before compressing.
        shuffle: bool,
    },
}

impl ZarrCompression {
    /// Words that name the compression, for the agreement that every rank
    /// passed the same.
    #[cfg(feature = "zarr")]
    pub(crate) fn words(&self) -> Vec<u64> {
        match self {
            ZarrCompression::None => vec![0],
            ZarrCompression::Zstd { level } => vec![1, *level as i64 as u64],
            ZarrCompression::Blosc {
                compressor,
                level,
                shuffle,
            } => [2, u64::from(*level), u64::from(*shuffle)]
                .into_iter()
                .chain(compressor.bytes().map(u64::from))
                .collect(),
        }
    }
}

/// Element types a Zarr v3 array stores (all of distarray's).
#[cfg(feature = "zarr")]
pub trait ZarrElement: crate::dtype::Element + zarrs::array::ElementOwned {}
#[cfg(feature = "zarr")]
impl ZarrElement for bool {}
#[cfg(feature = "zarr")]
impl ZarrElement for u8 {}
#[cfg(feature = "zarr")]
impl ZarrElement for i32 {}
#[cfg(feature = "zarr")]
impl ZarrElement for i64 {}
#[cfg(feature = "zarr")]
impl ZarrElement for f32 {}
#[cfg(feature = "zarr")]
impl ZarrElement for f64 {}
#[cfg(feature = "zarr")]
impl ZarrElement for num_complex::Complex32 {}
#[cfg(feature = "zarr")]
impl ZarrElement for num_complex::Complex64 {}

#[cfg(feature = "zarr")]
pub(crate) fn zarr_err(path: &std::path::Path, e: impl std::fmt::Display) -> crate::error::Error {
    super::io_err(path, format!("Zarr: {e}"))
}

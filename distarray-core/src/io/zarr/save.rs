//! The parallel save: each rank writes whole chunks of its block of a
//! layout whose blocks are runs of chunks; rank 0 writes `zarr.json` last
//! and renames the temporary directory.

use super::chunks::{aligned, chunk_blocks, default_chunk_shape};
use super::ZARR_LAYOUT_ATTRIBUTE;
use super::{is_zarr_array, zarr_err, ZarrCompression, ZarrElement, ZarrOptions};
use crate::array::DistArrayBase;
use crate::comm::{fingerprint, Comm};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::io::{io_err, path_words, temp_path};
use crate::layout::Layout;
use ndarray::{ArrayD, ArrayViewD, Data, IxDyn, Slice};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use zarrs::array::codec::{
    BloscCodec, BloscCompressionLevel, BloscCompressor, BloscShuffleMode, ZstdCodec,
};
use zarrs::array::{Array, ArrayBuilder, DataType, FillValue};
use zarrs::filesystem::FilesystemStore;

/// zarrs' name of an element type.
pub(crate) fn data_type(d: DType) -> DataType {
    match d {
        DType::Bool => DataType::Bool,
        DType::U8 => DataType::UInt8,
        DType::I32 => DataType::Int32,
        DType::I64 => DataType::Int64,
        DType::F32 => DataType::Float32,
        DType::F64 => DataType::Float64,
        DType::C64 => DataType::Complex64,
        DType::C128 => DataType::Complex128,
    }
}

/// The bytes-to-bytes codecs of a compression.
fn codecs(
    c: &ZarrCompression,
    itemsize: usize,
) -> Result<Vec<Arc<dyn zarrs::array::codec::BytesToBytesCodecTraits>>> {
    let bad = |e: String| Error::InvalidArgument(format!("save_zarr: {e}"));
    Ok(match c {
        ZarrCompression::None => vec![],
        ZarrCompression::Zstd { level } => vec![Arc::new(ZstdCodec::new(*level, false))],
        ZarrCompression::Blosc {
            compressor,
            level,
            shuffle,
        } => {
            let cname = match compressor.to_ascii_lowercase().as_str() {
                "blosclz" => BloscCompressor::BloscLZ,
                "lz4" => BloscCompressor::LZ4,
                "lz4hc" => BloscCompressor::LZ4HC,
                "snappy" => BloscCompressor::Snappy,
                "zlib" => BloscCompressor::Zlib,
                "zstd" => BloscCompressor::Zstd,
                other => return Err(bad(format!("unknown blosc compressor {other:?}"))),
            };
            let clevel = BloscCompressionLevel::try_from(*level)
                .map_err(|_| bad(format!("blosc level {level} is not in 0..=9")))?;
            let shuffle = if *shuffle {
                BloscShuffleMode::Shuffle
            } else {
                BloscShuffleMode::NoShuffle
            };
            let codec = BloscCodec::new(cname, clevel, None, shuffle, Some(itemsize))
                .map_err(|e| bad(e.to_string()))?;
            vec![Arc::new(codec)]
        }
    })
}

/// The layout attribute: every rank's dimension dictionaries and buffer
/// shape (gathered; collective).
fn layout_attribute<T: ZarrElement, S: Data<Elem = T>>(a: &DistArrayBase<S>) -> Value {
    let layout = a.layout();
    // an unstructured axis would store every global index (as big as the
    // array): such layouts are not recorded (a reload gives blocks)
    let unstructured = layout
        .maps()
        .iter()
        .any(|m| matches!(m, crate::map::AxisMap::Unstructured(_)));
    if unstructured {
        return Value::Null;
    }
    let mine =
        json!({"dim_data": a.to_dap().dim_data_json(), "buffer_shape": layout.local_shape()});
    let all = layout
        .comm()
        .all_gather_bytes(&serde_json::to_vec(&mine).expect("JSON serializes"));
    let ranks: Vec<Value> = all
        .iter()
        .map(|b| serde_json::from_slice(b).expect("ranks send valid JSON"))
        .collect();
    json!({
        "ranks": ranks.len(),
        "dim_data": ranks.iter().map(|r| r["dim_data"].clone()).collect::<Vec<_>>(),
        "buffer_shapes": ranks.iter().map(|r| r["buffer_shape"].clone()).collect::<Vec<_>>(),
    })
}

/// Checks what can be checked before anything is written: the chunk shape
/// and codecs, and that `path` is free or a Zarr array (rank 0 looks).
fn check_arguments(
    layout: &Layout,
    path: &Path,
    chunks: &[usize],
    options: &ZarrOptions,
    itemsize: usize,
) -> Result<()> {
    if layout.ndim() == 0 {
        return Err(Error::InvalidArgument(
            "save_zarr: 0-d arrays are not supported".into(),
        ));
    }
    if path.file_name().is_none() {
        return Err(io_err(
            path,
            "names no array (a path ending in `..` or `/`): give the array's own name",
        ));
    }
    let chunk_bytes = chunks
        .iter()
        .try_fold(itemsize.max(1), |b, &c| b.checked_mul(c));
    if chunk_bytes.is_none_or(|b| b > isize::MAX as usize) {
        return Err(Error::InvalidArgument(format!(
            "save_zarr: a chunk of shape {chunks:?} does not fit in memory"
        )));
    }
    if chunks.len() != layout.ndim() || chunks.contains(&0) {
        return Err(Error::InvalidArgument(format!(
            "save_zarr: chunk shape {chunks:?} for a {}-d array needs one positive length per axis",
            layout.ndim()
        )));
    }
    codecs(&options.compression, itemsize)?;
    if layout.comm().rank() == 0 && path.exists() && !is_zarr_array(path) {
        return Err(io_err(
            path,
            "exists and is not a Zarr array: save_zarr replaces only a Zarr array",
        ));
    }
    Ok(())
}

impl<T: ZarrElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Saves the array as a Zarr v3 array directory at `path` (replacing a
    /// Zarr array there), each rank writing the chunks it owns.
    /// Collective; every rank must pass the same path and options.
    ///
    /// The chunk shape is `options.chunk_shape`, or
    /// [`crate::io::default_chunk_shape`]. When some
    /// chunk would hold cells of several ranks (cyclic, padded or
    /// unstructured axes, or a chunk shape that cuts across blocks), one
    /// redistribution first moves the cells to a block layout whose blocks
    /// are runs of whole chunks. Chunks are written into
    /// `<path>.distarray-tmp`; when every rank succeeded, rank 0 writes
    /// `zarr.json` and renames the directory. The layout is recorded in the
    /// attribute `distarray_layout`
    /// ([`crate::io::ZARR_LAYOUT_ATTRIBUTE`]), except a layout with an
    /// unstructured axis (its global indices would make the metadata as
    /// big as the array; a reload gives balanced blocks).
    ///
    /// A chunk length beyond the array's length along an axis is clamped
    /// to it. The old array at `path`, if any, is set aside, the new one
    /// renamed in, then the old one removed: an interrupted or failed save
    /// leaves one complete array.
    ///
    /// Errors (on every rank alike): 0-d arrays, a chunk shape of the wrong
    /// length or with a zero, unknown blosc parameters, `path` taken by
    /// something other than a Zarr array or naming no array (`.`), I/O
    /// errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "zarr")] {
    /// use distarray_core::io::{self, ZarrOptions};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::new(&comm, &[8, 3], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let a = DistArray::<i32>::from_fn(&layout, |ix| (ix[0] * 3 + ix[1]) as i32);
    /// let path = std::env::temp_dir().join(format!("distarray-doc-save-{}.zarr", std::process::id()));
    /// a.save_zarr(&path, &ZarrOptions::default()).unwrap();
    /// assert!(io::is_zarr_array(&path));
    /// let info = io::open(&path).unwrap();
    /// assert_eq!(info.shape, [8, 3]);
    /// # }
    /// ```
    pub fn save_zarr(&self, path: impl AsRef<Path>, options: &ZarrOptions) -> Result<()> {
        let path = path.as_ref();
        let layout = self.layout();
        let comm = layout.comm();
        let itemsize = std::mem::size_of::<T>();
        // a chunk longer than the array along an axis holds no more than
        // the array: clamped (the fingerprint below sees what was asked)
        let asked = options
            .chunk_shape
            .clone()
            .unwrap_or_else(|| default_chunk_shape(layout, itemsize));
        let chunks: Vec<usize> = asked
            .iter()
            .zip(layout.shape().iter().chain(std::iter::repeat(&0)))
            .map(|(&c, &n)| c.min(n.max(1)))
            .collect();
        let args = fingerprint(
            path_words(path, "")
                .chain(asked.iter().map(|&c| c as u64 | 1 << 63))
                .chain(options.compression.words())
                .chain([layout.fingerprint()]),
        );
        let verdict = check_arguments(layout, path, &chunks, options, itemsize);
        comm.agree_on("save_zarr (path, chunk shape, compression)", args, verdict)?;
        let attribute = layout_attribute(self);
        let moved;
        let (writer, local) = if aligned(layout, &chunks) {
            (layout.clone(), self.local())
        } else {
            let w = chunk_blocks(layout, &chunks)?;
            moved = self.redistribute(&w)?;
            (w, moved.local())
        };
        let tmp = begin_store(comm, path)?;
        let mut attributes = serde_json::Map::new();
        if !attribute.is_null() {
            attributes.insert(ZARR_LAYOUT_ATTRIBUTE.to_string(), attribute);
        }
        let spec = ArraySpec {
            shape: layout.shape(),
            chunks: &chunks,
            dtype: T::DTYPE,
            compression: &options.compression,
            attributes,
        };
        let built = build_array(&tmp, path, &spec);
        let written = built.and_then(|array| {
            let store = Store {
                array: &array,
                dir: &tmp,
                path,
                raw: options.compression == ZarrCompression::None,
            };
            let keys = write_chunks(&store, &writer, local, &chunks)?;
            sync_chunks(&array, &tmp, &keys)?;
            Ok(array)
        });
        end_store(comm, &tmp, path, written)
    }
}

/// What a new Zarr array is: shape, chunk shape, element type, codecs and
/// attributes.
pub(crate) struct ArraySpec<'a> {
    pub shape: &'a [usize],
    pub chunks: &'a [usize],
    pub dtype: DType,
    pub compression: &'a ZarrCompression,
    pub attributes: serde_json::Map<String, Value>,
}

/// The start of writing a new array at `path`: rank 0 makes an empty
/// temporary directory beside it (`<path>.distarray-tmp`), which every rank
/// gets. Collective.
pub(crate) fn begin_store(comm: &Comm, path: &Path) -> Result<PathBuf> {
    let tmp = temp_path(path);
    let fresh = if comm.rank() == 0 {
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| io_err(&tmp, e))
    } else {
        Ok(())
    };
    comm.agree(fresh)?;
    Ok(tmp)
}

/// The array object over the temporary directory `tmp` (nothing stored
/// yet: chunks first, the metadata last); errors name `path`.
pub(crate) fn build_array(
    tmp: &Path,
    path: &Path,
    spec: &ArraySpec<'_>,
) -> Result<Array<FilesystemStore>> {
    let itemsize = spec.dtype.itemsize();
    let store = Arc::new(FilesystemStore::new(tmp).map_err(|e| zarr_err(path, e))?);
    let shape: Vec<u64> = spec.shape.iter().map(|&n| n as u64).collect();
    let chunk_shape: Vec<u64> = spec.chunks.iter().map(|&c| c as u64).collect();
    let mut builder = ArrayBuilder::new(
        shape,
        chunk_shape.as_slice(),
        data_type(spec.dtype),
        FillValue::new(vec![0u8; itemsize]),
    );
    builder.bytes_to_bytes_codecs(codecs(spec.compression, itemsize)?);
    // xarray's names for unnamed axes (it reads v3 arrays only with names)
    builder.dimension_names(Some((0..spec.shape.len()).map(|a| format!("dim_{a}"))));
    if !spec.attributes.is_empty() {
        builder.attributes(spec.attributes.clone());
    }
    builder.build(store, "/").map_err(|e| zarr_err(path, e))
}

/// The end of writing a new array: when every rank's part is `written`,
/// rank 0 writes the metadata last and renames the temporary directory to
/// `path` (the old array there set aside until then); otherwise the
/// temporary directory is removed and the error is every rank's.
/// Collective.
pub(crate) fn end_store(
    comm: &Comm,
    tmp: &Path,
    path: &Path,
    written: Result<Array<FilesystemStore>>,
) -> Result<()> {
    let array = match comm.agree(written) {
        Ok(a) => a,
        Err(e) => {
            if comm.rank() == 0 {
                let _ = std::fs::remove_dir_all(tmp);
            }
            return Err(e);
        }
    };
    // every chunk is there: the metadata last, then the name
    let committed = if comm.rank() == 0 {
        commit(&array, tmp, path)
    } else {
        Ok(())
    };
    comm.agree(committed)
}

/// Rank 0's end of a save: `zarr.json`, then the temporary directory
/// renamed over the old array, if any.
fn commit(array: &Array<FilesystemStore>, tmp: &Path, path: &Path) -> Result<()> {
    let done = (|| {
        array.store_metadata().map_err(|e| zarr_err(path, e))?;
        let meta = tmp.join("zarr.json");
        std::fs::File::open(&meta)
            .and_then(|f| f.sync_data())
            .map_err(|e| io_err(&meta, e))?;
        // the old array set aside, the new one renamed in, then the old
        // one removed: a failure at any step leaves one complete array
        let mut aside = tmp.as_os_str().to_os_string();
        aside.push("-old");
        let aside = PathBuf::from(aside);
        let had_old = path.exists();
        if had_old {
            std::fs::rename(path, &aside).map_err(|e| io_err(path, e))?;
        }
        if let Err(e) = std::fs::rename(tmp, path) {
            if had_old {
                let _ = std::fs::rename(&aside, path);
            }
            return Err(io_err(path, e));
        }
        if had_old {
            std::fs::remove_dir_all(&aside).map_err(|e| io_err(&aside, e))?;
        }
        Ok(())
    })();
    if done.is_err() && tmp.exists() {
        let _ = std::fs::remove_dir_all(tmp);
    }
    done
}

/// Flushes the chunk files this rank wrote to the disk (as `save_npy`
/// does its file) before the metadata says the array is complete. A chunk
/// all fill value is not written, so its file may be absent.
pub(crate) fn sync_chunks(
    array: &Array<FilesystemStore>,
    dir: &Path,
    keys: &[Vec<u64>],
) -> Result<()> {
    for key in keys {
        let file = dir.join(array.chunk_key(key).as_str());
        match std::fs::File::open(&file) {
            Ok(f) => f.sync_data().map_err(|e| io_err(&file, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&file, e)),
        }
    }
    Ok(())
}

/// Where chunks go: the array (its codecs), the temporary directory it
/// is written in, the path errors name, and whether chunks are stored raw.
pub(crate) struct Store<'a> {
    pub array: &'a Array<FilesystemStore>,
    pub dir: &'a Path,
    pub path: &'a Path,
    pub raw: bool,
}

impl Store<'_> {
    /// Stores one chunk: uncompressed, its bytes straight from the array
    /// into the chunk's file (what the `bytes` codec alone stores, with no
    /// copy); otherwise encoded by zarrs.
    pub(crate) fn chunk<T: ZarrElement>(&self, key: &[u64], data: &[T]) -> Result<()> {
        if !self.raw {
            return self
                .array
                .store_chunk_elements(key, data)
                .map_err(|e| zarr_err(self.path, e));
        }
        let file = self.dir.join(self.array.chunk_key(key).as_str());
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_err(parent, e))?;
        }
        std::fs::write(&file, T::le_bytes(data)).map_err(|e| io_err(&file, e))
    }
}

/// Writes the chunks of this rank's block of `writer` (whose blocks are
/// runs of whole chunks) and gives their indices. Edge chunks are padded
/// with the fill value to the full chunk shape, as Zarr stores them.
fn write_chunks<T: ZarrElement>(
    store: &Store<'_>,
    writer: &Layout,
    local: ArrayViewD<'_, T>,
    chunks: &[usize],
) -> Result<Vec<Vec<u64>>> {
    let mut keys = Vec::new();
    if writer.local_len() == 0 {
        return Ok(keys);
    }
    let shape = writer.shape();
    let start: Vec<usize> = (0..writer.ndim())
        .map(|a| writer.first_global_index(a).unwrap_or(0))
        .collect();
    let first: Vec<usize> = start.iter().zip(chunks).map(|(&s, &c)| s / c).collect();
    let counts: Vec<usize> = (0..writer.ndim())
        .map(|a| (start[a] + writer.local_shape()[a]).div_ceil(chunks[a]) - first[a])
        .collect();
    for k in ndarray::indices(IxDyn(&counts)) {
        let index: Vec<usize> = (0..counts.len()).map(|a| first[a] + k[a]).collect();
        let range = |a: usize| {
            let lo = index[a] * chunks[a];
            (lo - start[a], (lo + chunks[a]).min(shape[a]) - start[a])
        };
        let view = local.slice_each_axis(|ax| {
            let (lo, hi) = range(ax.axis.index());
            Slice::from(lo..hi)
        });
        let key: Vec<u64> = index.iter().map(|&i| i as u64).collect();
        if view.shape() == chunks {
            let data = view.as_standard_layout();
            store.chunk(&key, data.as_slice().expect("standard layout"))?;
        } else {
            let mut full = ArrayD::from_elem(IxDyn(chunks), T::default());
            full.slice_each_axis_mut(|ax| Slice::from(0..view.shape()[ax.axis.index()]))
                .assign(&view);
            store.chunk(&key, full.as_slice().expect("standard layout"))?;
        }
        keys.push(key);
    }
    Ok(keys)
}

/// Used by the loader: a Comm-independent check that the store at `path`
/// opens with zarrs (codecs it knows).
pub(crate) fn open_array(path: &Path) -> Result<Array<FilesystemStore>> {
    let store = Arc::new(FilesystemStore::new(path).map_err(|e| zarr_err(path, e))?);
    Array::open(store, "/").map_err(|e| zarr_err(path, e))
}

/// Agrees that every rank passed the same path (and layout).
pub(crate) fn same_arguments(
    comm: &Comm,
    what: &str,
    path: &Path,
    layout: Option<&Layout>,
) -> Result<()> {
    let args = fingerprint(path_words(path, "").chain(layout.map(Layout::fingerprint)));
    comm.agree_on(what, args, Ok(()))
}

//! The parallel load: each rank reads the part of the store's chunks that
//! overlaps its block (zarrs decodes only the chunks it needs), then one
//! plan moves the cells when the target layout is not a block layout.

use super::chunks::chunk_blocks;
use super::meta::{read_zarr_json, ZarrJson};
use super::save::{open_array, same_arguments};
use super::{zarr_err, ZarrElement};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::Comm;
use crate::error::{Error, Result};
use crate::io::io_err;
use crate::layout::Layout;
use crate::map::AxisMap;
use crate::protocol::{import_layout, parse_dim_data};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn};
use serde_json::Value;
use std::os::unix::fs::FileExt;
use std::path::Path;
use zarrs::array::Array;
use zarrs::array_subset::ArraySubset;
use zarrs::filesystem::FilesystemStore;

impl<T: ZarrElement> DistArray<T> {
    /// Loads the Zarr v3 array at `path` (a directory holding `zarr.json`)
    /// into `layout`, any distribution on any number of ranks, whatever
    /// the store's chunk shape and codecs; missing chunks read as the fill
    /// value. Collective.
    ///
    /// Errors (on every rank alike): a missing or corrupt store, a Zarr
    /// group rather than an array, another element type
    /// ([`Error::DTypeMismatch`]) or shape ([`Error::ShapeMismatch`]),
    /// codecs zarrs does not know, I/O errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "zarr")] {
    /// use distarray_core::io::ZarrOptions;
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-loadz-{}.zarr", std::process::id()));
    /// let a = DistArray::<f32>::from_fn(&Layout::block(&comm, &[9]).unwrap(), |ix| ix[0] as f32);
    /// a.save_zarr(&path, &ZarrOptions { chunk_shape: Some(vec![4]), ..Default::default() }).unwrap();
    /// let cyclic = Layout::new(&comm, &[9], &[Dist::Cyclic]).unwrap();
    /// let b = DistArray::<f32>::load_zarr(&cyclic, &path).unwrap();
    /// assert_eq!(b.gather_all().unwrap(), a.gather_all().unwrap());
    /// assert!(DistArray::<f64>::load_zarr(&Layout::block(&comm, &[9]).unwrap(), &path).is_err());
    /// # }
    /// ```
    pub fn load_zarr(layout: &Layout, path: impl AsRef<Path>) -> Result<DistArray<T>> {
        let path = path.as_ref();
        let comm = layout.comm();
        same_arguments(comm, "load_zarr (path, layout)", path, Some(layout))?;
        let meta = open_checked::<T>(comm, path)?;
        same_shape(layout, path, &meta)?;
        read_into(layout, path, &meta)
    }

    /// Loads the Zarr v3 array at `path` into this array (its layout, its
    /// buffer: no allocation when the layout's axes are unpadded blocks
    /// made of whole stored chunks and the store is uncompressed, the
    /// chunks then read straight into it; compressed stores and chunks the
    /// blocks cut go through a temporary per block), with the checks
    /// and errors of [`load_zarr`](Self::load_zarr). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "zarr")] {
    /// use distarray_core::io::ZarrOptions;
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::block(&comm, &[10]).unwrap();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-into-{}.zarr", std::process::id()));
    /// DistArray::<f64>::full(&layout, 2.5).save_zarr(&path, &ZarrOptions::default()).unwrap();
    /// let mut b = DistArray::<f64>::zeros(&layout);
    /// b.load_zarr_into(&path).unwrap();
    /// assert!(b.local().iter().all(|&x| x == 2.5));
    /// # }
    /// ```
    pub fn load_zarr_into(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let layout = self.layout().clone();
        let comm = layout.comm();
        same_arguments(comm, "load_zarr_into (path, layout)", path, Some(&layout))?;
        let meta = open_checked::<T>(comm, path)?;
        same_shape(&layout, path, &meta)?;
        if !reads_directly(&layout) {
            let a = read_into::<T>(&layout, path, &meta)?;
            self.local_mut().assign(&a.local());
            return Ok(());
        }
        let array = comm.agree(open_array(path))?;
        let filled = fill_block(&array, path, &meta, &layout, self.local_mut());
        comm.agree(filled)
    }

    /// Loads the Zarr v3 array at `path` into the layout recorded in its
    /// `distarray_layout` attribute when it was saved by as many ranks as
    /// `comm` has; otherwise (another rank count, no attribute: a store
    /// another program wrote) into balanced blocks. Collective, with the
    /// errors of [`load_zarr`](Self::load_zarr) and a corrupt attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "zarr")] {
    /// use distarray_core::io::ZarrOptions;
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::new(&comm, &[5, 4], &[Dist::BlockCyclic(2), Dist::Block]).unwrap();
    /// let a = DistArray::<i64>::random(&layout, 9);
    /// let path = std::env::temp_dir().join(format!("distarray-doc-saved-{}.zarr", std::process::id()));
    /// a.save_zarr(&path, &ZarrOptions::default()).unwrap();
    /// let b = DistArray::<i64>::load_zarr_saved_layout(&comm, &path).unwrap();
    /// assert!(*b.layout() == layout);
    /// assert_eq!(b.local(), a.local());
    /// # }
    /// ```
    pub fn load_zarr_saved_layout(comm: &Comm, path: impl AsRef<Path>) -> Result<DistArray<T>> {
        let path = path.as_ref();
        same_arguments(comm, "load_zarr_saved_layout (path)", path, None)?;
        let meta = open_checked::<T>(comm, path)?;
        let layout = saved_layout(comm, &meta.shape, meta.saved_layout.as_ref())
            .map_err(|e| corrupt_attribute(path, e))?;
        read_into(&layout, path, &meta)
    }
}

/// Agrees that the store has `layout`'s shape.
fn same_shape(layout: &Layout, path: &Path, meta: &ZarrJson) -> Result<()> {
    layout
        .comm()
        .agree(if layout.shape() == meta.shape.as_slice() {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                context: format!("loading the Zarr array {}", path.display()),
                expected: layout.shape().to_vec(),
                found: meta.shape.clone(),
            })
        })
}

fn corrupt_attribute(path: &Path, e: Error) -> Error {
    match e {
        Error::ArgumentsDiffer { .. } => e,
        other => crate::io::io_err(
            path,
            format!("the distarray_layout attribute does not describe a layout: {other}"),
        ),
    }
}

/// `zarr.json` read and checked on every rank, the element type `T`'s.
pub(crate) fn open_checked<T: ZarrElement>(comm: &Comm, path: &Path) -> Result<ZarrJson> {
    let meta = comm.agree(read_zarr_json(path))?;
    // every rank read the same metadata (not a store renamed over midway)
    let seen = crate::comm::fingerprint(
        meta.shape
            .iter()
            .map(|&n| n as u64)
            .chain([u64::MAX, meta.dtype as u64, meta.raw as u64, u64::MAX])
            .chain(meta.chunk_shape.iter().flatten().map(|&c| c as u64)),
    );
    comm.agree_on(
        &format!(
            "the Zarr array {} (every rank reads the same metadata)",
            path.display()
        ),
        seen,
        Ok(()),
    )?;
    comm.agree(if meta.dtype == T::DTYPE {
        Ok(())
    } else {
        Err(Error::DTypeMismatch {
            expected: T::DTYPE.to_string(),
            found: format!("{} in the Zarr array {}", meta.dtype, path.display()),
        })
    })?;
    Ok(meta)
}

/// The layout the attribute records, when it fits `comm`; balanced
/// blocks otherwise. Collective.
fn saved_layout(comm: &Comm, shape: &[usize], saved: Option<&Value>) -> Result<Layout> {
    let Some(saved) = saved.filter(|s| s["ranks"].as_u64() == Some(comm.size() as u64)) else {
        return Layout::block(comm, shape);
    };
    let r = comm.rank();
    let mine = (|| {
        let bad = |what: &str| Error::InvalidArgument(format!("{what} of rank {r}"));
        let dims = saved["dim_data"][r]
            .as_array()
            .ok_or_else(|| bad("no dim_data"))?;
        let buffer: Vec<usize> = serde_json::from_value(saved["buffer_shapes"][r].clone())
            .map_err(|_| bad("no buffer shape"))?;
        let dims = parse_dim_data(dims, &buffer, r)?;
        if dims.iter().map(|d| d.size).ne(shape.iter().copied()) {
            return Err(bad("dimension sizes that are not the array's shape"));
        }
        Ok((dims, buffer))
    })();
    // an attribute that no longer fits (the array changed by another
    // program, or not a layout at all): balanced blocks, as documented
    if !comm.all(mine.is_ok()) {
        return Layout::block(comm, shape);
    }
    let (dims, buffer) = mine?;
    import_layout(comm, &dims, &buffer)
}

/// Whether this rank's buffer of `layout` is its block, unpadded: then it
/// reads that block straight from the store.
pub(crate) fn reads_directly(layout: &Layout) -> bool {
    layout
        .maps()
        .iter()
        .all(|m| matches!(m, AxisMap::Block(b) if !b.is_padded()))
}

/// Reads into `target`: straight into its blocks, or into blocks of whole
/// stored chunks and then one redistribution. Collective.
fn read_into<T: ZarrElement>(
    target: &Layout,
    path: &Path,
    meta: &ZarrJson,
) -> Result<DistArray<T>> {
    let comm = target.comm();
    let array = comm.agree(open_array(path))?;
    let reader = if reads_directly(target) {
        target.clone()
    } else {
        let blocks = Layout::block(comm, &meta.shape)?;
        match &meta.chunk_shape {
            Some(c) if c.len() == meta.shape.len() && !c.contains(&0) => chunk_blocks(&blocks, c)?,
            _ => blocks,
        }
    };
    let data = (|| -> Result<ArrayD<T>> {
        let mut out = ArrayD::from_elem(IxDyn(reader.local_shape()), T::default());
        fill_block(&array, path, meta, &reader, out.view_mut())?;
        Ok(out)
    })();
    let local = comm.agree(data)?;
    let a = DistArrayBase::from_local(reader.clone(), local)?;
    if reader == *target {
        Ok(a)
    } else {
        a.redistribute(target)
    }
}

/// Fills this rank's buffer `out` of `layout` (its block: unpadded block
/// axes) from the store.
fn fill_block<T: ZarrElement>(
    array: &Array<FilesystemStore>,
    path: &Path,
    meta: &ZarrJson,
    layout: &Layout,
    out: ArrayViewMutD<'_, T>,
) -> Result<()> {
    if layout.local_len() == 0 {
        return Ok(());
    }
    let start: Vec<usize> = (0..layout.ndim())
        .map(|a| layout.first_global_index(a).unwrap_or(0))
        .collect();
    fill_box(array, path, meta, &start, out)
}

/// Fills `out` with the box of the store at `start` of `out`'s shape:
/// whole raw chunks straight from their files, the rest through zarrs.
pub(crate) fn fill_box<T: ZarrElement>(
    array: &Array<FilesystemStore>,
    path: &Path,
    meta: &ZarrJson,
    start: &[usize],
    mut out: ArrayViewMutD<'_, T>,
) -> Result<()> {
    if out.is_empty() {
        return Ok(());
    }
    match &meta.chunk_shape {
        Some(c) if meta.raw && c.len() == start.len() && !c.contains(&0) => {
            read_raw(array, path, start, c, out)
        }
        _ => {
            let values = read_box(array, path, start, out.shape())?;
            let values =
                ArrayViewD::from_shape(out.raw_dim(), &values).map_err(|e| zarr_err(path, e))?;
            out.assign(&values);
            Ok(())
        }
    }
}

/// The cells of the box at `start` of shape `shape`, in C order, through
/// zarrs (any codecs; missing chunks are the fill value).
pub(crate) fn read_box<T: ZarrElement>(
    array: &Array<FilesystemStore>,
    path: &Path,
    start: &[usize],
    shape: &[usize],
) -> Result<Vec<T>> {
    let subset = ArraySubset::new_with_start_shape(
        start.iter().map(|&s| s as u64).collect(),
        shape.iter().map(|&n| n as u64).collect(),
    )
    .map_err(|e| zarr_err(path, e))?;
    array
        .retrieve_array_subset_elements::<T>(&subset)
        .map_err(|e| zarr_err(path, e))
}

/// Reads the box `out` covers (at `start`) from a store of raw chunks: a
/// chunk that lies whole in the box and in one contiguous run of `out`
/// is read from its file straight into `out`; the others (edge chunks,
/// chunks cut by the box, missing chunks: the fill value) through zarrs.
fn read_raw<T: ZarrElement>(
    array: &Array<FilesystemStore>,
    path: &Path,
    start: &[usize],
    chunks: &[usize],
    mut out: ArrayViewMutD<'_, T>,
) -> Result<()> {
    let shape = out.shape().to_vec();
    let first: Vec<usize> = start.iter().zip(chunks).map(|(&s, &c)| s / c).collect();
    let counts: Vec<usize> = (0..shape.len())
        .map(|a| (start[a] + shape[a]).div_ceil(chunks[a]) - first[a])
        .collect();
    for k in ndarray::indices(IxDyn(&counts)) {
        let key: Vec<u64> = (0..counts.len())
            .map(|a| (first[a] + k[a]) as u64)
            .collect();
        // the chunk's part of the box, in global and in local coordinates
        let span = |a: usize| {
            let lo = key[a] as usize * chunks[a];
            let (from, to) = (lo.max(start[a]), (lo + chunks[a]).min(start[a] + shape[a]));
            (from, to, from == lo && to == lo + chunks[a])
        };
        let whole = (0..shape.len()).all(|a| span(a).2);
        let mut part = out.slice_each_axis_mut(|ax| {
            let (from, to, _) = span(ax.axis.index());
            ndarray::Slice::from(from - start[ax.axis.index()]..to - start[ax.axis.index()])
        });
        if whole {
            if let Some(bytes) = part.as_slice_mut().and_then(T::le_bytes_mut) {
                let file = path.join(array.chunk_key(&key).as_str());
                match std::fs::File::open(&file) {
                    Ok(f) => {
                        let size = f.metadata().map_err(|e| io_err(&file, e))?.len();
                        if size != bytes.len() as u64 {
                            return Err(io_err(
                                &file,
                                format!("a raw chunk of {size} bytes, not {}", bytes.len()),
                            ));
                        }
                        f.read_exact_at(bytes, 0).map_err(|e| io_err(&file, e))?;
                        continue;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err(&file, e)),
                }
            }
        }
        let from: Vec<usize> = (0..shape.len()).map(|a| span(a).0).collect();
        let values = read_box(array, path, &from, part.shape())?;
        let values =
            ArrayViewD::from_shape(part.raw_dim(), &values).map_err(|e| zarr_err(path, e))?;
        part.assign(&values);
    }
    Ok(())
}

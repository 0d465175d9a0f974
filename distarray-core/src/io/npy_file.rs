//! Parallel `.npy`: one shared file, each rank writing and reading its own
//! contiguous slab (rows of a C-order file, columns of a Fortran-order one).

use super::npy::{from_bytes, to_bytes, NpyHeader};
use super::path_words;
use super::{commit_shared_file, io_err, temp_path};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::layout::{Dist, Layout};
use ndarray::{ArrayD, Data, IxDyn};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;

/// Bytes per read call.
const PIECE: usize = 64 << 20;
/// Bytes per write call (as dd's 4 MiB blocks: small writes stay cheap in the page cache).
const WRITE_PIECE: usize = 4 << 20;

/// Element order in an `.npy` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Row-major (NumPy's default).
    C,
    /// Column-major.
    Fortran,
}

/// The layout whose local parts are contiguous slabs of the file.
pub(crate) fn slab_layout(like: &Layout, order: Order) -> Result<Layout> {
    let d = like.ndim();
    let p = like.comm().size();
    if d == 0 {
        return Layout::with_grid(like.comm(), &[], &[], &[]);
    }
    let axis = match order {
        Order::C => 0,
        Order::Fortran => d - 1,
    };
    let dists: Vec<Dist> = (0..d)
        .map(|a| {
            if a == axis {
                Dist::Block
            } else {
                Dist::NotDistributed
            }
        })
        .collect();
    let grid: Vec<usize> = (0..d).map(|a| if a == axis { p } else { 1 }).collect();
    Layout::with_grid(like.comm(), like.shape(), &dists, &grid)
}

/// Byte offset of this rank's slab in the data part, and the slab's elements
/// in file order.
pub(crate) fn slab_offset(slab: &Layout, order: Order) -> usize {
    let d = slab.ndim();
    if d == 0 {
        return 0;
    }
    let axis = if order == Order::C { 0 } else { d - 1 };
    // (not global_indices: a Vec of every local index would cost O(n) here)
    let first = slab.first_global_index(axis).unwrap_or(0);
    let per: usize = (0..d)
        .filter(|&a| a != axis)
        .map(|a| slab.shape()[a])
        .product();
    first * per
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Saves the array as one `.npy` file NumPy reads. Collective: rank 0
    /// writes the header, every rank writes its slab at its offset, under a
    /// temporary name renamed when all succeeded.
    pub fn save_npy(&self, path: impl AsRef<Path>, order: Order) -> Result<()> {
        let path = path.as_ref();
        let comm = self.layout().comm();
        // the same file and order on every rank (a rank naming another file
        // would write its slab there, and both files would be incomplete)
        let args = fingerprint(path_words(path, "").chain([order as u64]));
        comm.agree_on("save_npy (path, order)", args, Ok(()))?;
        let slab = slab_layout(self.layout(), order)?;
        let moved;
        let local = if *self.layout() == slab {
            self.local()
        } else {
            moved = self.redistribute(&slab)?;
            moved.local()
        };
        let standard = local.as_standard_layout();
        let transposed: Vec<T>;
        let file_order: &[T] = match order {
            Order::C => standard.as_slice().expect("standard layout is contiguous"),
            Order::Fortran => {
                transposed = local.t().iter().copied().collect();
                &transposed
            }
        };
        let header = NpyHeader {
            dtype: T::DTYPE,
            fortran_order: order == Order::Fortran,
            shape: self.shape().to_vec(),
        }
        .to_bytes();
        let tmp = temp_path(path);
        let total = header.len() + header_data_len(self.shape(), T::DTYPE);
        let created = if comm.rank() == 0 {
            File::create(&tmp)
                .and_then(|f| {
                    f.write_all_at(&header, 0)?;
                    let _ = total;
                    Ok(())
                })
                .map_err(|e| io_err(&tmp, e))
        } else {
            Ok(())
        };
        comm.agree(created)?;
        let offset = header.len() + slab_offset(&slab, order) * T::DTYPE.itemsize();
        // Ranks write their slabs one after another: on one node concurrent
        // writers to one file contend in the kernel (measured: two dd
        // processes take 2.3x one dd's time for the same bytes); on a
        // parallel file system the cost is a barrier per rank.
        let mut written = Ok(());
        for turn in 0..comm.size() {
            if turn == comm.rank() {
                written = OpenOptions::new()
                    .write(true)
                    .open(&tmp)
                    .and_then(|f| {
                        let bytes = to_bytes(file_order);
                        let progress =
                            super::progress::Progress::new(comm, bytes.len(), "saving .npy");
                        for (i, piece) in bytes.chunks(WRITE_PIECE).enumerate() {
                            f.write_all_at(piece, (offset + i * WRITE_PIECE) as u64)?;
                            progress.advance(piece.len());
                        }
                        Ok(())
                    })
                    .map_err(|e| io_err(&tmp, e));
            }
            comm.barrier();
        }
        // one flush of the whole file, then everyone knows it is on disk
        let written = written.and_then(|()| {
            if comm.rank() == 0 {
                File::open(&tmp)
                    .and_then(|f| f.sync_data())
                    .map_err(|e| io_err(&tmp, e))
            } else {
                Ok(())
            }
        });
        commit_shared_file(comm, written, &tmp, path)
    }
}

fn header_data_len(shape: &[usize], dtype: DType) -> usize {
    shape.iter().product::<usize>() * dtype.itemsize()
}

impl<T: Element> DistArray<T> {
    /// Loads an `.npy` file (C or Fortran order) into `layout`, in parallel.
    /// Collective; a missing, corrupt or truncated file, another element
    /// type or another shape give every rank the same error.
    pub fn load_npy(layout: &Layout, path: impl AsRef<Path>) -> Result<DistArray<T>> {
        let path = path.as_ref();
        let what = path.display().to_string();
        let (off, order) = read_agreed_header::<T>(layout, path)?;
        let slab = slab_layout(layout, order)?;
        let mut flat = vec![T::default(); slab.local_len()];
        let offset = off + slab_offset(&slab, order) * T::DTYPE.itemsize();
        layout
            .comm()
            .agree(read_slab(layout.comm(), path, &what, offset, &mut flat))?;
        let shape = slab.local_shape().to_vec();
        let local = match order {
            Order::C => ArrayD::from_shape_vec(IxDyn(&shape), flat),
            Order::Fortran => {
                let rev: Vec<usize> = shape.iter().rev().copied().collect();
                ArrayD::from_shape_vec(IxDyn(&rev), flat)
                    .map(|a| a.reversed_axes().as_standard_layout().into_owned())
            }
        }
        .map_err(|e| io_err(path, e))?;
        let a = DistArrayBase::from_local(slab.clone(), local)?;
        if *layout == slab {
            Ok(a)
        } else {
            a.redistribute(layout)
        }
    }
}

impl<T: Element, S: ndarray::DataMut<Elem = T>> DistArrayBase<S> {
    /// Loads an `.npy` file into this existing array (its layout decides
    /// the distribution). No new array is allocated when the layout is the
    /// file's slab layout (row blocks for C order): the bytes are read
    /// straight into the array's memory. Collective.
    pub fn load_npy_into(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let layout = self.layout().clone();
        let (off, order) = read_agreed_header::<T>(&layout, path)?;
        let slab = slab_layout(&layout, order)?;
        if layout != slab || order == Order::Fortran {
            let loaded = DistArray::<T>::load_npy(&layout, path)?;
            self.local_mut().assign(&loaded.local());
            return Ok(());
        }
        let what = path.display().to_string();
        let offset = off + slab_offset(&slab, order) * T::DTYPE.itemsize();
        // agreed: a rank failing alone would leave the others waiting
        let contiguous = self.local().is_standard_layout();
        layout.comm().agree(match contiguous {
            true => Ok(()),
            false => Err(Error::InvalidArgument(
                "load_npy_into needs a C-contiguous local buffer".into(),
            )),
        })?;
        let mut local = self.local_mut();
        let flat = local.as_slice_mut().expect("agreed contiguous above");
        let read = read_slab(layout.comm(), path, &what, offset, flat);
        layout.comm().agree(read)
    }
}

/// Reads `out.len()` elements at byte `offset` straight into `out`.
fn read_slab<T: Element>(
    comm: &crate::comm::Comm,
    path: &Path,
    what: &str,
    offset: usize,
    out: &mut [T],
) -> Result<()> {
    let n = out.len();
    File::open(path)
        .and_then(|f| match T::le_bytes_mut(out) {
            Some(bytes) => {
                let progress = super::progress::Progress::new(comm, bytes.len(), "loading .npy");
                for (i, piece) in bytes.chunks_mut(PIECE).enumerate() {
                    f.read_exact_at(piece, (offset + i * PIECE) as u64)?;
                    progress.advance(piece.len());
                }
                Ok(())
            }
            None => {
                let mut bytes = vec![0u8; n * T::DTYPE.itemsize()];
                f.read_exact_at(&mut bytes, offset as u64)?;
                from_bytes(&bytes, out, what).map_err(|e| std::io::Error::other(e.to_string()))
            }
        })
        .map_err(|e| io_err(path, e))
}

/// Rank 0 reads and checks the header against `layout` and element type
/// `T`; every rank gets (data offset, order) or the same error.
fn read_agreed_header<T: Element>(layout: &Layout, path: &Path) -> Result<(usize, Order)> {
    let comm = layout.comm();
    let what = path.display().to_string();
    let head = if comm.rank() == 0 {
        read_header(path, &what).and_then(|(h, off, size)| {
            if h.dtype != T::DTYPE {
                return Err(Error::DTypeMismatch {
                    expected: T::DTYPE.to_string(),
                    found: format!("{} in {what}", h.dtype),
                });
            }
            if h.shape != layout.shape() {
                return Err(Error::ShapeMismatch {
                    context: format!("loading {what}"),
                    expected: layout.shape().to_vec(),
                    found: h.shape.clone(),
                });
            }
            if size < (off + h.data_len()) as u64 {
                return Err(Error::Io {
                    path: what.clone(),
                    detail: format!(
                        "truncated: {size} bytes, the header announces {}",
                        off + h.data_len()
                    ),
                });
            }
            Ok(vec![off as u64, h.fortran_order as u64])
        })
    } else {
        Ok(Vec::new())
    };
    // the same file on every rank: each reads its slab from the path it got
    let args = fingerprint(path_words(path, "").chain([layout.fingerprint()]));
    let head = comm.agree_on("load_npy (path)", args, head)?;
    let words = comm.broadcast_bytes(0, head.iter().flat_map(|w| w.to_le_bytes()).collect());
    let word =
        |i: usize| u64::from_le_bytes(words[8 * i..8 * i + 8].try_into().expect("two words"));
    let order = if word(1) == 1 {
        Order::Fortran
    } else {
        Order::C
    };
    Ok((word(0) as usize, order))
}

/// Reads and parses an `.npy` header: (header, data offset, file size).
pub(super) fn read_header(path: &Path, what: &str) -> Result<(NpyHeader, usize, u64)> {
    let f = File::open(path).map_err(|e| io_err(path, e))?;
    let size = f.metadata().map_err(|e| io_err(path, e))?.len();
    let mut first = vec![0u8; 12.min(size as usize)];
    f.read_exact_at(&mut first, 0)
        .map_err(|e| io_err(path, e))?;
    if first.len() < 10 {
        return Err(Error::Io {
            path: what.into(),
            detail: format!("too short to be an .npy file ({size} bytes)"),
        });
    }
    let hlen = match first[6] {
        1 => 10 + u16::from_le_bytes([first[8], first[9]]) as usize,
        _ if first.len() >= 12 => {
            12 + u32::from_le_bytes([first[8], first[9], first[10], first[11]]) as usize
        }
        _ => 0,
    };
    let mut head = vec![0u8; hlen.clamp(10, size as usize)];
    f.read_exact_at(&mut head, 0).map_err(|e| io_err(path, e))?;
    let (h, off) = NpyHeader::parse(&head, what)?;
    Ok((h, off, size))
}

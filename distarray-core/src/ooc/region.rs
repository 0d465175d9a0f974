//! Regions of an array on disk read into memory, and arrays in memory
//! written into regions.

use super::disk::DiskArray;
use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::error::{Error, Result};
use crate::grid::ProcGrid;
use crate::io::zarr::chunks::region_bounds;
use crate::io::zarr::load::{fill_box, reads_directly};
use crate::io::zarr::save::{sync_chunks, Store};
use crate::io::{io_err, ZarrElement};
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap};
use ndarray::{ArrayD, Data, IxDyn, Slice};
use std::ops::Range;
use zarrs::array_subset::ArraySubset;

impl<T: ZarrElement> DiskArray<T> {
    /// Agrees that the region at `start` of `shape` lies in the array.
    fn check_region(&self, what: &str, start: &[usize], shape: &[usize]) -> Result<()> {
        let words = fingerprint(
            start
                .iter()
                .chain([&usize::MAX])
                .chain(shape)
                .map(|&n| n as u64),
        );
        let inside = start.len() == self.ndim()
            && shape.len() == self.ndim()
            && (0..self.ndim()).all(|a| {
                start[a]
                    .checked_add(shape[a])
                    .is_some_and(|end| end <= self.shape()[a])
            });
        let verdict = if inside {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "{what}: the region at {start:?} of shape {shape:?} is not inside the array of shape {:?}",
                self.shape()
            )))
        };
        self.comm
            .agree_on(&format!("{what} (the region)"), words, verdict)
    }

    /// The cells of `region` (a range per axis) as a new distributed array
    /// in balanced blocks: each rank reads its block straight from the
    /// chunks (only the chunks it touches). Collective.
    ///
    /// Errors (on every rank alike): a region outside the array or of the
    /// wrong number of axes, I/O errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-read-{}.zarr", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![3, 3]), ..Default::default() };
    /// let d = DiskArray::<i32>::generate(&comm, &path, &[8, 8], &opts, |s, mut c| {
    ///     for (ix, v) in c.indexed_iter_mut() { *v = ((s[0] + ix[0]) * 10 + s[1] + ix[1]) as i32; }
    /// }).unwrap();
    /// let r = d.read(&[2..5, 6..8]).unwrap().gather_all().unwrap();
    /// assert_eq!(r.into_raw_vec_and_offset().0, [26, 27, 36, 37, 46, 47]);
    /// assert!(d.read(&[0..9, 0..8]).is_err());
    /// ```
    pub fn read(&self, region: &[Range<usize>]) -> Result<DistArray<T>> {
        let start: Vec<usize> = region.iter().map(|r| r.start).collect();
        let shape: Vec<usize> = region
            .iter()
            .map(|r| r.end.saturating_sub(r.start))
            .collect();
        self.check_region("DiskArray::read", &start, &shape)?;
        let layout = Layout::block(&self.comm, &shape)?;
        let mut out = DistArray::from_local(
            layout.clone(),
            ArrayD::from_elem(IxDyn(layout.local_shape()), T::default()),
        )?;
        self.fill(&start, &mut out)?;
        Ok(out)
    }

    /// Reads the region at `start` of `out`'s shape into `out`, in its
    /// layout (any distribution; padded and cyclic layouts read blocks and
    /// move the cells once). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-readinto-{}.zarr", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![4]), ..Default::default() };
    /// let d = DiskArray::<f64>::generate(&comm, &path, &[20], &opts, |s, mut c| {
    ///     for (i, v) in c.iter_mut().enumerate() { *v = (s[0] + i) as f64; }
    /// }).unwrap();
    /// let mut out = DistArray::<f64>::zeros(&Layout::new(&comm, &[6], &[Dist::Cyclic]).unwrap());
    /// d.read_into(&[10], &mut out).unwrap();
    /// assert_eq!(out.gather_all().unwrap().into_raw_vec_and_offset().0, [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]);
    /// ```
    pub fn read_into(&self, start: &[usize], out: &mut DistArray<T>) -> Result<()> {
        let shape = out.shape().to_vec();
        self.check_region("DiskArray::read_into", start, &shape)?;
        if reads_directly(out.layout()) {
            return self.fill(start, out);
        }
        let blocks = self.read(
            &start
                .iter()
                .zip(&shape)
                .map(|(&s, &n)| s..s + n)
                .collect::<Vec<_>>(),
        )?;
        let moved = blocks.redistribute(out.layout())?;
        out.local_mut().assign(&moved.local());
        Ok(())
    }

    /// Fills `out` (unpadded blocks) from the region at `start`. Collective.
    fn fill(&self, start: &[usize], out: &mut DistArray<T>) -> Result<()> {
        let layout = out.layout().clone();
        let mine: Vec<usize> = (0..layout.ndim())
            .map(|a| start[a] + layout.first_global_index(a).unwrap_or(0))
            .collect();
        let filled = if layout.local_len() == 0 {
            Ok(())
        } else {
            fill_box(&self.array, &self.path, &self.meta, &mine, out.local_mut())
        };
        self.comm.agree(filled)
    }

    /// Writes `a` into the region of its shape at `start`, in place (the
    /// other cells stay). The cells first move to blocks cut on the
    /// store's chunk boundaries, so every chunk has one writer: whole
    /// chunks are written as they are, chunks the region cuts are read,
    /// changed and written back by their one writer. Collective.
    ///
    /// An interrupted write leaves some of the region's chunks new and the
    /// others old, and the chunk being written when the job was killed may
    /// be torn (chunks are rewritten in place; the metadata does not
    /// change): write into a fresh array ([`DiskArray::create`]) when that
    /// matters.
    ///
    /// Errors (on every rank alike): a region outside the array, arrays on
    /// another communicator, I/O errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-write-{}.zarr", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![4, 4]), ..Default::default() };
    /// let d = DiskArray::<i64>::create(&comm, &path, &[10, 10], &opts).unwrap();
    /// let ones = DistArray::<i64>::full(&Layout::block(&comm, &[3, 5]).unwrap(), 1);
    /// d.write(&[2, 3], &ones).unwrap();
    /// assert_eq!(d.sum().unwrap(), 15);
    /// assert_eq!(d.read(&[2..5, 3..8]).unwrap().min(distarray_core::All).unwrap(), 1);
    /// assert_eq!(d.read(&[1..2, 0..10]).unwrap().max(distarray_core::All).unwrap(), 0);
    /// ```
    pub fn write<S: Data<Elem = T>>(&self, start: &[usize], a: &DistArrayBase<S>) -> Result<()> {
        let what = "DiskArray::write";
        self.comm
            .agree(if a.layout().comm().congruent(&self.comm) {
                Ok(())
            } else {
                Err(Error::InvalidArgument(format!(
                    "{what}: the array is on another communicator than the one that opened {}",
                    self.path.display()
                )))
            })?;
        let shape = a.shape().to_vec();
        self.check_region(what, start, &shape)?;
        let writer = self.writer_layout(a.layout(), start)?;
        let moved;
        let local = if *a.layout() == writer {
            a.local()
        } else {
            moved = a.redistribute(&writer)?;
            moved.local()
        };
        let written = (|| -> Result<()> {
            if writer.local_len() == 0 {
                return Ok(());
            }
            let mine: Vec<usize> = (0..writer.ndim())
                .map(|k| start[k] + writer.first_global_index(k).unwrap_or(0))
                .collect();
            let keys = self.write_box(&mine, local)?;
            sync_chunks(&self.array, &self.path, &keys)
        })();
        self.comm.agree(written)
    }

    /// A block layout of the region at `start` on `like`'s grid whose
    /// blocks meet on the store's chunk boundaries.
    fn writer_layout(&self, like: &Layout, start: &[usize]) -> Result<Layout> {
        let grid = like.grid().shape();
        let maps = like
            .shape()
            .iter()
            .enumerate()
            .map(|(k, &n)| {
                BlockMap::irregular(region_bounds(start[k], n, self.chunks[k], grid[k]))
                    .map(AxisMap::Block)
            })
            .collect::<Result<Vec<_>>>()?;
        let comm = like.comm();
        let g = ProcGrid::new(grid, comm.size(), comm.rank())?;
        Ok(Layout::from_parts(comm.clone(), g, maps))
    }

    /// Writes the box at global `start` holding `cells` (this rank the one
    /// writer of every chunk it touches); the keys of the chunks written.
    fn write_box(
        &self,
        start: &[usize],
        cells: ndarray::ArrayViewD<'_, T>,
    ) -> Result<Vec<Vec<u64>>> {
        let c = &self.chunks;
        let shape = cells.shape().to_vec();
        let first: Vec<usize> = start.iter().zip(c).map(|(&s, &c)| s / c).collect();
        let counts: Vec<usize> = (0..shape.len())
            .map(|k| (start[k] + shape[k]).div_ceil(c[k]) - first[k])
            .collect();
        let store = Store {
            array: &self.array,
            dir: &self.path,
            path: &self.path,
            raw: self.meta.raw,
        };
        let mut keys = Vec::new();
        for ix in ndarray::indices(IxDyn(&counts)) {
            let key: Vec<u64> = (0..counts.len())
                .map(|k| (first[k] + ix[k]) as u64)
                .collect();
            // the chunk's part of the box, global
            let span = |k: usize| {
                let lo = key[k] as usize * c[k];
                (lo.max(start[k]), (lo + c[k]).min(start[k] + shape[k]))
            };
            let part = cells.slice_each_axis(|ax| {
                let (from, to) = span(ax.axis.index());
                Slice::from(from - start[ax.axis.index()]..to - start[ax.axis.index()])
            });
            let whole = (0..shape.len()).all(|k| {
                let (from, to) = span(k);
                from == key[k] as usize * c[k] && to - from == c[k]
            });
            if whole {
                let data = part.as_standard_layout();
                store.chunk(&key, data.as_slice().expect("standard layout"))?;
            } else {
                let from: Vec<u64> = (0..shape.len()).map(|k| span(k).0 as u64).collect();
                let subset = ArraySubset::new_with_start_shape(
                    from,
                    part.shape().iter().map(|&n| n as u64).collect(),
                )
                .map_err(|e| io_err(&self.path, e))?;
                let data = part.as_standard_layout();
                self.array
                    .store_array_subset_elements(&subset, data.as_slice().expect("standard layout"))
                    .map_err(|e| io_err(&self.path, format!("Zarr: {e}")))?;
            }
            keys.push(key);
        }
        Ok(keys)
    }
}

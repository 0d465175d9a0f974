//! Rechunking and transposition from disk to disk (what Global Arrays'
//! Disk Resident Arrays did on their way between disk and memory).

use super::disk::{new_chunk_shape, same_path, DiskArray, OocOptions};
use super::pipeline::{run, Input, Job, Sink};
use crate::error::{Error, Result};
use crate::io::ZarrElement;
use std::path::Path;

impl<T: ZarrElement> DiskArray<T> {
    /// A copy at `path` in chunks of `options.chunk_shape` (default: the
    /// same) with `options.compression`: the on-disk form of a
    /// redistribution. Each rank makes its run of the new chunks, reading
    /// the boxes they need from the old ones, within `options.budget`;
    /// the metadata is written last, with the original's saved layout
    /// (`distarray_layout`), if any. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::io::ZarrCompression;
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let dir = std::env::temp_dir().join(format!("distarray-doc-rechunk-{}", std::process::id()));
    /// let rows = OocOptions { chunk_shape: Some(vec![1, 50]), ..Default::default() };
    /// let x = DiskArray::<f32>::generate(&comm, dir.join("rows.zarr"), &[40, 50], &rows, |s, mut c| {
    ///     for (ix, v) in c.indexed_iter_mut() { *v = ((s[0] + ix[0]) * 50 + s[1] + ix[1]) as f32; }
    /// }).unwrap();
    /// let tiles = OocOptions { chunk_shape: Some(vec![16, 16]), compression: ZarrCompression::Zstd { level: 1 }, ..Default::default() };
    /// let y = x.rechunk_to(dir.join("tiles.zarr"), &tiles).unwrap();
    /// assert_eq!(y.chunk_shape(), &[16, 16]);
    /// assert_eq!(y.read(&[0..40, 0..50]).unwrap().gather_all().unwrap(),
    ///            x.read(&[0..40, 0..50]).unwrap().gather_all().unwrap());
    /// ```
    pub fn rechunk_to(&self, path: impl AsRef<Path>, options: &OocOptions) -> Result<DiskArray<T>> {
        let axes: Vec<usize> = (0..self.ndim()).collect();
        self.copy_to("DiskArray::rechunk_to", path.as_ref(), options, &axes)
    }

    /// The transposition by `axes` (NumPy's `transpose(axes)`: axis `i` of
    /// the result is axis `axes[i]` of this array) as a new array at
    /// `path`, disk to disk: each rank makes its run of the result's
    /// chunks (default: this array's chunk shape permuted), reading the
    /// boxes they need and permuting them in memory, within
    /// `options.budget`. Collective.
    ///
    /// Errors (on every rank alike): `axes` not a permutation of the axes,
    /// chunks that do not fit the budget, I/O errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let dir = std::env::temp_dir().join(format!("distarray-doc-transpose-{}", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![2, 3, 4]), ..Default::default() };
    /// let x = DiskArray::<i64>::generate(&comm, dir.join("x.zarr"), &[3, 5, 7], &opts, |s, mut c| {
    ///     for (ix, v) in c.indexed_iter_mut() { *v = ((s[0] + ix[0]) * 100 + (s[1] + ix[1]) * 10 + s[2] + ix[2]) as i64; }
    /// }).unwrap();
    /// let t = x.transpose_to(dir.join("t.zarr"), &[2, 0, 1], &OocOptions::default()).unwrap();
    /// assert_eq!((t.shape(), t.chunk_shape()), (&[7, 3, 5][..], &[4, 2, 3][..]));
    /// let all = t.read(&[0..7, 0..3, 0..5]).unwrap().gather_all().unwrap();
    /// assert_eq!(all[[6, 2, 4]], 246);
    /// ```
    pub fn transpose_to(
        &self,
        path: impl AsRef<Path>,
        axes: &[usize],
        options: &OocOptions,
    ) -> Result<DiskArray<T>> {
        let mut seen = vec![false; self.ndim()];
        let permutation = axes.len() == self.ndim()
            && axes
                .iter()
                .all(|&a| a < seen.len() && !std::mem::replace(&mut seen[a], true));
        self.comm.agree_on(
            "DiskArray::transpose_to (axes)",
            crate::comm::fingerprint(axes.iter().map(|&a| a as u64)),
            Ok(()),
        )?;
        self.comm.agree(if permutation {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "DiskArray::transpose_to: {axes:?} is not a permutation of the {} axes",
                self.ndim()
            )))
        })?;
        self.copy_to("DiskArray::transpose_to", path.as_ref(), options, axes)
    }

    /// The copy, transposed by `axes` (the identity for a rechunk).
    fn copy_to(
        &self,
        what: &'static str,
        path: &Path,
        options: &OocOptions,
        axes: &[usize],
    ) -> Result<DiskArray<T>> {
        let comm = &self.comm;
        same_path(comm, what, path)?;
        let shape: Vec<usize> = axes.iter().map(|&a| self.shape()[a]).collect();
        let like: Vec<usize> = axes.iter().map(|&a| self.chunks[a]).collect();
        let chunks = new_chunk_shape(comm, &shape, options, Some(&like))?;
        let job = Job::new(what, comm, path, options.budget);
        let identity = axes.iter().enumerate().all(|(i, &a)| i == a);
        // a rechunked copy holds the cells where the original did: its
        // saved layout still describes them (a transposition's does not)
        let mut attributes = serde_json::Map::new();
        if let (true, Some(saved)) = (identity, &self.meta.saved_layout) {
            attributes.insert(crate::io::ZARR_LAYOUT_ATTRIBUTE.to_string(), saved.clone());
        }
        let sink = Sink::<T>::begin_with(&job, &shape, &chunks, &options.compression, attributes)?;
        let input = if identity {
            Input::new(self)
        } else {
            Input::transposed(self, axes)
        };
        let done = run::<T, T, _>(&job, &[input], Some(&sink), |_, inputs, out| {
            let mut out = out.expect("a sink");
            out.assign(&inputs[0].view().permuted_axes(axes));
            Ok(())
        });
        sink.finish(comm, done)?;
        Ok(DiskArray::open(comm, path)?.with_budget(options.budget))
    }
}

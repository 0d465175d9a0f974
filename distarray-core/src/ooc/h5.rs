//! HDF5 datasets in and out of core (features `zarr` and `hdf5`): a
//! dataset copied into a Zarr array, or a Zarr array into a dataset,
//! chunk by chunk within the budget, so that datasets larger than memory
//! can be worked on with [`DiskArray`].
//!
//! The HDF5 file is opened through MPI-IO by every rank (collective), and
//! each rank reads or writes the boxes of its chunks with independent
//! transfers on the caller's thread, while the pipeline's threads read and
//! write the Zarr side.

use super::disk::{new_chunk_shape, DiskArray, OocOptions};
use super::pipeline::{run, Input, Job, Sink};
use crate::comm::{fingerprint, Comm};
use crate::error::{Error, Result};
use crate::io::hdf5io::{hyperslab, row_pieces};
use crate::io::{commit_shared_file, path_words, temp_path, H5Element, ZarrElement};
use mpi::raw::AsRaw;
use ndarray::{ArrayViewD, ArrayViewMutD, Axis, Slice};
use std::path::Path;

fn h5err(path: &Path, e: hdf5::Error) -> Error {
    crate::io::io_err(path, format!("HDF5: {e}"))
}

impl<T: ZarrElement + H5Element> DiskArray<T> {
    /// Copies dataset `dataset` of the HDF5 file at `h5` into a new Zarr
    /// array at `path`, chunk by chunk within `options.budget` (chunks of
    /// `options.chunk_shape`, default the dataset's chunks when they hold
    /// at least 1 MiB, otherwise the default: contiguous datasets and
    /// h5py's small automatic chunks), and opens it. Each rank reads the
    /// boxes of its chunks from the file while the previous ones are
    /// written. Collective.
    ///
    /// Errors (on every rank alike): a missing file or dataset, another
    /// element type, a 0-d dataset, I/O errors.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[cfg(feature = "hdf5")] {
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let dir = std::env::temp_dir().join(format!("distarray-doc-h5ooc-{}", std::process::id()));
    /// if comm.rank() == 0 { std::fs::create_dir_all(&dir).unwrap(); }
    /// comm.barrier();
    /// let a = DistArray::<f64>::from_fn(&Layout::block(&comm, &[256, 1024]).unwrap(), |ix| ix[0] as f64);
    /// a.save_hdf5(dir.join("a.h5"), "results/u", Some(&[128, 1024])).unwrap();   // 1 MiB chunks
    /// let d = DiskArray::<f64>::from_hdf5(&comm, dir.join("a.h5"), "results/u", dir.join("u.zarr"), &OocOptions::default()).unwrap();
    /// assert_eq!(d.chunk_shape(), &[128, 1024]);               // the dataset's chunks
    /// assert_eq!(d.sum().unwrap(), 1024.0 * (0..256).sum::<usize>() as f64);
    /// d.to_hdf5(dir.join("b.h5"), "v", None).unwrap();         // and back
    /// let b = DistArray::<f64>::load_hdf5(a.layout(), dir.join("b.h5"), "v").unwrap();
    /// assert_eq!(b.local(), a.local());
    /// # }
    /// ```
    pub fn from_hdf5(
        comm: &Comm,
        h5: impl AsRef<Path>,
        dataset: &str,
        path: impl AsRef<Path>,
        options: &OocOptions,
    ) -> Result<DiskArray<T>> {
        let (h5, path) = (h5.as_ref(), path.as_ref());
        let present = std::fs::metadata(h5).map(|_| ()).map_err(|e| Error::Io {
            path: h5.display().to_string(),
            detail: format!("{e} (on rank {})", comm.rank()),
        });
        comm.agree_on(
            "DiskArray::from_hdf5 (file, dataset)",
            fingerprint(path_words(h5, dataset)),
            present,
        )?;
        // the open and the dataset agreed one at a time, so that a rank
        // that fails never closes the file (collective) alone
        let file = comm.agree(
            hdf5::FileBuilder::new()
                .with_fapl(|p| p.mpio(comm.raw().as_raw(), None))
                .open(h5)
                .map_err(|e| h5err(h5, e)),
        )?;
        let ds = comm.agree(file.dataset(dataset).map_err(|e| h5err(h5, e)))?;
        let shape = ds.shape();
        let checked = ds
            .dtype()
            .and_then(|t| t.to_descriptor())
            .map_err(|e| h5err(h5, e))
            .and_then(|d| {
                if d != <T as hdf5::H5Type>::type_descriptor() {
                    Err(Error::DTypeMismatch {
                        expected: T::DTYPE.to_string(),
                        found: format!("{d:?} in {}:{dataset}", h5.display()),
                    })
                } else if shape.is_empty() {
                    Err(Error::InvalidArgument(format!(
                        "DiskArray::from_hdf5: {}:{dataset} is 0-d",
                        h5.display()
                    )))
                } else {
                    Ok(())
                }
            });
        comm.agree(checked)?;
        // the dataset's chunks, unless they are tiny (h5py's automatic
        // ones): then the default
        let stored = ds
            .chunk()
            .filter(|c| c.iter().product::<usize>() * std::mem::size_of::<T>() >= 1 << 20);
        let chunks = new_chunk_shape(comm, &shape, options, stored.as_deref())?;
        // HDF5 hands each piece over in a buffer of its own: one chunk of
        // the budget is kept for it
        let piece = chunks.iter().product::<usize>() * std::mem::size_of::<T>();
        let budget = options.budget.saturating_sub(piece.min(1 << 30));
        let job = Job::new("DiskArray::from_hdf5", comm, path, budget);
        let sink = Sink::<T>::begin(&job, &shape, &chunks, &options.compression)?;
        let done = run::<T, T, _>(&job, &[], Some(&sink), |unit, _, out| {
            let mut out: ArrayViewMutD<'_, T> = out.expect("a sink");
            for (r, rows) in row_pieces::<T>(&unit.shape) {
                let piece = ds
                    .read_slice::<T, _, ndarray::IxDyn>(hyperslab(
                        &unit.start,
                        &unit.shape,
                        r,
                        rows,
                    ))
                    .map_err(|e| h5err(h5, e))?;
                out.slice_axis_mut(Axis(0), Slice::from(r..r + rows))
                    .assign(&piece);
            }
            Ok(())
        });
        // the file closes on every rank (collective), whatever happened
        drop(ds);
        drop(file);
        sink.finish(comm, done)?;
        Ok(DiskArray::open(comm, path)?.with_budget(options.budget))
    }

    /// Copies this array into dataset `dataset` (groups made as needed) of
    /// a new HDF5 file at `h5`, chunk by chunk within the array's budget
    /// (chunked as `chunk`, default this array's chunks; no compression:
    /// parallel HDF5 writes compressed datasets only collectively). Each
    /// rank writes the boxes of its chunks while the next ones are read.
    /// The file is written under a temporary name and renamed when every
    /// rank succeeded. Collective.
    pub fn to_hdf5(
        &self,
        h5: impl AsRef<Path>,
        dataset: &str,
        chunk: Option<&[usize]>,
    ) -> Result<()> {
        let h5 = h5.as_ref();
        let comm = &self.comm;
        let chunk: Vec<usize> = chunk
            .map(<[usize]>::to_vec)
            .unwrap_or_else(|| self.chunks.clone());
        let words =
            fingerprint(path_words(h5, dataset).chain(chunk.iter().map(|&c| c as u64 | 1 << 63)));
        let verdict = if chunk.len() != self.ndim() || chunk.contains(&0) {
            Err(Error::InvalidArgument(format!(
                "DiskArray::to_hdf5: chunk shape {chunk:?} for a {}-d array needs one positive length per axis",
                self.ndim()
            )))
        } else {
            Ok(())
        };
        comm.agree_on("DiskArray::to_hdf5 (file, dataset, chunks)", words, verdict)?;
        // the budget before anything is made (the same check `run` makes)
        let stored = self.chunks.iter().product::<usize>() * std::mem::size_of::<T>();
        comm.agree(
            super::units::in_flight(
                "DiskArray::to_hdf5",
                self.budget,
                if self.meta.raw { stored } else { 3 * stored },
            )
            .map(|_| ()),
        )?;
        let name = dataset.rsplit_once('/').map_or(dataset, |(_, n)| n);
        comm.agree(if name.is_empty() {
            Err(Error::InvalidArgument(format!(
                "DiskArray::to_hdf5: {dataset:?} names no dataset"
            )))
        } else {
            Ok(())
        })?;
        let tmp = temp_path(h5);
        let file = comm.agree(
            hdf5::FileBuilder::new()
                .with_fapl(|p| p.mpio(comm.raw().as_raw(), None))
                .create(&tmp)
                .map_err(|e| h5err(h5, e)),
        )?;
        let made = (|| -> hdf5::Result<hdf5::Dataset> {
            let (group, name) = crate::io::hdf5io::dataset_parent(&file, dataset)?;
            let clamped: Vec<usize> = chunk
                .iter()
                .zip(self.shape())
                .map(|(&c, &n)| c.min(n.max(1)))
                .collect();
            // no fill: every cell is written (with MPI-IO the chunks are
            // allocated, and would be filled, when the dataset is made)
            group
                .new_dataset::<T>()
                .shape(self.shape())
                .chunk(clamped)
                .fill_time(hdf5::dataset::FillTime::Never)
                .create(name)
        })()
        .map_err(|e| h5err(h5, e));
        let ds = match comm.agree(made) {
            Ok(ds) => ds,
            Err(e) => {
                drop(file); // on every rank alike
                if comm.rank() == 0 {
                    let _ = std::fs::remove_file(&tmp);
                }
                return Err(e);
            }
        };
        let job = Job::new("DiskArray::to_hdf5", comm, &self.path, self.budget);
        let written = run::<T, T, _>(&job, &[Input::new(self)], None, |unit, inputs, _| {
            let cells: &ArrayViewD<'_, T> = &inputs[0];
            for (r, rows) in row_pieces::<T>(&unit.shape) {
                let piece = cells.slice_axis(Axis(0), Slice::from(r..r + rows));
                ds.write_slice(
                    &piece.as_standard_layout(),
                    hyperslab(&unit.start, &unit.shape, r, rows),
                )
                .map_err(|e| h5err(h5, e))?;
            }
            Ok(())
        });
        drop(ds);
        drop(file);
        commit_shared_file(comm, written, &tmp, h5)
    }
}

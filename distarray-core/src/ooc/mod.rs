//! Out-of-core arrays (feature `zarr`): distributed arrays that live on
//! disk, in a Zarr v3 store, and are worked on slab by slab within a
//! memory budget per rank (Global Arrays' Disk Resident Arrays, the
//! "out-of-core computations" the original project promised).
//!
//! A [`DiskArray`] is a handle on a Zarr array every rank opened. Work on
//! it is collective and runs chunk by chunk: the chunks (in C order of the
//! chunk grid) are split into one run per rank, and each rank streams its
//! run through a pipeline of three threads — one reads the next chunks
//! (of every input), the caller's thread computes the current one, one
//! writes the previous result — so that reading, computing and writing
//! overlap (double buffering, up to eight chunks deep when the budget
//! allows). No chunk is
//! held longer than that, so memory stays within
//! [`OocOptions::budget`] whatever the array's size.
//!
//! What runs out of core:
//!
//! - **elementwise work, disk to disk**: [`DiskArray::map_to`] (a closure
//!   per cell), [`zip_map_to`](DiskArray::zip_map_to) (two arrays), and
//!   [`apply`] (any number of arrays, a closure that gets each slab as a
//!   [`DistArray`](crate::DistArray) on this rank alone, so deferred expressions, ufuncs and
//!   every array method run on it);
//! - **reductions**: [`sum`](DiskArray::sum), [`mean`](DiskArray::mean),
//!   [`min`](DiskArray::min), [`max`](DiskArray::max), each also along an
//!   axis ([`sum_axis`](DiskArray::sum_axis), ...), and
//!   [`sum_reproducible`](DiskArray::sum_reproducible), bitwise the
//!   in-memory [`sum_reproducible`](crate::DistArrayBase::sum_reproducible);
//!   [`for_each_slab`] for any other fold;
//! - **regions**: [`read`](DiskArray::read) a region into a [`DistArray`](crate::DistArray)
//!   (any layout with [`read_into`](DiskArray::read_into)),
//!   [`write`](DiskArray::write) a [`DistArray`](crate::DistArray) into a region;
//! - **rechunking and transposition, disk to disk**:
//!   [`rechunk_to`](DiskArray::rechunk_to) (other chunks or compression),
//!   [`transpose_to`](DiskArray::transpose_to) (any permutation of axes);
//! - **making arrays**: [`DiskArray::generate`] (each chunk filled by a
//!   closure), [`DiskArray::create`] (zeros), and
//!   [`save_zarr`](crate::DistArrayBase::save_zarr) from memory;
//! - **HDF5 datasets** (with the `hdf5` feature too): `DiskArray::from_hdf5`
//!   copies a dataset into a Zarr array and `DiskArray::to_hdf5` an array
//!   into a dataset, chunk by chunk, so datasets larger than memory are
//!   worked on out of core as well.
//!
//! Every operation that makes an array writes its chunks into
//! `<path>.distarray-tmp` and its metadata (`zarr.json`) last, then
//! renames the directory: a job killed midway never leaves the target
//! looking complete (an old array at the path stays whole until the
//! rename). Writes into a region of an existing array change its chunks in
//! place, as a save of the region would.
//!
//! The reader and writer threads touch only files: every MPI call stays on
//! the thread that called the operation. That is MPI's
//! `MPI_THREAD_FUNNELED` level; a program using out-of-core arrays can ask
//! for it with `mpi::initialize_with_threading(Threading::Funneled)`
//! (Open MPI runs them at any level).
//!
//! Long work shows a progress bar on rank 0 (see
//! `DISTARRAY_PROGRESS` in the I/O docs).
//!
//! ## When to use out-of-core arrays
//!
//! When the data do not fit in the ranks' memory (or should not stay
//! there): simulation output to post-process, a reduction or a transform
//! over many gigabytes. Each pass reads (and writes) the whole array, so
//! a chain of operations costs a disk pass each: write the chain as one
//! [`apply`] with a deferred expression, or load what fits with
//! [`read`](DiskArray::read) and work in memory. Arrays that fit in memory
//! are faster as [`DistArray`](crate::DistArray)s.
//!
//! ```
//! use distarray_core::ooc::{self, DiskArray, OocOptions};
//! use distarray_core::Comm;
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let dir = std::env::temp_dir().join(format!("distarray-doc-ooc-{}", std::process::id()));
//! let opts = OocOptions { budget: 1 << 20, chunk_shape: Some(vec![100, 50]), ..OocOptions::default() };
//! // 1000 x 50 cells made chunk by chunk (x = row index)
//! let x = DiskArray::<f64>::generate(&comm, dir.join("x.zarr"), &[1000, 50], &opts, |start, mut c| {
//!     for (ix, v) in c.indexed_iter_mut() { *v = (start[0] + ix[0]) as f64; }
//! }).unwrap();
//! // z = 2x + 1 on disk, as a deferred expression over each slab
//! let z = ooc::apply(&[&x], dir.join("z.zarr"), &opts, |s, out| (2.0 * s[0].lazy() + 1.0).eval_into(out)).unwrap();
//! assert_eq!(z.sum().unwrap(), 50.0 * (1000.0 * 999.0 + 1000.0));
//! assert_eq!(z.max().unwrap(), 1999.0);
//! let rows = z.read(&[10..12, 0..50]).unwrap();           // a region, in memory
//! assert_eq!(rows.gather_all().unwrap()[[1, 7]], 23.0);
//! # if comm.rank() == 0 { std::fs::remove_dir_all(&dir).ok(); }
//! ```

mod copy;
mod disk;
mod elementwise;
#[cfg(feature = "hdf5")]
mod h5;
mod pipeline;
mod reduce;
mod region;
mod units;

pub use disk::{DiskArray, OocOptions};
pub use elementwise::apply;
pub use reduce::for_each_slab;

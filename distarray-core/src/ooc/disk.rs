//! The handle on an array on disk, its options, and making new arrays.

use super::pipeline::{run, Job, Sink};
use crate::comm::{fingerprint, Comm};
use crate::error::{Error, Result};
use crate::io::zarr::load::open_checked;
use crate::io::zarr::meta::ZarrJson;
use crate::io::zarr::save::{open_array, same_arguments};
use crate::io::{default_chunk_shape, path_words, ZarrCompression, ZarrElement};
use crate::layout::Layout;
use ndarray::ArrayViewMutD;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use zarrs::array::Array;
use zarrs::filesystem::FilesystemStore;

/// How out-of-core work runs, and how the arrays it makes are stored.
///
/// # Examples
///
/// ```
/// use distarray_core::ooc::OocOptions;
/// use distarray_core::io::ZarrCompression;
/// let o = OocOptions::default();
/// assert_eq!(o.budget, 1 << 30);                 // 1 GiB per rank
/// let small = OocOptions { budget: 64 << 20, chunk_shape: Some(vec![1024, 1024]),
///                          compression: ZarrCompression::Zstd { level: 1 } };
/// assert!(small.budget < o.budget);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OocOptions {
    /// Bytes of chunk buffers each rank may hold at once (all the chunks
    /// in flight: being read, computed and written). At least one chunk of
    /// every array an operation touches must fit; more make the reads,
    /// the computing and the writes overlap. An input read through zarrs
    /// (compressed, or stored in other chunks than the ones walked) counts
    /// its stored chunk twice more (decoded and encoded). Arrays this makes
    /// keep the budget for their reductions and regions.
    pub budget: usize,
    /// The chunk shape of arrays an operation makes; `None`: the first
    /// input's (permuted by a transposition), or for
    /// [`generate`](DiskArray::generate) and
    /// [`create`](DiskArray::create) the balanced blocks' split to at most
    /// 64 MiB ([`crate::io::default_chunk_shape`]).
    pub chunk_shape: Option<Vec<usize>>,
    /// The compression of arrays an operation makes.
    pub compression: ZarrCompression,
}

impl Default for OocOptions {
    fn default() -> OocOptions {
        OocOptions {
            budget: 1 << 30,
            chunk_shape: None,
            compression: ZarrCompression::None,
        }
    }
}

impl OocOptions {
    /// Words that name the options, for agreeing that every rank passed
    /// the same.
    pub(crate) fn words(&self) -> impl Iterator<Item = u64> + '_ {
        [self.budget as u64, u64::MAX]
            .into_iter()
            .chain(self.chunk_shape.iter().flatten().map(|&c| c as u64))
            .chain([u64::MAX])
            .chain(self.compression.words())
    }
}

/// A Zarr v3 array on disk that every rank of a communicator opened: the
/// handle out-of-core work runs on (see [the module](crate::ooc)).
/// Opening reads only the metadata; every operation is collective.
///
/// The array must have a regular chunk grid (every Zarr v3 array zarr-python
/// and distarray write has one); any codecs zarrs reads are fine, and
/// uncompressed chunks are read and written straight from their files.
///
/// # Examples
///
/// ```
/// use distarray_core::ooc::{DiskArray, OocOptions};
/// use distarray_core::io::ZarrOptions;
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-disk-{}.zarr", std::process::id()));
/// let a = DistArray::<i64>::from_fn(&Layout::block(&comm, &[12, 4]).unwrap(), |ix| (ix[0] * 4 + ix[1]) as i64);
/// a.save_zarr(&path, &ZarrOptions { chunk_shape: Some(vec![5, 4]), ..Default::default() }).unwrap();
/// let d = DiskArray::<i64>::open(&comm, &path).unwrap();
/// assert_eq!((d.shape(), d.chunk_shape()), (&[12, 4][..], &[5, 4][..]));
/// assert_eq!(d.sum().unwrap(), 47 * 48 / 2);
/// assert!(DiskArray::<f64>::open(&comm, &path).is_err());   // another element type
/// ```
pub struct DiskArray<T: ZarrElement> {
    pub(crate) comm: Comm,
    pub(crate) path: PathBuf,
    pub(crate) meta: ZarrJson,
    pub(crate) chunks: Vec<usize>,
    pub(crate) array: Array<FilesystemStore>,
    pub(crate) budget: usize,
    _t: PhantomData<T>,
}

impl<T: ZarrElement> std::fmt::Debug for DiskArray<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DiskArray<{}>({}, shape {:?}, chunks {:?})",
            T::DTYPE,
            self.path.display(),
            self.meta.shape,
            self.chunks
        )
    }
}

impl<T: ZarrElement> DiskArray<T> {
    /// Opens the Zarr v3 array at `path` on every rank of `comm`.
    /// Collective.
    ///
    /// Errors (on every rank alike): a missing or corrupt store, another
    /// element type ([`Error::DTypeMismatch`]), a 0-d array, a chunk grid
    /// that is not regular, codecs zarrs does not know, ranks passing
    /// different paths.
    pub fn open(comm: &Comm, path: impl AsRef<Path>) -> Result<DiskArray<T>> {
        let path = path.as_ref();
        same_arguments(comm, "DiskArray::open (path)", path, None)?;
        let meta = open_checked::<T>(comm, path)?;
        let chunks = comm.agree(match &meta.chunk_shape {
            _ if meta.shape.is_empty() => Err(Error::InvalidArgument(format!(
                "DiskArray::open: {} is a 0-d array; load it with DistArray::load_zarr",
                path.display()
            ))),
            Some(c) if c.len() == meta.shape.len() && !c.contains(&0) => Ok(c.clone()),
            _ => Err(crate::io::io_err(
                path,
                "not a regular chunk grid: out-of-core work runs chunk by chunk",
            )),
        })?;
        let array = comm.agree(open_array(path))?;
        Ok(DiskArray {
            comm: comm.clone(),
            path: path.to_path_buf(),
            meta,
            chunks,
            array,
            budget: OocOptions::default().budget,
            _t: PhantomData,
        })
    }

    /// Makes a new array of zeros at `path` (replacing a Zarr array there):
    /// only the metadata is written, as Zarr stores an array of its fill
    /// value. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-create-{}.zarr", std::process::id()));
    /// let d = DiskArray::<f32>::create(&comm, &path, &[1 << 20, 1 << 20], &OocOptions::default()).unwrap();
    /// assert_eq!(d.len(), 1 << 40);                           // 4 TiB of zeros, no bytes
    /// ```
    pub fn create(
        comm: &Comm,
        path: impl AsRef<Path>,
        shape: &[usize],
        options: &OocOptions,
    ) -> Result<DiskArray<T>> {
        let path = path.as_ref();
        let chunks = new_chunk_shape(comm, shape, options, None)?;
        let job = Job::new("DiskArray::create", comm, path, options.budget);
        let sink = Sink::<T>::begin(&job, shape, &chunks, &options.compression)?;
        sink.finish(comm, Ok(()))?;
        Ok(DiskArray::open(comm, path)?.with_budget(options.budget))
    }

    /// Makes a new array at `path` (replacing a Zarr array there), each
    /// chunk filled by `fill(start, chunk)`: `start` is the global index of
    /// the chunk's first cell, `chunk` its cells (edge chunks are cut to the
    /// array). Each rank fills a run of the chunks, writing one while it
    /// fills the next, within `options.budget`. Collective.
    ///
    /// Errors: a chunk shape of the wrong length or with a zero, a chunk
    /// that does not fit the budget, `path` taken by something other than
    /// a Zarr array, I/O errors (on every rank alike).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-gen-{}.zarr", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![3]), ..OocOptions::default() };
    /// let d = DiskArray::<i32>::generate(&comm, &path, &[10], &opts, |start, mut c| {
    ///     for (i, v) in c.iter_mut().enumerate() { *v = (start[0] + i) as i32; }
    /// }).unwrap();
    /// assert_eq!(d.read(&[0..10]).unwrap().gather_all().unwrap().as_slice().unwrap(),
    ///            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    /// ```
    pub fn generate(
        comm: &Comm,
        path: impl AsRef<Path>,
        shape: &[usize],
        options: &OocOptions,
        mut fill: impl FnMut(&[usize], ArrayViewMutD<'_, T>),
    ) -> Result<DiskArray<T>> {
        let path = path.as_ref();
        let chunks = new_chunk_shape(comm, shape, options, None)?;
        let job = Job::new("DiskArray::generate", comm, path, options.budget);
        let sink = Sink::<T>::begin(&job, shape, &chunks, &options.compression)?;
        let done = run::<T, T, _>(&job, &[], Some(&sink), |unit, _, out| {
            fill(&unit.start, out.expect("a sink"));
            Ok(())
        });
        sink.finish(comm, done)?;
        Ok(DiskArray::open(comm, path)?.with_budget(options.budget))
    }

    /// This handle with `bytes` as its budget per rank for the work that
    /// takes no [`OocOptions`] (reductions, region reads and writes);
    /// opening gives the default, 1 GiB.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::ooc::{DiskArray, OocOptions};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-budget-{}.zarr", std::process::id()));
    /// let opts = OocOptions { chunk_shape: Some(vec![1000]), ..Default::default() };
    /// let d = DiskArray::<f64>::create(&comm, &path, &[10_000], &opts).unwrap();
    /// assert_eq!(d.budget(), 1 << 30);
    /// let d = d.with_budget(16 << 10);                // two chunks of 8000 bytes
    /// assert_eq!(d.sum().unwrap(), 0.0);
    /// assert!(d.with_budget(4000).sum().is_err());    // not even one chunk fits
    /// ```
    pub fn with_budget(mut self, bytes: usize) -> DiskArray<T> {
        self.budget = bytes;
        self
    }

    /// The budget per rank of the work that takes no [`OocOptions`].
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        &self.meta.shape
    }

    /// The number of axes.
    pub fn ndim(&self) -> usize {
        self.meta.shape.len()
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.meta.shape.iter().product()
    }

    /// Whether the array has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The chunk shape of the store.
    pub fn chunk_shape(&self) -> &[usize] {
        &self.chunks
    }

    /// The store's directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The communicator that opened it.
    pub fn comm(&self) -> &Comm {
        &self.comm
    }

    /// Whether chunks are stored as raw bytes (no compression): then they
    /// are read and written straight from their files.
    pub fn is_raw(&self) -> bool {
        self.meta.raw
    }
}

/// The chunk shape an operation making an array of `shape` uses:
/// `options.chunk_shape` (clamped to the shape), the input's (`like`), or
/// the default; checked, and agreed with the other arguments.
pub(crate) fn new_chunk_shape(
    comm: &Comm,
    shape: &[usize],
    options: &OocOptions,
    like: Option<&[usize]>,
) -> Result<Vec<usize>> {
    let asked = match (&options.chunk_shape, like) {
        (Some(c), _) => Ok(c.clone()),
        (None, Some(l)) => Ok(l.to_vec()),
        // the default sized for 8-byte cells, whatever the type (at most
        // 64 MiB of them)
        (None, None) => Layout::block(comm, shape).map(|l| default_chunk_shape(&l, 8)),
    };
    let words = fingerprint(
        shape
            .iter()
            .map(|&n| n as u64)
            .chain([u64::MAX])
            .chain(options.words()),
    );
    let verdict = asked.as_ref().map(|_| ()).map_err(Clone::clone);
    comm.agree_on(
        "out-of-core options (shape, budget, chunk shape, compression)",
        words,
        verdict,
    )?;
    let asked = asked?;
    comm.agree(if shape.is_empty() {
        Err(Error::InvalidArgument(
            "out-of-core arrays have at least one axis".into(),
        ))
    } else if asked.len() != shape.len() || asked.contains(&0) {
        Err(Error::InvalidArgument(format!(
            "chunk shape {asked:?} for a {}-d array needs one positive length per axis",
            shape.len()
        )))
    } else {
        Ok(())
    })?;
    Ok(asked
        .iter()
        .zip(shape)
        .map(|(&c, &n)| c.min(n.max(1)))
        .collect())
}

/// Agrees that every rank passed the same path (for operations that write).
pub(crate) fn same_path(comm: &Comm, what: &str, path: &Path) -> Result<()> {
    comm.agree_on(what, fingerprint(path_words(path, "")), Ok(()))
}

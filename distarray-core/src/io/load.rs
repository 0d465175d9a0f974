//! Loading what [`open`](super::open) found, without naming the element
//! type: [`FileInfo::load`], [`FileInfo::load_in`], and the typed
//! [`FileInfo::load_as`]. Each delegates to the format's typed loader
//! (which checks the file again), and the shape loaded must be the one
//! `open` found: a file changed since `open` gives an error, never an
//! array that differs from its `FileInfo`. [`load`] opens and loads in one
//! collective call.

use super::open::{FileInfo, Format};
use super::path_words;
use crate::array::{with_element_type, AnyDistArray, DistArray};
use crate::comm::{fingerprint, Comm};
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::layout::Layout;

/// The element types the file formats read (HDF5 and Zarr need their own
/// bounds).
trait FileElement: H5Bound + ZarrBound {}
impl<T: H5Bound + ZarrBound> FileElement for T {}
#[cfg(feature = "hdf5")]
trait H5Bound: super::H5Element {}
#[cfg(feature = "hdf5")]
impl<T: super::H5Element> H5Bound for T {}
#[cfg(not(feature = "hdf5"))]
trait H5Bound: Element {}
#[cfg(not(feature = "hdf5"))]
impl<T: Element> H5Bound for T {}
#[cfg(feature = "zarr")]
trait ZarrBound: super::ZarrElement {}
#[cfg(feature = "zarr")]
impl<T: super::ZarrElement> ZarrBound for T {}
#[cfg(not(feature = "zarr"))]
trait ZarrBound: Element {}
#[cfg(not(feature = "zarr"))]
impl<T: Element> ZarrBound for T {}

/// Where the cells go.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// The layout the file records when it fits `comm`, else balanced blocks.
    Stored(&'a Comm),
    /// This layout.
    In(&'a Layout),
}

impl FileInfo {
    /// Loads the array on every rank of `comm`, whatever its element type.
    /// The layout is the one the file records when it fits (a `.dnpy` set
    /// saved by as many ranks as `comm` has: its distribution; an HDF5
    /// dataset or a Zarr array: its saved layout attribute, on the same
    /// number of ranks),
    /// balanced blocks otherwise (and always for `.npy`). Collective; every
    /// rank must pass the same `FileInfo` (checked: a rank whose view of the
    /// file differs gives every rank [`Error::ArgumentsDiffer`]), and every
    /// rank gets the same verdict.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{io, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::new(&comm, &[6, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
    /// let a = DistArray::<f64>::random(&layout, 1);
    /// let prefix = std::env::temp_dir().join(format!("distarray-doc-load-{}", std::process::id()));
    /// a.save_dnpy(&prefix).unwrap();
    /// let info = comm.agree(io::open(&prefix)).unwrap();
    /// let b = info.load(&comm).unwrap();
    /// assert!(*b.layout() == layout);           // the saved distribution comes back
    /// assert_eq!(b.as_f64().unwrap().local(), a.local());
    /// ```
    pub fn load(&self, comm: &Comm) -> Result<AnyDistArray> {
        self.agree(comm, None)?;
        with_element_type!(self.dtype, T => load_typed::<T>(self, Target::Stored(comm)).map(AnyDistArray::from))
    }

    /// Loads the array into `layout` (any distribution on any number of
    /// ranks; its shape must be the file's), whatever its element type.
    /// Collective, with the checks of [`load`](Self::load).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{io, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-loadin-{}.npy", std::process::id()));
    /// let a = DistArray::<u8>::from_fn(&Layout::block(&comm, &[5]).unwrap(), |ix| ix[0] as u8);
    /// a.save_npy(&path, io::Order::C).unwrap();
    /// let cyclic = Layout::new(&comm, &[5], &[Dist::Cyclic]).unwrap();
    /// let b = comm.agree(io::open(&path)).unwrap().load_in(&cyclic).unwrap();
    /// assert!(*b.layout() == cyclic);
    /// assert_eq!(b.as_u8().unwrap().gather_all().unwrap(), a.gather_all().unwrap());
    /// ```
    pub fn load_in(&self, layout: &Layout) -> Result<AnyDistArray> {
        self.agree(layout.comm(), Some(layout))?;
        with_element_type!(self.dtype, T => load_typed::<T>(self, Target::In(layout)).map(AnyDistArray::from))
    }

    /// [`load`](Self::load) when the element type is known: `T` must be
    /// the file's ([`Error::DTypeMismatch`] on every rank otherwise).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{io, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-loadas-{}.npy", std::process::id()));
    /// DistArray::<i32>::zeros(&Layout::block(&comm, &[4]).unwrap()).save_npy(&path, io::Order::C).unwrap();
    /// let info = comm.agree(io::open(&path)).unwrap();
    /// let a: DistArray<i32> = info.load_as(&comm).unwrap();
    /// assert_eq!(a.shape(), &[4]);
    /// assert!(info.load_as::<f64>(&comm).is_err());
    /// ```
    pub fn load_as<T: Element>(&self, comm: &Comm) -> Result<DistArray<T>> {
        self.agree(comm, None)?;
        if T::DTYPE != self.dtype {
            return Err(Error::DTypeMismatch {
                expected: T::DTYPE.to_string(),
                found: format!("{} in {}", self.dtype, self.path.display()),
            });
        }
        with_element_type!(self.dtype, U => load_typed::<U>(self, Target::Stored(comm))
            .map(AnyDistArray::from)?
            .into_typed())
    }

    /// Agrees that every rank passed the same file description (and the
    /// same layout's fingerprint).
    fn agree(&self, comm: &Comm, layout: Option<&Layout>) -> Result<()> {
        let (tag, count, name) = match &self.format {
            Format::Npy => (0, 0, ""),
            Format::Dnpy { ranks } => (1, *ranks, ""),
            Format::Hdf5 { dataset } => (2, 0, dataset.as_str()),
            Format::PetscVec { index } => (3 + *index as u64, 0, ""),
            Format::PetscMat { nnz, index } => (5 + *index as u64, *nnz, ""),
            Format::Zarr { chunk_shape } => (
                7,
                chunk_shape.as_ref().map_or(0, |c| {
                    c.iter().fold(c.len(), |h, &n| h.wrapping_mul(31) ^ n)
                }),
                "",
            ),
        };
        let dtype = DType::ALL.iter().position(|&d| d == self.dtype);
        let words = path_words(&self.path, name)
            .chain([tag, count as u64, dtype.unwrap_or(usize::MAX) as u64])
            .chain([self.order as u64, self.shape.len() as u64])
            .chain(self.shape.iter().map(|&n| n as u64))
            .chain(layout.map(Layout::fingerprint));
        comm.agree_on(
            "FileInfo::load (file, format, shape, dtype)",
            fingerprint(words),
            Ok(()),
        )
    }
}

/// Opens and loads a file in one collective call, whatever its element
/// type: [`open`](super::open) on every rank, its verdict agreed (a rank
/// that cannot read the file gives every rank its error), then
/// [`FileInfo::load`]. Use `open` alone to look before loading.
///
/// # Examples
///
/// ```
/// use distarray_core::{io, Comm, DType, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-ioload-{}.npy", std::process::id()));
/// DistArray::<i64>::ones(&Layout::block(&comm, &[3, 2]).unwrap()).save_npy(&path, io::Order::C).unwrap();
/// let a = io::load(&comm, &path).unwrap();
/// assert_eq!((a.dtype(), a.shape()), (DType::I64, &[3, 2][..]));
/// assert!(io::load(&comm, path.with_extension("missing")).is_err()); // on every rank
/// ```
pub fn load(comm: &Comm, path: impl AsRef<std::path::Path>) -> Result<AnyDistArray> {
    comm.agree(super::open(path))?.load(comm)
}

/// The format's typed loader; the array it loads must have the shape
/// `open` found (a file rewritten since gives an error, on every rank:
/// the loaders' results are agreed).
fn load_typed<T: FileElement>(info: &FileInfo, target: Target<'_>) -> Result<DistArray<T>> {
    let a = load_typed_unchecked::<T>(info, target)?;
    if a.shape() == info.shape.as_slice() {
        Ok(a)
    } else {
        Err(super::io_err(
            &info.path,
            format!(
                "changed since io::open: it holds shape {:?}, io::open found {:?}",
                a.shape(),
                info.shape
            ),
        ))
    }
}

fn load_typed_unchecked<T: FileElement>(
    info: &FileInfo,
    target: Target<'_>,
) -> Result<DistArray<T>> {
    let blocks = |comm: &Comm| Layout::block(comm, &info.shape);
    let path = info.path.as_path();
    match (&info.format, target) {
        (Format::Npy, Target::Stored(comm)) => DistArray::load_npy(&blocks(comm)?, path),
        (Format::Npy, Target::In(layout)) => DistArray::load_npy(layout, path),
        (Format::Dnpy { ranks }, Target::Stored(comm)) if *ranks == comm.size() => {
            DistArray::load_dnpy(comm, path)
        }
        (Format::Dnpy { .. }, Target::Stored(comm)) => {
            DistArray::load_dnpy_in(&blocks(comm)?, path)
        }
        (Format::Dnpy { .. }, Target::In(layout)) => DistArray::load_dnpy_in(layout, path),
        (Format::Hdf5 { dataset }, target) => load_hdf5::<T>(info, dataset, target),
        (Format::PetscVec { index }, target) => load_petsc_vec(info, *index, target)?.into_typed(),
        (Format::Zarr { .. }, target) => load_zarr::<T>(info, target),
        (Format::PetscMat { .. }, _) => Err(super::io_err(
            path,
            "a PETSc binary AIJ Mat: a sparse matrix loads as each rank's rows with \
             io::load_petsc_mat, not as a dense array",
        )),
    }
}

/// The Vec `open` found (the file's first object), as the element type it
/// holds (agreed file, object and layout: every rank the same verdict).
fn load_petsc_vec(
    info: &FileInfo,
    index: super::PetscIndexWidth,
    target: Target<'_>,
) -> Result<AnyDistArray> {
    use super::{PetscBinaryFile, PetscBinaryOptions, PetscScalarKind};
    let comm = match target {
        Target::Stored(comm) => comm,
        Target::In(layout) => layout.comm(),
    };
    let scalar = match info.dtype {
        DType::C128 => PetscScalarKind::Complex,
        _ => PetscScalarKind::Real,
    };
    let file = comm.agree(PetscBinaryFile::open_with(
        &info.path,
        PetscBinaryOptions { scalar, index },
    ))?;
    fn typed<T: super::PetscScalar>(
        file: &PetscBinaryFile,
        target: Target<'_>,
    ) -> Result<AnyDistArray>
    where
        AnyDistArray: From<DistArray<T>>,
    {
        match target {
            Target::Stored(comm) => file.load_vec::<T>(comm, 0).map(AnyDistArray::from),
            Target::In(layout) => file.load_vec_in::<T>(layout, 0).map(AnyDistArray::from),
        }
    }
    match scalar {
        PetscScalarKind::Real => typed::<f64>(&file, target),
        PetscScalarKind::Complex => typed::<num_complex::Complex64>(&file, target),
    }
}

#[cfg(feature = "hdf5")]
fn load_hdf5<T: FileElement>(
    info: &FileInfo,
    dataset: &str,
    target: Target<'_>,
) -> Result<DistArray<T>> {
    match target {
        Target::Stored(comm) => DistArray::load_hdf5_restore(comm, &info.path, dataset),
        Target::In(layout) => DistArray::load_hdf5(layout, &info.path, dataset),
    }
}

#[cfg(not(feature = "hdf5"))]
fn load_hdf5<T: FileElement>(
    info: &FileInfo,
    _dataset: &str,
    _target: Target<'_>,
) -> Result<DistArray<T>> {
    Err(super::io_err(
        &info.path,
        "an HDF5 file: this distarray was built without HDF5 support (feature `hdf5`)",
    ))
}

#[cfg(feature = "zarr")]
fn load_zarr<T: FileElement>(info: &FileInfo, target: Target<'_>) -> Result<DistArray<T>> {
    match target {
        Target::Stored(comm) => DistArray::load_zarr_saved_layout(comm, &info.path),
        Target::In(layout) => DistArray::load_zarr(layout, &info.path),
    }
}

#[cfg(not(feature = "zarr"))]
fn load_zarr<T: FileElement>(info: &FileInfo, _target: Target<'_>) -> Result<DistArray<T>> {
    Err(super::io_err(
        &info.path,
        "a Zarr array: this distarray was built without Zarr support (feature `zarr`)",
    ))
}

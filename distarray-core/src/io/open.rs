//! What a file holds, before loading it: [`open`] recognizes an `.npy`
//! file, a `.dnpy` set, an HDF5 file or a PETSc binary file by its content and reads its headers
//! only (shape, element type, order, the layout it was saved from).
//! Loading is then one collective call that needs no type parameter
//! ([`FileInfo::load`], giving an [`AnyDistArray`](crate::AnyDistArray)), or a typed one
//! ([`FileInfo::load_as`]).
//!
//! ```
//! use distarray_core::{io, Comm, DType, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let dir = std::env::temp_dir().join(format!("distarray-doc-open-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let a = DistArray::<i32>::from_fn(&Layout::block(&comm, &[4, 3]).unwrap(), |ix| ix[0] as i32);
//! a.save_npy(dir.join("a.npy"), io::Order::C).unwrap();
//!
//! // headers only, no MPI; agreed, so a rank that cannot read the file
//! // does not leave the others waiting in `load`
//! let info = comm.agree(io::open(dir.join("a.npy"))).unwrap();
//! assert_eq!((info.shape.as_slice(), info.dtype), (&[4, 3][..], DType::I32));
//! let b = info.load(&comm).unwrap();                    // collective
//! assert_eq!(b.dtype(), DType::I32);
//! assert_eq!(b.as_i32().unwrap().gather_all().unwrap(), a.gather_all().unwrap());
//! ```

use super::dnpy::{check_dnpy_set, dnpy_path, DNPY_MAGIC};
use super::io_err;
use super::npy::NPY_MAGIC;
use super::npy_file::{read_header, Order};
use super::petsc::file::index_width_of;
use super::petsc::{PetscBinaryFile, PetscIndexWidth, PetscObject};
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::protocol::DimDict;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The first bytes of every HDF5 file (at offset 0, 512, 1024, 2048, ...
/// when the file starts with a user block).
const HDF5_SIGNATURE: &[u8; 8] = b"\x89HDF\r\n\x1a\n";

/// The kind of file (or set of files) a [`FileInfo`] describes.
///
/// Non-exhaustive: more formats may join.
///
/// # Examples
///
/// ```
/// use distarray_core::io::Format;
/// let f = Format::Dnpy { ranks: 4 };
/// assert_eq!(f.to_string(), ".dnpy set of 4 files");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// One `.npy` file (NumPy's format).
    Npy,
    /// A `.dnpy` set: one file per rank that saved it.
    Dnpy {
        /// The number of files (ranks that saved the set).
        ranks: usize,
    },
    /// One dataset of an HDF5 file.
    Hdf5 {
        /// The dataset's path in the file (`"results/u"`).
        dataset: String,
    },
    /// A PETSc binary file whose first object is a Vec (`VecView`); the
    /// [`FileInfo`] describes that Vec (all objects:
    /// [`PetscBinaryFile`](super::PetscBinaryFile)).
    PetscVec {
        /// The width of the file's integers.
        index: PetscIndexWidth,
    },
    /// A PETSc binary file whose first object is an AIJ Mat (`MatView`),
    /// of shape `[rows, columns]`; it loads as sparse rows
    /// ([`load_petsc_mat`](super::load_petsc_mat)), not as a dense array.
    PetscMat {
        /// Its stored entries.
        nnz: usize,
        /// The width of the file's integers.
        index: PetscIndexWidth,
    },
    /// A Zarr v3 array: a directory holding `zarr.json` and the chunks.
    Zarr {
        /// The shape of its chunks (`None`: a chunk grid other than
        /// `regular`).
        chunk_shape: Option<Vec<usize>>,
    },
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Format::Npy => f.write_str(".npy file"),
            Format::Dnpy { ranks } => write!(f, ".dnpy set of {ranks} files"),
            Format::Hdf5 { dataset } => write!(f, "HDF5 dataset {dataset}"),
            Format::PetscVec { index } => write!(f, "PETSc binary Vec ({index})"),
            Format::PetscMat { nnz, index } => {
                write!(f, "PETSc binary AIJ Mat with {nnz} nonzeros ({index})")
            }
            Format::Zarr {
                chunk_shape: Some(c),
            } => write!(f, "Zarr v3 array, chunks {c:?}"),
            Format::Zarr { chunk_shape: None } => f.write_str("Zarr v3 array"),
        }
    }
}

/// The distribution a file was saved from, when the format records one.
///
/// # Examples
///
/// ```
/// use distarray_core::io::{FileInfo, StoredLayout};
/// fn files(info: &FileInfo) -> usize {
///     match &info.stored_layout {
///         Some(StoredLayout::Dnpy { dim_data, .. }) => dim_data.len(),
///         _ => 1,
///     }
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StoredLayout {
    /// A `.dnpy` set: file `k`'s dimension dictionaries (the Distributed
    /// Array Protocol's `dim_data`) and buffer shape, at `k`.
    Dnpy {
        /// Per file, one dictionary per axis.
        dim_data: Vec<Vec<DimDict>>,
        /// Per file, the shape of its buffer (padding included).
        buffer_shapes: Vec<Vec<usize>>,
    },
    /// An HDF5 dataset's `distarray_layout` attribute (JSON: `shape`,
    /// `grid`, and per axis its `kind` and parameters).
    Hdf5(serde_json::Value),
    /// A Zarr array's `distarray_layout` attribute (JSON: `ranks`, and per
    /// rank its `dim_data` and buffer shape; see
    /// [`ZARR_LAYOUT_ATTRIBUTE`](super::ZARR_LAYOUT_ATTRIBUTE)).
    Zarr(serde_json::Value),
}

/// What a file holds, from its headers: see [`open`].
///
/// # Examples
///
/// ```
/// use distarray_core::{io, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let dir = std::env::temp_dir().join(format!("distarray-doc-info-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// DistArray::<f32>::zeros(&Layout::block(&comm, &[5]).unwrap()).save_dnpy(dir.join("z")).unwrap();
/// let info = io::open(dir.join("z")).unwrap();
/// assert_eq!(info.format, io::Format::Dnpy { ranks: comm.size() });
/// assert_eq!(info.path, dir.join("z"));
/// assert!(info.stored_layout.is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FileInfo {
    /// The file; for a `.dnpy` set, its prefix (`dir/u` for `dir/u_0.dnpy`, ...).
    pub path: PathBuf,
    /// What kind of file it is.
    pub format: Format,
    /// The array's global shape.
    pub shape: Vec<usize>,
    /// The element type.
    pub dtype: DType,
    /// The order of the stored elements (of the first file's buffer for a
    /// `.dnpy` set; HDF5 datasets are C order).
    pub order: Order,
    /// The distribution the data was saved from, if the format records it.
    pub stored_layout: Option<StoredLayout>,
}

/// What `path` holds, recognized by content, from its headers only: an
/// `.npy` file, a `.dnpy` set (given its prefix `dir/u` or one of its files
/// `dir/u_3.dnpy`; the set is checked as a whole, as
/// [`check_dnpy_set`] does), an HDF5 file holding exactly one dataset
/// (several: an error listing their names; name one with [`open_hdf5`]),
/// a PETSc binary file (by its class id; the [`FileInfo`] describes its
/// first object, a Vec or an AIJ Mat: shape, `float64` or `complex128`),
/// or a Zarr v3 array (a directory whose `zarr.json` says `"node_type":
/// "array"`, or that `zarr.json` itself; read without the `zarr` feature,
/// loaded with it).
///
/// Local and cheap (no MPI, no data read). To load on several ranks, let
/// every rank open the file and agree on the verdict, so a rank that cannot
/// read it does not leave the others waiting:
/// `let info = comm.agree(io::open(path))?;` then [`FileInfo::load`]
/// (which checks that every rank's `FileInfo` is the same).
///
/// Errors name the file: a missing file (and no `.dnpy` set with that
/// prefix), a directory, an empty, unknown, truncated or corrupt file, an
/// incomplete or inconsistent set, an element type distarray does not hold.
///
/// # Examples
///
/// ```
/// use distarray_core::{io, Comm, DType, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let dir = std::env::temp_dir().join(format!("distarray-doc-io-open-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let a = DistArray::<f64>::zeros(&Layout::block(&comm, &[3, 2]).unwrap());
/// a.save_npy(dir.join("f.npy"), io::Order::Fortran).unwrap();
/// let info = io::open(dir.join("f.npy")).unwrap();
/// assert_eq!(info.format, io::Format::Npy);
/// assert_eq!(info.order, io::Order::Fortran);
/// assert!(io::open(dir.join("missing.npy")).is_err());
/// ```
pub fn open(path: impl AsRef<Path>) -> Result<FileInfo> {
    let path = path.as_ref();
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && path.file_name() == Some("zarr.json".as_ref()) => open_zarr(
            path.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        ),
        Ok(m) if m.is_file() => open_file(path, None),
        _ if looks_like_set(path) => open_dnpy(path),
        Ok(m) if m.is_dir() && path.join("zarr.json").is_file() => open_zarr(path),
        Ok(m) if m.is_dir() => Err(io_err(
            path,
            "is a directory, not a file distarray reads (.npy, .dnpy set, HDF5, Zarr array)",
        )),
        Ok(_) => Err(io_err(path, "is not a regular file")),
        Err(e) => Err(io_err(
            path,
            format!(
                "{e}; nor is it the prefix of a .dnpy set (no {})",
                dnpy_path(path, 0).display()
            ),
        )),
    }
}

/// [`open`] for dataset `dataset` (`"results/u"`) of the HDF5 file `path`.
/// Without the `hdf5` feature, an error that says so.
///
/// # Examples
///
/// ```
/// use distarray_core::io;
/// let err = io::open_hdf5("/no/such/file.h5", "u").unwrap_err();
/// assert!(err.to_string().contains("file.h5"));
/// ```
pub fn open_hdf5(path: impl AsRef<Path>, dataset: &str) -> Result<FileInfo> {
    let path = path.as_ref();
    if !is_hdf5(path) {
        let why = match std::fs::metadata(path) {
            Err(e) => e.to_string(),
            Ok(_) => format!("not an HDF5 file (asked for its dataset {dataset})"),
        };
        return Err(io_err(path, why));
    }
    open_file(path, Some(dataset))
}

/// Whether `path` is an HDF5 file (by its signature, as `h5py.is_hdf5`).
///
/// # Examples
///
/// ```
/// assert!(!distarray_core::io::is_hdf5("/no/such/file.h5"));
/// ```
pub fn is_hdf5(path: impl AsRef<Path>) -> bool {
    std::fs::File::open(path.as_ref()).is_ok_and(|f| hdf5_signature(&f))
}

/// Whether the signature is at 0, 512, 1024, 2048, ... (HDF5's places).
fn hdf5_signature(f: &std::fs::File) -> bool {
    let size = f.metadata().map_or(0, |m| m.len());
    let mut at = 0u64;
    while at + 8 <= size {
        let mut sig = [0u8; 8];
        if f.read_exact_at(&mut sig, at).is_ok() && &sig == HDF5_SIGNATURE {
            return true;
        }
        at = if at == 0 { 512 } else { at * 2 };
    }
    false
}

/// Whether `prefix` names a `.dnpy` set (its first or second file is there:
/// a set whose first file is missing is reported as such).
fn looks_like_set(prefix: &Path) -> bool {
    (0..2).any(|r| std::fs::symlink_metadata(dnpy_path(prefix, r)).is_ok())
}

/// The prefix of a set's file `dir/u_3.dnpy` (`dir/u`), by its name.
fn set_prefix(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_str()?;
    let (stem, rank) = name.strip_suffix(".dnpy")?.rsplit_once('_')?;
    let digits = !rank.is_empty() && rank.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| file.with_file_name(stem))
}

/// A regular file, by content.
fn open_file(path: &Path, dataset: Option<&str>) -> Result<FileInfo> {
    let f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let size = f.metadata().map_err(|e| io_err(path, e))?.len();
    let mut head = vec![0u8; size.min(8) as usize];
    f.read_exact_at(&mut head, 0).map_err(|e| io_err(path, e))?;
    if head.starts_with(NPY_MAGIC) {
        return open_npy(path);
    }
    if hdf5_signature(&f) {
        return open_hdf5_file(path, dataset);
    }
    if index_width_of(&head).is_some() {
        return open_petsc(path);
    }
    if let Some(prefix) = set_prefix(path) {
        // a set's file (a corrupt one too: the set's check names what is wrong)
        return open_dnpy(&prefix);
    }
    if head.starts_with(DNPY_MAGIC) {
        return Err(io_err(
            path,
            "a .dnpy file whose name is not <prefix>_<rank>.dnpy: open its set by prefix",
        ));
    }
    let detail = if size == 0 {
        "empty file: not a file distarray reads (.npy, .dnpy set, HDF5)".to_string()
    } else {
        format!(
            "not a file distarray reads: neither .npy (\\x93NUMPY), .dnpy (\\x93DARRY), \
             HDF5 (\\x89HDF) nor a PETSc binary Vec or Mat (00127b4e, 00127b50); it starts \
             with {}",
            head.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    Err(io_err(path, detail))
}

fn open_npy(path: &Path) -> Result<FileInfo> {
    let what = path.display().to_string();
    let (h, off, size) = read_header(path, &what)?;
    let need = (off + h.data_len()) as u64;
    if size < need {
        return Err(io_err(
            path,
            format!("truncated: {size} bytes, the header announces {need}"),
        ));
    }
    Ok(FileInfo {
        path: path.to_path_buf(),
        format: Format::Npy,
        shape: h.shape,
        dtype: h.dtype,
        order: if h.fortran_order {
            Order::Fortran
        } else {
            Order::C
        },
        stored_layout: None,
    })
}

fn open_zarr(dir: &Path) -> Result<FileInfo> {
    let meta = super::zarr::read_zarr_json(dir)?;
    Ok(FileInfo {
        path: dir.to_path_buf(),
        format: Format::Zarr {
            chunk_shape: meta.chunk_shape,
        },
        shape: meta.shape,
        dtype: meta.dtype,
        order: Order::C,
        stored_layout: meta.saved_layout.map(StoredLayout::Zarr),
    })
}

fn open_petsc(path: &Path) -> Result<FileInfo> {
    let file = PetscBinaryFile::open(path)?;
    let index = file.options.index;
    let first = file.objects[0];
    Ok(FileInfo {
        path: path.to_path_buf(),
        format: match first {
            PetscObject::Mat { nnz, .. } => Format::PetscMat { nnz, index },
            _ => Format::PetscVec { index },
        },
        shape: first.shape(),
        dtype: file.options.scalar.dtype(),
        order: Order::C,
        stored_layout: None,
    })
}

fn open_dnpy(prefix: &Path) -> Result<FileInfo> {
    let set = check_dnpy_set(prefix).map_err(|e| name_the_file(prefix, e))?;
    let (dims0, npy0) = &set[0];
    let shape = dims0.iter().map(|d| d.size).collect();
    let (dtype, fortran) = (npy0.dtype, npy0.fortran_order);
    let ranks = set.len();
    let (dim_data, buffer_shapes) = set.into_iter().map(|(d, h)| (d, h.shape)).unzip();
    Ok(FileInfo {
        path: prefix.to_path_buf(),
        format: Format::Dnpy { ranks },
        shape,
        dtype,
        order: if fortran { Order::Fortran } else { Order::C },
        stored_layout: Some(StoredLayout::Dnpy {
            dim_data,
            buffer_shapes,
        }),
    })
}

/// A protocol error of file `r` of a set names the file.
fn name_the_file(prefix: &Path, e: Error) -> Error {
    match e {
        Error::Protocol {
            rule,
            rank: Some(r),
            dim,
            detail,
        } => {
            let file = dnpy_path(prefix, r).display().to_string();
            let detail = if detail.contains(&file) {
                detail
            } else {
                format!("{file}: {detail}")
            };
            Error::protocol(rule, Some(r), dim, detail)
        }
        other => other,
    }
}

#[cfg(feature = "hdf5")]
fn open_hdf5_file(path: &Path, dataset: Option<&str>) -> Result<FileInfo> {
    let (dataset, shape, dtype, saved) = super::hdf5io::describe_dataset(path, dataset)?;
    Ok(FileInfo {
        path: path.to_path_buf(),
        format: Format::Hdf5 { dataset },
        shape,
        dtype,
        order: Order::C,
        stored_layout: saved.map(StoredLayout::Hdf5),
    })
}

#[cfg(not(feature = "hdf5"))]
fn open_hdf5_file(path: &Path, _dataset: Option<&str>) -> Result<FileInfo> {
    Err(io_err(
        path,
        "an HDF5 file: this distarray was built without HDF5 support (feature `hdf5`)",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_prefixes_come_from_member_names() {
        assert_eq!(
            set_prefix(Path::new("run/u_12.dnpy")),
            Some(PathBuf::from("run/u"))
        );
        assert_eq!(
            set_prefix(Path::new("a_b_0.dnpy")),
            Some(PathBuf::from("a_b"))
        );
        assert_eq!(set_prefix(Path::new("u_.dnpy")), None);
        assert_eq!(set_prefix(Path::new("u_x.dnpy")), None);
        assert_eq!(set_prefix(Path::new("u_0.npy")), None);
    }

    #[test]
    fn unknown_empty_and_missing_files_are_named() {
        let dir = std::env::temp_dir().join(format!("distarray-open-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.bin");
        std::fs::write(&junk, b"hello, world").unwrap();
        let e = open(&junk).unwrap_err().to_string();
        assert!(
            e.contains("junk.bin") && e.contains("68656c6c6f2c2077"),
            "{e}"
        );
        let empty = dir.join("empty.npy");
        std::fs::write(&empty, b"").unwrap();
        let e = open(&empty).unwrap_err().to_string();
        assert!(e.contains("empty.npy") && e.contains("empty file"), "{e}");
        let e = open(dir.join("none")).unwrap_err().to_string();
        assert!(e.contains("none_0.dnpy"), "{e}");
        let e = open(&dir).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = open_hdf5(&junk, "u").unwrap_err().to_string();
        assert!(e.contains("not an HDF5 file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[cfg(all(test, feature = "hdf5"))]
mod hdf5_tests {
    use super::*;

    #[test]
    fn hdf5_files_open_by_their_only_or_their_named_dataset() {
        let dir = std::env::temp_dir().join(format!("distarray-open-h5-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let several = dir.join("several.h5");
        {
            let f = hdf5::File::create(&several).unwrap();
            f.new_dataset::<f32>().shape([3, 4]).create("a").unwrap();
            let g = f.create_group("g").unwrap();
            g.new_dataset::<i64>().shape([5]).create("b").unwrap();
            f.new_dataset::<u16>().shape([2]).create("odd").unwrap();
        }
        assert!(is_hdf5(&several));
        let e = open(&several).unwrap_err().to_string();
        assert!(
            e.contains("several.h5") && e.contains("3 datasets (a, g/b, odd)"),
            "{e}"
        );
        let info = open_hdf5(&several, "g/b").unwrap();
        assert_eq!(
            info.format,
            Format::Hdf5 {
                dataset: "g/b".into()
            }
        );
        assert_eq!(info.path, several);
        assert_eq!((&info.shape[..], info.dtype), (&[5][..], DType::I64));
        assert_eq!((info.order, info.stored_layout), (Order::C, None));
        assert_eq!(open_hdf5(&several, "/a").unwrap().dtype, DType::F32);
        let e = open_hdf5(&several, "odd").unwrap_err().to_string();
        assert!(e.contains("not an element type of distarray"), "{e}");
        let e = open_hdf5(&several, "missing").unwrap_err().to_string();
        assert!(e.contains("several.h5") && e.contains("missing"), "{e}");

        let one = dir.join("one.h5");
        {
            let f = hdf5::File::create(&one).unwrap();
            let g = f.create_group("deep").unwrap().create_group("er").unwrap();
            g.new_dataset::<num_complex::Complex64>()
                .shape([2, 0, 3])
                .create("x")
                .unwrap();
        }
        let info = open(&one).unwrap();
        assert_eq!(
            info.format,
            Format::Hdf5 {
                dataset: "deep/er/x".into()
            }
        );
        assert_eq!((&info.shape[..], info.dtype), (&[2, 0, 3][..], DType::C128));

        let none = dir.join("none.h5");
        hdf5::File::create(&none)
            .unwrap()
            .create_group("g")
            .unwrap();
        let e = open(&none).unwrap_err().to_string();
        assert!(e.contains("holds no dataset"), "{e}");
        // a signature and nothing else: HDF5's own error, naming the file
        let corrupt = dir.join("corrupt.h5");
        std::fs::write(&corrupt, b"\x89HDF\r\n\x1a\nnot a superblock").unwrap();
        let e = open(&corrupt).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{}: HDF5", corrupt.display())),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Saving and loading distributed arrays.
//!
//! - `.dnpy`: one file per rank, byte-compatible with DistArray 0.6
//!   ([`DistArrayBase::save_dnpy`](crate::DistArrayBase::save_dnpy),
//!   [`DistArray::load_dnpy`](crate::DistArray::load_dnpy)).
//! - `.npy`: one file NumPy reads, written and read in parallel: each rank
//!   writes/reads its own contiguous slab at its offset
//!   ([`DistArrayBase::save_npy`](crate::DistArrayBase::save_npy),
//!   [`DistArray::load_npy`](crate::DistArray::load_npy)), in C or
//!   Fortran order, from and into any layout (through one redistribution
//!   when the layout is not already the file's slab layout).
//!
//! - PETSc's binary files (what `VecView`/`MatView` write; [`petsc`]),
//!   without PETSc: Vecs into any layout
//!   ([`DistArray::load_petsc_vec`](crate::DistArray::load_petsc_vec),
//!   [`DistArrayBase::save_petsc_vec`](crate::DistArrayBase::save_petsc_vec)),
//!   AIJ matrices into each rank's CSR rows ([`load_petsc_mat`],
//!   [`save_petsc_mat`]), byte-compatible with PETSc's own.
//!
//! - Zarr v3 arrays (feature `zarr`; [`ZarrOptions`]): one array
//!   directory zarr-python and Dask read, each rank writing and
//!   reading its own chunks (`DistArrayBase::save_zarr`,
//!   `DistArray::load_zarr`, `DistArray::load_zarr_into`,
//!   `DistArray::load_zarr_saved_layout`).
//!
//! - Any of them, without knowing its shape or element type in advance:
//!   [`open`] reads the headers into a [`FileInfo`], whose
//!   [`load`](FileInfo::load) gives an [`AnyDistArray`](crate::AnyDistArray).
//!
//! Every save writes under a temporary name and renames only when every
//! rank succeeded, so a file that looks complete is complete; a `.dnpy`
//! set is committed as a unit (see
//! [`DistArrayBase::save_dnpy`](crate::DistArrayBase::save_dnpy)). Missing,
//! corrupt, truncated, wrong-type and wrong-shape files give every rank the
//! same error.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! use distarray_core::io::Order;
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let layout = Layout::new(&comm, &[4, 6], &[Dist::Cyclic, Dist::Block]).unwrap();
//! let a = DistArray::<f64>::random(&layout, 7);
//! let dir = std::env::temp_dir().join(format!("distarray-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! a.save_npy(dir.join("a.npy"), Order::C).unwrap();       // numpy.load reads it
//! let b = DistArray::<f64>::load_npy(&layout, dir.join("a.npy")).unwrap();
//! assert_eq!(a.local(), b.local());
//! a.save_dnpy(dir.join("a")).unwrap();                      // a_0.dnpy, a_1.dnpy, ...
//! let c = DistArray::<f64>::load_dnpy(&comm, dir.join("a")).unwrap();
//! assert_eq!(a.local(), c.local());
//! ```

mod dnpy;
#[cfg(feature = "hdf5")]
pub(crate) mod hdf5io;
mod load;
mod npy;
mod npy_file;
mod open;
pub mod petsc;
pub(crate) mod progress;
pub mod pyliteral;
pub(crate) mod zarr;

pub use dnpy::{
    check_dnpy_set, dnpy_count, dnpy_header, dnpy_path, owned_globals, read_dnpy, read_dnpy_header,
    DnpyFile, DNPY_MAGIC,
};
#[doc(hidden)]
pub use dnpy::{interrupt_dnpy_saves_at, SaveStage};
#[cfg(feature = "hdf5")]
pub use hdf5io::{hdf5_dtype, hdf5_info, H5Element, LAYOUT_ATTRIBUTE};
pub use load::load;
pub use npy::{from_bytes, to_bytes, NpyHeader, NPY_MAGIC};
pub use npy_file::Order;
pub use open::{is_hdf5, open, open_hdf5, FileInfo, Format, StoredLayout};
pub use petsc::{
    load_petsc_mat, load_petsc_mat_in, save_petsc_mat, save_petsc_mat_with, PetscBinaryFile,
    PetscBinaryOptions, PetscIndexWidth, PetscObject, PetscScalar, PetscScalarKind,
};
#[cfg(feature = "zarr")]
pub use zarr::{default_chunk_shape, ZarrElement};
pub use zarr::{is_zarr_array, ZarrCompression, ZarrOptions, ZARR_LAYOUT_ATTRIBUTE};

use crate::comm::Comm;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The temporary name a file is written under before its rename.
/// Words of a path and a name within the file (a dataset; "" for none),
/// for the agreement that every rank names the same.
pub(crate) fn path_words<'a>(path: &'a Path, name: &'a str) -> impl Iterator<Item = u64> + 'a {
    path.as_os_str()
        .as_encoded_bytes()
        .iter()
        .map(|&b| u64::from(b))
        .chain([u64::MAX])
        .chain(name.bytes().map(u64::from))
}

pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|s| s.to_os_string())
        .unwrap_or_default();
    name.push(".distarray-tmp");
    path.with_file_name(name)
}

pub(crate) fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Io {
        path: path.display().to_string(),
        detail: e.to_string(),
    }
}

/// The end of a collective write of one shared file under the temporary
/// name `tmp`: when any rank failed (`written`), rank 0 removes the
/// temporary file and every rank returns the first error; otherwise rank 0
/// renames it to `path`. Collective.
pub(crate) fn commit_shared_file(
    comm: &Comm,
    written: Result<()>,
    tmp: &Path,
    path: &Path,
) -> Result<()> {
    if let Err(e) = comm.agree(written) {
        if comm.rank() == 0 {
            let _ = std::fs::remove_file(tmp);
        }
        return Err(e);
    }
    let renamed = if comm.rank() == 0 {
        std::fs::rename(tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(tmp);
            io_err(path, e)
        })
    } else {
        Ok(())
    };
    comm.agree(renamed)
}

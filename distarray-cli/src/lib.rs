//! The internals of the `distarray` command, as a library so that its
//! tests can reach them (the picture plans of `distarray plot`, in
//! particular). Not a stable API: use the command, or the `distarray`
//! crate.

pub mod plot;

use std::path::{Path, PathBuf};

/// A .dnpy set's prefix from a prefix or a list of its files.
///
/// # Examples
///
/// ```
/// use distarray_cli::dnpy_prefix;
/// use std::path::PathBuf;
/// let files = [PathBuf::from("run/u_0.dnpy"), PathBuf::from("run/u_1.dnpy")];
/// assert_eq!(dnpy_prefix(&files), Some(PathBuf::from("run/u")));
/// assert_eq!(dnpy_prefix(&[PathBuf::from("run/u")]), Some(PathBuf::from("run/u")));
/// ```
pub fn dnpy_prefix(files: &[PathBuf]) -> Option<PathBuf> {
    let first = files.first()?;
    let name = first.file_name()?.to_string_lossy().into_owned();
    match name.strip_suffix(".dnpy").and_then(|s| s.rsplit_once('_')) {
        Some((stem, n)) if n.chars().all(|c| c.is_ascii_digit()) => {
            Some(first.with_file_name(stem))
        }
        _ => Some(first.clone()),
    }
}

/// What a path holds, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An `.npy` file.
    Npy,
    /// An HDF5 file (`.h5`, `.hdf5`).
    Hdf5,
    /// A `.dnpy` set (its prefix, or one of its files).
    Dnpy,
    /// A Zarr v3 array directory (`.zarr`).
    Zarr,
}

/// What a path holds, by its extension.
///
/// # Examples
///
/// ```
/// use distarray_cli::{kind_of, Kind};
/// assert_eq!(kind_of("a.npy".as_ref()), Kind::Npy);
/// assert_eq!(kind_of("out.h5".as_ref()), Kind::Hdf5);
/// assert_eq!(kind_of("run/u".as_ref()), Kind::Dnpy);
/// assert_eq!(kind_of("out.zarr".as_ref()), Kind::Zarr);
/// ```
pub fn kind_of(path: &Path) -> Kind {
    match path.extension().and_then(|e| e.to_str()) {
        Some("npy") => Kind::Npy,
        Some("h5") | Some("hdf5") => Kind::Hdf5,
        Some("zarr") => Kind::Zarr,
        _ => Kind::Dnpy,
    }
}

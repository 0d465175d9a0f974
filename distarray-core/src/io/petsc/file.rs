//! What a PETSc binary file holds: its objects' headers, read without MPI,
//! the index width from the first bytes and the scalar kind from the sizes.

use super::{get_int, PetscBinaryOptions, PetscIndexWidth, PetscScalarKind};
use super::{MAT_FILE_CLASSID, VEC_FILE_CLASSID};
use crate::comm::{fingerprint, Comm};
use crate::error::{Error, Result};
use crate::io::{io_err, path_words};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// PETSc's other class ids (petsc*.h), to name what a file holds.
const OTHER_CLASSES: &[(i64, &str)] = &[
    (1211213, "PetscReal array"),
    (1211218, "IS"),
    (1211219, "PetscBag"),
    (1211221, "DM"),
    (1211222, "PC"),
    (1211223, "KSP"),
    (1211224, "SNES"),
    (1211225, "TS"),
];

/// One object of a PETSc binary file.
///
/// # Examples
///
/// ```
/// use distarray_core::io::PetscObject;
/// let v = PetscObject::Vec { len: 5, offset: 0 };
/// assert_eq!((v.shape(), v.to_string()), (vec![5], "Vec of 5".to_string()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PetscObject {
    /// A Vec (`VecView`).
    Vec {
        /// Its number of entries.
        len: usize,
        /// The byte where its header starts.
        offset: u64,
    },
    /// An AIJ Mat (`MatView` of a MATAIJ/MATSEQAIJ/MATMPIAIJ matrix).
    Mat {
        /// Global rows.
        rows: usize,
        /// Global columns.
        cols: usize,
        /// Stored entries.
        nnz: usize,
        /// The byte where its header starts.
        offset: u64,
    },
}

impl PetscObject {
    /// The global shape: `[len]` or `[rows, cols]` (example: [`PetscObject`]).
    pub fn shape(&self) -> Vec<usize> {
        match *self {
            PetscObject::Vec { len, .. } => vec![len],
            PetscObject::Mat { rows, cols, .. } => vec![rows, cols],
        }
    }

    /// The byte where the object's header starts (`info --json` shows it).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::PetscObject;
    /// let a = PetscObject::Mat { rows: 2, cols: 2, nnz: 3, offset: 48 };
    /// assert_eq!((a.offset(), a.shape()), (48, vec![2, 2]));
    /// ```
    pub fn offset(&self) -> u64 {
        match *self {
            PetscObject::Vec { offset, .. } | PetscObject::Mat { offset, .. } => offset,
        }
    }

    /// Its size in bytes, header included; `u64::MAX` when the header's
    /// counts overflow (a corrupt header: no file is that long).
    fn bytes(&self, o: PetscBinaryOptions) -> u64 {
        let (i, s) = (o.index.bytes() as u64, o.scalar.bytes() as u64);
        let size = match *self {
            PetscObject::Vec { len, .. } => (len as u64)
                .checked_mul(s)
                .and_then(|d| d.checked_add(2 * i)),
            PetscObject::Mat { rows, nnz, .. } => (4 + rows as u64)
                .checked_add(nnz as u64)
                .and_then(|ints| ints.checked_mul(i))
                .and_then(|ints| ints.checked_add((nnz as u64).checked_mul(s)?)),
        };
        size.unwrap_or(u64::MAX)
    }

    fn words(&self) -> [u64; 5] {
        match *self {
            PetscObject::Vec { len, offset } => [1, len as u64, 0, 0, offset],
            PetscObject::Mat {
                rows,
                cols,
                nnz,
                offset,
            } => [2, rows as u64, cols as u64, nnz as u64, offset],
        }
    }
}

impl std::fmt::Display for PetscObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PetscObject::Vec { len, .. } => write!(f, "Vec of {len}"),
            PetscObject::Mat {
                rows, cols, nnz, ..
            } => write!(f, "AIJ Mat {rows}x{cols} with {nnz} nonzeros"),
        }
    }
}

/// A PETSc binary file, from its headers: the objects it holds one after
/// another and the build it was written by. [`open`](Self::open) is local
/// and cheap (it reads the headers only); the `load_` methods are the
/// collective, parallel reads.
///
/// # Examples
///
/// Two vectors in one file, as two `VecView`s to one viewer leave them:
///
/// ```
/// use distarray_core::io::{PetscBinaryFile, PetscObject};
/// use distarray_core::{Comm, DistArray};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let path = std::env::temp_dir().join(format!("distarray-doc-pfile-{}.petsc", std::process::id()));
/// let mut bytes = Vec::new();
/// for (n, v) in [(2, 1.5f64), (3, -1.0)] {
///     bytes.extend_from_slice(&1211214i32.to_be_bytes());
///     bytes.extend_from_slice(&(n as i32).to_be_bytes());
///     for _ in 0..n { bytes.extend_from_slice(&v.to_be_bytes()); }
/// }
/// if comm.rank() == 0 { std::fs::write(&path, &bytes).unwrap(); }
/// comm.barrier();
/// let file = comm.agree(PetscBinaryFile::open(&path)).unwrap();
/// assert_eq!(file.objects.len(), 2);
/// assert_eq!(file.objects[1], PetscObject::Vec { len: 3, offset: 24 });
/// let second: DistArray<f64> = file.load_vec(&comm, 1).unwrap();
/// assert_eq!(second.gather_all().unwrap().as_slice().unwrap(), &[-1.0; 3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PetscBinaryFile {
    /// The file.
    pub path: PathBuf,
    /// The build that wrote it (found, or given to [`open_with`](Self::open_with)).
    pub options: PetscBinaryOptions,
    /// Its objects, in file order.
    pub objects: Vec<PetscObject>,
}

impl PetscBinaryFile {
    /// Reads the headers of the PETSc binary file `path`: the index width
    /// from its first bytes, the scalar kind from the sizes (when both kinds
    /// fit — every object empty — real; when the sizes fit both in another
    /// way, an error asking for [`open_with`](Self::open_with)). Local (no
    /// MPI): let every rank open and agree on the verdict
    /// (`comm.agree(PetscBinaryFile::open(path))`) before loading.
    ///
    /// Errors name the file and say what is wrong: missing, not a PETSc
    /// binary file, truncated (where, and how many bytes are missing), an
    /// object distarray does not read (an IS, a dense Mat, ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::PetscBinaryFile;
    /// let err = PetscBinaryFile::open("/no/such/file.petsc").unwrap_err();
    /// assert!(err.to_string().contains("file.petsc"));
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<PetscBinaryFile> {
        let path = path.as_ref();
        let (f, size) = open_sized(path)?;
        let index = index_width(&f, size).map_err(|e| io_err(path, e))?;
        let scan = |scalar| {
            let o = PetscBinaryOptions { scalar, index };
            scan(&f, size, o).map(|objects| (o, objects))
        };
        let picked = match (scan(PetscScalarKind::Real), scan(PetscScalarKind::Complex)) {
            (Ok(r), Err(_)) => Ok(r),
            (Err(_), Ok(c)) => Ok(c),
            (Ok(r), Ok(c)) if r.1.iter().all(|o| o.bytes(r.0) == o.bytes(c.0)) => Ok(r),
            (Ok(_), Ok(_)) => Err(format!(
                "its sizes fit both real and complex scalars ({index}): \
                 open it with PetscBinaryFile::open_with to say which"
            )),
            // the reading that found a PETSc object distarray does not
            // read, else the one that got further, names the trouble
            (Err(r), Err(c)) => Err(if (c.2, c.1) > (r.2, r.1) { c.0 } else { r.0 }),
        };
        let (options, objects) = picked.map_err(|e| io_err(path, e))?;
        Ok(PetscBinaryFile {
            path: path.to_path_buf(),
            options,
            objects,
        })
    }

    /// [`open`](Self::open) for a file written by the build `options`
    /// describes: an error, naming what the file holds instead, when its
    /// index width or sizes contradict it.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::io::{PetscBinaryFile, PetscBinaryOptions, PetscScalarKind};
    /// let path = std::env::temp_dir().join(format!("distarray-doc-popen-{}.petsc", std::process::id()));
    /// let mut bytes = [1211214i32.to_be_bytes(), 1i32.to_be_bytes()].concat();
    /// bytes.extend_from_slice(&2.0f64.to_be_bytes());
    /// std::fs::write(&path, &bytes).unwrap();
    /// let complex = PetscBinaryOptions { scalar: PetscScalarKind::Complex, ..Default::default() };
    /// let err = PetscBinaryFile::open_with(&path, complex).unwrap_err().to_string();
    /// assert!(err.contains("real (f64) scalars"), "{err}");
    /// assert!(PetscBinaryFile::open_with(&path, Default::default()).is_ok());
    /// ```
    pub fn open_with(
        path: impl AsRef<Path>,
        options: PetscBinaryOptions,
    ) -> Result<PetscBinaryFile> {
        let path = path.as_ref();
        let (f, size) = open_sized(path)?;
        let index = index_width(&f, size).map_err(|e| io_err(path, e))?;
        if index != options.index {
            return Err(io_err(
                path,
                format!(
                    "written with {index} (by its first bytes), not {}",
                    options.index
                ),
            ));
        }
        let objects = scan(&f, size, options).map_err(|(e, _, _)| {
            let other = PetscBinaryOptions {
                scalar: options.scalar.other(),
                ..options
            };
            let hint = match scan(&f, size, other) {
                Ok(_) => format!(
                    " (read as {options}); its sizes fit {}: a {} PETSc build wrote it",
                    other.scalar,
                    match other.scalar {
                        PetscScalarKind::Real => "real",
                        PetscScalarKind::Complex => "complex",
                    }
                ),
                Err(_) => format!(" (read as {options})"),
            };
            io_err(path, format!("{e}{hint}"))
        })?;
        Ok(PetscBinaryFile {
            path: path.to_path_buf(),
            options,
            objects,
        })
    }

    /// The index of the first Vec in the file (see [`load_vec`](Self::load_vec)).
    pub fn first_vec(&self) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| matches!(o, PetscObject::Vec { .. }))
    }

    /// The index of the first Mat in the file (see [`load_mat`](Self::load_mat)).
    pub fn first_mat(&self) -> Option<usize> {
        self.objects
            .iter()
            .position(|o| matches!(o, PetscObject::Mat { .. }))
    }

    /// Agrees that every rank passed the same description and object
    /// (`extra`: the target layout's fingerprint), and that object `k`
    /// exists. Collective.
    pub(super) fn agree(&self, comm: &Comm, k: usize, extra: u64, what: &str) -> Result<()> {
        let o = self.options;
        let words = path_words(&self.path, "")
            .chain([o.scalar as u64, o.index as u64, k as u64, extra])
            .chain(self.objects.iter().flat_map(|o| o.words()));
        let local = match self.objects.get(k) {
            Some(_) => Ok(()),
            None => Err(io_err(
                &self.path,
                format!("has {} objects, asked for object {k}", self.objects.len()),
            )),
        };
        comm.agree_on(what, fingerprint(words), local)
    }
}

fn open_sized(path: &Path) -> Result<(File, u64)> {
    let f = File::open(path).map_err(|e| io_err(path, e))?;
    let m = f.metadata().map_err(|e| io_err(path, e))?;
    if !m.is_file() {
        return Err(io_err(path, "not a regular file"));
    }
    Ok((f, m.len()))
}

/// What the class id at the start of a file says about the index width:
/// `00 12 7b 4e` is a 32-bit Vec id, `00 00 00 00 00 12 7b 4e` a 64-bit one.
pub(crate) fn index_width_of(head: &[u8]) -> Option<PetscIndexWidth> {
    let known = |id: i64| id == VEC_FILE_CLASSID || id == MAT_FILE_CLASSID;
    if head.len() >= 4 && known(get_int(head, PetscIndexWidth::I32)) {
        Some(PetscIndexWidth::I32)
    } else if head.len() >= 8 && known(get_int(head, PetscIndexWidth::I64)) {
        Some(PetscIndexWidth::I64)
    } else {
        None
    }
}

fn index_width(f: &File, size: u64) -> std::result::Result<PetscIndexWidth, String> {
    let mut head = vec![0u8; size.min(8) as usize];
    f.read_exact_at(&mut head, 0).map_err(|e| e.to_string())?;
    index_width_of(&head).ok_or_else(|| {
        if size == 0 {
            "empty file: not a PETSc binary file".to_string()
        } else {
            format!(
                "not a PETSc binary Vec or Mat: it starts with {} (a Vec starts with the class id \
                 1211214, 00127b4e, a Mat with 1211216, 00127b50)",
                head.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        }
    })
}

/// What is wrong with a reading of a file, the byte where the reading
/// stopped, and whether it found a PETSc object distarray does not read.
type ScanError = (String, u64, bool);

/// The objects of the file under `o`, to its last byte.
fn scan(
    f: &File,
    size: u64,
    o: PetscBinaryOptions,
) -> std::result::Result<Vec<PetscObject>, ScanError> {
    let isz = o.index.bytes() as u64;
    let mut objects = Vec::new();
    let mut at = 0u64;
    let truncated = |what: &str, need: u64| {
        format!("truncated: {what} needs {need} bytes, the file has {size}")
    };
    while at < size {
        let ints = |n: u64| -> std::result::Result<Vec<i64>, ScanError> {
            if at + n * isz > size {
                let k = objects.len();
                return Err((
                    truncated(
                        &format!("the header of object {k} (at byte {at})"),
                        at + n * isz,
                    ),
                    at,
                    false,
                ));
            }
            let mut b = vec![0u8; (n * isz) as usize];
            f.read_exact_at(&mut b, at)
                .map_err(|e| (e.to_string(), at, false))?;
            Ok(b.chunks_exact(isz as usize)
                .map(|c| get_int(c, o.index))
                .collect())
        };
        let class = ints(1)?[0];
        let k = objects.len();
        let object = match class {
            VEC_FILE_CLASSID => {
                let h = ints(2)?;
                let len = count(h[1], "length", k, at)?;
                PetscObject::Vec { len, offset: at }
            }
            MAT_FILE_CLASSID => {
                let h = ints(4)?;
                let rows = count(h[1], "rows", k, at)?;
                let cols = count(h[2], "columns", k, at)?;
                if h[3] < 0 {
                    return Err((
                        format!(
                            "object {k} (at byte {at}) is a Mat stored in a special format \
                             (nonzeros {}: a dense matrix); distarray reads AIJ matrices",
                            h[3]
                        ),
                        at,
                        true,
                    ));
                }
                let nnz = count(h[3], "nonzeros", k, at)?;
                PetscObject::Mat {
                    rows,
                    cols,
                    nnz,
                    offset: at,
                }
            }
            other => {
                let name = OTHER_CLASSES.iter().find(|(id, _)| *id == other);
                let e = match name {
                    Some((_, name)) => format!(
                        "object {k} (at byte {at}) is a PETSc {name} (class id {other}); \
                         distarray reads Vec and AIJ Mat objects"
                    ),
                    None => format!(
                        "object {k} (at byte {at}) does not start with a PETSc class id \
                         (found {other}; a Vec starts with {VEC_FILE_CLASSID}, a Mat with \
                         {MAT_FILE_CLASSID})"
                    ),
                };
                return Err((e, at, name.is_some()));
            }
        };
        let end = at.saturating_add(object.bytes(o));
        if end > size {
            return Err((
                truncated(&format!("object {k} ({object}, at byte {at})"), end),
                at,
                false,
            ));
        }
        objects.push(object);
        at = end;
    }
    if objects.is_empty() {
        return Err(("empty file: not a PETSc binary file".into(), 0, false));
    }
    Ok(objects)
}

fn count(v: i64, what: &str, k: usize, at: u64) -> std::result::Result<usize, ScanError> {
    usize::try_from(v).map_err(|_| {
        (
            format!("object {k} (at byte {at}) has {what} {v}"),
            at,
            false,
        )
    })
}

/// Reads `n` big-endian `PetscInt`s at byte `at`: as `u64`s, each checked
/// to be in `0..=max` (an error names the `first + i`th `what`).
pub(super) fn read_ints(
    f: &File,
    (at, first): (u64, u64),
    n: usize,
    width: PetscIndexWidth,
    max: u64,
    what: &str,
) -> std::io::Result<Vec<u64>> {
    let w = width.bytes();
    let mut out = Vec::with_capacity(n);
    let piece = (super::write::PIECE / w).max(1);
    let mut b = vec![0u8; piece.min(n) * w];
    let mut done = 0;
    while done < n {
        let m = piece.min(n - done);
        f.read_exact_at(&mut b[..m * w], at + (done * w) as u64)?;
        for (i, c) in b[..m * w].chunks_exact(w).enumerate() {
            let v = get_int(c, width);
            if v < 0 || v as u64 > max {
                return Err(std::io::Error::other(format!(
                    "{what} {} is {v}, not in 0..={max}",
                    first + (done + i) as u64
                )));
            }
            out.push(v as u64);
        }
        done += m;
    }
    Ok(out)
}

/// The error for a missing object kind.
pub(super) fn no_such(file: &PetscBinaryFile, kind: &str) -> Error {
    let held: Vec<String> = file.objects.iter().map(|o| o.to_string()).collect();
    io_err(
        &file.path,
        format!("holds no {kind} (it holds: {})", held.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, bytes: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("distarray-petsc-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn vec_bytes(width: PetscIndexWidth, vals: &[f64], complex: bool) -> Vec<u8> {
        let mut b = Vec::new();
        super::super::put_int(VEC_FILE_CLASSID as u64, width, &mut b);
        super::super::put_int(vals.len() as u64, width, &mut b);
        for v in vals {
            b.extend_from_slice(&v.to_be_bytes());
            if complex {
                b.extend_from_slice(&(-v).to_be_bytes());
            }
        }
        b
    }

    #[test]
    fn widths_and_kinds_are_inferred() {
        let p = file(
            "r32",
            &vec_bytes(PetscIndexWidth::I32, &[1.0, 2.0, 3.0], false),
        );
        let f = PetscBinaryFile::open(&p).unwrap();
        assert_eq!(f.options, PetscBinaryOptions::default());
        assert_eq!(f.objects, [PetscObject::Vec { len: 3, offset: 0 }]);
        let p = file(
            "c64",
            &vec_bytes(PetscIndexWidth::I64, &[1.0, 2.0, 3.0], true),
        );
        let f = PetscBinaryFile::open(&p).unwrap();
        assert_eq!(
            f.options,
            PetscBinaryOptions {
                scalar: PetscScalarKind::Complex,
                index: PetscIndexWidth::I64
            }
        );
        let e = PetscBinaryFile::open_with(&p, PetscBinaryOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("64-bit indices"), "{e}");
        let o = PetscBinaryOptions {
            index: PetscIndexWidth::I64,
            ..Default::default()
        };
        let e = PetscBinaryFile::open_with(&p, o).unwrap_err().to_string();
        assert!(e.contains("its sizes fit complex"), "{e}");
        // empty objects: real
        let p = file("empty", &vec_bytes(PetscIndexWidth::I32, &[], false));
        assert_eq!(
            PetscBinaryFile::open(&p).unwrap().options.scalar,
            PetscScalarKind::Real
        );
    }

    #[test]
    fn broken_files_say_what_is_wrong() {
        let mut b = vec_bytes(PetscIndexWidth::I32, &[1.0, 2.0], false);
        b.truncate(b.len() - 3);
        let e = PetscBinaryFile::open(file("trunc", &b))
            .unwrap_err()
            .to_string();
        assert!(e.contains("trunc") && e.contains("truncated"), "{e}");
        let e = PetscBinaryFile::open(file("junk", b"hello world"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a PETSc binary"), "{e}");
        // (a Vec of 1 real and an empty IS would also read as a Vec of 1 complex)
        let mut is = vec_bytes(PetscIndexWidth::I32, &[1.0], false);
        for v in [1211218i32, 1, 7] {
            is.extend_from_slice(&v.to_be_bytes());
        }
        let e = PetscBinaryFile::open(file("is", &is))
            .unwrap_err()
            .to_string();
        assert!(e.contains("object 1 (at byte 16) is a PETSc IS"), "{e}");
        let dense = [1211216i32, 2, 2, -1]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>();
        let e = PetscBinaryFile::open(file("dense", &dense))
            .unwrap_err()
            .to_string();
        assert!(e.contains("dense"), "{e}");
        let e = PetscBinaryFile::open(file("zero", b""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty file"), "{e}");
    }
}

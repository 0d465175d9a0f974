//! PETSc's binary files through PETSc itself: `VecLoad`/`VecView` and
//! `MatLoad`/`MatView` with a binary viewer (`PetscViewerBinaryOpen`).
//!
//! distarray reads and writes the same files without PETSc
//! (`distarray_core::io::petsc`); these are for programs that hold PETSc
//! objects already, and they are how the tests check that both sides agree
//! byte for byte. Before PETSc reads a file, distarray reads its headers on
//! every rank and agrees on the verdict, so that a missing or unsuitable
//! file gives every rank the same error rather than a rank stuck in a
//! collective PETSc call.

use crate::error::check;
use crate::ffi;
use crate::{Petsc, PetscMat, PetscVec};
use distarray_core::io::{
    PetscBinaryFile, PetscBinaryOptions, PetscIndexWidth, PetscObject, PetscScalarKind,
};
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{Comm, Dist, Error, Layout, Result};
use std::ffi::CString;
use std::path::Path;

/// What binary files of the PETSc the bridge is built against hold: its
/// scalars (real or complex double) and its integers (32- or 64-bit).
/// Give it to distarray's `_with` writers (`save_petsc_vec_with`,
/// `io::save_petsc_mat_with`) to write files this PETSc loads, or to
/// `PetscBinaryFile::open_with` to read what it wrote.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{binary_options, COMPLEX, INDEX_BITS};
/// use distarray_core::io::{PetscIndexWidth, PetscScalarKind};
/// let o = binary_options();
/// assert_eq!(o.scalar == PetscScalarKind::Complex, COMPLEX);
/// assert_eq!(o.index == PetscIndexWidth::I64, INDEX_BITS == 64);
/// ```
pub fn binary_options() -> PetscBinaryOptions {
    PetscBinaryOptions {
        scalar: if crate::COMPLEX {
            PetscScalarKind::Complex
        } else {
            PetscScalarKind::Real
        },
        index: match std::mem::size_of::<ffi::PetscInt>() {
            8 => PetscIndexWidth::I64,
            _ => PetscIndexWidth::I32,
        },
    }
}

/// The 1-D layout of PETSc's ownership ranges (`size + 1` entries).
fn bounds_layout(comm: &Comm, ranges: &[ffi::PetscInt]) -> Result<Layout> {
    let bounds: Vec<usize> = ranges.iter().map(|&x| x as usize).collect();
    let n = *bounds.last().unwrap_or(&0);
    Layout::with_grid(comm, &[n], &[Dist::BlockBounds(bounds)], &[comm.size()])
}

/// A binary viewer, destroyed when dropped (on every path).
struct Viewer(ffi::PetscViewer);

impl Viewer {
    /// `PetscViewerBinaryOpen` on `comm` (collective). The path must be the
    /// same on every rank (agreed).
    fn open(comm: &Comm, path: &Path, mode: ffi::PetscFileMode) -> Result<Viewer> {
        let words = path
            .as_os_str()
            .as_encoded_bytes()
            .iter()
            .map(|&b| b as u64);
        let name = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| Error::InvalidArgument(format!("{}: a NUL in the path", path.display())));
        let fp = distarray_core::comm::fingerprint(words.chain([mode as u64]));
        let name = comm.agree_on("PETSc binary viewer (path)", fp, name)?;
        let mut raw: ffi::PetscViewer = std::ptr::null_mut();
        // SAFETY: a live communicator, a NUL-terminated name PETSc copies,
        // and an out pointer to a handle.
        let code = unsafe {
            ffi::PetscViewerBinaryOpen(comm.raw().as_raw(), name.as_ptr(), mode, &mut raw)
        };
        let opened = check(code, "PetscViewerBinaryOpen").map(|()| Viewer(raw));
        comm.agree(opened)
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        // SAFETY: owned by this handle, destroyed once (PETSc nulls it).
        let code = unsafe { ffi::PetscViewerDestroy(&mut self.0) };
        if code != 0 {
            eprintln!("bridge-petsc: PetscViewerDestroy returned {code}");
        }
    }
}

/// A Mat under construction, destroyed unless handed over.
struct NewMat(ffi::Mat);

impl Drop for NewMat {
    fn drop(&mut self) {
        // SAFETY: owned by this handle until taken; MatDestroy of a null
        // handle does nothing.
        let code = unsafe { ffi::MatDestroy(&mut self.0) };
        if code != 0 {
            eprintln!("bridge-petsc: MatDestroy returned {code}");
        }
    }
}

/// The file's headers, read by every rank and agreed: its first object
/// must be a `kind` PETSc reads (this build's scalars and integers).
fn first_object(comm: &Comm, path: &Path, kind: &str) -> Result<PetscObject> {
    let local = PetscBinaryFile::open_with(path, binary_options()).and_then(|f| {
        match (f.objects[0], kind) {
            (o @ PetscObject::Vec { .. }, "Vec") | (o @ PetscObject::Mat { .. }, "Mat") => Ok(o),
            (other, _) => Err(Error::Io {
                path: path.display().to_string(),
                detail: format!("its first object is a {other}, not a {kind}"),
            }),
        }
    });
    comm.agree(local)
}

impl<'p> PetscVec<'p> {
    /// Loads the Vec at the start of a PETSc binary file with PETSc's
    /// `VecLoad`, split by PETSc. The file's headers are checked on every
    /// rank first (same verdict everywhere: a missing or truncated file, a
    /// Mat, another build's scalars or integers). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{binary_options, Petsc, PetscVec};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("bridge-doc-vload-{}.petsc", std::process::id()));
    /// let x = DistArray::full(&Layout::block(&comm, &[6]).unwrap(), 2.0);
    /// x.save_petsc_vec_with(&path, binary_options()).unwrap(); // written by distarray, for this PETSc
    /// let v = PetscVec::load(&petsc, &comm, &path).unwrap(); // read by PETSc
    /// assert_eq!(v.norm2().unwrap(), (6.0f64 * 4.0).sqrt());
    /// ```
    pub fn load(petsc: &'p Petsc, comm: &Comm, path: impl AsRef<Path>) -> Result<PetscVec<'p>> {
        let path = path.as_ref();
        let len = match first_object(comm, path, "Vec")? {
            PetscObject::Vec { len, .. } => len,
            _ => unreachable!("first_object checked the kind"),
        };
        let v = PetscVec::with_size(petsc, comm, len)?;
        let viewer = Viewer::open(comm, path, ffi::PetscFileMode_FILE_MODE_READ)?;
        // SAFETY: a live Vec and viewer; PETSc reads into the Vec's memory.
        let code = unsafe { ffi::VecLoad(crate::AsPetscVec::raw_vec(&v), viewer.0) };
        comm.agree(check(code, "VecLoad"))?;
        Ok(v)
    }

    /// Writes the Vec to a PETSc binary file with PETSc's `VecView` (and the
    /// viewer's `<path>.info`), in this build's scalars and integers. The
    /// file holds the entries in the order of [`layout`](Self::layout): a
    /// [`Dmda::global_vec`](crate::Dmda::global_vec) of a 2-D or 3-D grid
    /// is written in the grid's C order (through distarray's writer: PETSc's
    /// would write each rank's block after the other). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec, Scalar};
    /// use distarray_core::{Comm, DistArray};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("bridge-doc-vsave-{}.petsc", std::process::id()));
    /// let mut v = PetscVec::with_size(&petsc, &comm, 5).unwrap();
    /// v.set(3.0).unwrap();
    /// v.save(&path).unwrap(); // written by PETSc
    /// let x = DistArray::<Scalar>::load_petsc_vec(&comm, &path).unwrap(); // read by distarray
    /// assert!(x.local().iter().all(|&e| e == Scalar::from(3.0)));
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let layout = self.layout();
        if layout.ndim() > 1 {
            // a DMDA global vector: VecView writes the ranks' blocks one
            // after the other, not the grid's order; distarray's writer
            // puts every cell at its C-order place
            let view = layout.comm().agree(self.to_array())?;
            return view.save_petsc_vec_with(path, binary_options());
        }
        let comm = layout.comm();
        let viewer = Viewer::open(comm, path.as_ref(), ffi::PetscFileMode_FILE_MODE_WRITE)?;
        // SAFETY: a live Vec and viewer.
        let code = unsafe { ffi::VecView(crate::AsPetscVec::raw_vec(self), viewer.0) };
        let viewed = check(code, "VecView");
        drop(viewer); // flushes and closes the file (and its .info)
        comm.agree(viewed)
    }
}

impl<'p> PetscMat<'p> {
    /// Loads the AIJ Mat at the start of a PETSc binary file with PETSc's
    /// `MatLoad` (type MATAIJ: MPIAIJ on several ranks), rows split by
    /// PETSc ([`rows`](Self::rows) tells how). The file's headers are
    /// checked on every rank first. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{binary_options, Petsc, PetscMat};
    /// use distarray_core::{io, sparse::gallery::poisson_2d, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("bridge-doc-mload-{}.petsc", std::process::id()));
    /// let rows = Layout::block(&comm, &[9]).unwrap();
    /// let csr = poisson_2d(&rows, 3, 3).unwrap();
    /// io::save_petsc_mat_with(&path, &rows, &csr, binary_options()).unwrap(); // for this PETSc
    /// let a = PetscMat::load(&petsc, &comm, &path).unwrap();
    /// assert_eq!(a.rows().shape(), &[9]);
    /// ```
    pub fn load(petsc: &'p Petsc, comm: &Comm, path: impl AsRef<Path>) -> Result<PetscMat<'p>> {
        let _ = petsc;
        let path = path.as_ref();
        first_object(comm, path, "Mat")?;
        let viewer = Viewer::open(comm, path, ffi::PetscFileMode_FILE_MODE_READ)?;
        let mut mat = NewMat(std::ptr::null_mut());
        // SAFETY: a live communicator; an out pointer to a handle.
        let code = unsafe { ffi::MatCreate(comm.raw().as_raw(), &mut mat.0) };
        comm.agree(check(code, "MatCreate"))?;
        // SAFETY: a live Mat; PETSc copies the type name.
        let code = unsafe { ffi::MatSetType(mat.0, c"aij".as_ptr()) };
        comm.agree(check(code, "MatSetType"))?;
        // SAFETY: a live Mat and viewer.
        let code = unsafe { ffi::MatLoad(mat.0, viewer.0) };
        comm.agree(check(code, "MatLoad"))?;
        let mut ranges: *const ffi::PetscInt = std::ptr::null();
        // SAFETY: a live, loaded Mat; PETSc returns its own array.
        let code = unsafe { ffi::MatGetOwnershipRanges(mat.0, &mut ranges) };
        comm.agree(check(code, "MatGetOwnershipRanges"))?;
        // SAFETY: size + 1 entries owned by the Mat, which lives here.
        let r = unsafe { std::slice::from_raw_parts(ranges, comm.size() + 1) };
        let rows = bounds_layout(comm, r)?;
        // SAFETY: as above, the column ownership ranges.
        let code = unsafe { ffi::MatGetOwnershipRangesColumn(mat.0, &mut ranges) };
        comm.agree(check(code, "MatGetOwnershipRangesColumn"))?;
        // SAFETY: size + 1 entries owned by the Mat, which lives here.
        let c = unsafe { std::slice::from_raw_parts(ranges, comm.size() + 1) };
        let cols = bounds_layout(comm, c)?;
        let raw = std::mem::replace(&mut mat.0, std::ptr::null_mut());
        Ok(PetscMat::from_raw(raw, rows, cols))
    }

    /// Writes the matrix to a PETSc binary file with PETSc's `MatView` (and
    /// the viewer's `<path>.info`). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{binary_options, scalar_rows, Petsc, PetscMat};
    /// use distarray_core::io::{PetscBinaryFile, PetscObject};
    /// use distarray_core::{sparse::gallery::poisson_2d, Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let comm = Comm::world();
    /// let path = std::env::temp_dir().join(format!("bridge-doc-msave-{}.petsc", std::process::id()));
    /// let rows = Layout::block(&comm, &[16]).unwrap();
    /// let csr = scalar_rows(poisson_2d(&rows, 4, 4).unwrap());
    /// PetscMat::from_csr(&petsc, &rows, &csr).unwrap().save(&path).unwrap();
    /// let file = comm.agree(PetscBinaryFile::open(&path)).unwrap();
    /// assert_eq!(file.options, binary_options()); // this build's scalars and integers
    /// assert!(matches!(file.objects[0], PetscObject::Mat { rows: 16, cols: 16, nnz: 64, .. }));
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let comm = self.rows().comm();
        let viewer = Viewer::open(comm, path.as_ref(), ffi::PetscFileMode_FILE_MODE_WRITE)?;
        // SAFETY: a live Mat and viewer.
        let code = unsafe { ffi::MatView(self.raw(), viewer.0) };
        let viewed = check(code, "MatView");
        drop(viewer); // flushes and closes the file (and its .info)
        comm.agree(viewed)
    }
}

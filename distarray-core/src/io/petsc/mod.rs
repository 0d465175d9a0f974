//! PETSc's binary files — what `VecView` and `MatView` write through a
//! binary viewer (`PetscViewerBinaryOpen`) — read and written in parallel,
//! without PETSc.
//!
//! The format (PETSc 3.18, `src/vec/vec/utils/vecio.c`,
//! `src/mat/impls/aij/mpi/mpiaij.c`): big-endian throughout; every object
//! starts with its class id, then
//!
//! - a Vec: `VEC_FILE_CLASSID` (1211214), `n`, then `n` scalars;
//! - an AIJ Mat: `MAT_FILE_CLASSID` (1211216), rows `M`, columns `N`,
//!   nonzeros `nz`, the `M` row lengths, the `nz` column indices (each row's
//!   in increasing order), the `nz` values.
//!
//! The integers are `PetscInt`s (4 bytes, or 8 in a build with 64-bit
//! indices; [`PetscIndexWidth`]), the scalars `PetscScalar`s (8-byte reals,
//! or 16-byte complex numbers, real part first, in a complex build;
//! [`PetscScalarKind`]). A file holds its objects one after another (a
//! second `VecView` to the same viewer appends); [`PetscBinaryFile`] lists
//! them and loads any of them. The index width shows in the first bytes;
//! the scalar kind is inferred from the sizes when only one kind fits the
//! file (or given: [`PetscBinaryFile::open_with`]).
//!
//! PETSc's viewer also writes a small text file next to the data,
//! `<file>.info`, with loading options (`-vecload_block_size 1`). The
//! readers here do not need it; the writers write it as PETSc does, so that
//! a stale one left by an earlier run does not change how PETSc loads the
//! new file.
//!
//! Every rank reads or writes only its own part, at its offset (no gather
//! onto one rank): reads run at once; writes take turns, rank after rank,
//! since concurrent writers to one file on one node contend in the kernel
//! (as for `.npy` files). Vectors load into any layout of
//! the same number of cells (C order); matrices into this rank's rows of a
//! 1-D block row layout as [`CsrRows`](crate::sparse::CsrRows) (global
//! columns). What we write is byte for byte what PETSc writes for the same
//! data.
//!
//! ```
//! use distarray_core::{io, sparse::gallery::poisson_2d, Comm, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let dir = std::env::temp_dir().join(format!("distarray-doc-petsc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//!
//! // a vector, saved as VecView would and read back into balanced blocks
//! let x = DistArray::from_fn(&Layout::block(&comm, &[10]).unwrap(), |ix| ix[0] as f64);
//! x.save_petsc_vec(dir.join("x.petsc")).unwrap();
//! let y = DistArray::<f64>::load_petsc_vec(&comm, dir.join("x.petsc")).unwrap();
//! assert_eq!(y.gather_all().unwrap(), x.gather_all().unwrap());
//!
//! // a sparse matrix, as MatView would write it, and its rows back
//! let rows = Layout::block(&comm, &[9]).unwrap();
//! let a = poisson_2d(&rows, 3, 3).unwrap();
//! io::save_petsc_mat(dir.join("a.petsc"), &rows, &a).unwrap();
//! let (rows2, b) = io::load_petsc_mat(&comm, dir.join("a.petsc")).unwrap();
//! assert!(rows2 == rows);
//! assert_eq!(a, b);
//!
//! // what a file holds, before loading
//! let file = comm.agree(io::PetscBinaryFile::open(dir.join("a.petsc"))).unwrap();
//! assert_eq!(file.objects[0].shape(), vec![9, 9]);
//! ```

pub(crate) mod file;
mod mat;
mod vec;
mod write;

pub use file::{PetscBinaryFile, PetscObject};
pub use mat::{load_petsc_mat, load_petsc_mat_in, save_petsc_mat, save_petsc_mat_with};

use crate::dtype::Element;
use num_complex::Complex64;

/// The class id that starts a Vec in a PETSc binary file.
pub const VEC_FILE_CLASSID: i64 = 1211214;
/// The class id that starts a Mat in a PETSc binary file.
pub const MAT_FILE_CLASSID: i64 = 1211216;

/// The width of `PetscInt` in the PETSc build that wrote (or will read) a
/// file: the integers of the headers, row lengths and column indices.
///
/// # Examples
///
/// ```
/// use distarray_core::io::PetscIndexWidth;
/// assert_eq!(PetscIndexWidth::default(), PetscIndexWidth::I32);
/// assert_eq!(PetscIndexWidth::I64.bytes(), 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PetscIndexWidth {
    /// 32-bit `PetscInt` (PETSc's default, Debian's build).
    #[default]
    I32,
    /// 64-bit `PetscInt` (`--with-64-bit-indices`).
    I64,
}

impl PetscIndexWidth {
    /// Bytes per integer.
    pub fn bytes(self) -> usize {
        match self {
            PetscIndexWidth::I32 => 4,
            PetscIndexWidth::I64 => 8,
        }
    }

    /// The largest value an integer of this width holds.
    fn max(self) -> u64 {
        match self {
            PetscIndexWidth::I32 => i32::MAX as u64,
            PetscIndexWidth::I64 => i64::MAX as u64,
        }
    }
}

impl std::fmt::Display for PetscIndexWidth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-bit indices", 8 * self.bytes())
    }
}

/// The kind of `PetscScalar` in the PETSc build that wrote (or will read) a
/// file.
///
/// # Examples
///
/// ```
/// use distarray_core::io::PetscScalarKind;
/// use distarray_core::DType;
/// assert_eq!(PetscScalarKind::Complex.bytes(), 16);
/// assert_eq!(PetscScalarKind::Real.dtype(), DType::F64);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PetscScalarKind {
    /// Real double precision (`f64`; PETSc's default).
    #[default]
    Real,
    /// Complex double precision (`Complex64`; `--with-scalar-type=complex`).
    Complex,
}

impl PetscScalarKind {
    /// Bytes per scalar.
    pub fn bytes(self) -> usize {
        match self {
            PetscScalarKind::Real => 8,
            PetscScalarKind::Complex => 16,
        }
    }

    /// The element type distarray holds these scalars in.
    pub fn dtype(self) -> crate::DType {
        match self {
            PetscScalarKind::Real => crate::DType::F64,
            PetscScalarKind::Complex => crate::DType::C128,
        }
    }

    fn other(self) -> Self {
        match self {
            PetscScalarKind::Real => PetscScalarKind::Complex,
            PetscScalarKind::Complex => PetscScalarKind::Real,
        }
    }
}

impl std::fmt::Display for PetscScalarKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PetscScalarKind::Real => "real (f64) scalars",
            PetscScalarKind::Complex => "complex (Complex64) scalars",
        })
    }
}

/// What a PETSc build's binary files hold: its scalar kind and index
/// width. The default is PETSc's default build (real scalars, 32-bit
/// indices). Give it to [`PetscBinaryFile::open_with`] to read a file as a
/// given build wrote it (an error says when the file contradicts it), or
/// to the `_with` writers to write for that build.
///
/// # Examples
///
/// ```
/// use distarray_core::io::{PetscBinaryOptions, PetscIndexWidth, PetscScalarKind};
/// let complex64 = PetscBinaryOptions { scalar: PetscScalarKind::Complex, index: PetscIndexWidth::I64 };
/// assert_eq!(complex64.to_string(), "complex (Complex64) scalars, 64-bit indices");
/// assert_eq!(PetscBinaryOptions::default().index, PetscIndexWidth::I32);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PetscBinaryOptions {
    /// The scalars' kind.
    pub scalar: PetscScalarKind,
    /// The integers' width.
    pub index: PetscIndexWidth,
}

impl std::fmt::Display for PetscBinaryOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, {}", self.scalar, self.index)
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f64 {}
    impl Sealed for num_complex::Complex64 {}
}

/// The element types a PETSc binary file's scalars load into and are
/// written from: `f64` and `Complex64` (sealed).
///
/// # Examples
///
/// ```
/// use distarray_core::io::{PetscScalar, PetscScalarKind};
/// use distarray_core::num_complex::Complex64;
/// assert_eq!(<Complex64 as PetscScalar>::KIND, PetscScalarKind::Complex);
/// ```
pub trait PetscScalar: Element + sealed::Sealed {
    /// The kind of scalar this type holds exactly.
    const KIND: PetscScalarKind;
    /// Appends `values` as scalars of `kind`, big-endian (a real value as a
    /// complex scalar gets imaginary part 0; complex values cannot be
    /// written as real scalars: the caller checks).
    #[doc(hidden)]
    fn put_be(values: &[Self], kind: PetscScalarKind, out: &mut Vec<u8>);
    /// Reads `out.len()` big-endian scalars of `Self::KIND`.
    #[doc(hidden)]
    fn get_be(bytes: &[u8], out: &mut [Self]);
}

impl PetscScalar for f64 {
    const KIND: PetscScalarKind = PetscScalarKind::Real;
    fn put_be(values: &[f64], kind: PetscScalarKind, out: &mut Vec<u8>) {
        for v in values {
            out.extend_from_slice(&v.to_be_bytes());
            if kind == PetscScalarKind::Complex {
                out.extend_from_slice(&0f64.to_be_bytes());
            }
        }
    }
    fn get_be(bytes: &[u8], out: &mut [f64]) {
        for (o, b) in out.iter_mut().zip(bytes.chunks_exact(8)) {
            *o = f64::from_be_bytes(b.try_into().expect("8 bytes"));
        }
    }
}

impl PetscScalar for Complex64 {
    const KIND: PetscScalarKind = PetscScalarKind::Complex;
    fn put_be(values: &[Complex64], _kind: PetscScalarKind, out: &mut Vec<u8>) {
        for v in values {
            out.extend_from_slice(&v.re.to_be_bytes());
            out.extend_from_slice(&v.im.to_be_bytes());
        }
    }
    fn get_be(bytes: &[u8], out: &mut [Complex64]) {
        for (o, b) in out.iter_mut().zip(bytes.chunks_exact(16)) {
            let re = f64::from_be_bytes(b[..8].try_into().expect("8 bytes"));
            let im = f64::from_be_bytes(b[8..].try_into().expect("8 bytes"));
            *o = Complex64::new(re, im);
        }
    }
}

/// A `PetscInt` of `width` at the start of `b`.
fn get_int(b: &[u8], width: PetscIndexWidth) -> i64 {
    match width {
        PetscIndexWidth::I32 => i32::from_be_bytes(b[..4].try_into().expect("4 bytes")) as i64,
        PetscIndexWidth::I64 => i64::from_be_bytes(b[..8].try_into().expect("8 bytes")),
    }
}

/// Appends `v` as a `PetscInt` of `width` (the caller checked that it fits).
fn put_int(v: u64, width: PetscIndexWidth, out: &mut Vec<u8>) {
    match width {
        PetscIndexWidth::I32 => out.extend_from_slice(&(v as i32).to_be_bytes()),
        PetscIndexWidth::I64 => out.extend_from_slice(&(v as i64).to_be_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_and_ints_are_big_endian() {
        let mut out = Vec::new();
        f64::put_be(&[1.0], PetscScalarKind::Real, &mut out);
        assert_eq!(out, [0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
        out.clear();
        f64::put_be(&[1.0], PetscScalarKind::Complex, &mut out);
        assert_eq!(out.len(), 16);
        let mut z = [Complex64::default()];
        Complex64::get_be(&out, &mut z);
        assert_eq!(z[0], Complex64::new(1.0, 0.0));
        out.clear();
        put_int(VEC_FILE_CLASSID as u64, PetscIndexWidth::I32, &mut out);
        assert_eq!(out, [0x00, 0x12, 0x7b, 0x4e]);
        assert_eq!(get_int(&out, PetscIndexWidth::I32), VEC_FILE_CLASSID);
        out.clear();
        put_int(MAT_FILE_CLASSID as u64, PetscIndexWidth::I64, &mut out);
        assert_eq!(out, [0, 0, 0, 0, 0x00, 0x12, 0x7b, 0x50]);
        assert_eq!(get_int(&[0xff; 4], PetscIndexWidth::I32), -1);
    }
}

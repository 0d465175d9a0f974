//! PETSc's scalar and index types, as the PETSc this crate was built
//! against has them (the build script reads its `petscconf.h`).

use crate::ffi;
use distarray_core::sparse::CsrRows;
use distarray_core::Element;

/// PETSc's `PetscScalar` in this build: `f64` for a real PETSc (Debian's
/// `petsc-dev`, `libpetsc64-real-dev`), [`Complex64`](distarray_core::num_complex::Complex64)
/// for a complex one (`libpetsc-complex-dev`, `libpetsc64-complex-dev`).
/// Vectors and matrices hold `Scalar`s; arrays handed to the bridge must be
/// `DistArray<Scalar>`.
///
/// # Examples
///
/// Code that should build against every PETSc writes its values through
/// `Scalar` (`From<f64>` exists for both):
///
/// ```
/// use bridge_petsc::{Scalar, COMPLEX};
/// let two = Scalar::from(2.0);
/// assert_eq!(std::mem::size_of::<Scalar>(), if COMPLEX { 16 } else { 8 });
/// assert_eq!(two + two, Scalar::from(4.0));
/// ```
#[cfg(not(petsc_complex))]
pub type Scalar = f64;
/// PETSc's `PetscScalar` in this build: `f64` for a real PETSc (Debian's
/// `petsc-dev`, `libpetsc64-real-dev`), [`Complex64`](distarray_core::num_complex::Complex64)
/// for a complex one (`libpetsc-complex-dev`, `libpetsc64-complex-dev`).
/// Vectors and matrices hold `Scalar`s; arrays handed to the bridge must be
/// `DistArray<Scalar>`.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Scalar, COMPLEX};
/// let two = Scalar::from(2.0);
/// assert_eq!(std::mem::size_of::<Scalar>(), if COMPLEX { 16 } else { 8 });
/// assert_eq!(two + two, Scalar::from(4.0));
/// ```
#[cfg(petsc_complex)]
pub type Scalar = distarray_core::num_complex::Complex64;

/// PETSc's `PetscInt` in this build: `i32`, or `i64` for a PETSc configured
/// with 64-bit indices (`libpetsc64-*-dev`). Sizes and indices past its
/// range are an [`Error::InvalidArgument`](distarray_core::Error::InvalidArgument).
///
/// # Examples
///
/// ```
/// use bridge_petsc::{PetscIndex, INDEX_BITS};
/// assert_eq!(PetscIndex::BITS, INDEX_BITS);
/// ```
pub type PetscIndex = ffi::PetscInt;

/// Whether this PETSc has complex scalars ([`Scalar`] is `Complex64`).
///
/// # Examples
///
/// ```
/// println!("PETSc scalars: {}", if bridge_petsc::COMPLEX { "complex" } else { "real" });
/// ```
pub const COMPLEX: bool = cfg!(petsc_complex);

/// The width of PETSc's indices in this build (32 or 64).
///
/// # Examples
///
/// ```
/// assert!(bridge_petsc::INDEX_BITS == 32 || bridge_petsc::INDEX_BITS == 64);
/// ```
pub const INDEX_BITS: u32 = ffi::PetscInt::BITS;

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Scalar {}
}

/// The element type of arrays the bridge hands to PETSc: implemented for
/// [`Scalar`] alone, so giving a PETSc build an array of another type
/// (`DistArray<f64>` to a complex PETSc, `DistArray<Complex64>` to a real
/// one) fails to compile with a message that names the build's scalar.
/// Sealed: PETSc's memory holds `PetscScalar`s and nothing else.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{IsPetscScalar, Scalar};
/// fn petsc_can_share<T: IsPetscScalar>() {}
/// petsc_can_share::<Scalar>();
/// ```
///
/// The other scalar type does not compile (shown here for the build the
/// documentation was made with):
///
#[cfg_attr(
    not(petsc_complex),
    doc = r#"```compile_fail,E0277
use bridge_petsc::{Petsc, PetscVec};
use distarray_core::{num_complex::Complex64, Comm, DistArray, Layout};
let _u = mpi::initialize().unwrap();
let petsc = Petsc::init().unwrap();
let mut a = DistArray::<Complex64>::zeros(&Layout::block(&Comm::world(), &[4]).unwrap());
// error: this PETSc build uses real scalars
let v = PetscVec::wrap(&petsc, &mut a);
```"#
)]
#[cfg_attr(
    petsc_complex,
    doc = r#"```compile_fail,E0277
use bridge_petsc::{Petsc, PetscVec};
use distarray_core::{Comm, DistArray, Layout};
let _u = mpi::initialize().unwrap();
let petsc = Petsc::init().unwrap();
let mut a = DistArray::<f64>::zeros(&Layout::block(&Comm::world(), &[4]).unwrap());
// error: this PETSc build uses complex scalars
let v = PetscVec::wrap(&petsc, &mut a);
```"#
)]
#[cfg_attr(
    not(petsc_complex),
    diagnostic::on_unimplemented(
        message = "this PETSc build uses real scalars (PetscScalar = f64): use DistArray<f64> (bridge_petsc::Scalar), not DistArray<{Self}>",
        label = "PETSc can not share memory holding `{Self}`",
        note = "point PETSC_DIR/PETSC_ARCH at a complex PETSc (Debian: libpetsc-complex-dev) to work with complex arrays"
    )
)]
#[cfg_attr(
    petsc_complex,
    diagnostic::on_unimplemented(
        message = "this PETSc build uses complex scalars (PetscScalar = Complex64): use DistArray<Complex64> (bridge_petsc::Scalar), not DistArray<{Self}>",
        label = "PETSc can not share memory holding `{Self}`",
        note = "convert with `a.map(Complex64::from)`, or point PETSC_DIR/PETSC_ARCH at a real PETSc (Debian: petsc-dev)"
    )
)]
pub trait IsPetscScalar: Element + sealed::Sealed {
    /// The value as PETSc's scalar (the identity: only [`Scalar`] implements this).
    fn into_scalar(self) -> Scalar;
    /// The slice as PETSc's scalars (the identity).
    fn scalars(s: &[Self]) -> &[Scalar];
    /// The slice as PETSc's scalars (the identity).
    fn scalars_mut(s: &mut [Self]) -> &mut [Scalar];
}

impl IsPetscScalar for Scalar {
    fn into_scalar(self) -> Scalar {
        self
    }
    fn scalars(s: &[Self]) -> &[Scalar] {
        s
    }
    fn scalars_mut(s: &mut [Self]) -> &mut [Scalar] {
        s
    }
}

/// A scalar as bindgen's `PetscScalar` (the same value).
#[cfg(not(petsc_complex))]
pub(crate) fn to_ffi(s: Scalar) -> ffi::PetscScalar {
    s
}

/// A scalar as bindgen's `PetscScalar`: C's `double _Complex`, which bindgen
/// writes as a `#[repr(C)]` pair `{ re, im }`, like `Complex64`. Passed by
/// value it travels in two SSE registers either way (x86-64 System V
/// classifies both as SSE, SSE).
#[cfg(petsc_complex)]
pub(crate) fn to_ffi(s: Scalar) -> ffi::PetscScalar {
    ffi::__BindgenComplex { re: s.re, im: s.im }
}

/// Our scalars' memory as PETSc's (no conversion: the same layout).
pub(crate) fn ffi_ptr(p: *const Scalar) -> *const ffi::PetscScalar {
    // `Complex64` is `#[repr(C)] { re: f64, im: f64 }`, bindgen's complex
    // `#[repr(C)] { re: f64, im: f64 }`: the same size, alignment and field
    // order, so the memory is the same values (a real build: both f64)
    p.cast()
}

/// Our scalars' memory as PETSc's (see [`ffi_ptr`]).
pub(crate) fn ffi_ptr_mut(p: *mut Scalar) -> *mut ffi::PetscScalar {
    p.cast()
}

// the casts above rely on this
const _: () = assert!(
    std::mem::size_of::<Scalar>() == std::mem::size_of::<ffi::PetscScalar>()
        && std::mem::align_of::<Scalar>() == std::mem::align_of::<ffi::PetscScalar>()
);

/// CSR rows with `f64` values (what `sparse::gallery` and assembly written
/// for real numbers give) in this build's [`Scalar`], for
/// [`PetscMat::from_csr`](crate::PetscMat::from_csr): the same rows, moved
/// and untouched, on a real PETSc; the values as complex numbers on a
/// complex one. Code written this way builds against every PETSc.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{scalar_rows, Scalar};
/// use distarray_core::sparse::CsrRows;
/// let csr = CsrRows { first_row: 0, ncols: 2, row_ptr: vec![0, 1], cols: vec![1], vals: vec![2.5] };
/// let s: CsrRows<Scalar> = scalar_rows(csr);
/// assert_eq!(s.vals, [Scalar::from(2.5)]);
/// ```
#[cfg(not(petsc_complex))]
pub fn scalar_rows(csr: CsrRows<f64>) -> CsrRows<Scalar> {
    csr
}

/// CSR rows with `f64` values (what `sparse::gallery` and assembly written
/// for real numbers give) in this build's [`Scalar`], for
/// [`PetscMat::from_csr`](crate::PetscMat::from_csr): the same rows, moved
/// and untouched, on a real PETSc; the values as complex numbers on a
/// complex one. Code written this way builds against every PETSc.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{scalar_rows, Scalar};
/// use distarray_core::sparse::CsrRows;
/// let csr = CsrRows { first_row: 0, ncols: 2, row_ptr: vec![0, 1], cols: vec![1], vals: vec![2.5] };
/// let s: CsrRows<Scalar> = scalar_rows(csr);
/// assert_eq!(s.vals, [Scalar::from(2.5)]);
/// ```
#[cfg(petsc_complex)]
pub fn scalar_rows(csr: CsrRows<f64>) -> CsrRows<Scalar> {
    CsrRows {
        first_row: csr.first_row,
        ncols: csr.ncols,
        row_ptr: csr.row_ptr,
        cols: csr.cols,
        vals: csr.vals.into_iter().map(Scalar::from).collect(),
    }
}

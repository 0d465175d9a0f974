//! What hands PETSc's lent memory back when a [`Lent`] view ends: one
//! [`Restore`] per Get/Restore pair of PETSc's.
//!
//! The lending functions live with their objects
//! ([`PetscVec::to_array`](crate::PetscVec::to_array),
//! [`DenseMat::array_mut`](crate::DenseMat::array_mut), ...); they all go
//! through [`lend_mut`] / [`lend_ref`] here.

use crate::error::check;
use crate::ffi;
use crate::scalar::Scalar;
use distarray_core::bridge::{Lent, LentMut, LentRef, Restore};
use distarray_core::{DistArrayView, DistArrayViewMut, Layout, Result};
use ndarray::{ArrayView, ArrayViewMut, IxDyn, ShapeBuilder};

/// Gives a `Vec`'s writable memory back (`VecRestoreArray`): the
/// [`Restore`] of [`PetscVec::array_mut`](crate::PetscVec::array_mut).
///
/// # Examples
///
/// Never made by hand; the guard holds it:
///
/// ```
/// use bridge_petsc::{Petsc, PetscVec, VecRestore};
/// use distarray_core::bridge::LentMut;
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let mut v = PetscVec::new(&petsc, &Layout::block(&Comm::world(), &[3]).unwrap()).unwrap();
/// let lent: LentMut<'_, bridge_petsc::Scalar, VecRestore> = v.array_mut().unwrap();
/// lent.finish().unwrap(); // VecRestoreArray, with its error if any
/// ```
#[derive(Debug)]
pub struct VecRestore {
    vec: ffi::Vec,
    ptr: *mut ffi::PetscScalar,
}

impl Restore for VecRestore {
    fn restore(&mut self) -> Result<()> {
        // SAFETY: `ptr` came from VecGetArray on `vec`, which the guard's
        // borrow keeps alive; the view over it has ended (Lent drops it first).
        check(
            unsafe { ffi::VecRestoreArray(self.vec, &mut self.ptr) },
            "VecRestoreArray",
        )
    }
}

/// Gives a `Vec`'s read-only memory back (`VecRestoreArrayRead`): the
/// [`Restore`] of [`PetscVec::to_array`](crate::PetscVec::to_array).
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Petsc, PetscVec, Scalar, VecRestoreRead};
/// use distarray_core::bridge::LentRef;
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let v = PetscVec::new(&petsc, &Layout::block(&Comm::world(), &[3]).unwrap()).unwrap();
/// let lent: LentRef<'_, Scalar, VecRestoreRead> = v.to_array().unwrap();
/// assert_eq!(lent.shape(), &[3]);
/// ```
#[derive(Debug)]
pub struct VecRestoreRead {
    vec: ffi::Vec,
    ptr: *const ffi::PetscScalar,
}

impl Restore for VecRestoreRead {
    fn restore(&mut self) -> Result<()> {
        // SAFETY: `ptr` came from VecGetArrayRead on `vec`, alive (borrowed
        // by the guard); the view over it has ended.
        check(
            unsafe { ffi::VecRestoreArrayRead(self.vec, &mut self.ptr) },
            "VecRestoreArrayRead",
        )
    }
}

/// Gives a dense matrix's writable memory back (`MatDenseRestoreArray`):
/// the [`Restore`] of [`DenseMat::array_mut`](crate::DenseMat::array_mut).
///
/// # Examples
///
/// ```
/// use bridge_petsc::{DenseMat, DenseRestore, Petsc, Scalar};
/// use distarray_core::bridge::LentMut;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::new(&Comm::world(), &[2, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
/// let mut m = DenseMat::from_array_copy(&petsc, &DistArray::<Scalar>::zeros(&rows)).unwrap();
/// let lent: LentMut<'_, Scalar, DenseRestore> = m.array_mut().unwrap();
/// drop(lent); // MatDenseRestoreArray
/// ```
#[derive(Debug)]
pub struct DenseRestore {
    mat: ffi::Mat,
    ptr: *mut ffi::PetscScalar,
}

impl Restore for DenseRestore {
    fn restore(&mut self) -> Result<()> {
        // SAFETY: `ptr` came from MatDenseGetArray on `mat`, alive (borrowed
        // by the guard); the view over it has ended.
        check(
            unsafe { ffi::MatDenseRestoreArray(self.mat, &mut self.ptr) },
            "MatDenseRestoreArray",
        )
    }
}

/// Gives a dense matrix's read-only memory back (`MatDenseRestoreArrayRead`):
/// the [`Restore`] of [`DenseMat::to_array`](crate::DenseMat::to_array).
///
/// # Examples
///
/// ```
/// use bridge_petsc::{DenseMat, Petsc, Scalar};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::new(&Comm::world(), &[2, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
/// let m = DenseMat::from_array_copy(&petsc, &DistArray::full(&rows, Scalar::from(1.0))).unwrap();
/// let lent = m.to_array().unwrap(); // holds a DenseRestoreRead
/// assert_eq!(lent.get(&[1, 1]).unwrap(), Scalar::from(1.0));
/// ```
#[derive(Debug)]
pub struct DenseRestoreRead {
    mat: ffi::Mat,
    ptr: *const ffi::PetscScalar,
}

impl Restore for DenseRestoreRead {
    fn restore(&mut self) -> Result<()> {
        // SAFETY: `ptr` came from MatDenseGetArrayRead on `mat`, alive
        // (borrowed by the guard); the view over it has ended.
        check(
            unsafe { ffi::MatDenseRestoreArrayRead(self.mat, &mut self.ptr) },
            "MatDenseRestoreArrayRead",
        )
    }
}

/// The local block's shape in memory: C order (a `Vec`'s cells) or
/// column-major (a dense matrix's rows block).
#[derive(Clone, Copy)]
pub(crate) enum Order {
    C,
    Fortran,
}

fn dims(shape: &[usize], order: Order) -> ndarray::StrideShape<IxDyn> {
    match order {
        Order::C => IxDyn(shape).into(),
        Order::Fortran => IxDyn(shape).f().into(),
    }
}

/// Lends `ptr` (what a PETSc Get returned, `layout.local_len()` scalars in
/// `order`) as a writable view until `restore` runs.
///
/// # Safety
/// `ptr` must point to the `layout.local_len()` scalars of this rank's
/// part of a live PETSc object, lent exclusively by PETSc until `restore`
/// runs, and the caller must hold a mutable borrow of that object for `'a`.
pub(crate) unsafe fn lend_mut<'a, R: Restore>(
    layout: &Layout,
    ptr: *mut ffi::PetscScalar,
    order: Order,
    mut restore: R,
) -> Result<LentMut<'a, Scalar, R>> {
    let shape = layout.local_shape();
    let view = if layout.local_len() == 0 {
        ArrayViewMut::from_shape(dims(shape, order), &mut [][..]).expect("an empty view")
    } else {
        // SAFETY: the caller's contract; Scalar and PetscScalar have one
        // layout (crate::scalar::ffi_ptr)
        unsafe { ArrayViewMut::from_shape_ptr(dims(shape, order), ptr.cast::<Scalar>()) }
    };
    match DistArrayViewMut::from_local(layout.clone(), view) {
        Ok(array) => Ok(Lent::new(array, restore)),
        Err(e) => {
            let _ = restore.restore(); // the first error is the one to report
            Err(e)
        }
    }
}

/// Lends `ptr` read-only until `restore` runs (see [`lend_mut`]).
///
/// # Safety
/// As [`lend_mut`], with PETSc lending the memory for reading (nothing
/// writes it while the view lives) and a shared borrow of the object.
pub(crate) unsafe fn lend_ref<'a, R: Restore>(
    layout: &Layout,
    ptr: *const ffi::PetscScalar,
    order: Order,
    mut restore: R,
) -> Result<LentRef<'a, Scalar, R>> {
    let shape = layout.local_shape();
    let view = if layout.local_len() == 0 {
        ArrayView::from_shape(dims(shape, order), &[][..]).expect("an empty view")
    } else {
        // SAFETY: the caller's contract
        unsafe { ArrayView::from_shape_ptr(dims(shape, order), ptr.cast::<Scalar>()) }
    };
    match DistArrayView::from_local(layout.clone(), view) {
        Ok(array) => Ok(Lent::new(array, restore)),
        Err(e) => {
            let _ = restore.restore(); // the first error is the one to report
            Err(e)
        }
    }
}

impl VecRestore {
    pub(crate) fn new(vec: ffi::Vec, ptr: *mut ffi::PetscScalar) -> Self {
        VecRestore { vec, ptr }
    }
}
impl VecRestoreRead {
    pub(crate) fn new(vec: ffi::Vec, ptr: *const ffi::PetscScalar) -> Self {
        VecRestoreRead { vec, ptr }
    }
}
impl DenseRestore {
    pub(crate) fn new(mat: ffi::Mat, ptr: *mut ffi::PetscScalar) -> Self {
        DenseRestore { mat, ptr }
    }
}
impl DenseRestoreRead {
    pub(crate) fn new(mat: ffi::Mat, ptr: *const ffi::PetscScalar) -> Self {
        DenseRestoreRead { mat, ptr }
    }
}

//! Dense matrices (MATMPIDENSE) from 2-D row-block arrays.
//!
//! PETSc stores each rank's rows column-major (leading dimension = local
//! rows). An array whose local buffer is column-major shares its memory
//! with the matrix ([`DenseMat::wrap`], no copy); a C-order array is
//! copied, visibly, by [`DenseMat::from_array_copy`]. The matrix's memory
//! is lent back as a distributed array by [`DenseMat::to_array`] and
//! [`DenseMat::array_mut`] (a column-major view, no copy).

use super::{assemble, destroy, mult};
use crate::error::{check, pint};
use crate::ffi;
use crate::lend::{lend_mut, lend_ref, DenseRestore, DenseRestoreRead, Order};
use crate::scalar::{ffi_ptr_mut, to_ffi, IsPetscScalar, Scalar};
use crate::vector::{AsPetscVec, AsPetscVecMut};
use crate::Petsc;
use distarray_core::bridge::{LentMut, LentRef};
use distarray_core::map::AxisMap;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{DistArrayBase, Error, Layout, Result};
use ndarray::{Data, DataMut, Zip};
use std::marker::PhantomData;

/// A PETSc MATMPIDENSE matrix over our array's memory ([`wrap`](Self::wrap):
/// the array is mutably borrowed for `'a`) or owned by PETSc
/// ([`from_array_copy`](Self::from_array_copy)); either way it borrows the
/// [`Petsc`] handle.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{DenseMat, Petsc, PetscVec, Scalar};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// // a 3 x 2 matrix in row blocks; a C-order array is copied, visibly
/// let rows = Layout::new(&comm, &[3, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
/// let a = DistArray::from_fn(&rows, |ix: &[usize]| Scalar::from((2 * ix[0] + ix[1]) as f64));
/// let mut m = DenseMat::from_array_copy(&petsc, &a).unwrap();
/// m.scale(10.0).unwrap();
///
/// let mut x = DistArray::full(&Layout::block(&comm, &[2]).unwrap(), Scalar::from(1.0));
/// let mut y = DistArray::<Scalar>::zeros(&Layout::block(&comm, &[3]).unwrap());
/// {
///     let xv = PetscVec::wrap(&petsc, &mut x).unwrap();
///     let mut yv = PetscVec::wrap(&petsc, &mut y).unwrap();
///     m.mult(&xv, &mut yv).unwrap(); // row sums: 10, 50, 90
/// }
/// assert_eq!(y.get(&[2]).unwrap(), Scalar::from(90.0));
/// let view = m.to_array().unwrap(); // the matrix's memory, column-major
/// assert_eq!(view.get(&[1, 1]).unwrap(), Scalar::from(30.0));
/// ```
///
/// A wrapped array can not be dropped or used while the matrix lives:
///
/// ```compile_fail,E0505
/// # use bridge_petsc::{DenseMat, Petsc, Scalar};
/// # use distarray_core::DistArray;
/// # fn f(petsc: &Petsc, mut a: DistArray<Scalar>) {
/// let m = DenseMat::wrap(petsc, &mut a).unwrap();
/// drop(a); // error: `a` is borrowed by `m`
/// drop(m);
/// # }
/// ```
///
/// ```compile_fail,E0502
/// # use bridge_petsc::{DenseMat, Petsc, Scalar};
/// # use distarray_core::DistArray;
/// # fn f(petsc: &Petsc, mut a: DistArray<Scalar>) {
/// let m = DenseMat::wrap(petsc, &mut a).unwrap();
/// let _ = a.get(&[0, 0]); // error: `a` is lent to PETSc
/// drop(m);
/// # }
/// ```
pub struct DenseMat<'a> {
    raw: ffi::Mat,
    rows: Layout,
    _memory: PhantomData<&'a mut [Scalar]>,
}

fn check_rows(layout: &Layout) -> Result<()> {
    let ok = layout.ndim() == 2
        && matches!(layout.map(0), AxisMap::Block(b) if !b.is_padded())
        && layout.map(1).grid_size() == 1
        && matches!(layout.map(1), AxisMap::Block(_));
    if ok {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: "dense matrix".into(),
            detail: format!("a MATMPIDENSE holds row blocks: a 2-D [block, not distributed] layout, not {layout:?}"),
        })
    }
}

impl<'a> DenseMat<'a> {
    /// `MatCreateDense` over `data` (or PETSc's memory when null), assembled.
    ///
    /// # Safety
    /// `data` is null or points to this rank's `m x n` scalars, column-major,
    /// valid and unaliased until the matrix is destroyed.
    unsafe fn create(rows: &Layout, data: *mut Scalar) -> Result<DenseMat<'a>> {
        let (m, n) = (rows.local_shape()[0], rows.shape()[1]);
        let mut raw: ffi::Mat = std::ptr::null_mut();
        // SAFETY: the caller's contract on `data`; a live communicator.
        check(
            unsafe {
                ffi::MatCreateDense(
                    rows.comm().raw().as_raw(),
                    pint(m, "local rows")?,
                    ffi::PETSC_DECIDE as ffi::PetscInt,
                    pint(rows.shape()[0], "rows")?,
                    pint(n, "columns")?,
                    ffi_ptr_mut(data),
                    &mut raw,
                )
            },
            "MatCreateDense",
        )?;
        let mat = DenseMat {
            raw,
            rows: rows.clone(),
            _memory: PhantomData,
        };
        assemble(mat.raw)?;
        Ok(mat)
    }

    /// A matrix over the array's memory (no copy): the local buffer must be
    /// column-major (e.g. a view with Fortran strides). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{DenseMat, Petsc, Scalar};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// use ndarray::{ArrayD, IxDyn, ShapeBuilder};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let rows = Layout::new(&Comm::world(), &[4, 3], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let local = ArrayD::from_elem(IxDyn(rows.local_shape()).f(), Scalar::from(1.0)); // column-major
    /// let mut a = DistArray::from_local(rows, local).unwrap();
    /// {
    ///     let mut m = DenseMat::wrap(&petsc, &mut a).unwrap(); // shares the memory
    ///     m.scale(5.0).unwrap();
    /// }
    /// assert_eq!(a.get(&[3, 2]).unwrap(), Scalar::from(5.0));
    /// ```
    pub fn wrap<T: IsPetscScalar, S: DataMut<Elem = T>>(
        _petsc: &'a Petsc,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<DenseMat<'a>> {
        let rows = array.layout().clone();
        let mut local = array.local_mut();
        let fortran = local.is_empty() || local.t().is_standard_layout();
        rows.comm().agree(check_rows(&rows).and_then(|()| {
            if fortran {
                Ok(())
            } else {
                Err(Error::LayoutMismatch {
                    context: "DenseMat::wrap".into(),
                    detail: "the local buffer is row-major; PETSc's dense storage is column-major: use from_array_copy (an explicit copy)".into(),
                })
            }
        }))?;
        let ptr = match local.as_slice_memory_order_mut() {
            Some(s) if !s.is_empty() => T::scalars_mut(s).as_mut_ptr(),
            _ => std::ptr::null_mut(),
        };
        // SAFETY: a column-major buffer of m x n scalars (agreed above) that
        // stays mutably borrowed for 'a, as long as the matrix lives.
        unsafe { Self::create(&rows, ptr) }
    }

    /// A PETSc-owned matrix holding a copy of a row-block array (any local
    /// order): an explicit copy, where [`wrap`](Self::wrap) shares. Collective.
    pub fn from_array_copy<T: IsPetscScalar, S: Data<Elem = T>>(
        _petsc: &'a Petsc,
        array: &DistArrayBase<S>,
    ) -> Result<DenseMat<'a>> {
        let rows = array.layout().clone();
        rows.comm().agree(check_rows(&rows))?;
        // SAFETY: null: PETSc allocates the memory.
        let mut mat = unsafe { Self::create(&rows, std::ptr::null_mut())? };
        {
            let mut lent = mat.array_mut()?;
            Zip::from(lent.local_mut())
                .and(&array.local())
                .for_each(|d, &s| *d = s.into_scalar());
            lent.finish()?;
        }
        Ok(mat)
    }

    /// The row layout.
    pub fn rows(&self) -> &Layout {
        &self.rows
    }

    /// The matrix's local memory as a read-only distributed array
    /// (column-major view, no copy) until the guard ends
    /// (`MatDenseGetArrayRead` / `MatDenseRestoreArrayRead`). Local.
    pub fn to_array(&self) -> Result<LentRef<'_, Scalar, DenseRestoreRead>> {
        let mut ptr: *const ffi::PetscScalar = std::ptr::null();
        // SAFETY: a live dense Mat; PETSc lends its local block for reading.
        check(
            unsafe { ffi::MatDenseGetArrayRead(self.raw, &mut ptr) },
            "MatDenseGetArrayRead",
        )?;
        // SAFETY: the local block holds m x n scalars column-major (leading
        // dimension m for matrices made here), lent for reading until the
        // guard restores it; the guard borrows the matrix.
        unsafe {
            lend_ref(
                &self.rows,
                ptr,
                Order::Fortran,
                DenseRestoreRead::new(self.raw, ptr),
            )
        }
    }

    /// The matrix's local memory as a writable distributed array
    /// (column-major view, no copy) until the guard ends
    /// (`MatDenseRestoreArray`). Local.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{DenseMat, Petsc, Scalar};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let rows = Layout::new(&Comm::world(), &[2, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let mut m = DenseMat::from_array_copy(&petsc, &DistArray::<Scalar>::zeros(&rows)).unwrap();
    /// {
    ///     let mut lent = m.array_mut().unwrap();
    ///     lent.local_mut().fill(Scalar::from(1.0)); // writes PETSc's memory
    /// } // MatDenseRestoreArray
    /// m.scale(2.0).unwrap();
    /// assert_eq!(m.to_array().unwrap().gather_all().unwrap().sum(), Scalar::from(8.0));
    /// ```
    ///
    /// The matrix can not be dropped while its memory is lent:
    ///
    /// ```compile_fail,E0505
    /// # use bridge_petsc::{DenseMat, Petsc, Scalar};
    /// # use distarray_core::DistArray;
    /// # fn f(petsc: &Petsc, a: &DistArray<Scalar>) {
    /// let mut m = DenseMat::from_array_copy(petsc, a).unwrap();
    /// let lent = m.array_mut().unwrap();
    /// drop(m); // error: `m` is borrowed by `lent`
    /// drop(lent);
    /// # }
    /// ```
    pub fn array_mut(&mut self) -> Result<LentMut<'_, Scalar, DenseRestore>> {
        let mut ptr: *mut ffi::PetscScalar = std::ptr::null_mut();
        // SAFETY: a live dense Mat; PETSc lends its column-major local block.
        check(
            unsafe { ffi::MatDenseGetArray(self.raw, &mut ptr) },
            "MatDenseGetArray",
        )?;
        // SAFETY: m x n scalars column-major, lent exclusively until the
        // guard restores them; the guard borrows the matrix mutably.
        unsafe {
            lend_mut(
                &self.rows,
                ptr,
                Order::Fortran,
                DenseRestore::new(self.raw, ptr),
            )
        }
    }

    /// `y = A x` (collective).
    pub fn mult(&self, x: &impl AsPetscVec, y: &mut impl AsPetscVecMut) -> Result<()> {
        mult(self.raw, x, y)
    }

    /// `A = alpha A` (collective) — through the shared memory when wrapped.
    pub fn scale(&mut self, alpha: impl Into<Scalar>) -> Result<()> {
        // SAFETY: a live Mat.
        check(
            unsafe { ffi::MatScale(self.raw, to_ffi(alpha.into())) },
            "MatScale",
        )
    }
}

impl Drop for DenseMat<'_> {
    fn drop(&mut self) {
        // owned by this handle, destroyed once; wrapped memory stays the array's
        destroy(self.raw);
    }
}

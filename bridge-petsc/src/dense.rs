//! Dense matrices (MATMPIDENSE) from 2-D row-block arrays.
//!
//! PETSc stores each rank's rows column-major (leading dimension = local
//! rows). An array whose local buffer is column-major shares its memory
//! with the matrix ([`DenseMat::wrap`], no copy); a C-order array is
//! copied, visibly, by [`DenseMat::from_array_copy`]. The matrix's memory
//! is lent back as a distributed array by [`DenseMat::array_mut`] (a
//! column-major view, no copy).

use crate::error::{check, pint};
use crate::ffi;
use crate::vec::AsPetscVec;
use crate::Petsc;
use distarray_core::map::AxisMap;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{DistArrayBase, DistArrayViewMut, Error, Layout, Result};
use ndarray::{Data, DataMut, IxDyn, ShapeBuilder};
use std::marker::PhantomData;

/// A PETSc MATMPIDENSE matrix.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{DenseMat, Petsc, VecOverArray};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// // a 3 x 2 matrix in row blocks; a C-order array is copied, visibly
/// let rows = Layout::new(&comm, &[3, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
/// let a = DistArray::from_fn(&rows, |ix: &[usize]| (2 * ix[0] + ix[1]) as f64);
/// let mut m = DenseMat::from_array_copy(&petsc, &a).unwrap();
/// m.scale(10.0).unwrap();
///
/// let mut x = DistArray::full(&Layout::block(&comm, &[2]).unwrap(), 1.0);
/// let mut y = DistArray::zeros(&Layout::block(&comm, &[3]).unwrap());
/// {
///     let xv = VecOverArray::wrap(&petsc, &mut x).unwrap();
///     let mut yv = VecOverArray::wrap(&petsc, &mut y).unwrap();
///     m.mult(&xv, &mut yv).unwrap(); // row sums: 10, 50, 90
/// }
/// assert_eq!(y.get(&[2]).unwrap(), 90.0);
/// let view = m.array_mut().unwrap(); // the matrix's memory, column-major
/// assert_eq!(view.get(&[1, 1]).unwrap(), 30.0);
/// ```
pub struct DenseMat<'a> {
    raw: ffi::Mat,
    rows: Layout,
    _memory: PhantomData<&'a mut [f64]>,
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
    fn create(comm: &distarray_core::Comm, rows: &Layout, data: *mut f64) -> Result<ffi::Mat> {
        let (m, n) = (rows.local_shape()[0], rows.shape()[1]);
        let mut raw: ffi::Mat = std::ptr::null_mut();
        // SAFETY: `data` is null (PETSc allocates) or a column-major buffer
        // of m x n values that outlives the matrix (the caller's borrow).
        check(
            unsafe {
                ffi::MatCreateDense(
                    comm.raw().as_raw(),
                    pint(m, "local rows")?,
                    ffi::PETSC_DECIDE as ffi::PetscInt,
                    pint(rows.shape()[0], "rows")?,
                    pint(n, "columns")?,
                    data,
                    &mut raw,
                )
            },
            "MatCreateDense",
        )?;
        // SAFETY: a live Mat.
        unsafe {
            check(
                ffi::MatAssemblyBegin(raw, ffi::MatAssemblyType_MAT_FINAL_ASSEMBLY),
                "MatAssemblyBegin",
            )?;
            check(
                ffi::MatAssemblyEnd(raw, ffi::MatAssemblyType_MAT_FINAL_ASSEMBLY),
                "MatAssemblyEnd",
            )?;
        }
        Ok(raw)
    }

    /// A matrix over the array's memory (no copy): the local buffer must be
    /// column-major (e.g. a view with Fortran strides). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{DenseMat, Petsc};
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// use ndarray::{ArrayD, IxDyn, ShapeBuilder};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let rows = Layout::new(&Comm::world(), &[4, 3], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let local = ArrayD::from_elem(IxDyn(rows.local_shape()).f(), 1.0); // column-major
    /// let mut a = DistArray::from_local(rows, local).unwrap();
    /// {
    ///     let mut m = DenseMat::wrap(&petsc, &mut a).unwrap(); // shares the memory
    ///     m.scale(5.0).unwrap();
    /// }
    /// assert_eq!(a.get(&[3, 2]).unwrap(), 5.0);
    /// ```
    pub fn wrap<S: DataMut<Elem = f64>>(
        _petsc: &'a Petsc,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<DenseMat<'a>> {
        let rows = array.layout().clone();
        let comm = rows.comm().clone();
        let mut local = array.local_mut();
        let fortran = local.is_empty() || local.t().is_standard_layout();
        comm.agree(check_rows(&rows).and_then(|()| {
            if fortran {
                Ok(())
            } else {
                Err(Error::LayoutMismatch {
                    context: "DenseMat::wrap".into(),
                    detail: "the local buffer is row-major; PETSc's dense storage is column-major: use from_array_copy (an explicit copy)".into(),
                })
            }
        }))?;
        let ptr = if local.is_empty() {
            std::ptr::null_mut()
        } else {
            local.as_mut_ptr()
        };
        let raw = Self::create(&comm, &rows, ptr)?;
        Ok(DenseMat {
            raw,
            rows,
            _memory: PhantomData,
        })
    }

    /// A PETSc-owned matrix holding a copy of a row-block array (any local
    /// order). Collective.
    pub fn from_array_copy<S: Data<Elem = f64>>(
        _petsc: &'a Petsc,
        array: &DistArrayBase<S>,
    ) -> Result<DenseMat<'a>> {
        let rows = array.layout().clone();
        let comm = rows.comm().clone();
        comm.agree(check_rows(&rows))?;
        let raw = Self::create(&comm, &rows, std::ptr::null_mut())?;
        let mut mat = DenseMat {
            raw,
            rows,
            _memory: PhantomData,
        };
        {
            let mut view = mat.array_mut()?;
            view.view_mut().local_mut().assign(&array.local());
        }
        Ok(mat)
    }

    /// The row layout.
    pub fn rows(&self) -> &Layout {
        &self.rows
    }

    /// The matrix's local memory as a distributed array (column-major view,
    /// no copy), until the guard drops (`MatDenseRestoreArray`).
    pub fn array_mut(&mut self) -> Result<DenseAccess<'_>> {
        let mut ptr: *mut f64 = std::ptr::null_mut();
        // SAFETY: a live dense Mat; PETSc lends its column-major local array.
        check(
            unsafe { ffi::MatDenseGetArray(self.raw, &mut ptr) },
            "MatDenseGetArray",
        )?;
        let (m, n) = (self.rows.local_shape()[0], self.rows.shape()[1]);
        let view = if m * n == 0 {
            ndarray::ArrayViewMut::from_shape(IxDyn(&[m, n]).f(), &mut [][..]).expect("empty view")
        } else {
            // SAFETY: PETSc's local block holds m x n values column-major
            // (leading dimension m for matrices created here), lent
            // exclusively until the guard restores it; the guard borrows the
            // matrix mutably.
            unsafe { ndarray::ArrayViewMut::from_shape_ptr(IxDyn(&[m, n]).f(), ptr) }
        };
        let array = DistArrayBase::from_local(self.rows.clone(), view)?;
        Ok(DenseAccess {
            mat: self.raw,
            ptr,
            array: Some(array),
        })
    }

    /// `y = A x` (collective).
    pub fn mult(&self, x: &impl AsPetscVec, y: &mut impl AsPetscVec) -> Result<()> {
        // SAFETY: live Mat and Vecs; PETSc checks the sizes.
        check(
            unsafe { ffi::MatMult(self.raw, x.raw_vec(), y.raw_vec()) },
            "MatMult",
        )
    }

    /// `A = alpha A` (collective) — through the shared memory when wrapped.
    pub fn scale(&mut self, alpha: f64) -> Result<()> {
        // SAFETY: a live Mat.
        check(unsafe { ffi::MatScale(self.raw, alpha) }, "MatScale")
    }
}

impl Drop for DenseMat<'_> {
    fn drop(&mut self) {
        // SAFETY: owned by this handle, destroyed once; wrapped memory stays the array's.
        let code = unsafe { ffi::MatDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: MatDestroy returned {code}");
        }
    }
}

/// A dense matrix's local memory lent as a distributed array.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{DenseMat, Petsc};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::new(&Comm::world(), &[2, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
/// let mut m = DenseMat::from_array_copy(&petsc, &DistArray::<f64>::zeros(&rows)).unwrap();
/// {
///     let mut access = m.array_mut().unwrap();
///     access.view_mut().fill(1.0); // writes PETSc's memory
/// } // MatDenseRestoreArray
/// m.scale(2.0).unwrap();
/// assert_eq!(m.array_mut().unwrap().gather_all().unwrap().sum(), 8.0);
/// ```
pub struct DenseAccess<'v> {
    mat: ffi::Mat,
    ptr: *mut f64,
    array: Option<DistArrayViewMut<'v, f64>>,
}

impl<'v> std::ops::Deref for DenseAccess<'v> {
    type Target = DistArrayViewMut<'v, f64>;
    fn deref(&self) -> &Self::Target {
        self.array.as_ref().expect("present until drop")
    }
}

impl DenseAccess<'_> {
    /// The lent memory as a mutable distributed array, borrowed from the
    /// guard so it cannot outlive the restore. (No `DerefMut`: a
    /// `&mut DistArrayViewMut<'v>` could be swapped out with `mem::replace`
    /// and kept past the restore.)
    pub fn view_mut(&mut self) -> DistArrayViewMut<'_, f64> {
        self.array.as_mut().expect("present until drop").view_mut()
    }
}

impl Drop for DenseAccess<'_> {
    fn drop(&mut self) {
        self.array = None;
        // SAFETY: the pointer came from MatDenseGetArray on this live Mat.
        let code = unsafe { ffi::MatDenseRestoreArray(self.mat, &mut self.ptr) };
        if code != 0 {
            eprintln!("bridge-petsc: MatDenseRestoreArray returned {code}");
        }
    }
}

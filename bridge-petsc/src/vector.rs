//! PETSc `Vec`s: over our arrays' memory ([`PetscVec::wrap`]), owned by
//! PETSc ([`PetscVec::new`], [`PetscVec::from_array_copy`]), and their
//! memory lent back to us as distributed-array views
//! ([`PetscVec::to_array`], [`PetscVec::array_mut`]).

use crate::error::{check, pint};
use crate::ffi;
use crate::layout::{check_vec_layout, from_ownership_ranges};
use crate::lend::{lend_mut, lend_ref, Order, VecRestore, VecRestoreRead};
use crate::scalar::{ffi_ptr, to_ffi, IsPetscScalar, Scalar};
use crate::Petsc;
use distarray_core::bridge::{LentMut, LentRef};
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{Comm, DistArrayBase, Error, Layout, Result};
use ndarray::{Data, DataMut, Zip};
use std::marker::PhantomData;

mod sealed {
    pub trait Sealed {}
}

/// Anything that is a PETSc `Vec` for the length of a borrow: what PETSc
/// operations of the bridge take ([`PetscMat::mult`](crate::PetscMat::mult),
/// [`Ksp::solve_vec`](crate::Ksp::solve_vec), ...).
///
/// Sealed: the handle goes straight to PETSc, so only the bridge's own
/// vectors ([`PetscVec`], [`LocalVec`](crate::LocalVec)), whose handles are
/// live for as long as they are borrowed, implement it.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{scalar_rows, AsPetscVec, AsPetscVecMut, Petsc, PetscMat, PetscVec, Scalar};
/// use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
/// fn apply(a: &PetscMat<'_>, x: &impl AsPetscVec, y: &mut impl AsPetscVecMut) {
///     a.mult(x, y).unwrap();
/// }
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::block(&Comm::world(), &[9]).unwrap();
/// let a = PetscMat::from_csr(&petsc, &rows, &scalar_rows(poisson_2d(&rows, 3, 3).unwrap())).unwrap();
/// let mut x = DistArray::full(&rows, Scalar::from(1.0));
/// let mut y = PetscVec::new(&petsc, &rows).unwrap();
/// apply(&a, &PetscVec::wrap(&petsc, &mut x).unwrap(), &mut y);
/// // row sums of the Laplacian: 4 minus the neighbours of each unknown
/// assert_eq!(y.norm2().unwrap(), (4.0_f64 * 4.0 + 4.0 * 1.0 + 1.0 * 0.0).sqrt());
/// ```
///
/// A type of one's own can not be one (the trait is sealed):
///
/// ```compile_fail,E0277
/// use bridge_petsc::{ffi, AsPetscVec};
/// struct Forged;
/// impl AsPetscVec for Forged {
///     fn raw_vec(&self) -> ffi::Vec { std::ptr::null_mut() }
/// }
/// ```
pub trait AsPetscVec: sealed::Sealed {
    /// The raw handle, valid while `self` is borrowed.
    fn raw_vec(&self) -> ffi::Vec;
}

/// A PETSc `Vec` PETSc may write: an output of
/// [`PetscMat::mult`](crate::PetscMat::mult) or a solve. Sealed like
/// [`AsPetscVec`]; the bridge's read-only wrappers of shared arrays are
/// not writable.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{AsPetscVecMut, PetscVec};
/// fn writable(_: &mut impl AsPetscVecMut) {}
/// # let _u = mpi::initialize().unwrap();
/// # let petsc = bridge_petsc::Petsc::init().unwrap();
/// # let layout = distarray_core::Layout::block(&distarray_core::Comm::world(), &[2]).unwrap();
/// writable(&mut PetscVec::new(&petsc, &layout).unwrap());
/// ```
pub trait AsPetscVecMut: AsPetscVec {}

/// A PETSc MPI `Vec` of `Scalar`s, either over our array's memory
/// ([`wrap`](Self::wrap): the array is mutably borrowed for `'a`) or owned
/// by PETSc ([`new`](Self::new), [`with_size`](Self::with_size),
/// [`from_array_copy`](Self::from_array_copy)); either way it borrows the
/// [`Petsc`] handle. Its distribution is [`layout`](Self::layout); its
/// memory is lent as a distributed array by [`to_array`](Self::to_array)
/// and [`array_mut`](Self::array_mut).
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Petsc, PetscVec, Scalar};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
/// let mut x = DistArray::full(&layout, Scalar::from(1.0));
/// let mut y = DistArray::from_fn(&layout, |ix: &[usize]| Scalar::from(ix[0] as f64));
/// {
///     let xv = PetscVec::wrap(&petsc, &mut x).unwrap();
///     let mut yv = PetscVec::wrap(&petsc, &mut y).unwrap();
///     yv.axpy(2.0, &xv).unwrap(); // y = 2 x + y, in y's memory
///     assert_eq!(xv.norm2().unwrap(), 2.0);
/// }
/// let want: Vec<Scalar> = [2.0, 3.0, 4.0, 5.0].map(Scalar::from).to_vec();
/// assert_eq!(y.gather_all().unwrap().into_raw_vec_and_offset().0, want);
/// ```
///
/// The array can not be dropped (or used) while PETSc shares it:
///
/// ```compile_fail,E0505
/// # use bridge_petsc::{Petsc, PetscVec, Scalar};
/// # use distarray_core::DistArray;
/// # fn f(petsc: &Petsc, mut a: DistArray<Scalar>) {
/// let v = PetscVec::wrap(petsc, &mut a).unwrap();
/// drop(a); // error: `a` is borrowed by `v`
/// drop(v);
/// # }
/// ```
pub struct PetscVec<'a> {
    raw: ffi::Vec,
    layout: Layout,
    /// the wrapped array's memory (mutably), and the Petsc handle
    _borrows: PhantomData<&'a mut [Scalar]>,
}

fn not_contiguous() -> Error {
    Error::InvalidArgument("the array's local buffer is not contiguous".into())
}

/// A PETSc MPI Vec of `n` entries over `len` entries of this rank's memory
/// at `ptr` (`VecCreateMPIWithArray`: PETSc neither copies nor frees it).
///
/// # Safety
/// `ptr` must point to `len` scalars that stay valid until the returned
/// Vec is destroyed, and PETSc must be kept from writing through it unless
/// the caller's borrow allows writing.
unsafe fn create_over(comm: &Comm, n: usize, ptr: *const Scalar, len: usize) -> Result<ffi::Vec> {
    let n = pint(n, "global size")?;
    let nl = pint(len, "local size")?;
    let mut raw: ffi::Vec = std::ptr::null_mut();
    // SAFETY: the caller's contract above; the communicator is live.
    check(
        unsafe {
            ffi::VecCreateMPIWithArray(comm.raw().as_raw(), 1, nl, n, ffi_ptr(ptr), &mut raw)
        },
        "VecCreateMPIWithArray",
    )?;
    Ok(raw)
}

impl<'a> PetscVec<'a> {
    /// A PETSc `Vec` over `array`'s memory, zero copy (1-D block layout,
    /// C-contiguous local buffer). The array is mutably borrowed while the
    /// `Vec` lives: PETSc's writes are the array's. Collective; an array
    /// of another layout is a [`LayoutMismatch`](Error::LayoutMismatch) on
    /// every rank (see [`to_native_plan`](crate::to_native_plan)).
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec, Scalar};
    /// use distarray_core::{Comm, DistArray, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let comm = Comm::world();
    /// let mut a = DistArray::<Scalar>::zeros(&Layout::block(&comm, &[5]).unwrap());
    /// let mut v = PetscVec::wrap(&petsc, &mut a).unwrap();
    /// v.set(3.0).unwrap();
    /// drop(v); // the array is ours again, with PETSc's writes
    /// assert_eq!(a.get(&[4]).unwrap(), Scalar::from(3.0));
    ///
    /// // a 2-D array needs a plan to PETSc's layout first (see to_native_plan)
    /// let mut b = DistArray::<Scalar>::zeros(&Layout::block(&comm, &[2, 3]).unwrap());
    /// assert!(matches!(PetscVec::wrap(&petsc, &mut b), Err(Error::LayoutMismatch { .. })));
    /// ```
    pub fn wrap<T: IsPetscScalar, S: DataMut<Elem = T>>(
        _petsc: &'a Petsc,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<PetscVec<'a>> {
        array
            .layout()
            .comm()
            .agree(check_vec_layout(array.layout()))?;
        Self::wrap_any(array)
    }

    /// Wraps any array whose local buffers, concatenated in rank order, are
    /// PETSc's ordering (a DMDA global vector's). Collective.
    pub(crate) fn wrap_any<T: IsPetscScalar, S: DataMut<Elem = T>>(
        array: &'a mut DistArrayBase<S>,
    ) -> Result<PetscVec<'a>> {
        let layout = array.layout().clone();
        let comm = layout.comm();
        // agreed: a rank failing alone would leave the others in PETSc's
        // collective create
        let contiguous = array.local().is_standard_layout();
        comm.agree(if contiguous {
            Ok(())
        } else {
            Err(not_contiguous())
        })?;
        let mut local = array.local_mut();
        let slice = T::scalars_mut(local.as_slice_mut().expect("agreed contiguous above"));
        // SAFETY: the pointer comes from a mutable borrow of the array that
        // `'a` keeps alive and exclusive for as long as this Vec exists.
        let raw =
            unsafe { create_over(comm, layout.global_len(), slice.as_mut_ptr(), slice.len())? };
        Ok(PetscVec {
            raw,
            layout,
            _borrows: PhantomData,
        })
    }

    /// A new PETSc-owned `Vec` with the distribution of `layout` (1-D
    /// block). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
    /// let v = PetscVec::new(&petsc, &layout).unwrap();
    /// assert_eq!(v.layout(), &layout);
    /// ```
    pub fn new(_petsc: &'a Petsc, layout: &Layout) -> Result<PetscVec<'a>> {
        let comm = layout.comm();
        comm.agree(check_vec_layout(layout))?;
        let raw = create_mpi(
            comm,
            pint(layout.local_len(), "local size")?,
            pint(layout.global_len(), "global size")?,
        )?;
        Ok(PetscVec {
            raw,
            layout: layout.clone(),
            _borrows: PhantomData,
        })
    }

    /// A PETSc-owned `Vec` with `n` entries split by PETSc
    /// (`PETSC_DECIDE`); [`layout`](Self::layout) tells the split. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let mut v = PetscVec::with_size(&petsc, &Comm::world(), 10).unwrap();
    /// v.set(1.0).unwrap();
    /// assert_eq!(v.norm2().unwrap(), 10.0_f64.sqrt());
    /// assert_eq!(v.layout().shape(), &[10]); // the split PETSc chose
    /// ```
    pub fn with_size(_petsc: &'a Petsc, comm: &Comm, n: usize) -> Result<PetscVec<'a>> {
        let raw = create_mpi(
            comm,
            ffi::PETSC_DECIDE as ffi::PetscInt,
            pint(n, "global size")?,
        )?;
        Self::from_raw(raw, comm)
    }

    /// Takes ownership of a PETSc-owned MPI `Vec` on `comm` (made by
    /// `VecCreateMPI`, `VecLoad`, ...); its layout comes from the ownership
    /// ranges. On error the `Vec` is destroyed.
    pub(crate) fn from_raw(raw: ffi::Vec, comm: &Comm) -> Result<PetscVec<'a>> {
        match ranges_of(raw, comm.size()).and_then(|r| from_ownership_ranges(comm, &r)) {
            Ok(layout) => Ok(PetscVec {
                raw,
                layout,
                _borrows: PhantomData,
            }),
            Err(e) => {
                let mut raw = raw;
                // SAFETY: created above, destroyed once, not used after.
                let code = unsafe { ffi::VecDestroy(&mut raw) };
                if code != 0 {
                    eprintln!("bridge-petsc: VecDestroy returned {code}");
                }
                Err(e)
            }
        }
    }

    /// A PETSc-owned `Vec` holding a copy of `array` (1-D block layout, any
    /// local order): an explicit copy, where [`wrap`](Self::wrap) shares.
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec, Scalar};
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let a = DistArray::full(&Layout::block(&Comm::world(), &[4]).unwrap(), Scalar::from(2.0));
    /// let mut v = PetscVec::from_array_copy(&petsc, &a).unwrap();
    /// v.set(0.0).unwrap(); // PETSc's copy, not `a`
    /// assert_eq!(a.get(&[0]).unwrap(), Scalar::from(2.0));
    /// ```
    pub fn from_array_copy<T: IsPetscScalar, S: Data<Elem = T>>(
        petsc: &'a Petsc,
        array: &DistArrayBase<S>,
    ) -> Result<PetscVec<'a>> {
        let mut vec = PetscVec::new(petsc, array.layout())?;
        {
            let mut lent = vec.array_mut()?;
            Zip::from(lent.local_mut())
                .and(&array.local())
                .for_each(|d, &s| *d = s.into_scalar());
            lent.finish()?;
        }
        Ok(vec)
    }

    /// The distribution: a 1-D (irregular) block layout from the ownership
    /// ranges, or the DMDA layout of a [`Dmda::global_vec`](crate::Dmda::global_vec).
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The `Vec`'s memory as a read-only distributed array (no copy) until
    /// the guard ends (`VecGetArrayRead` / `VecRestoreArrayRead`). Local.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec, Scalar};
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let mut v = PetscVec::with_size(&petsc, &Comm::world(), 3).unwrap();
    /// v.set(2.0).unwrap();
    /// let view = v.to_array().unwrap();
    /// assert_eq!(view.gather_all().unwrap().sum(), Scalar::from(6.0));
    /// ```
    ///
    /// The `Vec` can not be dropped or written while the view lives:
    ///
    /// ```compile_fail,E0505
    /// # use bridge_petsc::{Petsc, PetscVec};
    /// # fn f(petsc: &Petsc, layout: &distarray_core::Layout) {
    /// let v = PetscVec::new(petsc, layout).unwrap();
    /// let view = v.to_array().unwrap();
    /// drop(v); // error: `v` is borrowed by `view`
    /// drop(view);
    /// # }
    /// ```
    ///
    /// ```compile_fail,E0502
    /// # use bridge_petsc::{Petsc, PetscVec};
    /// # fn f(petsc: &Petsc, layout: &distarray_core::Layout) {
    /// let mut v = PetscVec::new(petsc, layout).unwrap();
    /// let view = v.to_array().unwrap();
    /// v.set(1.0).unwrap(); // error: `v` is lent for reading
    /// drop(view);
    /// # }
    /// ```
    pub fn to_array(&self) -> Result<LentRef<'_, Scalar, VecRestoreRead>> {
        let mut ptr: *const ffi::PetscScalar = std::ptr::null();
        // SAFETY: a live Vec; PETSc lends its local array for reading until
        // VecRestoreArrayRead.
        check(
            unsafe { ffi::VecGetArrayRead(self.raw, &mut ptr) },
            "VecGetArrayRead",
        )?;
        // SAFETY: the local array holds this rank's `layout.local_len()`
        // cells in C order, lent for reading until the guard restores it;
        // the guard borrows `self`, so no `&mut` method writes meanwhile.
        unsafe {
            lend_ref(
                &self.layout,
                ptr,
                Order::C,
                VecRestoreRead::new(self.raw, ptr),
            )
        }
    }

    /// The `Vec`'s memory as a writable distributed array (no copy) until
    /// the guard ends (`VecGetArray` / `VecRestoreArray`). Local.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec, Scalar};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
    /// let mut v = PetscVec::new(&petsc, &layout).unwrap();
    /// {
    ///     let mut lent = v.array_mut().unwrap(); // PETSc's memory, no copy
    ///     let rows = lent.layout().global_indices(0);
    ///     for (x, g) in lent.local_mut().iter_mut().zip(rows) {
    ///         *x = Scalar::from(g as f64);
    ///     }
    ///     assert_eq!(lent.get(&[5]).unwrap(), Scalar::from(5.0));
    /// } // VecRestoreArray
    /// assert_eq!(v.norm2().unwrap(), 55.0_f64.sqrt());
    /// ```
    ///
    /// It is lent once at a time:
    ///
    /// ```compile_fail,E0499
    /// # use bridge_petsc::{Petsc, PetscVec};
    /// # fn f(petsc: &Petsc, layout: &distarray_core::Layout) {
    /// let mut v = PetscVec::new(petsc, layout).unwrap();
    /// let first = v.array_mut().unwrap();
    /// let second = v.array_mut().unwrap(); // error: `v` is already lent
    /// drop((first, second));
    /// # }
    /// ```
    pub fn array_mut(&mut self) -> Result<LentMut<'_, Scalar, VecRestore>> {
        let mut ptr: *mut ffi::PetscScalar = std::ptr::null_mut();
        // SAFETY: a live Vec; PETSc lends its local array until VecRestoreArray.
        check(
            unsafe { ffi::VecGetArray(self.raw, &mut ptr) },
            "VecGetArray",
        )?;
        // SAFETY: the local array holds this rank's `layout.local_len()`
        // cells in C order, lent exclusively until the guard restores it;
        // the guard borrows `self` mutably.
        unsafe { lend_mut(&self.layout, ptr, Order::C, VecRestore::new(self.raw, ptr)) }
    }

    /// The 2-norm (collective).
    pub fn norm2(&self) -> Result<f64> {
        norm2(self.raw)
    }

    /// Sets every entry (collective); a wrapped array sees the write.
    pub fn set(&mut self, value: impl Into<Scalar>) -> Result<()> {
        // SAFETY: a live Vec.
        check(
            unsafe { ffi::VecSet(self.raw, to_ffi(value.into())) },
            "VecSet",
        )
    }

    /// `self = alpha * x + self` (collective).
    pub fn axpy(&mut self, alpha: impl Into<Scalar>, x: &impl AsPetscVec) -> Result<()> {
        // SAFETY: two live Vecs (PETSc checks that their sizes match).
        check(
            unsafe { ffi::VecAXPY(self.raw, to_ffi(alpha.into()), x.raw_vec()) },
            "VecAXPY",
        )
    }
}

/// `VecCreateMPI` with `local` entries here (or `PETSC_DECIDE`) of `global`.
fn create_mpi(comm: &Comm, local: ffi::PetscInt, global: ffi::PetscInt) -> Result<ffi::Vec> {
    let mut raw: ffi::Vec = std::ptr::null_mut();
    // SAFETY: sizes are checked PetscInts; the communicator is live.
    check(
        unsafe { ffi::VecCreateMPI(comm.raw().as_raw(), local, global, &mut raw) },
        "VecCreateMPI",
    )?;
    Ok(raw)
}

/// A Vec's ownership ranges (`size + 1` entries).
fn ranges_of(raw: ffi::Vec, size: usize) -> Result<Vec<usize>> {
    let mut ranges: *const ffi::PetscInt = std::ptr::null();
    // SAFETY: a live Vec; PETSc returns a pointer to size + 1 entries it owns.
    check(
        unsafe { ffi::VecGetOwnershipRanges(raw, &mut ranges) },
        "VecGetOwnershipRanges",
    )?;
    // SAFETY: PETSc's ownership array has one entry per rank plus one and
    // lives as long as the Vec, which the caller keeps alive.
    let r = unsafe { std::slice::from_raw_parts(ranges, size + 1) };
    Ok(r.iter().map(|&x| x as usize).collect())
}

pub(crate) fn norm2(v: ffi::Vec) -> Result<f64> {
    let mut out: ffi::PetscReal = 0.0;
    // SAFETY: a live Vec; writes one real.
    check(
        unsafe { ffi::VecNorm(v, ffi::NormType_NORM_2, &mut out) },
        "VecNorm",
    )?;
    Ok(out)
}

impl sealed::Sealed for PetscVec<'_> {}
impl AsPetscVec for PetscVec<'_> {
    fn raw_vec(&self) -> ffi::Vec {
        self.raw
    }
}
impl AsPetscVecMut for PetscVec<'_> {}

impl Drop for PetscVec<'_> {
    fn drop(&mut self) {
        // SAFETY: created by this handle and destroyed once; a wrapped
        // array's memory stays the array's (VecDestroy does not free it).
        let code = unsafe { ffi::VecDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: VecDestroy returned {code}");
        }
    }
}

pub(crate) use sealed::Sealed;

//! PETSc `Vec`s over distributed arrays and distributed arrays over `Vec`s.

use crate::error::{check, pint};
use crate::ffi;
use crate::Petsc;
use distarray_core::map::AxisMap;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::redistribute::Plan;
use distarray_core::{Comm, Dist, DistArrayBase, DistArrayViewMut, Error, Layout, Result};
use ndarray::{ArrayViewMut, DataMut, IxDyn};
use std::marker::PhantomData;

/// Anything that is a PETSc `Vec` for the length of a borrow.
///
/// # Examples
///
/// PETSc operations take either kind of vector: one over an array's
/// memory ([`VecOverArray`]) or one PETSc owns ([`PetscVec`]).
///
/// ```
/// use bridge_petsc::{AsPetscVec, Petsc, PetscMat, PetscVec, VecOverArray};
/// use distarray_core::sparse::{owned_rows, SparseBuilder};
/// use distarray_core::{Comm, DistArray, Layout};
/// fn apply(a: &PetscMat<'_>, x: &impl AsPetscVec, y: &mut impl AsPetscVec) {
///     a.mult(x, y).unwrap();
/// }
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let rows = Layout::block(&Comm::world(), &[9]).unwrap();
/// // the 5-point Laplacian on a 3 x 3 grid: each rank sets its rows
/// let mut op = SparseBuilder::new(&rows, 3 * 3).unwrap();
/// for r in owned_rows(&rows).unwrap() {
///     let (i, j) = (r / 3, r % 3);
///     op.add(r, r, 4.0);
///     let near = [(i > 0, r.wrapping_sub(3)), (i + 1 < 3, r + 3)];
///     for (inside, c) in near.into_iter().chain([(j > 0, r.wrapping_sub(1)), (j + 1 < 3, r + 1)]) {
///         if inside { op.add(r, c, -1.0) }
///     }
/// }
/// let a = PetscMat::from_csr(&petsc, &rows, &op.assemble().unwrap()).unwrap();
/// let mut x = DistArray::full(&rows, 1.0);
/// let mut y = PetscVec::new(&petsc, &rows).unwrap();
/// apply(&a, &VecOverArray::wrap(&petsc, &mut x).unwrap(), &mut y);
/// // row sums of the Laplacian: 4 minus the neighbours of each unknown
/// assert_eq!(y.norm2().unwrap(), (4.0_f64 * 4.0 + 4.0 * 1.0 + 1.0 * 0.0).sqrt());
/// ```
pub trait AsPetscVec {
    /// The raw handle.
    fn raw_vec(&self) -> ffi::Vec;
}

/// Checks that `layout` is what PETSc's `Vec` distribution can express:
/// one axis, block (regular or irregular), no padding.
fn check_vec_layout(layout: &Layout) -> Result<()> {
    let ok = layout.ndim() == 1 && matches!(layout.map(0), AxisMap::Block(b) if !b.is_padded());
    if ok {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: "PETSc Vec".into(),
            detail: format!(
                "a Vec shares memory only with a 1-D block layout without ghost cells, not {layout:?}; \
                 use to_petsc_plan to move the data through a redistribution plan"
            ),
        })
    }
}

/// The 1-D block layout PETSc uses for `n` entries with `local` on this rank.
fn block_layout_from_ranges(comm: &Comm, ranges: &[usize]) -> Result<Layout> {
    Layout::with_grid(
        comm,
        &[*ranges.last().unwrap_or(&0)],
        &[Dist::BlockBounds(ranges.to_vec())],
        &[comm.size()],
    )
}

/// A PETSc `Vec` over a distributed array's memory (no copy). The array is
/// mutably borrowed while the `Vec` exists; dropping the `Vec` destroys the
/// PETSc object and leaves the memory with the array.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Petsc, VecOverArray};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
/// let mut x = DistArray::full(&layout, 1.0);
/// let mut y = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
/// {
///     let xv = VecOverArray::wrap(&petsc, &mut x).unwrap();
///     let mut yv = VecOverArray::wrap(&petsc, &mut y).unwrap();
///     yv.axpy(2.0, &xv).unwrap(); // y = 2 x + y, in y's memory
///     assert_eq!(xv.norm2().unwrap(), 2.0);
/// }
/// assert_eq!(y.gather_all().unwrap().into_raw_vec_and_offset().0, vec![2.0, 3.0, 4.0, 5.0]);
/// ```
pub struct VecOverArray<'a> {
    raw: ffi::Vec,
    _array: PhantomData<&'a mut [f64]>,
}

fn not_contiguous() -> Error {
    Error::InvalidArgument("the array's local buffer is not contiguous".into())
}

/// A PETSc MPI Vec of `n` entries over `len` entries of this rank's memory
/// at `ptr` (`VecCreateMPIWithArray`: PETSc neither copies nor frees it).
///
/// # Safety
/// `ptr` must point to `len` f64 that stay valid, and unaliased by Rust
/// writes, until the returned Vec is destroyed; PETSc writes through it
/// only if the caller's borrow allows writing.
unsafe fn create_over(comm: &Comm, n: usize, ptr: *mut f64, len: usize) -> Result<ffi::Vec> {
    let n = pint(n, "global size")?;
    let nl = pint(len, "local size")?;
    let mut raw: ffi::Vec = std::ptr::null_mut();
    // SAFETY: the caller's contract above; the communicator is live.
    check(
        unsafe { ffi::VecCreateMPIWithArray(comm.raw().as_raw(), 1, nl, n, ptr, &mut raw) },
        "VecCreateMPIWithArray",
    )?;
    Ok(raw)
}

impl<'a> VecOverArray<'a> {
    /// Wraps `array` (1-D block layout, C-contiguous local buffer). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, VecOverArray};
    /// use distarray_core::{Comm, Dist, DistArray, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let comm = Comm::world();
    /// let mut a = DistArray::<f64>::zeros(&Layout::block(&comm, &[5]).unwrap());
    /// let mut v = VecOverArray::wrap(&petsc, &mut a).unwrap();
    /// v.set(3.0).unwrap();
    /// drop(v); // the array is ours again, with PETSc's writes
    /// assert_eq!(a.get(&[4]).unwrap(), 3.0);
    ///
    /// // a 2-D array needs a plan to PETSc's layout first (see to_petsc_plan)
    /// let mut b = DistArray::<f64>::zeros(&Layout::block(&comm, &[2, 3]).unwrap());
    /// assert!(matches!(VecOverArray::wrap(&petsc, &mut b), Err(Error::LayoutMismatch { .. })));
    /// ```
    pub fn wrap<S: DataMut<Elem = f64>>(
        petsc: &'a Petsc,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<VecOverArray<'a>> {
        array
            .layout()
            .comm()
            .agree(check_vec_layout(array.layout()))?;
        Self::wrap_any(petsc, array)
    }

    /// Wraps any block-distributed array whose local buffers, concatenated
    /// in rank order, are PETSc's ordering (a DMDA global vector's). Collective.
    pub(crate) fn wrap_any<S: DataMut<Elem = f64>>(
        _petsc: &'a Petsc,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<VecOverArray<'a>> {
        let n = array.layout().global_len();
        let comm = array.layout().comm().clone();
        // agreed: a rank failing alone would leave the others in PETSc's
        // collective create
        let contiguous = array.local().is_standard_layout();
        comm.agree(if contiguous {
            Ok(())
        } else {
            Err(not_contiguous())
        })?;
        let mut local = array.local_mut();
        let slice = local.as_slice_mut().expect("agreed contiguous above");
        // SAFETY: the pointer comes from a mutable borrow of the array that
        // `'a` keeps alive and exclusive for as long as this Vec exists.
        let raw = unsafe { create_over(&comm, n, slice.as_mut_ptr(), slice.len())? };
        Ok(VecOverArray {
            raw,
            _array: PhantomData,
        })
    }

    /// Wraps `array` read-only, for right-hand sides PETSc only reads.
    pub(crate) fn wrap_read<S: ndarray::Data<Elem = f64>>(
        _petsc: &'a Petsc,
        array: &'a DistArrayBase<S>,
    ) -> Result<VecOverArray<'a>> {
        let comm = array.layout().comm();
        let contiguous = array.local().is_standard_layout();
        comm.agree(
            check_vec_layout(array.layout()).and_then(|()| match contiguous {
                true => Ok(()),
                false => Err(not_contiguous()),
            }),
        )?;
        let local = array.local();
        let slice = local.to_slice().expect("agreed contiguous above");
        // SAFETY: the array stays borrowed for `'a`; the crate only passes
        // this Vec to PETSc calls that read it (KSPSolve's right-hand side),
        // so nothing writes through the pointer.
        let raw = unsafe {
            create_over(
                comm,
                array.layout().global_len(),
                slice.as_ptr().cast_mut(),
                slice.len(),
            )?
        };
        Ok(VecOverArray {
            raw,
            _array: PhantomData,
        })
    }

    /// The 2-norm (collective).
    pub fn norm2(&self) -> Result<f64> {
        norm2(self.raw)
    }

    /// Sets every entry (collective) — visible in the array afterwards.
    pub fn set(&mut self, value: f64) -> Result<()> {
        // SAFETY: a live Vec.
        check(unsafe { ffi::VecSet(self.raw, value) }, "VecSet")
    }

    /// `y = alpha * x + y` with this Vec as `y` (collective).
    pub fn axpy(&mut self, alpha: f64, x: &impl AsPetscVec) -> Result<()> {
        // SAFETY: two live Vecs of the same layout (PETSc checks sizes).
        check(
            unsafe { ffi::VecAXPY(self.raw, alpha, x.raw_vec()) },
            "VecAXPY",
        )
    }
}

fn norm2(v: ffi::Vec) -> Result<f64> {
    let mut out = 0.0;
    // SAFETY: a live Vec; writes one real.
    check(
        unsafe { ffi::VecNorm(v, ffi::NormType_NORM_2, &mut out) },
        "VecNorm",
    )?;
    Ok(out)
}

impl AsPetscVec for VecOverArray<'_> {
    fn raw_vec(&self) -> ffi::Vec {
        self.raw
    }
}

impl Drop for VecOverArray<'_> {
    fn drop(&mut self) {
        let mut raw = self.raw;
        // SAFETY: created by this wrapper and destroyed once; the memory is
        // the array's and is not freed by VecDestroy.
        let code = unsafe { ffi::VecDestroy(&mut raw) };
        if code != 0 {
            eprintln!("bridge-petsc: VecDestroy returned {code}");
        }
    }
}

/// A `Vec` owned by PETSc (created here or handed back by a solver).
///
/// # Examples
///
/// ```
/// use bridge_petsc::{Petsc, PetscVec};
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// let mut v = PetscVec::with_size(&petsc, &comm, 10).unwrap(); // PETSc splits it
/// v.set(1.0).unwrap();
/// assert_eq!(v.norm2().unwrap(), 10.0_f64.sqrt());
/// let layout = v.layout().unwrap(); // the split PETSc chose, as a block layout
/// assert_eq!(layout.shape(), &[10]);
/// ```
pub struct PetscVec<'p> {
    raw: ffi::Vec,
    comm: Comm,
    _petsc: PhantomData<&'p Petsc>,
}

impl<'p> PetscVec<'p> {
    /// A new PETSc-owned `Vec` with the distribution of `layout` (1-D block). Collective.
    pub fn new(_petsc: &'p Petsc, layout: &Layout) -> Result<PetscVec<'p>> {
        let comm = layout.comm();
        comm.agree(check_vec_layout(layout))?;
        Self::create_mpi(
            comm,
            pint(layout.local_len(), "local size")?,
            pint(layout.global_len(), "global size")?,
        )
    }

    /// A PETSc-owned `Vec` with `n` entries split by PETSc (`PETSC_DECIDE`). Collective.
    pub fn with_size(_petsc: &'p Petsc, comm: &Comm, n: usize) -> Result<PetscVec<'p>> {
        Self::create_mpi(
            comm,
            ffi::PETSC_DECIDE as ffi::PetscInt,
            pint(n, "global size")?,
        )
    }

    /// `VecCreateMPI` with `local` entries here (or `PETSC_DECIDE`) of `global`.
    fn create_mpi(
        comm: &Comm,
        local: ffi::PetscInt,
        global: ffi::PetscInt,
    ) -> Result<PetscVec<'p>> {
        let mut raw: ffi::Vec = std::ptr::null_mut();
        // SAFETY: sizes are checked PetscInts; the communicator is live.
        check(
            unsafe { ffi::VecCreateMPI(comm.raw().as_raw(), local, global, &mut raw) },
            "VecCreateMPI",
        )?;
        Ok(PetscVec {
            raw,
            comm: comm.clone(),
            _petsc: PhantomData,
        })
    }

    /// The distribution PETSc chose, as an (irregular) block layout. Collective.
    pub fn layout(&self) -> Result<Layout> {
        let mut ranges: *const ffi::PetscInt = std::ptr::null();
        // SAFETY: a live Vec; PETSc returns a pointer to size+1 entries it owns.
        check(
            unsafe { ffi::VecGetOwnershipRanges(self.raw, &mut ranges) },
            "VecGetOwnershipRanges",
        )?;
        // SAFETY: PETSc's ownership array has one entry per rank plus one and
        // lives as long as the Vec, which `self` keeps alive here.
        let r = unsafe { std::slice::from_raw_parts(ranges, self.comm.size() + 1) };
        let bounds: Vec<usize> = r.iter().map(|&x| x as usize).collect();
        block_layout_from_ranges(&self.comm, &bounds)
    }

    /// The `Vec`'s memory as a distributed array (no copy), until the guard
    /// drops (`VecRestoreArray`). Collective (the layout is computed).
    ///
    /// # Examples
    ///
    /// ```
    /// use bridge_petsc::{Petsc, PetscVec};
    /// use distarray_core::{Comm, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = Petsc::init().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
    /// let mut v = PetscVec::new(&petsc, &layout).unwrap();
    /// {
    ///     let mut access = v.array_mut().unwrap(); // PETSc's memory, no copy
    ///     let rows = access.layout().global_indices(0);
    ///     for (x, g) in access.view_mut().local_mut().iter_mut().zip(rows) {
    ///         *x = g as f64;
    ///     }
    ///     assert_eq!(access.get(&[5]).unwrap(), 5.0);
    /// } // VecRestoreArray
    /// assert_eq!(v.norm2().unwrap(), 55.0_f64.sqrt());
    /// ```
    pub fn array_mut(&mut self) -> Result<VecAccess<'_>> {
        let layout = self.layout()?;
        let mut ptr: *mut f64 = std::ptr::null_mut();
        // SAFETY: a live Vec; PETSc lends its local array until VecRestoreArray.
        check(
            unsafe { ffi::VecGetArray(self.raw, &mut ptr) },
            "VecGetArray",
        )?;
        let n = layout.local_len();
        let view = if n == 0 {
            ArrayViewMut::from_shape(IxDyn(&[0]), &mut [][..]).expect("empty view")
        } else {
            // SAFETY: PETSc's local array holds exactly the n local entries
            // (the ownership range), is exclusively lent until the guard's
            // VecRestoreArray, and the guard borrows the Vec mutably for 'v.
            unsafe { ArrayViewMut::from_shape_ptr(IxDyn(&[n]), ptr) }
        };
        let array = DistArrayBase::from_local(layout, view)?;
        Ok(VecAccess {
            vec: self.raw,
            ptr,
            array: Some(array),
        })
    }

    /// The 2-norm (collective).
    pub fn norm2(&self) -> Result<f64> {
        norm2(self.raw)
    }

    /// Sets every entry (collective).
    pub fn set(&mut self, value: f64) -> Result<()> {
        // SAFETY: a live Vec.
        check(unsafe { ffi::VecSet(self.raw, value) }, "VecSet")
    }
}

impl AsPetscVec for PetscVec<'_> {
    fn raw_vec(&self) -> ffi::Vec {
        self.raw
    }
}

impl Drop for PetscVec<'_> {
    fn drop(&mut self) {
        // SAFETY: owned by this handle, destroyed once.
        let code = unsafe { ffi::VecDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: VecDestroy returned {code}");
        }
    }
}

/// A PETSc `Vec`'s local array lent as a distributed array; restored on drop.
///
/// # Examples
///
/// See [`PetscVec::array_mut`]; the guard reads as the array it lends:
///
/// ```
/// use bridge_petsc::{Petsc, PetscVec};
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let mut v = PetscVec::with_size(&petsc, &Comm::world(), 3).unwrap();
/// v.set(2.0).unwrap();
/// let access = v.array_mut().unwrap();
/// assert_eq!(access.gather_all().unwrap().sum(), 6.0);
/// ```
pub struct VecAccess<'v> {
    vec: ffi::Vec,
    ptr: *mut f64,
    array: Option<DistArrayViewMut<'v, f64>>,
}

impl<'v> std::ops::Deref for VecAccess<'v> {
    type Target = DistArrayViewMut<'v, f64>;
    fn deref(&self) -> &Self::Target {
        self.array.as_ref().expect("present until drop")
    }
}

impl VecAccess<'_> {
    /// The lent memory as a mutable distributed array, borrowed from the
    /// guard so it cannot outlive the restore. (No `DerefMut`: a
    /// `&mut DistArrayViewMut<'v>` could be swapped out with `mem::replace`
    /// and kept past the restore.)
    pub fn view_mut(&mut self) -> DistArrayViewMut<'_, f64> {
        self.array.as_mut().expect("present until drop").view_mut()
    }
}

impl Drop for VecAccess<'_> {
    fn drop(&mut self) {
        self.array = None; // the view ends before PETSc takes the memory back
                           // SAFETY: the pointer came from VecGetArray on this live Vec.
        let code = unsafe { ffi::VecRestoreArray(self.vec, &mut self.ptr) };
        if code != 0 {
            eprintln!("bridge-petsc: VecRestoreArray returned {code}");
        }
    }
}

/// For an array of any layout: the 1-D block layout a PETSc `Vec` can share
/// (the cells in C order, balanced over the ranks) and the plans there and
/// back. Explicit and reusable: build once, execute per solve.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{to_petsc_plan, Petsc, VecOverArray};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// let grid = Layout::new(&comm, &[3, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
/// let a = DistArray::from_fn(&grid, |ix: &[usize]| (4 * ix[0] + ix[1]) as f64);
/// let (flat, mut to, mut back) = to_petsc_plan(&grid).unwrap();
/// let mut v = DistArray::zeros(&flat);
/// to.execute(&a, &mut v).unwrap(); // the explicit copy
/// {
///     let mut pv = VecOverArray::wrap(&petsc, &mut v).unwrap();
///     pv.set(1.0).unwrap(); // ... a PETSc solve would write here
/// }
/// let mut b = DistArray::zeros(&grid);
/// back.execute(&v, &mut b).unwrap();
/// assert_eq!(b.get(&[2, 3]).unwrap(), 1.0);
/// ```
pub fn to_petsc_plan(layout: &Layout) -> Result<(Layout, Plan<f64>, Plan<f64>)> {
    let flat = Layout::block(layout.comm(), &[layout.global_len()])?;
    let to = Plan::reshape(layout, &flat)?;
    let back = Plan::reshape(&flat, layout)?;
    Ok((flat, to, back))
}

//! DistMatrices over distributed arrays' memory, and Elemental's memory as
//! distributed arrays (the skeleton's `matrix`; Elemental has no separate
//! vectors: a vector is an `n x 1` DistMatrix).
//!
//! Elemental stores each process' part of a matrix column-major with a
//! leading dimension `ldim >= local height`. A distarray whose local buffer
//! is column-major (see [`column_major_zeros`]) shares its memory with the
//! DistMatrix ([`DistMatrix::attach`], no copy); a C-order array is copied,
//! visibly, by [`DistMatrix::from_array_copy`]. A DistMatrix's memory is
//! lent back as a distributed array by [`DistMatrix::array_mut`] /
//! [`DistMatrix::to_array`] (a column-major view, no copy).
//! [`DistMatrix::from_csr`] assembles a dense matrix from sparse rows.

mod csr;

use crate::error::{check, el_int};
use crate::ffi;
use crate::layout::{ElDist, ElGrid};
use crate::scalar::ElScalar;
use distarray_core::bridge::{LentMut, LentRef, Restore};
use distarray_core::{DistArray, DistArrayBase, Error, Layout, Result};
use ndarray::{ArrayD, ArrayView, ArrayViewMut, Data, DataMut, IxDyn, ShapeBuilder};
use std::ffi::c_void;
use std::marker::PhantomData;

/// What a [`LentRef`] / [`LentMut`] of [`DistMatrix::to_array`] /
/// [`DistMatrix::array_mut`] hands back when it ends: nothing, as
/// Elemental lends its local buffer without an access protocol. The
/// guard's borrow of the matrix is what matters: the matrix can not be
/// resized, emptied or dropped while the view lives.
#[derive(Debug, Clone, Copy, Default)]
pub struct ElBuffer;

impl Restore for ElBuffer {
    fn restore(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A distributed array of `layout` whose local buffer is column-major
/// (Fortran order): the memory order Elemental shares. Not collective.
///
/// ```no_run
/// # fn f(grid: &bridge_elemental::ElGrid) {
/// use bridge_elemental::{column_major_zeros, DistMatrix, ElDist};
/// let layout = grid.layout(ElDist::McMr, 100, 100).unwrap();
/// let mut a = column_major_zeros::<f64>(&layout);
/// let m = DistMatrix::attach(grid, ElDist::McMr, &mut a).unwrap(); // no copy
/// # }
/// ```
pub fn column_major_zeros<T: ElScalar>(layout: &Layout) -> DistArray<T> {
    let local = ArrayD::from_elem(IxDyn(layout.local_shape()).f(), T::default());
    DistArrayBase::from_local(layout.clone(), local).expect("the layout's local shape")
}

/// The leading dimension of a column-major 2-D local buffer, or why not.
fn leading_dim(shape: &[usize], strides: &[isize]) -> std::result::Result<usize, String> {
    let (h, w) = (shape[0], shape[1]);
    let min = h.max(1);
    if h == 0 || w == 0 {
        return Ok(min);
    }
    if strides.iter().any(|&s| s < 0) {
        return Err(format!("negative strides {strides:?}"));
    }
    let (s0, s1) = (strides[0] as usize, strides[1] as usize);
    // a single row or column is column-major whatever its other stride
    if w == 1 && (s0 == 1 || h == 1) {
        return Ok(min);
    }
    if h == 1 && s1 >= 1 {
        return Ok(s1.max(min));
    }
    if s0 == 1 && s1 >= h {
        return Ok(s1);
    }
    Err(format!(
        "a {h} x {w} local buffer with strides {strides:?} is not column-major (Elemental's order); \
         use column_major_zeros for the array, or DistMatrix::from_array_copy for an explicit copy"
    ))
}

/// An Elemental `DistMatrix<T>` (`T` one of [`ElScalar`]'s `f32`, `f64`,
/// `Complex32`, `Complex64`) with a distarray layout.
///
/// # Examples
///
/// ```no_run
/// use bridge_elemental::{DistMatrix, ElDist, ElGrid, Elemental};
/// use distarray_core::Comm;
/// use num_complex::Complex64;
/// let _u = mpi::initialize().unwrap();
/// let el = Elemental::init().unwrap();
/// let comm = Comm::world();
/// let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// let mut a = DistMatrix::<Complex64>::new(&grid, ElDist::McMr, 3, 3).unwrap();
/// a.set(1, 2, Complex64::new(0.0, 1.0)).unwrap();
/// assert_eq!(a.get(1, 2).unwrap(), Complex64::new(0.0, 1.0));
/// let view = a.to_array().unwrap(); // Elemental's memory as a distributed array
/// assert_eq!(view.shape(), &[3, 3]);
/// ```
///
/// The lifetime rules, each a compile error: a matrix can not outlive its
/// grid,
///
/// ```compile_fail,E0505
/// # use bridge_elemental::{DistMatrix, ElDist, ElGrid, Elemental};
/// # use distarray_core::Comm;
/// # let _u = mpi::initialize().unwrap();
/// # let el = Elemental::init().unwrap();
/// # let comm = Comm::world();
/// let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// let a = DistMatrix::<f64>::new(&grid, ElDist::McMr, 4, 4).unwrap();
/// drop(grid); // error: `grid` is borrowed by `a`
/// drop(a);
/// ```
///
/// an attached array can not be touched while the matrix lives,
///
/// ```compile_fail,E0499
/// # use bridge_elemental::{column_major_zeros, DistMatrix, ElDist, ElGrid, Elemental};
/// # use distarray_core::Comm;
/// # let _u = mpi::initialize().unwrap();
/// # let el = Elemental::init().unwrap();
/// # let comm = Comm::world();
/// # let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// let mut x = column_major_zeros::<f64>(&grid.layout(ElDist::McMr, 4, 4).unwrap());
/// let a = DistMatrix::attach(&grid, ElDist::McMr, &mut x).unwrap();
/// x.local_mut().fill(1.0); // error: `x` is mutably borrowed by `a`
/// drop(a);
/// ```
///
/// and a lent view can not outlive the matrix (or be lent twice mutably):
///
/// ```compile_fail,E0505
/// # use bridge_elemental::{DistMatrix, ElDist, ElGrid, Elemental};
/// # use distarray_core::Comm;
/// # let _u = mpi::initialize().unwrap();
/// # let el = Elemental::init().unwrap();
/// # let comm = Comm::world();
/// # let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// let mut a = DistMatrix::<f64>::new(&grid, ElDist::McMr, 4, 4).unwrap();
/// let view = a.array_mut().unwrap();
/// drop(a); // error: `a` is borrowed by `view`
/// drop(view);
/// ```
///
/// ```compile_fail,E0499
/// # use bridge_elemental::{DistMatrix, ElDist, ElGrid, Elemental};
/// # use distarray_core::Comm;
/// # let _u = mpi::initialize().unwrap();
/// # let el = Elemental::init().unwrap();
/// # let comm = Comm::world();
/// # let grid = ElGrid::new(&el, &comm, 1).unwrap();
/// let mut a = DistMatrix::<f64>::new(&grid, ElDist::McMr, 4, 4).unwrap();
/// let first = a.array_mut().unwrap();
/// let second = a.array_mut().unwrap(); // error: a second mutable borrow
/// drop((first, second));
/// ```
pub struct DistMatrix<'a, T: ElScalar = f64> {
    raw: *mut c_void,
    grid: ffi::ElConstGrid,
    layout: Layout,
    dist: ElDist,
    grid_ref: &'a ElGrid<'a>,
    _memory: PhantomData<&'a mut [T]>,
}

impl<'a, T: ElScalar> DistMatrix<'a, T> {
    fn create(grid: &'a ElGrid<'a>, dist: ElDist, layout: Layout) -> Result<DistMatrix<'a, T>> {
        let (u, v) = dist.uv();
        let mut raw: *mut c_void = std::ptr::null_mut();
        // SAFETY: a live grid; Elemental writes the new handle.
        check(
            unsafe { T::create(u, v, grid.raw, &mut raw) },
            &format!("ElDistMatrixCreateSpecific_{}", T::SUFFIX),
        )?;
        Ok(DistMatrix {
            raw,
            grid: grid.raw,
            layout,
            dist,
            grid_ref: grid,
            _memory: PhantomData,
        })
    }

    /// A zero `m x n` matrix with distribution `dist`, in Elemental's
    /// memory. Collective over the grid.
    pub fn new(
        grid: &'a ElGrid<'a>,
        dist: ElDist,
        m: usize,
        n: usize,
    ) -> Result<DistMatrix<'a, T>> {
        let layout = grid.layout(dist, m, n)?;
        let mut a = DistMatrix::create(grid, dist, layout)?;
        let (mi, ni) = (el_int(m, "rows")?, el_int(n, "columns")?);
        // SAFETY: a live matrix; the sizes fit ElInt.
        check(
            unsafe { T::resize(a.raw, mi, ni) },
            &format!("ElDistMatrixResize_{}", T::SUFFIX),
        )?;
        let zeroed = a
            .array_mut()
            .map(|mut view| view.local_mut().fill(T::default()));
        a.layout.comm().agree(zeroed)?;
        Ok(a)
    }

    /// The matrix over `array`'s memory (no copy): the array's layout must
    /// be `dist`'s on `grid` ([`ElGrid::layout`]) and its local buffer
    /// column-major. The array stays mutably borrowed while the matrix
    /// lives. Collective; the same error on every rank otherwise.
    pub fn attach<S: DataMut<Elem = T>>(
        grid: &'a ElGrid<'a>,
        dist: ElDist,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<DistMatrix<'a, T>> {
        check_layout(grid, dist, array.layout(), "DistMatrix::attach")?;
        let layout = array.layout().clone();
        let (m, n) = (layout.shape()[0], layout.shape()[1]);
        let mut local = array.local_mut();
        let ld = leading_dim(local.shape(), local.strides());
        let ld = layout
            .comm()
            .agree(ld.map_err(|why| Error::LayoutMismatch {
                context: "DistMatrix::attach".into(),
                detail: why,
            }))?;
        let ptr = local.as_mut_ptr();
        let a = DistMatrix::create(grid, dist, layout)?;
        // SAFETY: `ptr` addresses the array's local cells, column-major with
        // leading dimension `ld >= max(1, local height)` (checked above), the
        // local shape Elemental computes for this distribution (the layout
        // equals the distribution's); the array is mutably borrowed for 'a,
        // as long as the matrix, which detaches before it ends (Drop).
        let (mi, ni, ldi) = (
            el_int(m, "rows")?,
            el_int(n, "columns")?,
            el_int(ld, "leading dimension")?,
        );
        check(
            unsafe { T::attach(a.raw, mi, ni, grid.raw, ptr, ldi) },
            &format!("ElDistMatrixAttach_{}", T::SUFFIX),
        )?;
        Ok(a)
    }

    /// A matrix in Elemental's memory holding a copy of `array`'s cells
    /// (any memory order; the layout must be `dist`'s on `grid`). An
    /// explicit copy, local to each rank. Collective.
    pub fn from_array_copy<S: Data<Elem = T>>(
        grid: &'a ElGrid<'a>,
        dist: ElDist,
        array: &DistArrayBase<S>,
    ) -> Result<DistMatrix<'a, T>> {
        check_layout(grid, dist, array.layout(), "DistMatrix::from_array_copy")?;
        let (m, n) = (array.layout().shape()[0], array.layout().shape()[1]);
        let mut a = DistMatrix::new(grid, dist, m, n)?;
        let copied = a
            .array_mut()
            .map(|mut view| view.local_mut().assign(&array.local()));
        a.layout.comm().agree(copied)?;
        Ok(a)
    }

    /// The one-call hand-off from any distributed 2-D array: a matrix in
    /// Elemental's memory with distribution `dist` on `grid`, holding
    /// `array`'s values. When `array` is already in that layout this is
    /// [`from_array_copy`](Self::from_array_copy); otherwise its cells move
    /// once, through an explicit redistribution plan, straight into
    /// Elemental's memory (never a silent copy: this call is the copy).
    /// Collective over the grid; the same error on every rank for an array
    /// that is not 2-D or not on the grid's processes.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use bridge_elemental::{DistMatrix, ElDist, ElGrid, Elemental, LuSolver};
    /// use distarray_core::bridge::LinearSolver;
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let el = Elemental::init().unwrap();
    /// let comm = Comm::world();
    /// // rows in blocks, as a simulation might hold them
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[50, 50]).unwrap(), |ix: &[usize]| {
    ///     if ix[0] == ix[1] { 4.0 } else { 1.0 / (1 + ix[0] + ix[1]) as f64 }
    /// });
    /// let grid = ElGrid::new(&el, &comm, 1).unwrap();
    /// let m = DistMatrix::from_distarray(&grid, ElDist::McMr, &a).unwrap(); // one call
    /// let mut lu = LuSolver::new(&m).unwrap();
    /// let b = DistArray::<f64>::ones(lu.rows());
    /// let mut x = DistArray::zeros(lu.rows());
    /// lu.solve(&b, &mut x).unwrap();
    /// ```
    pub fn from_distarray<S: Data<Elem = T>>(
        grid: &'a ElGrid<'a>,
        dist: ElDist,
        array: &DistArrayBase<S>,
    ) -> Result<DistMatrix<'a, T>> {
        let shape = array.layout().shape().to_vec();
        let comm = array.layout().comm().clone();
        let two_d = if shape.len() == 2 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "DistMatrix::from_distarray takes a 2-D array, not shape {shape:?}"
            )))
        };
        comm.agree(two_d)?;
        let target = grid.layout(dist, shape[0], shape[1])?;
        if array.layout() == &target {
            return DistMatrix::from_array_copy(grid, dist, array);
        }
        let mut plan = grid.redistribution::<T>(array.layout(), &target)?;
        let mut a = DistMatrix::new(grid, dist, shape[0], shape[1])?;
        {
            // lending can fail on one rank: agreed before the collective
            let mut view = comm.agree(a.array_mut())?;
            plan.execute(array, &mut view.view_mut())?;
        }
        Ok(a)
    }

    /// The grid the matrix lives on.
    pub fn grid(&self) -> &'a ElGrid<'a> {
        self.grid_ref
    }

    /// The distribution.
    pub fn dist(&self) -> ElDist {
        self.dist
    }

    /// The layout of the matrix's cells.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Global `(rows, columns)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.layout.shape()[0], self.layout.shape()[1])
    }

    fn check_index(&self, i: usize, j: usize) -> Result<()> {
        let (m, n) = self.shape();
        if i < m && j < n {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "entry ({i}, {j}) is outside the {m} x {n} matrix"
            )))
        }
    }

    /// Entry `(i, j)`, read by Elemental (`ElDistMatrixGet_<x>`,
    /// collective: the owner broadcasts it). Every rank must ask for the
    /// same entry.
    pub fn get(&self, i: usize, j: usize) -> Result<T> {
        self.layout.comm().agree(self.check_index(i, j))?;
        let mut v = T::default();
        let (ii, jj) = (el_int(i, "row")?, el_int(j, "column")?);
        // SAFETY: a live matrix and an index inside it (checked on every rank).
        check(
            unsafe { T::get(self.raw, ii, jj, &mut v) },
            &format!("ElDistMatrixGet_{}", T::SUFFIX),
        )?;
        Ok(v)
    }

    /// Sets entry `(i, j)` through Elemental (`ElDistMatrixSet_<x>`: the
    /// processes holding it write it; no communication). SPMD: every rank
    /// calls it with the same arguments.
    pub fn set(&mut self, i: usize, j: usize, value: T) -> Result<()> {
        self.check_index(i, j)?;
        let (ii, jj) = (el_int(i, "row")?, el_int(j, "column")?);
        // SAFETY: a live matrix and an index inside it.
        check(
            unsafe { T::set(self.raw, ii, jj, value) },
            &format!("ElDistMatrixSet_{}", T::SUFFIX),
        )
    }

    pub(crate) fn raw(&self) -> *mut c_void {
        self.raw
    }

    pub(crate) fn grid_raw(&self) -> ffi::ElConstGrid {
        self.grid
    }

    /// Local buffer pointer, local height, width and leading dimension.
    fn local_parts(&self) -> Result<(*mut T, usize, usize, usize)> {
        let (mut ptr, mut h, mut w, mut ld) = (std::ptr::null_mut(), 0, 0, 0);
        let call = |what: &str| format!("ElDistMatrix{what}_{}", T::SUFFIX);
        // SAFETY: a live matrix; each call writes one value.
        unsafe {
            check(T::buffer(self.raw, &mut ptr), &call("Buffer"))?;
            check(T::local_height(self.raw, &mut h), &call("LocalHeight"))?;
            check(T::local_width(self.raw, &mut w), &call("LocalWidth"))?;
            check(T::ldim(self.raw, &mut ld), &call("LDim"))?;
        }
        let (h, w, ld) = (h as usize, w as usize, ld as usize);
        let want = self.layout.local_shape();
        if h * w == 0 && want.iter().product::<usize>() == 0 {
            // nothing held here (e.g. a non-root process of [CIRC,CIRC],
            // which Elemental sizes 0 x 0): the layout's empty shape
            return Ok((std::ptr::null_mut(), want[0], want[1], want[0].max(1)));
        }
        if [h, w] != want {
            return Err(Error::LayoutMismatch {
                context: "Elemental DistMatrix".into(),
                detail: format!(
                    "Elemental holds a {h} x {w} local block, the layout {:?}",
                    self.layout.local_shape()
                ),
            });
        }
        Ok((ptr, h, w, ld))
    }

    /// The matrix's memory lent as a writable distributed array (no copy;
    /// a column-major local view), for as long as the guard lives (it
    /// borrows the matrix mutably). Not collective.
    pub fn array_mut(&mut self) -> Result<LentMut<'_, T, ElBuffer>> {
        let (ptr, h, w, ld) = self.local_parts()?;
        let view = if h == 0 || w == 0 || ptr.is_null() {
            ArrayViewMut::from_shape(IxDyn(&[h, w]), &mut [][..])
                .map_err(|e| Error::InvalidArgument(e.to_string()))?
        } else {
            // SAFETY: Elemental's local buffer holds column j of the h x w
            // block at ptr + j * ld (ld >= h), alive while the matrix lives and
            // not resized while `self` is mutably borrowed by the guard.
            unsafe { ArrayViewMut::from_shape_ptr(IxDyn(&[h, w]).strides(IxDyn(&[1, ld])), ptr) }
        };
        let view = DistArrayBase::from_local(self.layout.clone(), view)?;
        Ok(LentMut::new(view, ElBuffer))
    }

    /// The matrix's memory lent as a read-only distributed array (no copy);
    /// several may live at once. Not collective.
    pub fn to_array(&self) -> Result<LentRef<'_, T, ElBuffer>> {
        let (ptr, h, w, ld) = self.local_parts()?;
        let view = if h == 0 || w == 0 || ptr.is_null() {
            ArrayView::from_shape(IxDyn(&[h, w]), &[][..])
                .map_err(|e| Error::InvalidArgument(e.to_string()))?
        } else {
            // SAFETY: as in `array_mut`, read-only while `self` is borrowed.
            unsafe {
                ArrayView::from_shape_ptr(IxDyn(&[h, w]).strides(IxDyn(&[1, ld])), ptr as *const T)
            }
        };
        let view = DistArrayBase::from_local(self.layout.clone(), view)?;
        Ok(LentRef::new(view, ElBuffer))
    }
}

/// Checks `layout` is `dist`'s layout on `grid`; the error names the
/// layout and points to an explicit redistribution. Collective.
fn check_layout(grid: &ElGrid<'_>, dist: ElDist, layout: &Layout, context: &str) -> Result<()> {
    let comm = if dist.vc_ordered() {
        grid.vc_comm()
    } else {
        grid.comm()
    };
    let ok = layout.ndim() == 2 && layout.comm().congruent(comm);
    let same = layout.comm().all(ok)
        && grid.layout(dist, layout.shape()[0], layout.shape()[1])? == *layout;
    if same {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: context.into(),
            detail: format!(
                "{layout:?} is not the layout of a {dist:?} DistMatrix on this {} x {} grid; redistribute \
                 to ElGrid::layout({dist:?}, m, n) with ElGrid::redistribution (explicit, reusable)",
                grid.height(),
                grid.width()
            ),
        })
    }
}

impl<T: ElScalar> Drop for DistMatrix<'_, T> {
    fn drop(&mut self) {
        // SAFETY: a live matrix, emptied (detaching an attached buffer or
        // freeing Elemental's own) and then destroyed, once. Elemental's C
        // destructor frees nothing itself, so Empty must come first.
        unsafe {
            let code = T::empty(self.raw);
            if code != ffi::ElError_EL_SUCCESS {
                eprintln!(
                    "bridge-elemental: ElDistMatrixEmpty_{} returned {code}",
                    T::SUFFIX
                );
            }
            let code = T::destroy(self.raw);
            if code != ffi::ElError_EL_SUCCESS {
                eprintln!(
                    "bridge-elemental: ElDistMatrixDestroy_{} returned {code}",
                    T::SUFFIX
                );
            }
        }
    }
}

impl<T: ElScalar> std::fmt::Debug for DistMatrix<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DistMatrix")
            .field("dist", &self.dist)
            .field("shape", &self.shape())
            .field("layout", &self.layout)
            .finish()
    }
}

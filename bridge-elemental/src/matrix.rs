//! DistMatrices over distributed arrays' memory, and Elemental's memory as
//! distributed arrays.
//!
//! Elemental stores each process' part of a matrix column-major with a
//! leading dimension `ldim >= local height`. A distarray whose local buffer
//! is column-major (see [`column_major_zeros`]) shares its memory with the
//! DistMatrix ([`DistMatrix::attach`], no copy); a C-order array is copied,
//! visibly, by [`DistMatrix::from_array_copy`]. A DistMatrix's memory is
//! lent back as a distributed array by [`DistMatrix::array_mut`] (a
//! column-major view, no copy).

use crate::error::{check, el_int};
use crate::ffi;
use crate::grid::{ElDist, ElGrid};
use distarray_core::{
    DistArray, DistArrayBase, DistArrayView, DistArrayViewMut, Error, Layout, Result,
};
use ndarray::{ArrayD, ArrayView, ArrayViewMut, Data, DataMut, IxDyn, ShapeBuilder};
use std::marker::PhantomData;

/// A distributed array of `layout` whose local buffer is column-major
/// (Fortran order): the memory order Elemental shares. Not collective.
///
/// ```no_run
/// # fn f(grid: &bridge_elemental::ElGrid) {
/// use bridge_elemental::{column_major_zeros, DistMatrix, ElDist};
/// let layout = grid.layout(ElDist::McMr, 100, 100).unwrap();
/// let mut a = column_major_zeros(&layout);
/// let m = DistMatrix::attach(grid, ElDist::McMr, &mut a).unwrap(); // no copy
/// # }
/// ```
pub fn column_major_zeros(layout: &Layout) -> DistArray<f64> {
    let local = ArrayD::zeros(IxDyn(layout.local_shape()).f());
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

/// An Elemental `DistMatrix<double>` with a distarray layout.
pub struct DistMatrix<'a> {
    raw: ffi::ElDistMatrix_d,
    grid: ffi::ElConstGrid,
    layout: Layout,
    dist: ElDist,
    _grid: PhantomData<&'a ElGrid<'a>>,
    _memory: PhantomData<&'a mut [f64]>,
}

impl<'a> DistMatrix<'a> {
    fn create(grid: &'a ElGrid<'a>, dist: ElDist, layout: Layout) -> Result<DistMatrix<'a>> {
        let (u, v) = dist.uv();
        let mut raw: ffi::ElDistMatrix_d = std::ptr::null_mut();
        // SAFETY: a live grid; Elemental writes the new handle.
        check(
            unsafe { ffi::ElDistMatrixCreateSpecific_d(u, v, grid.raw, &mut raw) },
            "ElDistMatrixCreateSpecific_d",
        )?;
        Ok(DistMatrix {
            raw,
            grid: grid.raw,
            layout,
            dist,
            _grid: PhantomData,
            _memory: PhantomData,
        })
    }

    /// A zero `m x n` matrix with distribution `dist`, in Elemental's
    /// memory. Collective over the grid.
    pub fn new(grid: &'a ElGrid<'a>, dist: ElDist, m: usize, n: usize) -> Result<DistMatrix<'a>> {
        let layout = grid.layout(dist, m, n)?;
        let mut a = DistMatrix::create(grid, dist, layout)?;
        // SAFETY: a live matrix; the sizes fit ElInt.
        check(
            unsafe { ffi::ElDistMatrixResize_d(a.raw, el_int(m, "rows")?, el_int(n, "columns")?) },
            "ElDistMatrixResize_d",
        )?;
        let zeroed = a.array_mut().map(|mut view| view.local_mut().fill(0.0));
        a.layout.comm().agree(zeroed)?;
        Ok(a)
    }

    /// The matrix over `array`'s memory (no copy): the array's layout must
    /// be `dist`'s on `grid` ([`ElGrid::layout`]) and its local buffer
    /// column-major. The array stays mutably borrowed while the matrix
    /// lives. Collective; the same error on every rank otherwise.
    pub fn attach<S: DataMut<Elem = f64>>(
        grid: &'a ElGrid<'a>,
        dist: ElDist,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<DistMatrix<'a>> {
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
        check(
            unsafe {
                ffi::ElDistMatrixAttach_d(
                    a.raw,
                    el_int(m, "rows")?,
                    el_int(n, "columns")?,
                    grid.raw,
                    0,
                    0,
                    ptr,
                    el_int(ld, "leading dimension")?,
                    0,
                )
            },
            "ElDistMatrixAttach_d",
        )?;
        Ok(a)
    }

    /// A matrix in Elemental's memory holding a copy of `array`'s cells
    /// (any memory order; the layout must be `dist`'s on `grid`). An
    /// explicit copy, local to each rank. Collective.
    pub fn from_array_copy<S: Data<Elem = f64>>(
        grid: &'a ElGrid<'a>,
        dist: ElDist,
        array: &DistArrayBase<S>,
    ) -> Result<DistMatrix<'a>> {
        check_layout(grid, dist, array.layout(), "DistMatrix::from_array_copy")?;
        let (m, n) = (array.layout().shape()[0], array.layout().shape()[1]);
        let mut a = DistMatrix::new(grid, dist, m, n)?;
        let copied = a
            .array_mut()
            .map(|mut view| view.local_mut().assign(&array.local()));
        a.layout.comm().agree(copied)?;
        Ok(a)
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

    /// Entry `(i, j)`, read by Elemental (`ElDistMatrixGet_d`, collective:
    /// the owner broadcasts it). Every rank must ask for the same entry.
    pub fn get(&self, i: usize, j: usize) -> Result<f64> {
        self.layout.comm().agree(self.check_index(i, j))?;
        let mut v = 0.0;
        // SAFETY: a live matrix and an index inside it (checked on every rank).
        check(
            unsafe {
                ffi::ElDistMatrixGet_d(self.raw, el_int(i, "row")?, el_int(j, "column")?, &mut v)
            },
            "ElDistMatrixGet_d",
        )?;
        Ok(v)
    }

    /// Sets entry `(i, j)` through Elemental (`ElDistMatrixSet_d`: the
    /// processes holding it write it; no communication). SPMD: every rank
    /// calls it with the same arguments.
    pub fn set(&mut self, i: usize, j: usize, value: f64) -> Result<()> {
        self.check_index(i, j)?;
        // SAFETY: a live matrix and an index inside it.
        check(
            unsafe {
                ffi::ElDistMatrixSet_d(self.raw, el_int(i, "row")?, el_int(j, "column")?, value)
            },
            "ElDistMatrixSet_d",
        )
    }

    pub(crate) fn raw(&self) -> ffi::ElDistMatrix_d {
        self.raw
    }

    pub(crate) fn grid_raw(&self) -> ffi::ElConstGrid {
        self.grid
    }

    /// Local buffer pointer, local height, width and leading dimension.
    fn local_parts(&self) -> Result<(*mut f64, usize, usize, usize)> {
        let (mut ptr, mut h, mut w, mut ld) = (std::ptr::null_mut(), 0, 0, 0);
        // SAFETY: a live matrix; each call writes one value.
        unsafe {
            check(
                ffi::ElDistMatrixBuffer_d(self.raw, &mut ptr),
                "ElDistMatrixBuffer_d",
            )?;
            check(
                ffi::ElDistMatrixLocalHeight_d(self.raw, &mut h),
                "ElDistMatrixLocalHeight_d",
            )?;
            check(
                ffi::ElDistMatrixLocalWidth_d(self.raw, &mut w),
                "ElDistMatrixLocalWidth_d",
            )?;
            check(
                ffi::ElDistMatrixLDim_d(self.raw, &mut ld),
                "ElDistMatrixLDim_d",
            )?;
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

    /// The matrix's memory as a distributed array (no copy; a column-major
    /// local view), for as long as the matrix is mutably borrowed.
    pub fn array_mut(&mut self) -> Result<DistArrayViewMut<'_, f64>> {
        let (ptr, h, w, ld) = self.local_parts()?;
        let view = if h == 0 || w == 0 || ptr.is_null() {
            ArrayViewMut::from_shape(IxDyn(&[h, w]), &mut [][..])
                .map_err(|e| Error::InvalidArgument(e.to_string()))?
        } else {
            // SAFETY: Elemental's local buffer holds column j of the h x w
            // block at ptr + j * ld (ld >= h), alive while the matrix lives and
            // not resized while `self` is mutably borrowed.
            unsafe { ArrayViewMut::from_shape_ptr(IxDyn(&[h, w]).strides(IxDyn(&[1, ld])), ptr) }
        };
        DistArrayBase::from_local(self.layout.clone(), view)
    }

    /// The matrix's memory as a read-only distributed array (no copy).
    pub fn array(&self) -> Result<DistArrayView<'_, f64>> {
        let (ptr, h, w, ld) = self.local_parts()?;
        let view = if h == 0 || w == 0 || ptr.is_null() {
            ArrayView::from_shape(IxDyn(&[h, w]), &[][..])
                .map_err(|e| Error::InvalidArgument(e.to_string()))?
        } else {
            // SAFETY: as in `array_mut`, read-only while `self` is borrowed.
            unsafe {
                ArrayView::from_shape_ptr(
                    IxDyn(&[h, w]).strides(IxDyn(&[1, ld])),
                    ptr as *const f64,
                )
            }
        };
        DistArrayBase::from_local(self.layout.clone(), view)
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

impl Drop for DistMatrix<'_> {
    fn drop(&mut self) {
        // SAFETY: a live matrix, emptied (detaching an attached buffer or
        // freeing Elemental's own) and then destroyed, once. Elemental's C
        // destructor frees nothing itself, so Empty must come first.
        unsafe {
            let code = ffi::ElDistMatrixEmpty_d(self.raw, true);
            if code != ffi::ElError_EL_SUCCESS {
                eprintln!("bridge-elemental: ElDistMatrixEmpty_d returned {code}");
            }
            ffi::ElDistMatrixDestroy_d(self.raw);
        }
    }
}

impl std::fmt::Debug for DistMatrix<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DistMatrix")
            .field("dist", &self.dist)
            .field("shape", &self.shape())
            .field("layout", &self.layout)
            .finish()
    }
}

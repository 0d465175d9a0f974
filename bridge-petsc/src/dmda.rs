//! Structured grids: a 2-D or 3-D block x block (x block) layout as a
//! PETSc DMDA with the same process grid, ownership and ghost width.
//!
//! Axis order: the array's last axis is the DMDA's `x` (PETSc's fastest),
//! so a C-order `[ny, nx]` array and a DMDA of `M = nx`, `N = ny` hold the
//! same cells in the same memory order, and PETSc's rank numbering
//! (`x` fastest) is the array grid's C order.
//!
//! - a padded array (communication padding `w` at every interface, no
//!   boundary padding) **is** a DMDA local (ghosted) vector: [`Dmda::local_vec`]
//!   wraps its buffer without copying;
//! - the same layout without ghosts **is** the DMDA global vector:
//!   [`Dmda::global_vec`] wraps it without copying;
//! - [`Dmda::global_to_local`] runs `DMGlobalToLocal`, which agrees cell for
//!   cell with [`distarray_core::halo::Halo`] on the padded array.

use crate::error::{check, pint};
use crate::ffi;
use crate::scalar::{IsPetscScalar, Scalar};
use crate::vector::{AsPetscVec, AsPetscVecMut, PetscVec, Sealed};
use crate::Petsc;
use distarray_core::halo::Stencil;
use distarray_core::map::AxisMap;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{DistArrayBase, Error, Layout, Result};
use ndarray::DataMut;
use std::marker::PhantomData;

/// A PETSc DMDA matching a padded block layout.
///
/// # Examples
///
/// `DMGlobalToLocal` fills a padded array exactly as distarray's halo
/// update would:
///
/// ```
/// use bridge_petsc::{Dmda, Petsc, Scalar};
/// use distarray_core::halo::Stencil;
/// use distarray_core::map::{AxisMap, BlockMap};
/// use distarray_core::{Comm, DistArray, Layout, ProcGrid};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// let p = comm.size();
/// // 6 x 8 cells, rows split with one ghost row between neighbours
/// let rows = AxisMap::Block(BlockMap::regular(6, p).with_padding(1, (0, 0)).unwrap());
/// let grid = ProcGrid::new(&[p, 1], p, comm.rank()).unwrap();
/// let padded = Layout::from_parts(comm.clone(), grid, vec![rows, AxisMap::not_distributed(8)]);
/// let dm = Dmda::new(&petsc, &padded, Stencil::Star).unwrap();
///
/// let value = |ix: &[usize]| Scalar::from((8 * ix[0] + ix[1]) as f64);
/// let mut global = DistArray::from_fn(dm.owned_layout(), value);
/// let mut local = DistArray::full(&padded, Scalar::from(-1.0));
/// {
///     let g = dm.global_vec(&mut global).unwrap();
///     let mut l = dm.local_vec(&mut local).unwrap();
///     dm.global_to_local(&g, &mut l).unwrap(); // owned cells and ghosts
/// }
/// assert_eq!(local.local(), DistArray::from_fn(&padded, value).local());
/// ```
pub struct Dmda<'p> {
    raw: ffi::DM,
    padded: Layout,
    owned: Layout,
    _petsc: PhantomData<&'p Petsc>,
}

/// Per axis: the owned block sizes and the (uniform) ghost width.
fn describe(layout: &Layout) -> Result<(Vec<Vec<ffi::PetscInt>>, usize)> {
    let bad = |why: String| Error::LayoutMismatch {
        context: "DMDA".into(),
        detail: why,
    };
    if !(2..=3).contains(&layout.ndim()) {
        return Err(bad(format!(
            "a DMDA is 2-D or 3-D, this layout has {} axes",
            layout.ndim()
        )));
    }
    let mut sizes = Vec::new();
    let mut width = None;
    for (a, m) in layout.maps().iter().enumerate() {
        let AxisMap::Block(b) = m else {
            return Err(bad(format!(
                "axis {a} is {}, a DMDA needs block axes",
                m.short_name()
            )));
        };
        if b.boundary_padding() != (0, 0) || b.is_periodic() {
            return Err(bad(format!(
                "axis {a} has boundary padding or is periodic; DMDAs with DM_BOUNDARY_NONE need neither"
            )));
        }
        for &w in b.interface_padding() {
            if *width.get_or_insert(w) != w {
                return Err(bad(format!(
                    "axis {a} has ghost width {w}, another axis {}: a DMDA has one",
                    width.unwrap()
                )));
            }
        }
        sizes.push(
            (0..b.grid_size())
                .map(|p| pint(b.owned_len(p), "block size"))
                .collect::<Result<Vec<_>>>()?,
        );
    }
    Ok((sizes, width.unwrap_or(0)))
}

impl<'p> Dmda<'p> {
    /// A DMDA for `padded` (block axes, the same communication padding
    /// everywhere — the stencil width —, no boundary padding). Collective.
    pub fn new(_petsc: &'p Petsc, padded: &Layout, stencil: Stencil) -> Result<Dmda<'p>> {
        let comm = padded.comm();
        let (sizes, width) = comm.agree(describe(padded))?;
        // before DMDACreate: nothing to destroy when it fails
        let owned = comm.agree(owned_twin(padded))?;
        let shape = padded.shape();
        let grid = padded.grid().shape();
        let st = match stencil {
            Stencil::Star => ffi::DMDAStencilType_DMDA_STENCIL_STAR,
            Stencil::Box => ffi::DMDAStencilType_DMDA_STENCIL_BOX,
        };
        let none = ffi::DMBoundaryType_DM_BOUNDARY_NONE;
        let mut raw: ffi::DM = std::ptr::null_mut();
        let s = pint(width, "ghost width")?;
        let g = |a: usize| pint(grid[a], "grid size");
        let n = |a: usize| pint(shape[a], "axis size");
        // SAFETY: the ownership arrays have one entry per grid position along
        // their axis and outlive the call; the communicator is live.
        let code = unsafe {
            if shape.len() == 2 {
                ffi::DMDACreate2d(
                    comm.raw().as_raw(),
                    none,
                    none,
                    st,
                    n(1)?,
                    n(0)?,
                    g(1)?,
                    g(0)?,
                    1,
                    s,
                    sizes[1].as_ptr(),
                    sizes[0].as_ptr(),
                    &mut raw,
                )
            } else {
                ffi::DMDACreate3d(
                    comm.raw().as_raw(),
                    none,
                    none,
                    none,
                    st,
                    n(2)?,
                    n(1)?,
                    n(0)?,
                    g(2)?,
                    g(1)?,
                    g(0)?,
                    1,
                    s,
                    sizes[2].as_ptr(),
                    sizes[1].as_ptr(),
                    sizes[0].as_ptr(),
                    &mut raw,
                )
            }
        };
        let made = comm.agree(check(code, "DMDACreate"));
        let dm = Dmda {
            raw,
            padded: padded.clone(),
            owned,
            _petsc: PhantomData,
        };
        made?; // (a half-made DM is destroyed with `dm`)
               // SAFETY: a live DM, set up once.
        comm.agree(check(unsafe { ffi::DMSetUp(dm.raw) }, "DMSetUp"))?;
        Ok(dm)
    }

    /// The same layout without ghost cells: the DMDA global vector's.
    pub fn owned_layout(&self) -> &Layout {
        &self.owned
    }

    /// A padded array's buffer as the DMDA local (ghosted) vector, no copy.
    /// The vector borrows the array and the DMDA (and through it PETSc), so
    /// it can not outlive PETSc:
    ///
    /// ```no_run
    /// # use bridge_petsc::{Dmda, Petsc, Scalar};
    /// # use distarray_core::halo::Stencil;
    /// # fn f(layout: &distarray_core::Layout, a: &mut distarray_core::DistArray<Scalar>) {
    /// let petsc = Petsc::init().unwrap();
    /// let dm = Dmda::new(&petsc, layout, Stencil::Star).unwrap();
    /// let local = dm.local_vec(a).unwrap();
    /// drop(local);
    /// drop(dm);
    /// # }
    /// ```
    ///
    /// ```compile_fail,E0505
    /// # use bridge_petsc::{Dmda, Petsc, Scalar};
    /// # use distarray_core::halo::Stencil;
    /// # fn f(layout: &distarray_core::Layout, a: &mut distarray_core::DistArray<Scalar>) {
    /// let petsc = Petsc::init().unwrap();
    /// let dm = Dmda::new(&petsc, layout, Stencil::Star).unwrap();
    /// let local = dm.local_vec(a).unwrap();
    /// drop(dm); // error: `dm` is still borrowed by `local`
    /// drop(local);
    /// # }
    /// ```
    pub fn local_vec<'a, T: IsPetscScalar, S: DataMut<Elem = T>>(
        &'a self,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<LocalVec<'a>> {
        if array.layout() != &self.padded {
            return Err(Error::LayoutMismatch {
                context: "Dmda::local_vec".into(),
                detail: format!(
                    "the DMDA is for {:?}, the array has {:?}",
                    self.padded,
                    array.layout()
                ),
            });
        }
        let mut local = array.local_mut();
        let slice = T::scalars_mut(local.as_slice_mut().ok_or_else(|| {
            Error::InvalidArgument("the array's local buffer is not contiguous".into())
        })?);
        let mut raw: ffi::Vec = std::ptr::null_mut();
        // SAFETY: the buffer holds `len` scalars and stays mutably borrowed
        // for 'a, as long as the Vec lives.
        check(
            unsafe {
                ffi::VecCreateSeqWithArray(
                    mpi::ffi::RSMPI_COMM_SELF,
                    1,
                    pint(slice.len(), "local size")?,
                    crate::scalar::ffi_ptr(slice.as_mut_ptr()),
                    &mut raw,
                )
            },
            "VecCreateSeqWithArray",
        )?;
        Ok(LocalVec {
            raw,
            _array: PhantomData,
        })
    }

    /// An array in [`owned_layout`](Self::owned_layout) as the DMDA global
    /// vector, no copy. It borrows the array and the DMDA (and so PETSc).
    /// Collective.
    ///
    /// ```compile_fail,E0505
    /// # use bridge_petsc::{Dmda, Petsc, Scalar};
    /// # use distarray_core::halo::Stencil;
    /// # fn f(petsc: &Petsc, layout: &distarray_core::Layout, a: &mut distarray_core::DistArray<Scalar>) {
    /// let dm = Dmda::new(petsc, layout, Stencil::Star).unwrap();
    /// let global = dm.global_vec(a).unwrap();
    /// drop(dm); // error: `dm` is still borrowed by `global`
    /// drop(global);
    /// # }
    /// ```
    pub fn global_vec<'a, T: IsPetscScalar, S: DataMut<Elem = T>>(
        &'a self,
        array: &'a mut DistArrayBase<S>,
    ) -> Result<PetscVec<'a>> {
        let verdict = if array.layout() != &self.owned {
            Err(Error::LayoutMismatch {
                context: "Dmda::global_vec".into(),
                detail: format!(
                    "the DMDA's global vector has {:?}, the array {:?}",
                    self.owned,
                    array.layout()
                ),
            })
        } else {
            Ok(())
        };
        self.owned.comm().agree(verdict)?;
        PetscVec::wrap_any(array)
    }

    /// `DMGlobalToLocal`: fills the local vector (owned cells and ghosts)
    /// from the global one. Collective.
    pub fn global_to_local(
        &self,
        global: &impl AsPetscVec,
        local: &mut LocalVec<'_>,
    ) -> Result<()> {
        // SAFETY: a live DM and vectors of its global and local sizes (PETSc checks).
        unsafe {
            check(
                ffi::DMGlobalToLocalBegin(
                    self.raw,
                    global.raw_vec(),
                    ffi::InsertMode_INSERT_VALUES,
                    local.raw,
                ),
                "DMGlobalToLocalBegin",
            )?;
            check(
                ffi::DMGlobalToLocalEnd(
                    self.raw,
                    global.raw_vec(),
                    ffi::InsertMode_INSERT_VALUES,
                    local.raw,
                ),
                "DMGlobalToLocalEnd",
            )
        }
    }
}

impl Drop for Dmda<'_> {
    fn drop(&mut self) {
        // SAFETY: owned by this handle, destroyed once.
        let code = unsafe { ffi::DMDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: DMDestroy returned {code}");
        }
    }
}

/// The padded layout's twin without ghost cells (same ownership).
fn owned_twin(padded: &Layout) -> Result<Layout> {
    let maps = padded
        .maps()
        .iter()
        .map(|m| match m {
            AxisMap::Block(b) => Ok(AxisMap::Block(distarray_core::BlockMap::irregular(
                b.bounds().to_vec(),
            )?)),
            other => Ok(other.clone()),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Layout::from_parts(
        padded.comm().clone(),
        padded.grid().clone(),
        maps,
    ))
}

/// A DMDA local vector over a padded array's memory.
///
/// # Examples
///
/// Made by [`Dmda::local_vec`] (see [`Dmda`]); it borrows the array:
///
/// ```compile_fail,E0499
/// # use bridge_petsc::{Dmda, Petsc, Scalar};
/// # use distarray_core::halo::Stencil;
/// # fn f(dm: &Dmda<'_>, a: &mut distarray_core::DistArray<Scalar>) {
/// let local = dm.local_vec(a).unwrap();
/// a.fill(Scalar::from(0.0)); // error: `a` is lent to PETSc while `local` lives
/// drop(local);
/// # }
/// ```
pub struct LocalVec<'a> {
    raw: ffi::Vec,
    /// the array's buffer, and (through `local_vec`'s `&'a self`) the
    /// DMDA and so PETSc
    _array: PhantomData<&'a mut [Scalar]>,
}

impl Sealed for LocalVec<'_> {}
impl AsPetscVec for LocalVec<'_> {
    fn raw_vec(&self) -> ffi::Vec {
        self.raw
    }
}
impl AsPetscVecMut for LocalVec<'_> {}

impl Drop for LocalVec<'_> {
    fn drop(&mut self) {
        // SAFETY: created by `Dmda::local_vec`, destroyed once; the memory stays the array's.
        let code = unsafe { ffi::VecDestroy(&mut self.raw) };
        if code != 0 {
            eprintln!("bridge-petsc: VecDestroy returned {code}");
        }
    }
}

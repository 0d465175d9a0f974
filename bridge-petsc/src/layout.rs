//! Our layouts and PETSc's distribution: a PETSc `Vec` is a 1-D block
//! split given by its ownership ranges (`VecGetOwnershipRanges`: rank `r`
//! owns `ranges[r] .. ranges[r + 1]`), which is an irregular block layout
//! of ours. Any other layout reaches a `Vec` through [`to_native_plan`].

use crate::scalar::Scalar;
use distarray_core::bridge::NativePlan;
use distarray_core::map::{AxisMap, BlockMap};
use distarray_core::redistribute::Plan;
use distarray_core::{Comm, Error, Layout, ProcGrid, Result};

/// The 1-D block layout of a `Vec` with these ownership ranges (`p + 1`
/// increasing entries from 0, as `VecGetOwnershipRanges` gives them). Not
/// collective: every rank computes it from the same ranges.
///
/// # Examples
///
/// ```
/// use bridge_petsc::layout::{from_ownership_ranges, ownership_ranges};
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let ranges: Vec<usize> = (0..=comm.size()).map(|r| 3 * r).collect();
/// let layout = from_ownership_ranges(&comm, &ranges).unwrap();
/// assert_eq!(layout.local_len(), 3);
/// assert_eq!(ownership_ranges(&layout).unwrap(), ranges);
/// ```
pub fn from_ownership_ranges(comm: &Comm, ranges: &[usize]) -> Result<Layout> {
    if ranges.len() != comm.size() + 1 {
        return Err(Error::InvalidArgument(format!(
            "{} ownership ranges for {} ranks (want one more than the ranks)",
            ranges.len(),
            comm.size()
        )));
    }
    let map = AxisMap::Block(BlockMap::irregular(ranges.to_vec())?);
    let grid = ProcGrid::new(&[comm.size()], comm.size(), comm.rank())?;
    Ok(Layout::from_parts(comm.clone(), grid, vec![map]))
}

/// The ownership ranges of a layout a `Vec` can share (see
/// [`check_vec_layout`]); a [`LayoutMismatch`](Error::LayoutMismatch) for
/// any other.
///
/// # Examples
///
/// ```
/// use bridge_petsc::layout::ownership_ranges;
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let r = ownership_ranges(&Layout::block(&comm, &[10]).unwrap()).unwrap();
/// assert_eq!((r[0], r[comm.size()]), (0, 10));
/// ```
pub fn ownership_ranges(layout: &Layout) -> Result<Vec<usize>> {
    check_vec_layout(layout)?;
    match layout.map(0) {
        AxisMap::Block(b) => Ok(b.bounds().to_vec()),
        _ => unreachable!("checked: a block axis"),
    }
}

/// Whether a PETSc `Vec` can share memory with arrays of `layout`: one
/// block axis (regular or irregular), no padding. Otherwise a
/// [`LayoutMismatch`](Error::LayoutMismatch) that names
/// [`to_native_plan`]. Local: callers agree on the verdict.
///
/// # Examples
///
/// ```
/// use bridge_petsc::layout::check_vec_layout;
/// use distarray_core::{Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// assert!(check_vec_layout(&Layout::block(&comm, &[10]).unwrap()).is_ok());
/// assert!(check_vec_layout(&Layout::new(&comm, &[10], &[Dist::Cyclic]).unwrap()).is_err());
/// ```
pub fn check_vec_layout(layout: &Layout) -> Result<()> {
    let ok = layout.ndim() == 1 && matches!(layout.map(0), AxisMap::Block(b) if !b.is_padded());
    if ok {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: "PETSc Vec".into(),
            detail: format!(
                "a Vec shares memory only with a 1-D block layout without ghost cells, not {layout:?}; \
                 use to_native_plan to move the data through a redistribution plan"
            ),
        })
    }
}

/// For an array of any layout: the 1-D block layout a PETSc `Vec` shares
/// (the cells in C order, balanced over the ranks) and the plans there and
/// back. Explicit and reusable: build once, execute per solve. Collective.
///
/// # Examples
///
/// ```
/// use bridge_petsc::{to_native_plan, Petsc, PetscVec, Scalar};
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let petsc = Petsc::init().unwrap();
/// let comm = Comm::world();
/// let grid = Layout::new(&comm, &[3, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
/// let a = DistArray::from_fn(&grid, |ix: &[usize]| Scalar::from((4 * ix[0] + ix[1]) as f64));
/// let mut plan = to_native_plan(&grid).unwrap();
/// let mut v = DistArray::zeros(&plan.native);
/// plan.to_native.execute(&a, &mut v).unwrap(); // the explicit copy
/// {
///     let mut pv = PetscVec::wrap(&petsc, &mut v).unwrap();
///     pv.set(1.0).unwrap(); // ... a PETSc solve would write here
/// }
/// let mut b = DistArray::zeros(&grid);
/// plan.from_native.execute(&v, &mut b).unwrap();
/// assert_eq!(b.get(&[2, 3]).unwrap(), Scalar::from(1.0));
/// ```
pub fn to_native_plan(layout: &Layout) -> Result<NativePlan<Scalar>> {
    let native = Layout::block(layout.comm(), &[layout.global_len()])?;
    Ok(NativePlan {
        to_native: Plan::reshape(layout, &native)?,
        from_native: Plan::reshape(&native, layout)?,
        native,
    })
}

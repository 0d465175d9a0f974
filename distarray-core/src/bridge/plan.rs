//! The redistribution plans between an array's layout and the layout a
//! native library requires.

use crate::dtype::Element;
use crate::layout::Layout;
use crate::redistribute::Plan;

/// The layout a native library can use as is, and the two reusable plans
/// that move an array there and back: what every bridge's
/// `to_native_plan(&layout)` returns when the library can not work on the
/// array's own layout (a cyclic array for PETSc, say). The copies are
/// explicit: the caller executes the plans.
///
/// # Examples
///
/// A bridge builds one from the library's layout; here a cyclic array's
/// plans to a block layout, as the PETSc bridge would make them:
///
/// ```
/// use distarray_core::bridge::NativePlan;
/// use distarray_core::{Comm, DistArray, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let cyclic = Layout::new(&comm, &[10], &[Dist::Cyclic]).unwrap();
/// let block = Layout::block(&comm, &[10]).unwrap();
/// let mut plan = NativePlan::<f64>::new(&cyclic, &block).unwrap();
/// let a = DistArray::from_fn(&cyclic, |i| i[0] as f64);
/// let mut native = DistArray::zeros(&plan.native);
/// plan.to_native.execute(&a, &mut native).unwrap();
/// let mut back = DistArray::zeros(&cyclic);
/// plan.from_native.execute(&native, &mut back).unwrap();
/// assert_eq!(back.gather_all().unwrap(), a.gather_all().unwrap());
/// ```
#[derive(Debug)]
pub struct NativePlan<T> {
    /// The layout the library uses.
    pub native: Layout,
    /// From the array's layout to [`native`](Self::native).
    pub to_native: Plan<T>,
    /// From [`native`](Self::native) back to the array's layout.
    pub from_native: Plan<T>,
}

impl<T: Element> NativePlan<T> {
    /// Plans both directions between `layout` and `native`. Collective over
    /// the layouts' communicator.
    pub fn new(layout: &Layout, native: &Layout) -> crate::Result<Self> {
        Ok(NativePlan {
            native: native.clone(),
            to_native: Plan::new(layout, native)?,
            from_native: Plan::new(native, layout)?,
        })
    }
}

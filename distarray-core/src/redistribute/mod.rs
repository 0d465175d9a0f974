//! Redistribution: move an array to any other layout — plan once, execute
//! many times (the model of Tpetra's Import/Export and PETSc's VecScatter).
//!
//! Any distribution kind to any other, in N dimensions, between different
//! process grids of the same communicator (and, through [`Plan::across`],
//! between layouts on different sub-communicators of one parent); axis permutations (the pencil
//! transposes of FFT codes) and reshapes (a new global shape with the same
//! cells in C order) are redistributions too. Target ghost cells (padding)
//! are filled along with the owned ones. How messages travel is set by
//! [`PlanOptions`] (see [`crate::exchange`], the engine underneath).
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! use distarray_core::redistribute::Plan;
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let rows = Layout::new(&comm, &[6, 4], &[Dist::Block, Dist::NotDistributed]).unwrap();
//! let cols = Layout::new(&comm, &[6, 4], &[Dist::NotDistributed, Dist::Block]).unwrap();
//! let a = DistArray::from_fn(&rows, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
//! // one line ...
//! let b = a.redistribute(&cols).unwrap();
//! // ... or a reusable plan for repeated exchanges
//! let mut plan = Plan::new(&rows, &cols).unwrap();
//! let mut c = DistArray::zeros(&cols);
//! plan.execute(&a, &mut c).unwrap();
//! assert_eq!(b.local(), c.local());
//! ```

mod plan;

pub use crate::exchange::{PlanOptions, Transport};
pub use plan::Plan;

use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::Result;
use crate::layout::Layout;
use ndarray::Data;

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// A copy of this array in another layout of the same shape. Collective.
    /// For repeated moves build a [`Plan`] once instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let blocks = Layout::block(&comm, &[9, 4]).unwrap();
    /// let cyclic = Layout::new(&comm, &[9, 4], &[Dist::BlockCyclic(2), Dist::NotDistributed]).unwrap();
    /// let a = DistArray::from_fn(&blocks, |ix: &[usize]| (ix[0] * 4 + ix[1]) as i32);
    /// let b = a.redistribute(&cyclic).unwrap();
    /// assert_eq!(b.layout(), &cyclic);
    /// assert_eq!(b.gather_all().unwrap(), a.gather_all().unwrap());
    /// ```
    pub fn redistribute(&self, target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::new(self.layout(), target)?.execute(self, &mut out)?;
        Ok(out)
    }

    /// The array with its axes permuted (target axis `a` is axis `perm[a]`
    /// of this one), in `target`'s layout. Collective.
    pub fn transpose_into(&self, perm: &[usize], target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::transpose(self.layout(), target, perm)?.execute(self, &mut out)?;
        Ok(out)
    }

    /// The same cells in C order under a new global shape, in `target`'s
    /// layout (the original DistArray's `distribute_as` with a new shape).
    /// Collective.
    pub fn reshape_into(&self, target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::reshape(self.layout(), target)?.execute(self, &mut out)?;
        Ok(out)
    }
}

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
mod split;

pub use crate::exchange::{PlanOptions, Transport};
pub use plan::Plan;
pub use split::PendingPlan;

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

    /// The array with its axes permuted (NumPy's `a.transpose(perm)`: axis
    /// `a` of the result is axis `perm[a]` of this one), as a new array in
    /// balanced blocks over the permuted shape. Collective. For another
    /// layout use [`transpose_in`](Self::transpose_in); for repeated
    /// transposes, a [`Plan::transpose`].
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::new(&comm, &[3, 5], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let a = DistArray::from_fn(&rows, |ix: &[usize]| (ix[0] * 5 + ix[1]) as f64);
    /// let t = a.transpose(&[1, 0]).unwrap(); // a.T
    /// assert_eq!(t.shape(), &[5, 3]);
    /// assert_eq!(t.get(&[4, 1]).unwrap(), 9.0);
    /// assert!(a.transpose(&[0, 0]).is_err()); // not a permutation: an error on every rank
    /// ```
    pub fn transpose(&self, perm: &[usize]) -> Result<DistArray<T>> {
        let shape = self.shape();
        let mut seen = vec![false; shape.len()];
        let valid = perm.len() == shape.len()
            && perm
                .iter()
                .all(|&p| p < shape.len() && !std::mem::replace(&mut seen[p], true));
        // an invalid permutation keeps the shape: the plan then reports it
        // (the same error on every rank)
        let target_shape: Vec<usize> = if valid {
            perm.iter().map(|&p| shape[p]).collect()
        } else {
            shape.to_vec()
        };
        let target = Layout::block(self.layout().comm(), &target_shape)?;
        self.transpose_in(perm, &target)
    }

    /// The same cells in C order under a new global shape (NumPy's
    /// `a.reshape(shape)`), as a new array in balanced blocks. Collective.
    /// For another layout use [`reshape_in`](Self::reshape_in).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[12]).unwrap(), |ix: &[usize]| ix[0] as f64);
    /// let m = a.reshape(&[3, 4]).unwrap();
    /// assert_eq!(m.get(&[2, 1]).unwrap(), 9.0);
    /// assert!(a.reshape(&[5, 3]).is_err()); // 15 cells are not 12
    /// ```
    pub fn reshape(&self, shape: &[usize]) -> Result<DistArray<T>> {
        let target = Layout::block(self.layout().comm(), shape)?;
        self.reshape_in(&target)
    }

    /// The array with its axes permuted (target axis `a` is axis `perm[a]`
    /// of this one), as a new array in `target`'s layout. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::new(&comm, &[3, 5], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let a = DistArray::from_fn(&rows, |ix: &[usize]| (ix[0] * 5 + ix[1]) as f64);
    /// let t_layout = Layout::new(&comm, &[5, 3], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
    /// let t = a.transpose_in(&[1, 0], &t_layout).unwrap();
    /// assert_eq!(t.get(&[4, 1]).unwrap(), 9.0);
    /// ```
    pub fn transpose_in(&self, perm: &[usize], target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::transpose(self.layout(), target, perm)?.execute(self, &mut out)?;
        Ok(out)
    }

    /// The same cells in C order under a new global shape, as a new array
    /// in `target`'s layout (the original DistArray's `distribute_as` with a
    /// new shape). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[12]).unwrap(), |ix: &[usize]| ix[0] as f64);
    /// let m = a.reshape_in(&Layout::block(&comm, &[3, 4]).unwrap()).unwrap();
    /// assert_eq!(m.get(&[2, 1]).unwrap(), 9.0);
    /// ```
    pub fn reshape_in(&self, target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::reshape(self.layout(), target)?.execute(self, &mut out)?;
        Ok(out)
    }
}

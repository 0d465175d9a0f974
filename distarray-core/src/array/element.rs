//! Reading and writing single elements by global index.

use super::DistArrayBase;
use crate::dtype::Element;
use crate::error::Result;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{Data, DataMut, IxDyn};

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// The value at global `index`, on every rank. Collective: every rank
    /// calls it with the same index. For structured layouts the owner is
    /// computed locally (one broadcast); with an unstructured axis the ranks
    /// first agree on the lowest owner (one small allreduce more).
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`](crate::Error::IndexOutOfBounds) for an
    /// index outside the shape, [`Error::ArgumentsDiffer`](crate::Error::ArgumentsDiffer)
    /// when ranks pass different indices: on every rank.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[3, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (10 * ix[0] + ix[1]) as i32);
    /// assert_eq!(a.get(&[2, 3]).unwrap(), 23);
    /// assert!(matches!(a.get(&[3, 0]), Err(Error::IndexOutOfBounds { .. })));
    /// ```
    pub fn get(&self, index: &[usize]) -> Result<T> {
        let layout = &self.layout;
        let comm = layout.comm();
        let args = crate::comm::fingerprint(
            index
                .iter()
                .map(|&i| i as u64)
                .chain([layout.fingerprint()]),
        );
        comm.agree_on("get", args, layout.check_index(index))?;
        let owner = if layout.is_structured() {
            let coords: Vec<usize> = layout
                .maps()
                .iter()
                .zip(index)
                .map(|(m, &g)| m.owner(g).expect("structured maps know owners").0)
                .collect();
            layout.grid().rank_at(&coords)
        } else {
            let mine = if layout.owns(index) {
                comm.rank() as u64
            } else {
                u64::MAX
            };
            let mut lowest = 0u64;
            comm.raw()
                .all_reduce_into(&mine, &mut lowest, SystemOperation::min());
            lowest as usize
        };
        let mut value = self.local_get(index).unwrap_or_default();
        comm.raw()
            .process_at_rank(owner as i32)
            .broadcast_into(&mut value);
        Ok(value)
    }

    /// The value at global `index` if this rank's buffer holds it (a padding
    /// copy counts). Not collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[8]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
    /// for g in 0..8 {
    ///     // `Some` exactly on the rank that holds cell g
    ///     assert_eq!(a.local_get(&[g]).is_some(), layout.owns(&[g]));
    /// }
    /// ```
    pub fn local_get(&self, index: &[usize]) -> Option<T> {
        self.layout
            .global_to_local(index)
            .map(|j| self.local[IxDyn(&j)])
    }
}

impl<T: Element, S: DataMut<Elem = T>> DistArrayBase<S> {
    /// Sets the value at global `index`. Every rank calls it with the same
    /// arguments (SPMD style); each rank writes the copies its buffer holds,
    /// ghost copies included, so no communication is needed. Returns whether
    /// this rank wrote anything.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::block(&comm, &[4, 4]).unwrap();
    /// let mut a = DistArray::<f64>::zeros(&layout);
    /// let wrote = a.set(&[2, 1], 7.0).unwrap();
    /// assert_eq!(wrote, layout.owns(&[2, 1]));
    /// assert_eq!(comm.sum_u64(wrote as u64), 1); // one rank holds the cell
    /// assert_eq!(a.get(&[2, 1]).unwrap(), 7.0);
    /// assert!(a.set(&[4, 0], 1.0).is_err());
    /// ```
    pub fn set(&mut self, index: &[usize], value: T) -> Result<bool> {
        self.layout.check_index(index)?;
        Ok(match self.layout.global_to_local(index) {
            Some(j) => {
                self.local[IxDyn(&j)] = value;
                true
            }
            None => false,
        })
    }
}

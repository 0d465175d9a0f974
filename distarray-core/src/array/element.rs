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

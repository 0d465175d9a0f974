//! Gathering a distributed array into one global ndarray, on one rank or on all.
//!
//! Only owned cells travel: communication padding (copies of a neighbour's
//! cells) is skipped, so stale ghost cells never overwrite real data.

use super::create::{pack_index_lists, unpack_index_lists};
use super::{for_each_in_box, DistArrayBase};
use crate::dtype::Element;
use crate::error::{Error, Result};
use ndarray::{ArrayD, Data, IxDyn};

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// This rank's owned cells in C order and their per-axis global indices.
    fn owned_part(&self) -> (Vec<T>, Vec<u64>) {
        let owned = self.layout.owned_local_ranges();
        let axes: Vec<Vec<usize>> = owned
            .iter()
            .enumerate()
            .map(|(a, r)| {
                let all = self.layout.global_indices(a);
                all[r.clone()].to_vec()
            })
            .collect();
        let local_axes: Vec<Vec<usize>> = owned.iter().map(|r| r.clone().collect()).collect();
        let mut data = Vec::with_capacity(local_axes.iter().map(Vec::len).product());
        for_each_in_box(&local_axes, |j, _| data.push(self.local[IxDyn(j)]));
        (data, pack_index_lists(&axes))
    }

    fn assemble(
        &self,
        data: &[T],
        counts: &[usize],
        lists: &[u64],
        list_counts: &[usize],
    ) -> ArrayD<T> {
        let mut global = ArrayD::from_elem(IxDyn(self.shape()), T::default());
        let (mut at, mut lat) = (0, 0);
        for (&c, &lc) in counts.iter().zip(list_counts) {
            let axes = unpack_index_lists(&lists[lat..lat + lc], self.ndim());
            for_each_in_box(&axes, |g, k| global[IxDyn(g)] = data[at + k]);
            at += c;
            lat += lc;
        }
        global
    }

    /// The whole array on rank `root` (`Some` there, `None` elsewhere).
    /// Collective.
    pub fn gather(&self, root: usize) -> Result<Option<ArrayD<T>>> {
        let comm = self.layout.comm();
        comm.agree(if root < comm.size() {
            Ok(())
        } else {
            Err(Error::InvalidRank {
                rank: root,
                size: comm.size(),
            })
        })?;
        let (data, lists) = self.owned_part();
        let d = comm.gather_varcount(root, &data);
        let l = comm.gather_varcount(root, &lists);
        Ok(match (d, l) {
            (Some((data, counts)), Some((lists, list_counts))) => {
                Some(self.assemble(&data, &counts, &lists, &list_counts))
            }
            _ => None,
        })
    }

    /// The whole array on every rank. Collective.
    pub fn gather_all(&self) -> Result<ArrayD<T>> {
        let comm = self.layout.comm();
        let (data, lists) = self.owned_part();
        let (data, counts) = comm.all_gather_varcount(&data);
        let (lists, list_counts) = comm.all_gather_varcount(&lists);
        Ok(self.assemble(&data, &counts, &lists, &list_counts))
    }
}

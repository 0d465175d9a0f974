//! The `k` largest or smallest cells and their global indices, like
//! `torch.topk`: the `k`-th item found by selection over (key, global
//! index) pairs, then every rank hands in its items up to it — exactly
//! `k` items move, gathered on every rank.
//!
//! The order is the sort's ascending order (NaN last); the largest are the
//! last `k` of it, largest first (so NaNs count as the largest, as in
//! `torch.topk`). Equal keys are taken in increasing global index order
//! either way.

use super::select::{select, Tagged};
use super::{agreed, owned_flat_indices, SortKey};
use crate::array::DistArrayBase;
use crate::error::{Error, Result};
use ndarray::{Array1, Data};
use std::cmp::Ordering;

impl<T: SortKey, S: Data<Elem = T>> DistArrayBase<S> {
    /// The `k` largest (`largest`) or smallest cells of the whole array,
    /// sorted (largest first, or smallest first), on every rank. `k` may
    /// be anything up to the cell count. Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: `k` past the cell count, a layout replicating
    /// cells, ranks passing other arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [5_i64, -2, 9, 9, 0, 3][ix[0]]);
    /// assert_eq!(a.topk(3, true).unwrap().to_vec(), vec![9, 9, 5]);
    /// assert_eq!(a.topk(2, false).unwrap().to_vec(), vec![-2, 0]);
    /// assert!(a.topk(7, true).is_err());
    /// ```
    pub fn topk(&self, k: usize, largest: bool) -> Result<Array1<T>> {
        let top = self.top("topk", k, largest)?;
        Ok(top.into_iter().map(|t| t.key).collect())
    }

    /// The global flat (C-order) indices (`i64`) of the cells
    /// [`topk`](Self::topk) returns, in its order; equal keys in
    /// increasing index order. Collective; errors as `topk`.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 3 + ix[1]) as f64 % 4.0);
    /// // cells 0 1 2 3 0 1: the two largest are at flat indices 3 and 2
    /// assert_eq!(a.argtopk(2, true).unwrap().to_vec(), vec![3, 2]);
    /// ```
    pub fn argtopk(&self, k: usize, largest: bool) -> Result<Array1<i64>> {
        let top = self.top("argtopk", k, largest)?;
        Ok(top.into_iter().map(|t| t.id).collect())
    }

    /// The `k` first items of the order, with their global indices.
    fn top(&self, what: &'static str, k: usize, largest: bool) -> Result<Vec<Tagged<T>>> {
        let n = self.layout().global_len();
        let local = if k > n {
            Err(Error::InvalidArgument(format!(
                "{what}: k = {k} exceeds the array's {n} cells"
            )))
        } else {
            Ok(())
        };
        agreed(self, what, [k as u64, largest as u64], local)?;
        if k == 0 {
            return Ok(Vec::new());
        }
        let cmp = move |a: &Tagged<T>, b: &Tagged<T>| -> Ordering {
            let keys = if largest {
                b.key.sort_cmp(&a.key)
            } else {
                a.key.sort_cmp(&b.key)
            };
            keys.then(a.id.cmp(&b.id))
        };
        let ids = owned_flat_indices(self.layout());
        let mut items: Vec<Tagged<T>> = self
            .owned()
            .iter()
            .zip(ids)
            .map(|(&key, id)| Tagged { key, id })
            .collect();
        let comm = self.layout().comm();
        let kth = select(comm, &items, &[k as u64 - 1], cmp)[0];
        // exactly k items globally are at most the k-th (every item unique)
        items.retain(|t| cmp(t, &kth) != Ordering::Greater);
        let keys: Vec<T> = items.iter().map(|t| t.key).collect();
        let ids: Vec<i64> = items.iter().map(|t| t.id).collect();
        let (keys, _) = comm.all_gather_varcount(&keys);
        let (ids, _) = comm.all_gather_varcount(&ids);
        let mut top: Vec<Tagged<T>> = keys
            .into_iter()
            .zip(ids)
            .map(|(key, id)| Tagged { key, id })
            .collect();
        top.sort_unstable_by(cmp);
        Ok(top)
    }
}

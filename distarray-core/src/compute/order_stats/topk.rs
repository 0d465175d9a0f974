//! The `k` largest or smallest cells and their global indices, like
//! `torch.topk`: the `k`-th key found by selection over the keys (read in
//! place); the keys equal to it that make the count `k` chosen by a second
//! selection over their global indices (lowest first); then every rank
//! hands in its chosen cells — exactly `k` items move, gathered on every
//! rank.
//!
//! The order is the sort's ascending order (NaN last); the largest are the
//! last `k` of it, largest first (so NaNs count as the largest, as in
//! `torch.topk`). Equal keys are taken in increasing global index order
//! either way.

use super::select::{all_sum, select};
use super::{agreed, SortKey};
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
        Ok(Array1::from(self.top("topk", k, largest)?.0))
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
        Ok(Array1::from(self.top("argtopk", k, largest)?.1))
    }

    /// The `k` first cells of the order: keys and global indices.
    fn top(&self, what: &'static str, k: usize, largest: bool) -> Result<(Vec<T>, Vec<i64>)> {
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
            return Ok((Vec::new(), Vec::new()));
        }
        let cmp = move |a: &T, b: &T| -> Ordering {
            if largest {
                b.sort_cmp(a)
            } else {
                a.sort_cmp(b)
            }
        };
        let owned = self.owned();
        let copy: Vec<T>;
        let keys = match owned.as_slice() {
            Some(s) => s,
            None => {
                copy = owned.iter().copied().collect();
                &copy
            }
        };
        let comm = self.layout().comm();
        let kth = select(comm, keys, &[k as u64 - 1], cmp)[0];
        let flat = FlatIndices::new(self.layout());
        let (mut better, mut equal) = (Vec::new(), Vec::new());
        for (i, x) in keys.iter().enumerate() {
            match cmp(x, &kth) {
                Ordering::Less => better.push(i),
                Ordering::Equal => equal.push(flat.at(i)),
                Ordering::Greater => {}
            }
        }
        let b = all_sum(comm, &[better.len() as u64])[0];
        // the k - b equal keys of lowest global index
        let cut = select(comm, &equal, &[k as u64 - b - 1], i64::cmp)[0];
        let mut mine_keys: Vec<T> = better.iter().map(|&i| keys[i]).collect();
        let mut mine_ids: Vec<i64> = better.iter().map(|&i| flat.at(i)).collect();
        for id in equal.into_iter().filter(|&id| id <= cut) {
            mine_keys.push(kth);
            mine_ids.push(id);
        }
        let (all_keys, _) = comm.all_gather_varcount(&mine_keys);
        let (all_ids, _) = comm.all_gather_varcount(&mine_ids);
        let mut top: Vec<(T, i64)> = all_keys.into_iter().zip(all_ids).collect();
        top.sort_unstable_by(|a, b| cmp(&a.0, &b.0).then(a.1.cmp(&b.1)));
        Ok(top.into_iter().unzip())
    }
}

/// The global flat (C-order) index of every owned cell, by its position
/// in [`owned`](DistArrayBase::owned)'s iteration order.
struct FlatIndices {
    /// Per axis, the owned cells' global indices.
    axes: Vec<Vec<i64>>,
    shape: Vec<i64>,
}

impl FlatIndices {
    fn new(layout: &crate::layout::Layout) -> FlatIndices {
        let axes = layout
            .owned_local_ranges()
            .into_iter()
            .enumerate()
            .map(|(a, r)| {
                layout.global_indices(a)[r]
                    .iter()
                    .map(|&g| g as i64)
                    .collect()
            })
            .collect();
        let shape = layout.shape().iter().map(|&s| s as i64).collect();
        FlatIndices { axes, shape }
    }

    /// The flat index of the `i`-th owned cell (row-major over the owned
    /// block).
    fn at(&self, mut i: usize) -> i64 {
        let mut flat = 0;
        let mut scale = 1;
        for (g, &extent) in self.axes.iter().zip(&self.shape).rev() {
            let n = g.len();
            flat += g[i % n] * scale;
            i /= n;
            scale *= extent;
        }
        flat
    }
}

//! `np.partition` and `np.argpartition` of 1-D arrays: the `kth` value
//! found by selection, every rank's cells split three ways around it
//! (`<`, `=`, `>`; NaN last), and one routed all-to-all putting the `<`
//! items first in the global order (rank by rank), the equal ones after
//! them (cell `kth` among them) and the greater ones last — every item moves at most once, to the rank
//! holding its output position. The result is in the input's layout.

use super::select::{all_sum, select, three_way, Item, Tagged};
use super::{agreed, SortKey};
use crate::array::{DistArray, DistArrayBase};
use crate::compute::sort::place;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::{to_owners, PlanOptions};
use ndarray::Data;
use std::ops::Range;

impl<T: SortKey, S: Data<Elem = T>> DistArrayBase<S> {
    /// The array partitioned around its `kth` smallest value (NumPy's
    /// `np.partition(a, kth)`): cell `kth` holds the value it would hold
    /// sorted, every cell before it is `<=` it and every cell after is
    /// `>=` (NaN last). In the input's layout. Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: `kth` not below the length, an array not 1-D,
    /// a layout replicating cells, ranks passing other arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[7], &[Dist::Cyclic]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [7, 1, 6, 2, 5, 3, 4][ix[0]]);
    /// let p = a.partition(3).unwrap();
    /// assert_eq!(p.layout(), a.layout());
    /// let p = p.gather_all().unwrap();
    /// assert_eq!(p[[3]], 4);
    /// assert!(p.iter().take(3).all(|&x| x < 4) && p.iter().skip(4).all(|&x| x > 4));
    /// ```
    pub fn partition(&self, kth: usize) -> Result<DistArray<T>> {
        self.partition_agreed("partition", kth)?;
        let keys: Vec<T> = self.owned().iter().copied().collect();
        let mine = partitioned(self.layout().comm(), keys, kth as u64, false);
        place(self.layout(), mine)
    }

    /// The global indices (`i64`) that partition the array around its
    /// `kth` value (`np.argpartition`): `a[result]` is a
    /// [`partition`](Self::partition). In the input's layout.
    /// Collective; errors as `partition`.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [30.0, 10.0, 40.0, 20.0][ix[0]]);
    /// let i = a.argpartition(1).unwrap().gather_all().unwrap();
    /// assert_eq!(i[[1]], 3); // 20.0, the second smallest, is at index 3
    /// ```
    pub fn argpartition(&self, kth: usize) -> Result<DistArray<i64>> {
        self.partition_agreed("argpartition", kth)?;
        let layout = self.layout();
        let range = layout.owned_local_ranges()[0].clone();
        let ids = &layout.global_indices(0)[range];
        let items: Vec<Tagged<T>> = self
            .owned()
            .iter()
            .zip(ids)
            .map(|(&key, &g)| Tagged { key, id: g as i64 })
            .collect();
        let mine = partitioned(layout.comm(), items, kth as u64, true);
        place(layout, mine.into_iter().map(|t| t.id).collect())
    }

    /// Agrees `kth` and a 1-D array.
    fn partition_agreed(&self, what: &'static str, kth: usize) -> Result<()> {
        let layout = self.layout();
        let n = layout.global_len();
        let local = if layout.ndim() != 1 {
            Err(Error::InvalidArgument(format!(
                "{what} along an axis: not yet (1-D arrays only; this one has shape {:?})",
                layout.shape()
            )))
        } else if kth >= n {
            Err(Error::InvalidArgument(format!(
                "{what}: kth(={kth}) out of bounds ({n})"
            )))
        } else {
            Ok(())
        };
        agreed(self, what, [kth as u64], local)
    }
}

/// The overlap of two ranges, as a length.
fn overlap(a: &Range<u64>, b: &Range<u64>) -> u64 {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// This rank's consecutive range of the partitioned order (as many items
/// as it gave), ranks in rank order. `with_ids`: the items carry global
/// indices, which travel too. Collective.
fn partitioned<I: Item<Key: SortKey>>(
    comm: &crate::comm::Comm,
    mut items: Vec<I>,
    kth: u64,
    with_ids: bool,
) -> Vec<I> {
    let cmp = |a: &I, b: &I| a.key().sort_cmp(&b.key());
    let pivot = select(comm, &items, &[kth], cmp)[0];
    let (lt, eq) = three_way(&mut items, &pivot, cmp);
    let gt = items.len() - lt - eq;
    let (all, _) = comm.all_gather_varcount(&[lt as u64, eq as u64, gt as u64]);
    let p = comm.size();
    let sums = all_sum(comm, &[lt as u64, eq as u64]);
    let (less, equal) = (sums[0], sums[1]);
    // every rank's three intervals of global positions, and its output range
    let mut at = [0, less, less + equal];
    let mut parts: Vec<[Range<u64>; 3]> = Vec::with_capacity(p);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(p);
    let mut start = 0;
    for r in 0..p {
        let c = &all[3 * r..3 * r + 3];
        parts.push(std::array::from_fn(|j| {
            let range = at[j]..at[j] + c[j];
            at[j] += c[j];
            range
        }));
        let len = c.iter().sum::<u64>();
        out.push(start..start + len);
        start += len;
    }
    let me = comm.rank();
    // the local buffer is [< | = | >]: its positions only grow, so each
    // destination's items are consecutive, destinations in rank order
    let send: Vec<usize> = out
        .iter()
        .map(|d| parts[me].iter().map(|s| overlap(s, d)).sum::<u64>() as usize)
        .collect();
    let options = PlanOptions::from_env();
    let keys: Vec<I::Key> = items.iter().map(Item::key).collect();
    let got_keys = deliver(comm, &keys, &send, &options);
    drop(keys);
    let got_ids = if with_ids {
        let ids: Vec<i64> = items.iter().map(Item::id).collect();
        deliver(comm, &ids, &send, &options)
    } else {
        vec![0; got_keys.len()]
    };
    drop(items);
    // what arrived, source by source, in position order: place it
    let mine = &out[me];
    let mut result = vec![I::default(); (mine.end - mine.start) as usize];
    let mut from = 0;
    for part in &parts {
        for s in part {
            let (lo, hi) = (s.start.max(mine.start), s.end.min(mine.end));
            for pos in lo..hi {
                result[(pos - mine.start) as usize] = I::join(got_keys[from], got_ids[from]);
                from += 1;
            }
        }
    }
    debug_assert_eq!(from, got_keys.len());
    result
}

/// Sends `send[r]` consecutive items to every rank `r`; what arrives, in
/// source rank order.
fn deliver<U: Element>(
    comm: &crate::comm::Comm,
    items: &[U],
    send: &[usize],
    options: &PlanOptions,
) -> Vec<U> {
    let (mut exchange, counts) = to_owners::<U>(comm, send, options);
    let mut out = vec![U::default(); counts.iter().sum()];
    exchange.run(items, &mut out);
    out
}

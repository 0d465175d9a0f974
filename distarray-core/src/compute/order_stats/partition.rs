//! `np.partition` and `np.argpartition` of 1-D arrays: the `kth` value
//! found by selection, every rank's cells split three ways around it
//! (`<`, `=`, `>`; NaN last), and one routed all-to-all putting the `<`
//! items first in the global order (rank by rank), the equal ones after
//! them (cell `kth` among them) and the greater ones last — every item moves at most once, to the rank
//! holding its output position. The result is in the input's layout.

use super::select::{all_sum, select};
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
        let owned = self.owned();
        let copy: Vec<T>;
        let keys = match owned.as_slice() {
            Some(s) => s,
            None => {
                copy = owned.iter().copied().collect();
                &copy
            }
        };
        let (mine, _) = partitioned(self.layout().comm(), keys, None, kth as u64);
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
        let ids: Vec<i64> = layout.global_indices(0)[range]
            .iter()
            .map(|&g| g as i64)
            .collect();
        let keys: Vec<T> = self.owned().iter().copied().collect();
        let (_, mine) = partitioned(layout.comm(), &keys, Some(&ids), kth as u64);
        place(layout, mine.expect("indices travel"))
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

/// This rank's consecutive range of the partitioned order (as many keys
/// as it gave, and their global indices when `ids` are given), ranks in
/// rank order. Collective.
fn partitioned<T: SortKey>(
    comm: &crate::comm::Comm,
    keys: &[T],
    ids: Option<&[i64]>,
    kth: u64,
) -> (Vec<T>, Option<Vec<i64>>) {
    let pivot = select(comm, keys, &[kth], T::sort_cmp)[0];
    // 0, 1, 2 for less, equal, greater
    let class = |x: &T| (x.sort_cmp(&pivot) as i8 + 1) as usize;
    let mut c = [0usize; 3];
    for x in keys {
        c[class(x)] += 1;
    }
    // the send buffer [< | = | >], filled in one branch-free pass
    let mut at = [0, c[0], c[0] + c[1]];
    let mut arranged = vec![T::default(); keys.len()];
    let mut arranged_ids = ids.map(|_| vec![0i64; keys.len()]);
    for (i, x) in keys.iter().enumerate() {
        let k = class(x);
        arranged[at[k]] = *x;
        if let (Some(out), Some(ids)) = (arranged_ids.as_mut(), ids) {
            out[at[k]] = ids[i];
        }
        at[k] += 1;
    }
    let (all, _) = comm.all_gather_varcount(&c.map(|x| x as u64));
    let p = comm.size();
    let sums = all_sum(comm, &[c[0] as u64, c[1] as u64]);
    let (less, equal) = (sums[0], sums[1]);
    // every rank's three intervals of global positions, and its output range
    let mut next = [0, less, less + equal];
    let mut parts: Vec<[Range<u64>; 3]> = Vec::with_capacity(p);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(p);
    let mut start = 0;
    for r in 0..p {
        let c = &all[3 * r..3 * r + 3];
        parts.push(std::array::from_fn(|j| {
            let range = next[j]..next[j] + c[j];
            next[j] += c[j];
            range
        }));
        let len = c.iter().sum::<u64>();
        out.push(start..start + len);
        start += len;
    }
    let me = comm.rank();
    // positions only grow along the send buffer: each destination's items
    // are consecutive, destinations in rank order
    let send: Vec<usize> = out
        .iter()
        .map(|d| parts[me].iter().map(|s| overlap(s, d)).sum::<u64>() as usize)
        .collect();
    let options = PlanOptions::from_env();
    let got = deliver(comm, &arranged, &send, &options);
    drop(arranged);
    let got_ids = arranged_ids.map(|a| deliver(comm, &a, &send, &options));
    // what arrived, source by source, in position order: whole runs placed
    let mine = &out[me];
    let len = (mine.end - mine.start) as usize;
    let mut result = vec![T::default(); len];
    let mut result_ids = got_ids.as_ref().map(|_| vec![0i64; len]);
    let mut from = 0;
    for s in parts.iter().flatten() {
        let (lo, hi) = (s.start.max(mine.start), s.end.min(mine.end));
        if lo < hi {
            let (to, n) = ((lo - mine.start) as usize, (hi - lo) as usize);
            result[to..to + n].copy_from_slice(&got[from..from + n]);
            if let (Some(r), Some(g)) = (result_ids.as_mut(), got_ids.as_ref()) {
                r[to..to + n].copy_from_slice(&g[from..from + n]);
            }
            from += n;
        }
    }
    debug_assert_eq!(from, got.len());
    (result, result_ids)
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

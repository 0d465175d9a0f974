//! Exact splitter selection over every rank's sorted run: for each target
//! global position `k`, the split point on every rank such that the
//! splits' left parts hold exactly the `k` smallest items globally.
//!
//! Items are ordered by [`Order`] over (key, global index) when the runs
//! carry indices (then every item is unique), by key alone otherwise,
//! equal keys then taken in rank order (rank 0's first), which is a
//! total order on positions (key, rank, place in the run). Each round
//! every rank offers the median of its still-active interval per target
//! (weighted by the interval's length); the weighted median of the offers
//! is the pivot, whose global rank (items below it, items equal to it)
//! one reduction counts. A pivot whose equal items straddle `k` ends the
//! search; otherwise every rank narrows its interval to the side holding
//! the `k`-th item, at least a quarter of the active items going each
//! round. Messages per round: one all-gather of every rank's offers (as
//! bytes) and one reduction, `O(P)` words per target, whatever the data.

use super::order::{Order, SortKey};
use crate::comm::Comm;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use std::cmp::Ordering;

/// A rank's sorted run: keys, and global indices when the sort carries them.
pub(super) struct Run<'a, T> {
    pub keys: &'a [T],
    pub ids: Option<&'a [i64]>,
    pub order: Order,
}

impl<T: SortKey> Run<'_, T> {
    fn item(&self, i: usize) -> (&T, Option<i64>) {
        (&self.keys[i], self.ids.map(|d| d[i]))
    }

    /// Items below the pivot, and below or equal to it.
    fn bounds(&self, pivot: (&T, Option<i64>)) -> (usize, usize) {
        let cmp = |i: usize| self.order.items(self.item(i), pivot);
        let lower = partition_point(self.keys.len(), |i| cmp(i) == Ordering::Less);
        let upper = partition_point(self.keys.len(), |i| cmp(i) != Ordering::Greater);
        (lower, upper)
    }
}

/// The first `i` in `0..n` where `pred` fails (`pred` true then false).
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn all_sum(comm: &Comm, mine: &[u64]) -> Vec<u64> {
    let mut out = vec![0u64; mine.len()];
    if !mine.is_empty() {
        comm.raw()
            .all_reduce_into(mine, &mut out[..], SystemOperation::sum());
    }
    out
}

/// Every rank's offers (weights, keys, indices when the runs carry them),
/// in rank order, in one all-gather of their bytes (every rank offers as
/// many). Collective.
fn gather_offers<T: SortKey>(
    comm: &Comm,
    weights: &[u64],
    keys: &[T],
    ids: &[i64],
    with_ids: bool,
) -> (Vec<u64>, Vec<T>, Vec<i64>) {
    let m = weights.len();
    let mut mine: Vec<u8> = weights.iter().flat_map(|w| w.to_le_bytes()).collect();
    if with_ids {
        mine.extend(ids.iter().flat_map(|i| i.to_le_bytes()));
    }
    mine.extend_from_slice(&T::le_bytes(keys));
    // every rank's message has the same length (m offers of the same
    // shape): one fixed-count all-gather
    let mut all = vec![0u8; mine.len() * comm.size()];
    if !mine.is_empty() {
        comm.raw().all_gather_into(&mine[..], &mut all[..]);
    }
    let word = |b: &[u8]| <[u8; 8]>::try_from(b).expect("8 bytes");
    let (mut all_w, mut all_i) = (Vec::new(), Vec::new());
    let mut all_k = vec![T::default(); m * comm.size()];
    if m == 0 {
        return (all_w, all_k, all_i);
    }
    for (r, chunk) in all.chunks_exact(mine.len()).enumerate() {
        let (w, rest) = chunk.split_at(8 * m);
        all_w.extend(w.chunks_exact(8).map(|b| u64::from_le_bytes(word(b))));
        let rest = if with_ids {
            let (i, rest) = rest.split_at(8 * m);
            all_i.extend(i.chunks_exact(8).map(|b| i64::from_le_bytes(word(b))));
            rest
        } else {
            all_i.extend(std::iter::repeat_n(0, m));
            rest
        };
        T::fill_from_le(rest, &mut all_k[r * m..(r + 1) * m]).expect("keys sent as bytes");
    }
    (all_w, all_k, all_i)
}

/// This rank's split points for the global positions `targets` (the same
/// on every rank, each at most the global item count `total`): split `j`
/// is how many of this rank's items are among the `targets[j]` smallest.
/// Collective.
pub(super) fn split_points<T: SortKey>(
    comm: &Comm,
    run: &Run<'_, T>,
    targets: &[u64],
    total: u64,
) -> Vec<usize> {
    let (n, m, p) = (run.keys.len(), targets.len(), comm.size());
    let mut lo = vec![0usize; m];
    let mut hi = vec![n; m];
    // per target once found: (items below the pivot here, equal here,
    // how many equal items globally go left)
    let mut found: Vec<Option<(usize, usize, u64)>> = targets
        .iter()
        .map(|&k| match k {
            0 => Some((0, 0, 0)),
            k if k >= total => Some((n, 0, 0)),
            _ => None,
        })
        .collect();
    while found.iter().any(Option::is_none) {
        // every rank's offers: the median of its active interval per target
        let open: Vec<usize> = (0..m).filter(|&j| found[j].is_none()).collect();
        let weights: Vec<u64> = open.iter().map(|&j| (hi[j] - lo[j]) as u64).collect();
        let mid = |j: usize| (lo[j] + hi[j]) / 2;
        let keys: Vec<T> = open
            .iter()
            .map(|&j| run.keys.get(mid(j)).copied().unwrap_or_default())
            .collect();
        let ids: Vec<i64> = open
            .iter()
            .map(|&j| run.ids.and_then(|d| d.get(mid(j)).copied()).unwrap_or(0))
            .collect();
        let with_ids = run.ids.is_some();
        let (all_w, all_k, all_i) = gather_offers(comm, &weights, &keys, &ids, with_ids);
        let pivots: Vec<(T, i64)> = (0..open.len())
            .map(|o| {
                let mut offers: Vec<(T, i64, u64)> = (0..p)
                    .map(|r| r * open.len() + o)
                    .filter(|&x| all_w[x] > 0)
                    .map(|x| (all_k[x], all_i[x], all_w[x]))
                    .collect();
                offers.sort_by(|a, b| {
                    let id = |v: i64| with_ids.then_some(v);
                    run.order.items((&a.0, id(a.1)), (&b.0, id(b.1)))
                });
                let half = offers.iter().map(|o| o.2).sum::<u64>().div_ceil(2);
                let mut seen = 0;
                for &(k, i, w) in &offers {
                    seen += w;
                    if seen >= half {
                        return (k, i);
                    }
                }
                unreachable!("an open target has its item in some active interval")
            })
            .collect();
        let here: Vec<(usize, usize)> = pivots
            .iter()
            .map(|(k, i)| run.bounds((k, with_ids.then_some(*i))))
            .collect();
        let counts: Vec<u64> = here
            .iter()
            .flat_map(|&(l, u)| [l as u64, (u - l) as u64])
            .collect();
        let global = all_sum(comm, &counts);
        for (o, &j) in open.iter().enumerate() {
            let (below, equal) = (global[2 * o], global[2 * o + 1]);
            let k = targets[j];
            let (l, u) = here[o];
            if k < below {
                hi[j] = l.min(hi[j]);
            } else if k >= below + equal {
                lo[j] = u.max(lo[j]);
            } else {
                found[j] = Some((l, u - l, k - below));
            }
        }
    }
    // the equal items going left are taken in rank order
    let equal: Vec<u64> = found.iter().map(|f| f.expect("found").1 as u64).collect();
    let (all_eq, _) = comm.all_gather_varcount(&equal);
    let me = comm.rank();
    (0..m)
        .map(|j| {
            let (below, eq, need) = found[j].expect("found");
            let before: u64 = (0..me).map(|r| all_eq[r * m + j]).sum();
            below + (need.saturating_sub(before) as usize).min(eq)
        })
        .collect()
}

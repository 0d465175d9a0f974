//! The global half of `unique`: every rank's distinct values (with counts
//! and first indices) spread over the ranks in sorted order, balanced, by
//! the sort's machinery (exact split points, one all-to-all, a merge); the
//! duplicates on a rank merged, then those across rank boundaries (a value
//! belongs to the first rank holding it; later ranks hand it their counts).
//! What moves is the distinct lists, never the cells; what one rank learns
//! about the others is `O(P)` words.

use super::super::deliver;
use super::super::merge::merge_runs;
use super::super::order::{Order, SortKey};
use super::super::select::{split_points, Run};
use super::local::{same, Distinct};
use crate::comm::Comm;
use crate::exchange::PlanOptions;

/// This rank's consecutive range of the unique values, in order.
pub(super) struct Spread<T> {
    pub values: Vec<T>,
    pub counts: Vec<i64>,
    /// The least global index holding each value (when asked).
    pub firsts: Option<Vec<i64>>,
    /// For each value of the distinct list this rank passed in, its index
    /// in the global unique array (when asked).
    pub back: Option<Vec<i64>>,
}

/// Spreads every rank's distinct list (and `firsts`, a least global index
/// per value) over the ranks and merges equal values. Collective.
pub(super) fn spread<T: SortKey>(
    comm: &Comm,
    local: Distinct<T>,
    firsts: Option<Vec<i64>>,
    want_back: bool,
) -> Spread<T> {
    let order = Order { descending: false };
    let sizes = comm.all_gather_u64(local.values.len() as u64);
    let total: u64 = sizes.iter().sum();
    let p = sizes.len() as u64;
    let targets: Vec<u64> = (1..p).map(|r| total * r / p).collect();
    let run = Run {
        keys: &local.values,
        ids: None,
        order,
    };
    let splits = split_points(comm, &run, &targets, total);
    let mut send_counts = Vec::with_capacity(sizes.len());
    let mut at = 0;
    for s in splits.into_iter().chain([local.values.len()]) {
        send_counts.push(s - at);
        at = s;
    }
    let options = PlanOptions::from_env();
    let (keys, recv_counts) = deliver(comm, &local.values, &send_counts, &options);
    let (counts, _) = deliver(comm, &local.counts, &send_counts, &options);
    let firsts = firsts.map(|f| deliver(comm, &f, &send_counts, &options).0);
    drop(local);
    // merged with their places in the receive buffer (increasing in every
    // run, so the merge is stable and says where each item came from)
    let places: Vec<i64> = (0..keys.len() as i64).collect();
    let (sorted, places) = merge_runs(keys, Some(places), &recv_counts, order);
    let places = places.expect("merged with places");
    let mut out = Spread {
        values: Vec::new(),
        counts: Vec::new(),
        firsts: firsts.as_ref().map(|_| Vec::new()),
        back: None,
    };
    // the group (index in out.values) of every received item
    let mut group = vec![0i64; if want_back { sorted.len() } else { 0 }];
    for (k, x) in sorted.iter().enumerate() {
        let from = places[k] as usize;
        let new = out.values.last().is_none_or(|v| !same(v, x));
        if new {
            out.values.push(*x);
            out.counts.push(0);
            if let Some(f) = out.firsts.as_mut() {
                f.push(i64::MAX);
            }
        }
        let g = out.values.len() - 1;
        out.counts[g] += counts[from];
        if let (Some(f), Some(src)) = (out.firsts.as_mut(), firsts.as_ref()) {
            f[g] = f[g].min(src[from]);
        }
        if want_back {
            group[from] = g as i64;
        }
    }
    let (base, dropped) = across_boundaries(comm, &mut out);
    if want_back {
        // index in the global array: groups kept on lower ranks, then this
        // rank's (its first one, when dropped, is the last one below)
        for g in group.iter_mut() {
            *g += base as i64 - dropped as i64;
        }
        out.back = Some(deliver(comm, &group, &recv_counts, &options).0);
    }
    if dropped {
        out.values.remove(0);
        out.counts.remove(0);
        if let Some(f) = out.firsts.as_mut() {
            f.remove(0);
        }
    }
    out
}

/// Merges the values straddling rank boundaries: a rank whose first value
/// is the last value of the nearest non-empty rank below drops it (the
/// caller removes it); a rank keeping its last value adds the counts (and
/// least first indices) of the ranks above that start with it. Returns how
/// many values the lower ranks keep, and whether this rank drops its first.
/// Collective: three all-gathers of `O(P)` words.
fn across_boundaries<T: SortKey>(comm: &Comm, out: &mut Spread<T>) -> (u64, bool) {
    let n = out.values.len();
    let lens = comm.all_gather_u64(n as u64);
    let ends = match (out.values.first(), out.values.last()) {
        (Some(&a), Some(&b)) => [a, b],
        _ => [T::default(); 2],
    };
    let (ends, _) = comm.all_gather_varcount(&ends);
    let head = [
        out.counts.first().copied().unwrap_or(0),
        out.firsts
            .as_ref()
            .and_then(|f| f.first().copied())
            .unwrap_or(i64::MAX),
    ];
    let (heads, _) = comm.all_gather_varcount(&head);
    let (first, last) = (|r: usize| ends[2 * r], |r: usize| ends[2 * r + 1]);
    // drops[r]: rank r's first value belongs to a rank below
    let mut drops = vec![false; lens.len()];
    let mut below: Option<usize> = None; // nearest non-empty rank so far
    for r in 0..lens.len() {
        if lens[r] == 0 {
            continue;
        }
        drops[r] = below.is_some_and(|q| same(&last(q), &first(r)));
        below = Some(r);
    }
    let me = comm.rank();
    let base: u64 = (0..me).map(|r| lens[r] - drops[r] as u64).sum();
    let keeps_last = n > 1 || (n == 1 && !drops[me]);
    if keeps_last {
        let v = out.values[n - 1];
        for r in me + 1..lens.len() {
            if lens[r] == 0 {
                continue;
            }
            if !same(&first(r), &v) {
                break;
            }
            out.counts[n - 1] += heads[2 * r];
            if let Some(f) = out.firsts.as_mut() {
                f[n - 1] = f[n - 1].min(heads[2 * r + 1]);
            }
            if lens[r] > 1 {
                break;
            }
        }
    }
    (base, drops[me])
}

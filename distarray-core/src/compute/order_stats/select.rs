//! Distributed multi-selection: the items at some global positions of the
//! sorted order of every rank's items, found without sorting them.
//!
//! Each rank keeps its items in one buffer it partitions in place. The
//! targets are handled in groups sharing an active interval of the buffer
//! (at first one group: everything). Each round, for every group, every
//! rank offers a pivot candidate — the median of a small sample of its
//! active items, or, after a round that narrowed too little, the exact
//! median (`select_nth_unstable`) — weighted by its active count; the
//! weighted median of the offers is the group's pivot. Every rank splits
//! its active interval three ways around the pivot (`<`, `=`, `>`), one
//! reduction sums the counts, and every target either lies among the
//! pivot's equals (found) or moves to the child interval holding it;
//! targets going to different children split the group. A group whose
//! active items number at most [`SMALL`] globally is gathered and finished
//! locally. Local work `O(n)` expected (the active set halves per round),
//! `O(log n)` rounds of three small gathers and one reduction each,
//! whatever the keys (equal keys end the search as soon as a pivot hits
//! them).

use crate::comm::Comm;
use crate::dtype::Element;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use std::cmp::Ordering;

/// Groups this small (globally) are gathered and finished locally.
const SMALL: u64 = 1 << 12;

/// Sample size per rank for a pivot candidate.
const SAMPLE: usize = 63;

/// An item selection moves around: a key, and a global index when the
/// order needs one ([`Tagged`]).
pub(crate) trait Item: Copy + Default {
    /// The element type that travels.
    type Key: Element;
    /// The key.
    fn key(&self) -> Self::Key;
    /// The global index (0 for plain keys).
    fn id(&self) -> i64;
    /// The item from its parts.
    fn join(key: Self::Key, id: i64) -> Self;
}

impl<T: Element> Item for T {
    type Key = T;
    fn key(&self) -> T {
        *self
    }
    fn id(&self) -> i64 {
        0
    }
    fn join(key: T, _: i64) -> T {
        key
    }
}

/// A key with its global index.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Tagged<T> {
    pub key: T,
    pub id: i64,
}

impl<T: Element> Item for Tagged<T> {
    type Key = T;
    fn key(&self) -> T {
        self.key
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn join(key: T, id: i64) -> Self {
        Tagged { key, id }
    }
}

/// A set of targets sharing an active interval `lo..hi` of the buffer;
/// `before` items globally precede the interval, `total` are in it.
struct Group {
    lo: usize,
    hi: usize,
    before: u64,
    total: u64,
    targets: Vec<usize>,
    exact: bool,
}

/// Splits `s` three ways around `pivot` in place: `(less, equal)` counts,
/// the less items first, then the equal ones, then the greater.
pub(crate) fn three_way<I>(
    s: &mut [I],
    pivot: &I,
    cmp: impl Fn(&I, &I) -> Ordering,
) -> (usize, usize) {
    let (mut lt, mut i, mut gt) = (0, 0, s.len());
    while i < gt {
        match cmp(&s[i], pivot) {
            Ordering::Less => {
                s.swap(lt, i);
                lt += 1;
                i += 1;
            }
            Ordering::Greater => {
                gt -= 1;
                s.swap(i, gt);
            }
            Ordering::Equal => i += 1,
        }
    }
    (lt, gt - lt)
}

/// Every rank's `u64`s summed elementwise.
pub(crate) fn all_sum(comm: &Comm, mine: &[u64]) -> Vec<u64> {
    let mut out = vec![0u64; mine.len()];
    if !mine.is_empty() {
        comm.raw()
            .all_reduce_into(mine, &mut out[..], SystemOperation::sum());
    }
    out
}

/// Every rank's items (keys and global indices gathered apart).
fn gather_items<I: Item>(comm: &Comm, items: &[I]) -> Vec<I> {
    let keys: Vec<I::Key> = items.iter().map(Item::key).collect();
    let ids: Vec<i64> = items.iter().map(Item::id).collect();
    let (keys, _) = comm.all_gather_varcount(&keys);
    let (ids, _) = comm.all_gather_varcount(&ids);
    keys.into_iter()
        .zip(ids)
        .map(|(k, i)| I::join(k, i))
        .collect()
}

/// This rank's pivot candidate for the active items `s` (not empty).
fn candidate<I: Copy>(s: &mut [I], exact: bool, cmp: &impl Fn(&I, &I) -> Ordering) -> I {
    if exact || s.len() <= SAMPLE {
        let mid = s.len() / 2;
        *s.select_nth_unstable_by(mid, cmp).1
    } else {
        let step = s.len() / SAMPLE;
        let mut sample: Vec<I> = (0..SAMPLE).map(|j| s[j * step + step / 2]).collect();
        sample.sort_unstable_by(cmp);
        sample[SAMPLE / 2]
    }
}

/// The items at the global positions `targets` (each below the global
/// item count) of the order `cmp` over every rank's `items`, the same on
/// every rank; `items` is left permuted. `cmp` must be a total order
/// (equal items interchangeable). Collective.
pub(crate) fn select<I: Item>(
    comm: &Comm,
    items: &mut [I],
    targets: &[u64],
    cmp: impl Fn(&I, &I) -> Ordering,
) -> Vec<I> {
    let total = all_sum(comm, &[items.len() as u64])[0];
    let mut found: Vec<Option<I>> = vec![None; targets.len()];
    let mut groups = vec![Group {
        lo: 0,
        hi: items.len(),
        before: 0,
        total,
        targets: (0..targets.len()).collect(),
        exact: false,
    }];
    assert!(
        targets.iter().all(|&k| k < total),
        "targets within the items"
    );
    groups.retain(|g| !g.targets.is_empty());
    while !groups.is_empty() {
        let (small, pivoting): (Vec<Group>, Vec<Group>) =
            groups.into_iter().partition(|g| g.total <= SMALL);
        // one gather of the weights and the small groups' counts, one of
        // the candidates followed by the small groups' items
        let mut words: Vec<u64> = Vec::new();
        let mut offers: Vec<I> = Vec::new();
        for g in &pivoting {
            let s = &mut items[g.lo..g.hi];
            words.push(s.len() as u64);
            offers.push(if s.is_empty() {
                I::default()
            } else {
                candidate(s, g.exact, &cmp)
            });
        }
        for g in &small {
            words.push((g.hi - g.lo) as u64);
            offers.extend_from_slice(&items[g.lo..g.hi]);
        }
        let (all_words, _) = comm.all_gather_varcount(&words);
        let all_offers = gather_items(comm, &offers);
        let per = words.len();
        let np = pivoting.len();
        // the small groups, finished
        let p = comm.size();
        let mut rank_at = vec![0usize; p]; // where each rank's offers start
        for r in 1..p {
            let prev = &all_words[(r - 1) * per..r * per];
            rank_at[r] =
                rank_at[r - 1] + np + prev[np..].iter().map(|&w| w as usize).sum::<usize>();
        }
        for (s, g) in small.iter().enumerate() {
            let mut all: Vec<I> = Vec::with_capacity(g.total as usize);
            for r in 0..p {
                let row = &all_words[r * per..(r + 1) * per];
                let at =
                    rank_at[r] + np + row[np..np + s].iter().map(|&w| w as usize).sum::<usize>();
                all.extend_from_slice(&all_offers[at..at + row[np + s] as usize]);
            }
            all.sort_unstable_by(&cmp);
            for &t in &g.targets {
                found[t] = Some(all[(targets[t] - g.before) as usize]);
            }
        }
        // the pivots: weighted medians of the candidates
        let pivots: Vec<I> = (0..np)
            .map(|o| {
                let mut cands: Vec<(I, u64)> = (0..p)
                    .map(|r| (all_offers[rank_at[r] + o], all_words[r * per + o]))
                    .filter(|c| c.1 > 0)
                    .collect();
                cands.sort_by(|a, b| cmp(&a.0, &b.0));
                let half = cands.iter().map(|c| c.1).sum::<u64>().div_ceil(2);
                let mut seen = 0;
                for (c, w) in cands {
                    seen += w;
                    if seen >= half {
                        return c;
                    }
                }
                unreachable!("a group with targets has active items")
            })
            .collect();
        let mut here = Vec::with_capacity(2 * np);
        for (g, pivot) in pivoting.iter().zip(&pivots) {
            let (lt, eq) = three_way(&mut items[g.lo..g.hi], pivot, &cmp);
            here.extend([lt as u64, eq as u64]);
        }
        let global = all_sum(comm, &here);
        let mut next = Vec::new();
        for (o, g) in pivoting.into_iter().enumerate() {
            let (less, equal) = (global[2 * o], global[2 * o + 1]);
            let (lt, eq) = (here[2 * o] as usize, here[2 * o + 1] as usize);
            let mut lower = Vec::new();
            let mut upper = Vec::new();
            for t in g.targets {
                let r = targets[t] - g.before;
                if r < less {
                    lower.push(t);
                } else if r < less + equal {
                    found[t] = Some(pivots[o]);
                } else {
                    upper.push(t);
                }
            }
            let children = [
                (g.lo, g.lo + lt, g.before, less, lower),
                (
                    g.lo + lt + eq,
                    g.hi,
                    g.before + less + equal,
                    g.total - less - equal,
                    upper,
                ),
            ];
            for (lo, hi, before, total, targets) in children {
                if !targets.is_empty() {
                    // narrowed by less than an eighth: exact medians next
                    let exact = total > g.total - g.total / 8;
                    next.push(Group {
                        lo,
                        hi,
                        before,
                        total,
                        targets,
                        exact,
                    });
                }
            }
        }
        groups = next;
    }
    found
        .into_iter()
        .map(|f| f.expect("every target found"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_way_splits_around_the_pivot() {
        let mut v = vec![5, 1, 3, 3, 9, 0, 3, 7];
        let (lt, eq) = three_way(&mut v, &3, i32::cmp);
        assert_eq!((lt, eq), (2, 3));
        assert!(v[..2].iter().all(|&x| x < 3));
        assert!(v[2..5].iter().all(|&x| x == 3));
        assert!(v[5..].iter().all(|&x| x > 3));
    }
}

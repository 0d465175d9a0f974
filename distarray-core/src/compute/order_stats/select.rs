//! Distributed multi-selection: the items at some global positions of the
//! order of every rank's items, found without sorting them (Floyd and
//! Rivest's selection, spread over the ranks).
//!
//! The targets go in groups of nearby positions, each with its own active
//! items (at first every item, read in place). Each round, for every
//! group, the ranks draw a random sample of their active items in
//! proportion to their counts and gather it; in the sorted sample, two
//! pivots bracket the group's targets a few standard deviations wide. One
//! streaming pass counts the items below the lower pivot and above the
//! upper one and keeps those between (a few percent); one reduction sums
//! the counts of five classes (below, equal to the lower pivot, between,
//! equal to the upper pivot, above). A target in an equal class is found;
//! one between continues on the kept items; one outside the bracket (rare)
//! on the items of its side, taken in one more local pass. A group whose
//! active items number at most [`SMALL`] globally is gathered and
//! finished locally. Local work about one pass over the items per group,
//! a few rounds of two small gathers and one reduction each; every round
//! drops at least the pivots' equals, so equal keys end it at once.

use crate::comm::Comm;
use crate::dtype::Element;
use crate::random::mix64;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use std::cmp::Ordering;

/// Groups this small (globally) are gathered and finished locally.
const SMALL: u64 = 1 << 12;

/// The sample drawn over all ranks per group and round.
const SAMPLE: u64 = 1 << 13;

/// Targets closer than `total / NEAR` share a group (and its passes).
const NEAR: u64 = 64;

/// Targets sharing their active items: `before` items globally precede
/// them, `total` are active; `items` is `None` while still every item.
struct Group<I> {
    items: Option<Vec<I>>,
    before: u64,
    total: u64,
    targets: Vec<usize>,
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

/// The bracket of one group: its pivots (`None`: no bound that side).
struct Bracket<I> {
    lo: Option<I>,
    hi: Option<I>,
}

/// The items at the global positions `targets` (each below the global
/// item count) of the order `cmp` over every rank's `items`, the same on
/// every rank. `cmp` must be a total order (equal items interchangeable).
/// Collective.
pub(crate) fn select<I: Element>(
    comm: &Comm,
    items: &[I],
    targets: &[u64],
    cmp: impl Fn(&I, &I) -> Ordering,
) -> Vec<I> {
    let total = all_sum(comm, &[items.len() as u64])[0];
    assert!(
        targets.iter().all(|&k| k < total),
        "targets within the items"
    );
    let mut found: Vec<Option<I>> = vec![None; targets.len()];
    // groups of nearby targets
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|&t| targets[t]);
    let mut groups: Vec<Group<I>> = Vec::new();
    for t in order {
        match groups.last_mut() {
            Some(g) if targets[t] - targets[*g.targets.last().expect("one")] <= total / NEAR => {
                g.targets.push(t)
            }
            _ => groups.push(Group {
                items: None,
                before: 0,
                total,
                targets: vec![t],
            }),
        }
    }
    let me = comm.rank() as u64;
    let mut round = 0u64;
    while !groups.is_empty() {
        round += 1;
        let (small, large): (Vec<Group<I>>, Vec<Group<I>>) =
            groups.into_iter().partition(|g| g.total <= SMALL);
        // one gather: the small groups' items, then the large ones' samples
        let mut offers: Vec<I> = Vec::new();
        let mut sizes: Vec<u64> = Vec::new();
        for g in &small {
            let active = g.items.as_deref().unwrap_or(items);
            offers.extend_from_slice(active);
            sizes.push(active.len() as u64);
        }
        for g in &large {
            let active = g.items.as_deref().unwrap_or(items);
            let want = (SAMPLE as u128 * active.len() as u128).div_ceil(g.total as u128) as usize;
            let n = active.len() as u64;
            for j in 0..want as u64 {
                let h = mix64(round << 48 ^ me << 32 ^ j ^ 0x5eed);
                offers.push(active[(h % n) as usize]);
            }
            sizes.push(want as u64);
        }
        let (all, _) = comm.all_gather_varcount(&offers);
        let (all_sizes, _) = comm.all_gather_varcount(&sizes);
        // every rank's part of group j: (rank's start in `all`) + earlier groups
        let per = sizes.len();
        let mut parts: Vec<Vec<I>> = vec![Vec::new(); per];
        let mut at = 0;
        for row in all_sizes.chunks(per.max(1)).take(comm.size()) {
            for (j, &c) in row.iter().enumerate() {
                parts[j].extend_from_slice(&all[at..at + c as usize]);
                at += c as usize;
            }
        }
        let mut parts = parts.into_iter();
        for g in &small {
            let mut all = parts.next().expect("a part per group");
            all.sort_unstable_by(&cmp);
            for &t in &g.targets {
                found[t] = Some(all[(targets[t] - g.before) as usize]);
            }
        }
        // the brackets: a few standard deviations of the sample around
        // the group's first and last targets
        let brackets: Vec<Bracket<I>> = large
            .iter()
            .map(|g| {
                let mut sample = parts.next().expect("a part per group");
                sample.sort_unstable_by(&cmp);
                let m = sample.len() as f64;
                let wide = 2.0 * m.sqrt() + 1.0;
                let at = |t: usize| (targets[t] - g.before) as f64 / g.total as f64 * m;
                let first = at(g.targets[0]) - wide;
                let last = at(*g.targets.last().expect("one")) + wide;
                if first < 0.0 && last >= m - 1.0 {
                    // too few items for a bracket to narrow: one pivot
                    // in the middle, dropping at least its equals
                    let mid = ((first + last) / 2.0).clamp(0.0, m - 1.0) as usize;
                    return Bracket {
                        lo: Some(sample[mid]),
                        hi: Some(sample[mid]),
                    };
                }
                Bracket {
                    lo: (first >= 0.0).then(|| sample[first as usize]),
                    hi: (last < m - 1.0).then(|| sample[last.ceil() as usize]),
                }
            })
            .collect();
        // the pass: counts outside the bracket, the items inside kept
        let mut kept: Vec<Vec<I>> = Vec::with_capacity(large.len());
        let mut counts: Vec<u64> = Vec::with_capacity(5 * large.len());
        for (g, b) in large.iter().zip(&brackets) {
            let active = g.items.as_deref().unwrap_or(items);
            let (below, inside, above) = bracket_pass(active, b, &cmp);
            // inside: the lower pivot's equals, the strictly between, the upper's
            let is = |p: &Option<I>, x: &I| p.as_ref().is_some_and(|p| cmp(x, p).is_eq());
            let eq_lo = inside.iter().filter(|x| is(&b.lo, x)).count();
            let between: Vec<I> = inside
                .iter()
                .copied()
                .filter(|x| !is(&b.lo, x) && !is(&b.hi, x))
                .collect();
            let eq_hi = inside.len() - eq_lo - between.len();
            counts.extend([
                below,
                eq_lo as u64,
                between.len() as u64,
                eq_hi as u64,
                above,
            ]);
            kept.push(between);
        }
        let global = all_sum(comm, &counts);
        let mut next = Vec::new();
        for (((o, g), b), between) in large.into_iter().enumerate().zip(&brackets).zip(kept) {
            let c = &global[5 * o..5 * o + 5];
            let ends = [
                c[0],
                c[0] + c[1],
                c[0] + c[1] + c[2],
                c[0] + c[1] + c[2] + c[3],
            ];
            let mut split: [Vec<usize>; 3] = Default::default();
            for &t in &g.targets {
                let r = targets[t] - g.before;
                match ends.iter().position(|&e| r < e).unwrap_or(4) {
                    0 => split[0].push(t),
                    1 => found[t] = b.lo,
                    2 => split[1].push(t),
                    3 => found[t] = b.hi,
                    _ => split[2].push(t),
                }
            }
            let active = g.items.as_deref().unwrap_or(items);
            let [low, mid, high] = split;
            if !low.is_empty() {
                let lo =
                    b.lo.as_ref()
                        .expect("a target below the bracket has a bound");
                let side = active
                    .iter()
                    .copied()
                    .filter(|x| cmp(x, lo).is_lt())
                    .collect();
                next.push(Group {
                    items: Some(side),
                    before: g.before,
                    total: c[0],
                    targets: low,
                });
            }
            if !mid.is_empty() {
                let before = g.before + c[0] + c[1];
                next.push(Group {
                    items: Some(between),
                    before,
                    total: c[2],
                    targets: mid,
                });
            }
            if !high.is_empty() {
                let hi =
                    b.hi.as_ref()
                        .expect("a target above the bracket has a bound");
                let side = active
                    .iter()
                    .copied()
                    .filter(|x| cmp(x, hi).is_gt())
                    .collect();
                let before = g.before + g.total - c[4];
                next.push(Group {
                    items: Some(side),
                    before,
                    total: c[4],
                    targets: high,
                });
            }
        }
        groups = next;
    }
    found
        .into_iter()
        .map(|f| f.expect("every target found"))
        .collect()
}

/// One pass over `active`: how many are below the bracket, the items in
/// it (bounds included), how many are above.
fn bracket_pass<I: Copy + Default>(
    active: &[I],
    b: &Bracket<I>,
    cmp: &impl Fn(&I, &I) -> Ordering,
) -> (u64, Vec<I>, u64) {
    match (&b.lo, &b.hi) {
        (Some(lo), Some(hi)) => pass(active, |x| cmp(x, lo).is_lt(), |x| cmp(x, hi).is_gt()),
        (Some(lo), None) => pass(active, |x| cmp(x, lo).is_lt(), |_| false),
        (None, Some(hi)) => pass(active, |_| false, |x| cmp(x, hi).is_gt()),
        (None, None) => (0, active.to_vec(), 0),
    }
}

/// The pass, branch-free: chunk by chunk, every item written to a scratch
/// buffer and the write position advanced when it is inside.
fn pass<I: Copy + Default>(
    active: &[I],
    under: impl Fn(&I) -> bool,
    over: impl Fn(&I) -> bool,
) -> (u64, Vec<I>, u64) {
    const CHUNK: usize = 1024;
    let (mut below, mut above) = (0u64, 0u64);
    let mut inside = Vec::new();
    let mut scratch = [I::default(); CHUNK];
    for chunk in active.chunks(CHUNK) {
        let mut w = 0;
        for x in chunk {
            let (u, o) = (under(x), over(x));
            below += u as u64;
            above += o as u64;
            scratch[w] = *x;
            w += !(u | o) as usize;
        }
        inside.extend_from_slice(&scratch[..w]);
    }
    (below, inside, above)
}

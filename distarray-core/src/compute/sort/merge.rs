//! The local merge of the sorted runs received from every rank (in source
//! rank order): pairwise, in `log2(P)` passes, stable (on equal items the
//! earlier run's first), so equal keys keep rank order and, with global
//! indices, the pairs' order.

use super::order::{Order, SortKey};
use std::ops::Range;

/// Merges the consecutive sorted runs of `keys` (and `ids` alongside)
/// whose lengths are `counts`.
pub(super) fn merge_runs<T: SortKey>(
    mut keys: Vec<T>,
    mut ids: Option<Vec<i64>>,
    counts: &[usize],
    order: Order,
) -> (Vec<T>, Option<Vec<i64>>) {
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut at = 0;
    for &c in counts {
        if c > 0 {
            runs.push(at..at + c);
        }
        at += c;
    }
    if runs.len() <= 1 {
        return (keys, ids);
    }
    let mut out_keys = vec![T::default(); keys.len()];
    let mut out_ids = ids.as_ref().map(|d| vec![0i64; d.len()]);
    while runs.len() > 1 {
        let mut next = Vec::with_capacity(runs.len().div_ceil(2));
        for pair in runs.chunks(2) {
            let (a, b) = match pair {
                [a, b] => (a.clone(), b.clone()),
                [a] => (a.clone(), a.end..a.end),
                _ => unreachable!(),
            };
            merge_two(
                (&keys, ids.as_deref()),
                (&mut out_keys, out_ids.as_deref_mut()),
                a.clone(),
                b.clone(),
                order,
            );
            next.push(a.start..b.end);
        }
        std::mem::swap(&mut keys, &mut out_keys);
        std::mem::swap(&mut ids, &mut out_ids);
        runs = next;
    }
    (keys, ids)
}

/// Merges `src[a]` and `src[b]` (adjacent) into `dst[a.start..b.end]`.
fn merge_two<T: SortKey>(
    src: (&[T], Option<&[i64]>),
    dst: (&mut [T], Option<&mut [i64]>),
    a: Range<usize>,
    b: Range<usize>,
    order: Order,
) {
    let (keys, ids) = src;
    let (out, mut out_ids) = dst;
    let item = |i: usize| (&keys[i], ids.map(|d| d[i]));
    let (mut i, mut j, mut o) = (a.start, b.start, a.start);
    if ids.is_none() {
        // keys alone: a branch-free step
        while i < a.end && j < b.end {
            let right = order.keys(&keys[j], &keys[i]).is_lt();
            out[o] = if right { keys[j] } else { keys[i] };
            j += right as usize;
            i += !right as usize;
            o += 1;
        }
    }
    while i < a.end && j < b.end {
        // the right run's item first only when strictly smaller
        let take_right = order.items(item(j), item(i)).is_lt();
        let from = if take_right { j } else { i };
        out[o] = keys[from];
        if let (Some(d), Some(s)) = (out_ids.as_deref_mut(), ids) {
            d[o] = s[from];
        }
        if take_right {
            j += 1;
        } else {
            i += 1;
        }
        o += 1;
    }
    for (rest, end) in [(i, a.end), (j, b.end)] {
        let n = end - rest;
        out[o..o + n].copy_from_slice(&keys[rest..end]);
        if let (Some(d), Some(s)) = (out_ids.as_deref_mut(), ids) {
            d[o..o + n].copy_from_slice(&s[rest..end]);
        }
        o += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_three_runs_stably() {
        let keys = vec![1, 4, 9, 2, 4, 3, 4, 10];
        let ids = vec![0, 1, 2, 3, 4, 5, 6, 7];
        let (k, d) = merge_runs(keys, Some(ids), &[3, 2, 0, 3], Order { descending: false });
        assert_eq!(k, [1, 2, 3, 4, 4, 4, 9, 10]);
        assert_eq!(d.unwrap(), [0, 3, 5, 1, 4, 6, 2, 7]);
    }
}

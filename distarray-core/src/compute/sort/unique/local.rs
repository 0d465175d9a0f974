//! The local half of `unique`: a rank's distinct values and their counts,
//! found by sorting its cells in chunks (the sort's fast local path: radix
//! for numbers) and merging the chunks' distinct lists, so the extra memory
//! is two chunks plus the distinct values, never a copy of all the cells.
//! Also the per-cell helpers `index` and `inverse` need: a cell's position
//! among the distinct values, and the cells' flat global indices.

use super::super::order::SortKey;
use crate::layout::Layout;
use ndarray::{ArrayViewD, IxDyn};
use std::cmp::Ordering;

/// The cells are sorted in this many chunks at least (bounds the scratch
/// memory to `2 / CHUNKS` of the cells).
const CHUNKS: usize = 8;
/// ... unless the chunks would be smaller than this.
const MIN_CHUNK: usize = 1 << 16;

/// One value in NumPy's `unique` (`equal_nan=True`): equal keys, every NaN
/// (a complex number with a NaN part) one value, `-0.0` and `0.0` one.
pub(super) fn same<T: SortKey>(a: &T, b: &T) -> bool {
    (a.is_nan_key() && b.is_nan_key()) || a.sort_cmp(b) == Ordering::Equal
}

/// Distinct values in ascending order (NaN last, one NaN at most) and how
/// many cells hold each.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Distinct<T> {
    pub values: Vec<T>,
    pub counts: Vec<i64>,
}

impl<T: SortKey> Distinct<T> {
    /// The runs of equal values of a sorted slice.
    fn of_sorted(sorted: &[T]) -> Self {
        let mut d = Distinct::default();
        let mut i = 0;
        while i < sorted.len() {
            let v = sorted[i];
            let mut j = i + 1;
            while j < sorted.len() && same(&v, &sorted[j]) {
                j += 1;
            }
            d.values.push(v);
            d.counts.push((j - i) as i64);
            i = j;
        }
        d
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    /// The union of two lists, counts of equal values added; of two NaN
    /// classes the first in the sort order stands for both (as NumPy).
    fn merge(self, other: Self) -> Self {
        let (a, b) = (self, other);
        let mut out = Distinct {
            values: Vec::with_capacity(a.len() + b.len()),
            counts: Vec::with_capacity(a.len() + b.len()),
        };
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let (x, y) = (a.values[i], b.values[j]);
            if same(&x, &y) {
                out.values.push(if y.sort_cmp(&x).is_lt() { y } else { x });
                out.counts.push(a.counts[i] + b.counts[j]);
                i += 1;
                j += 1;
            } else if x.sort_cmp(&y).is_lt() {
                out.values.push(x);
                out.counts.push(a.counts[i]);
                i += 1;
            } else {
                out.values.push(y);
                out.counts.push(b.counts[j]);
                j += 1;
            }
        }
        out.values.extend_from_slice(&a.values[i..]);
        out.counts.extend_from_slice(&a.counts[i..]);
        out.values.extend_from_slice(&b.values[j..]);
        out.counts.extend_from_slice(&b.counts[j..]);
        out
    }
}

/// The distinct values of `cells` (any shape, any strides) with counts.
pub(super) fn distinct<T: SortKey>(cells: &ArrayViewD<'_, T>) -> Distinct<T> {
    let n = cells.len();
    let chunk = (n / CHUNKS).max(MIN_CHUNK).min(n.max(1));
    let mut buf: Vec<T> = Vec::with_capacity(chunk);
    // lists of decreasing length: merging like a binary counter keeps the
    // work O(n log CHUNKS) even when every value is distinct
    let mut stack: Vec<Distinct<T>> = Vec::new();
    let mut push = |buf: &mut Vec<T>| {
        T::sort_unstable(buf);
        let mut run = Distinct::of_sorted(buf);
        while stack.last().is_some_and(|top| top.len() <= run.len()) {
            let top = stack.pop().expect("non-empty");
            run = top.merge(run);
        }
        stack.push(run);
        buf.clear();
    };
    match cells.as_slice() {
        Some(all) => {
            for part in all.chunks(chunk) {
                buf.extend_from_slice(part);
                push(&mut buf);
            }
        }
        None => {
            let mut it = cells.iter().copied();
            loop {
                buf.extend(it.by_ref().take(chunk));
                if buf.is_empty() {
                    break;
                }
                push(&mut buf);
            }
        }
    }
    drop(buf);
    stack
        .into_iter()
        .rev()
        .reduce(|acc, next| next.merge(acc))
        .unwrap_or_default()
}

/// The position in `values` (sorted distinct values, a NaN last) of the
/// one that is the [`same`] as `x`, which must be among them.
pub(super) fn position<T: SortKey>(values: &[T], x: &T) -> usize {
    if x.is_nan_key() {
        return values.len() - 1;
    }
    values.partition_point(|v| v.sort_cmp(x).is_lt())
}

/// The flat (C order) global indices of this rank's owned cells, in the
/// order [`owned`](crate::DistArrayBase::owned) iterates them (computed
/// cell by cell: no vector of a rank's indices).
pub(super) fn flat_indices(layout: &Layout) -> impl Iterator<Item = i64> {
    let layout = layout.clone();
    let strides = crate::array::c_strides(layout.shape());
    let ranges = layout.owned_local_ranges();
    let shape: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
    ndarray::indices(IxDyn(&shape)).into_iter().map(move |ix| {
        let coords = layout.grid().coords();
        (0..ranges.len())
            .map(|a| {
                let g = layout
                    .map(a)
                    .local_to_global(coords[a], ranges[a].start + ix[a]);
                (g * strides[a]) as i64
            })
            .sum()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ArrayD;

    fn check(cells: Vec<f64>) {
        let n = cells.len();
        let a = ArrayD::from_shape_vec(IxDyn(&[n]), cells.clone()).unwrap();
        let d = distinct(&a.view());
        let mut want: Vec<(f64, i64)> = Vec::new();
        let mut sorted = cells;
        sorted.sort_by(|a, b| a.sort_cmp(b));
        for x in sorted {
            match want.last_mut() {
                Some((v, c)) if same(v, &x) => *c += 1,
                _ => want.push((x, 1)),
            }
        }
        assert_eq!(d.values.len(), want.len());
        for (k, (v, c)) in want.iter().enumerate() {
            assert!(same(&d.values[k], v), "value {k}");
            assert_eq!(d.counts[k], *c, "count {k}");
        }
        // strided: every other cell, through the iterator path
        let strided = a.slice_each_axis(|_| ndarray::Slice::new(0, None, 2));
        let d2 = distinct(&strided);
        assert_eq!(d2.counts.iter().sum::<i64>() as usize, n.div_ceil(2));
    }

    #[test]
    fn chunks_merge_to_the_distinct_values_with_counts() {
        let mix = |i: usize| crate::random::mix64(i as u64);
        // several chunks, few distinct values, NaNs of both signs, zeros
        let n = 5 * MIN_CHUNK + 123;
        check(
            (0..n)
                .map(|i| match mix(i) % 13 {
                    0 => f64::NAN,
                    1 => -f64::NAN,
                    2 => -0.0,
                    3 => 0.0,
                    k => (k % 7) as f64 - 3.0,
                })
                .collect(),
        );
        // every value distinct
        check((0..3 * MIN_CHUNK).map(|i| mix(i) as f64).collect());
        check(vec![]);
        check(vec![f64::NAN]);
    }

    #[test]
    fn positions_among_the_distinct_values() {
        let values = [-1.0, 0.0, 2.5, f64::NAN];
        assert_eq!(position(&values, &-0.0), 1);
        assert_eq!(position(&values, &2.5), 2);
        assert_eq!(position(&values, &-f64::NAN), 3);
    }
}

//! The local reference the multi-rank sort tests check against: NumPy's
//! order (NaN last in both directions), lanes sorted stably on one rank.

#![allow(dead_code)]

use distarray::ndarray::{ArrayD, Axis as NdAxis, Zip};
use distarray::sort::{SortKey, SortOptions};
use distarray::{Axis, DistArray};
use std::cmp::Ordering;

/// The reference order: ascending or descending, NaN last either way.
pub fn cmp<T: SortKey>(a: &T, b: &T, descending: bool) -> Ordering {
    match (a.is_nan_key(), b.is_nan_key(), descending) {
        (false, false, true) => b.sort_cmp(a),
        (true, false, _) => Ordering::Greater,
        (false, true, _) => Ordering::Less,
        _ => a.sort_cmp(b),
    }
}

/// Block bounds of `n` cells over `g` positions with position 1 empty
/// (for every `g >= 2`): position 0 takes a third (all of it when `g ==
/// 2`), the positions after 1 share the rest.
pub fn bounds_with_empty(n: usize, g: usize) -> Vec<usize> {
    match g {
        1 => vec![0, n],
        2 => vec![0, n, n],
        _ => {
            let a = n / 3;
            let mut b = vec![0, a, a];
            for r in 2..g {
                b.push(a + (n - a) * (r - 1) / (g - 2));
            }
            b
        }
    }
}

/// Every option combination (ascending/descending x unstable/stable).
pub fn all_options() -> Vec<SortOptions> {
    let mut v = Vec::new();
    for descending in [false, true] {
        for stable in [false, true] {
            v.push(SortOptions { descending, stable });
        }
    }
    v
}

/// The stable sorting permutation of one lane.
pub fn lane_order<T: SortKey>(lane: &[T], descending: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..lane.len()).collect();
    idx.sort_by(|&i, &j| cmp(&lane[i], &lane[j], descending)); // stable
    idx
}

/// Checks `sort_axis` and `argsort_axis` of `a` along `axis` with
/// `options` against the gathered array's lanes sorted locally: the
/// results in `a`'s layout; every argsort lane the stable order (so a
/// permutation of `0..shape[axis]` with equal keys in index order); the
/// gathered input taken along the axis at those indices equal (as keys)
/// to the sorted lane, and bit for bit when the sort is stable.
pub fn check_axis<T: SortKey>(a: &DistArray<T>, axis: usize, options: SortOptions) {
    let desc = options.descending;
    let what = format!(
        "axis {axis} of {:?} {:?} {options:?}",
        a.shape(),
        a.layout().dist_names()
    );
    let s = a.sort_axis(Axis(axis), options).unwrap();
    let i = a.argsort_axis(Axis(axis), options).unwrap();
    assert_eq!(s.layout(), a.layout(), "{what}");
    assert_eq!(i.layout(), a.layout(), "{what}");
    let input: ArrayD<T> = a.gather_all().unwrap();
    let sorted = s.gather_all().unwrap();
    let order = i.gather_all().unwrap();
    let mut lanes = 0;
    Zip::from(input.lanes(NdAxis(axis)))
        .and(sorted.lanes(NdAxis(axis)))
        .and(order.lanes(NdAxis(axis)))
        .for_each(|x, s, o| {
            lanes += 1;
            let x = x.to_vec();
            let want = lane_order(&x, desc);
            let got: Vec<usize> = o.iter().map(|&k| k as usize).collect();
            assert_eq!(got, want, "argsort lane {lanes} of {what}: {x:?}");
            for (m, (v, &k)) in s.iter().zip(&got).enumerate() {
                let taken = &x[k];
                assert_eq!(
                    cmp(v, taken, desc),
                    Ordering::Equal,
                    "cell {m} of lane {lanes} of {what}"
                );
                if options.stable {
                    assert_eq!(
                        format!("{v:?}"),
                        format!("{taken:?}"),
                        "stable cell {m} of {what}"
                    );
                }
            }
        });
    let others: usize = (0..a.ndim())
        .filter(|&d| d != axis)
        .map(|d| a.shape()[d])
        .product();
    assert_eq!(lanes, others, "{what}: every lane checked");
}

/// An unstructured one-to-one layout of `n` cells: rank `r` owns the
/// global indices `g` with `(31 g + 5) % p == r`, listed in decreasing
/// order (neither contiguous nor sorted).
pub fn unstructured(comm: &distarray::Comm, n: usize) -> distarray::Layout {
    let p = comm.size();
    let indices: Vec<usize> = (0..n)
        .rev()
        .filter(|g| (g * 31 + 5) % p == comm.rank())
        .collect();
    distarray::Layout::with_grid(
        comm,
        &[n],
        &[distarray::Dist::Unstructured {
            indices,
            one_to_one: true,
        }],
        &[p],
    )
    .unwrap()
}

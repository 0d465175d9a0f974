//! Order statistics on 1-4 ranks, checked against the gathered array
//! sorted (or counted) locally with NumPy's formulas: quantiles,
//! percentiles and medians (f64 with NaNs, i64, skewed keys; q = 0, 1,
//! 0.5, 0.25, 0.999), top-k and arg-top-k (k = 1, n, ties, both ways),
//! partition and argpartition invariants (also complex and bool),
//! histograms and bin counts (with weights); block, irregular block with an
//! empty rank, cyclic, block-cyclic and padded layouts, a 2-D array;
//! arrays small enough to be gathered and large enough for the pivot
//! rounds; bad arguments the same error everywhere.

mod harness;
mod sort_common;

use distarray::num_complex::Complex64;
use distarray::order_stats::Bins;
use distarray::random::mix64;
use distarray::sort::SortKey;
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use std::cmp::Ordering;

static CHECKS: &[Check] = &[
    check!(quantiles_follow_numpys_linear_method),
    check!(nans_propagate_or_are_skipped),
    check!(skewed_keys),
    check!(topk_and_argtopk),
    check!(partition_and_argpartition_invariants),
    check!(histograms_match_a_local_count),
    check!(bincount_with_and_without_weights),
    check!(ghost_cells_and_2d_arrays),
    check!(complex_and_bool_topk_and_partition),
    check!(bad_arguments_are_the_same_error_on_every_rank),
];

fn main() {
    harness::main("mpi_order_stats", CHECKS, &[1, 2, 3, 4]);
}

/// Block, irregular block whose rank 1 (or the only rank) is empty,
/// cyclic, block-cyclic.
fn layouts(comm: &Comm, n: usize) -> Vec<Layout> {
    let bounds = sort_common::bounds_with_empty(n, comm.size());
    vec![
        Layout::block(comm, &[n]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockBounds(bounds)]).unwrap(),
        Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockCyclic(3)]).unwrap(),
        sort_common::unstructured(comm, n),
    ]
}

/// Sizes: gathered at once (<= 4096 items) and through pivot rounds.
const SIZES: [usize; 5] = [1, 2, 13, 300, 10_007];

fn unit(seed: u64, g: usize) -> f64 {
    (mix64(seed ^ mix64(g as u64)) >> 11) as f64 / (1u64 << 53) as f64
}

fn gathered<T: SortKey>(a: &DistArray<T>) -> Vec<T> {
    a.gather_all().unwrap().iter().copied().collect()
}

/// NumPy's `quantile(sorted, q)`, method "linear", written out.
fn numpy_quantile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let h = (n - 1) as f64 * q;
    let lo = (h.floor() as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    let (a, b, t) = (sorted[lo], sorted[hi], h - lo as f64);
    if a == b {
        return a;
    }
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

const QS: [f64; 7] = [0.0, 1.0, 0.5, 0.25, 0.999, 0.1, 0.75];

/// Every quantile of `QS` against the reference.
fn check_quantiles(values: &[f64], got: &[f64], what: &str) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    for (q, g) in QS.iter().zip(got) {
        let want = numpy_quantile(&sorted, *q);
        // equal as numbers (-0.0 and 0.0 are equal keys: either may be picked)
        let same = *g == want || (g.is_nan() && want.is_nan());
        assert!(same, "{what}: q = {q}: {g} vs {want}");
    }
}

fn quantiles_follow_numpys_linear_method(comm: &Comm) {
    for n in SIZES {
        for layout in layouts(comm, n) {
            let f = DistArray::from_fn(&layout, |ix: &[usize]| unit(1, ix[0]) * 100.0 - 50.0);
            let i = DistArray::from_fn(&layout, |ix: &[usize]| {
                (mix64(ix[0] as u64) % 1000) as i64 - 500
            });
            let fv = gathered(&f);
            let iv: Vec<f64> = gathered(&i).iter().map(|&x| x as f64).collect();
            check_quantiles(&fv, &f.quantiles(&QS).unwrap(), "f64");
            check_quantiles(&iv, &i.quantiles(&QS).unwrap(), "i64");
            let p: Vec<f64> = QS.iter().map(|q| q * 100.0).collect();
            let percent = i.percentiles(&p).unwrap();
            let mut sorted = iv.clone();
            sorted.sort_by(f64::total_cmp);
            for (x, &q) in percent.iter().zip(&QS) {
                // p / 100 is not always q to the last bit: within an ulp or so
                let want = numpy_quantile(&sorted, q);
                assert!(
                    (x - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "{x} vs {want}"
                );
            }
            assert_eq!(
                f.median().unwrap(),
                numpy_quantile(
                    &{
                        let mut s = fv.clone();
                        s.sort_by(f64::total_cmp);
                        s
                    },
                    0.5
                )
            );
            assert_eq!(f.quantile(0.25).unwrap(), f.quantiles(&[0.25]).unwrap()[0]);
        }
    }
    // NumPy's own answers: np.quantile([1, 2, 3, 4], [0.25, 0.5, 0.999])
    let layout = Layout::new(comm, &[4], &[Dist::Cyclic]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| [4_i32, 1, 3, 2][ix[0]]);
    assert_eq!(a.quantiles(&[0.25, 0.5]).unwrap(), vec![1.75, 2.5]);
    assert!((a.quantile(0.999).unwrap() - 3.997).abs() < 1e-12);
    assert_eq!(a.percentile(100.0).unwrap(), 4.0);
}

fn nans_propagate_or_are_skipped(comm: &Comm) {
    for n in SIZES {
        for layout in layouts(comm, n) {
            let a = DistArray::from_fn(&layout, |ix: &[usize]| match ix[0] % 7 {
                3 => f64::NAN,
                5 => -0.0,
                _ => (unit(2, ix[0]) * 20.0).floor(),
            });
            let all = gathered(&a);
            let numbers: Vec<f64> = all.iter().copied().filter(|x| !x.is_nan()).collect();
            let q = a.quantiles(&QS).unwrap();
            assert_eq!(q.iter().all(|x| x.is_nan()), numbers.len() < all.len());
            if numbers.is_empty() {
                assert!(a.nanmedian().unwrap().is_nan());
            } else {
                check_quantiles(&numbers, &a.nanquantiles(&QS).unwrap(), "nanquantile");
                let mut s = numbers.clone();
                s.sort_by(f64::total_cmp);
                assert_eq!(a.nanmedian().unwrap(), numpy_quantile(&s, 0.5));
            }
        }
    }
    let layout = Layout::block(comm, &[5]).unwrap();
    let nan = DistArray::from_fn(&layout, |_: &[usize]| f32::NAN);
    assert!(nan.nanmedian().unwrap().is_nan() && nan.median().unwrap().is_nan());
}

fn skewed_keys(comm: &Comm) {
    let inputs: [fn(usize) -> f64; 4] = [
        |_| 4.0,
        |g| {
            if mix64(g as u64) % 10 == 0 {
                unit(5, g)
            } else {
                0.5
            }
        },
        |g| g as f64,
        |g| -(g as f64),
    ];
    for n in [13, 10_007] {
        for layout in layouts(comm, n) {
            for f in inputs {
                let a = DistArray::from_fn(&layout, |ix: &[usize]| f(ix[0]));
                check_quantiles(&gathered(&a), &a.quantiles(&QS).unwrap(), "skewed");
            }
        }
    }
}

/// The reference top-k: (key, index) pairs sorted by key (descending for
/// the largest, NaN first then) and index, the first k.
fn reference_top<T: SortKey>(all: &[T], k: usize, largest: bool) -> Vec<(T, i64)> {
    let mut idx: Vec<usize> = (0..all.len()).collect();
    idx.sort_by(|&i, &j| {
        let keys = if largest {
            all[j].sort_cmp(&all[i])
        } else {
            all[i].sort_cmp(&all[j])
        };
        keys.then(i.cmp(&j))
    });
    idx[..k].iter().map(|&i| (all[i], i as i64)).collect()
}

fn check_top<T: SortKey>(a: &DistArray<T>) {
    let all = gathered(a);
    let n = all.len();
    for k in [0, 1, 2, n / 2, n.saturating_sub(1), n] {
        if k > n {
            continue; // n = 1 has no k = 2
        }
        for largest in [true, false] {
            let want = reference_top(&all, k, largest);
            let keys = a.topk(k, largest).unwrap();
            let ids = a.argtopk(k, largest).unwrap();
            assert_eq!(
                ids.to_vec(),
                want.iter().map(|w| w.1).collect::<Vec<_>>(),
                "k {k}"
            );
            for (x, w) in keys.iter().zip(&want) {
                assert_eq!(x.sort_cmp(&w.0), Ordering::Equal, "k {k}");
            }
            assert_eq!(keys.len(), k);
        }
    }
}

fn topk_and_argtopk(comm: &Comm) {
    for n in SIZES {
        for layout in layouts(comm, n) {
            // few distinct keys: ties everywhere; NaNs count as the largest
            check_top(&DistArray::from_fn(&layout, |ix: &[usize]| {
                (mix64(ix[0] as u64) % 5) as i64
            }));
            check_top(&DistArray::from_fn(&layout, |ix: &[usize]| {
                if ix[0] % 11 == 4 {
                    f64::NAN
                } else {
                    unit(3, ix[0])
                }
            }));
        }
    }
    // N-d: flat C-order indices
    let layout = Layout::block(comm, &[3, 4]).unwrap();
    let m = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as i32 % 5);
    assert_eq!(m.argtopk(3, true).unwrap().to_vec(), vec![4, 9, 3]);
    assert_eq!(m.topk(3, true).unwrap().to_vec(), vec![4, 4, 3]);
}

/// Partition invariants on the gathered result: a permutation of the
/// input, `kth` in its sorted place, `<=` before and `>=` after.
fn check_partitioned<T: SortKey>(all: &[T], got: &[T], kth: usize) {
    let mut sorted = all.to_vec();
    sorted.sort_by(SortKey::sort_cmp);
    let mut same = got.to_vec();
    same.sort_by(SortKey::sort_cmp);
    assert!(
        same.iter()
            .zip(&sorted)
            .all(|(a, b)| a.sort_cmp(b) == Ordering::Equal),
        "a permutation"
    );
    let v = &got[kth];
    assert_eq!(v.sort_cmp(&sorted[kth]), Ordering::Equal, "kth {kth}");
    assert!(got[..kth]
        .iter()
        .all(|x| x.sort_cmp(v) != Ordering::Greater));
    assert!(got[kth + 1..]
        .iter()
        .all(|x| x.sort_cmp(v) != Ordering::Less));
}

fn partition_and_argpartition_invariants(comm: &Comm) {
    for n in SIZES {
        for layout in layouts(comm, n) {
            let a = DistArray::from_fn(&layout, |ix: &[usize]| match ix[0] % 9 {
                2 => f64::NAN,
                _ => (unit(4, ix[0]) * 30.0).floor(),
            });
            let all = gathered(&a);
            for kth in [0, n / 3, n / 2, n - 1] {
                let p = a.partition(kth).unwrap();
                assert_eq!(p.layout(), a.layout());
                assert_eq!(p.local().len(), a.local().len());
                check_partitioned(&all, &gathered(&p), kth);
                let i = a.argpartition(kth).unwrap();
                assert_eq!(i.layout(), a.layout());
                let idx = gathered(&i);
                let mut perm = idx.clone();
                perm.sort_unstable();
                assert_eq!(perm, (0..n as i64).collect::<Vec<_>>(), "a permutation");
                let taken: Vec<f64> = idx.iter().map(|&j| all[j as usize]).collect();
                check_partitioned(&all, &taken, kth);
            }
        }
    }
}

/// NumPy's histogram semantics written naively: bin i is [e_i, e_i+1),
/// the last closed; outside and NaN not counted.
fn reference_histogram(values: &[f64], edges: &[f64]) -> Vec<i64> {
    let nb = edges.len() - 1;
    let mut c = vec![0i64; nb];
    for &x in values {
        for i in 0..nb {
            let last = i == nb - 1;
            if x >= edges[i] && (x < edges[i + 1] || (last && x <= edges[i + 1])) {
                c[i] += 1;
                break;
            }
        }
    }
    c
}

fn histograms_match_a_local_count(comm: &Comm) {
    for n in [1, 13, 300, 10_007] {
        for layout in layouts(comm, n) {
            // values on a 0.1 grid: many land exactly on edges
            let a = DistArray::from_fn(&layout, |ix: &[usize]| {
                (mix64(ix[0] as u64) % 31) as f64 / 10.0
            });
            let all = gathered(&a);
            for bins in [1, 3, 10, 31] {
                let (counts, edges) = a.histogram(Bins::Count(bins)).unwrap();
                assert_eq!(edges.len(), bins + 1);
                assert_eq!(counts.iter().sum::<i64>(), n as i64, "all in the range");
                assert_eq!(counts, reference_histogram(&all, &edges), "{bins} bins");
                let (counts, edges) = a.histogram(Bins::CountIn(bins, 0.5, 2.0)).unwrap();
                assert_eq!((edges[0], edges[bins]), (0.5, 2.0));
                assert_eq!(
                    counts,
                    reference_histogram(&all, &edges),
                    "{bins} bins in range"
                );
            }
            let edges = vec![-1.0, 0.0, 0.0, 0.7, 2.5, 3.0];
            let (counts, e) = a.histogram(Bins::Edges(edges.clone())).unwrap();
            assert_eq!(e, edges);
            assert_eq!(counts, reference_histogram(&all, &edges));
            let ints = DistArray::from_fn(&layout, |ix: &[usize]| (mix64(ix[0] as u64) % 7) as i64);
            let iv: Vec<f64> = gathered(&ints).iter().map(|&x| x as f64).collect();
            let (counts, edges) = ints.histogram(Bins::Count(4)).unwrap();
            assert_eq!(counts, reference_histogram(&iv, &edges));
        }
    }
    // all equal: NumPy widens the range by 0.5 each way
    let layout = Layout::block(comm, &[6]).unwrap();
    let c = DistArray::from_fn(&layout, |_: &[usize]| 2.0f32);
    let (counts, edges) = c.histogram(Bins::Count(2)).unwrap();
    assert_eq!((counts, edges), (vec![0, 6], vec![1.5, 2.0, 2.5]));
}

fn bincount_with_and_without_weights(comm: &Comm) {
    for n in [1, 13, 300] {
        for layout in layouts(comm, n) {
            let a = DistArray::from_fn(&layout, |ix: &[usize]| (mix64(ix[0] as u64) % 9) as i32);
            let w = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64 * 0.5);
            let all = gathered(&a);
            let most = *all.iter().max().unwrap() as usize + 1;
            let mut want = vec![0i64; most.max(12)];
            let mut sums = vec![0.0f64; most];
            for (g, &x) in all.iter().enumerate() {
                want[x as usize] += 1;
                sums[x as usize] += g as f64 * 0.5; // exact: halves of integers
            }
            assert_eq!(a.bincount(12).unwrap(), want);
            assert_eq!(a.bincount(0).unwrap(), want[..most]);
            assert_eq!(a.bincount_weighted(&w, 0).unwrap(), sums);
        }
    }
    let layout = Layout::block(comm, &[0]).unwrap();
    let empty = DistArray::<u8>::zeros(&layout);
    assert_eq!(empty.bincount(3).unwrap(), vec![0, 0, 0]);
}

/// Padded blocks (ghost cells are copies: never counted twice) and a 2-D
/// array (all cells; flat C-order indices).
fn ghost_cells_and_2d_arrays(comm: &Comm) {
    let ghosts = Dist::BlockPadded {
        ghost_width: 2,
        boundary_width: (1, 1),
        periodic: false,
    };
    let n = 5_000;
    let layout = Layout::new(comm, &[n], &[ghosts]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| (unit(6, ix[0]) * 50.0).floor());
    let all = gathered(&a);
    assert_eq!(all.len(), n);
    check_quantiles(&all, &a.quantiles(&QS).unwrap(), "padded");
    let (counts, edges) = a.histogram(Bins::Count(7)).unwrap();
    assert_eq!(counts, reference_histogram(&all, &edges));
    assert_eq!(counts.iter().sum::<i64>(), n as i64);
    for kth in [0, 2_500, n - 1] {
        let p = a.partition(kth).unwrap();
        assert_eq!(p.layout(), a.layout());
        check_partitioned(&all, &gathered(&p), kth);
    }
    check_top(&a);

    let square = Layout::block(comm, &[37, 41]).unwrap();
    let m = DistArray::from_fn(&square, |ix: &[usize]| {
        (mix64((ix[0] * 41 + ix[1]) as u64) % 100) as i64
    });
    let flat = gathered(&m); // C order
    let as_f64: Vec<f64> = flat.iter().map(|&x| x as f64).collect();
    check_quantiles(&as_f64, &m.quantiles(&QS).unwrap(), "2-D");
    check_top(&m);
    let mut want = vec![0i64; 100];
    for &x in &flat {
        want[x as usize] += 1;
    }
    let got = m.bincount(100).unwrap();
    assert_eq!(got, want);
}

/// Top-k and partitions take every sortable type: complex numbers
/// (lexicographic, NaN classes last) and `bool`.
fn complex_and_bool_topk_and_partition(comm: &Comm) {
    for n in [13, 300] {
        for layout in layouts(comm, n) {
            let z = DistArray::from_fn(&layout, |ix: &[usize]| {
                let part = |s: u64| match mix64(s ^ ix[0] as u64) % 7 {
                    0 => f64::NAN,
                    k => (k % 3) as f64,
                };
                Complex64::new(part(1), part(2))
            });
            let b = DistArray::from_fn(&layout, |ix: &[usize]| mix64(ix[0] as u64) % 3 == 0);
            check_top(&z);
            check_top(&b);
            let (zs, bs) = (gathered(&z), gathered(&b));
            for kth in [0, n / 2, n - 1] {
                check_partitioned(&zs, &gathered(&z.partition(kth).unwrap()), kth);
                check_partitioned(&bs, &gathered(&b.partition(kth).unwrap()), kth);
            }
        }
    }
}

fn is_invalid<T: std::fmt::Debug>(r: distarray::Result<T>, has: &str) {
    match r {
        Err(Error::InvalidArgument(m)) => assert!(m.contains(has), "{m}"),
        other => panic!("expected an error with {has:?}, got {other:?}"),
    }
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    let layout = Layout::block(comm, &[20]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i64);
    let last = comm.rank() + 1 == comm.size();
    // the last rank alone passes a bad q, k, kth, bin count: every rank fails
    is_invalid(a.quantile(if last { 1.5 } else { 0.5 }), "outside [0, 1]");
    is_invalid(
        a.percentile(if last { -1.0 } else { 50.0 }),
        "outside [0, 100]",
    );
    is_invalid(a.quantiles(&[0.5, f64::NAN]), "outside");
    is_invalid(a.topk(if last { 21 } else { 3 }, true), "exceeds");
    is_invalid(a.partition(if last { 20 } else { 3 }), "out of bounds");
    is_invalid(
        a.histogram(Bins::Count(if last { 0 } else { 3 })),
        "positive",
    );
    is_invalid(a.histogram(Bins::Edges(vec![1.0, 0.0])), "monotonically");
    is_invalid(a.histogram(Bins::CountIn(2, 3.0, 1.0)), "larger than min");
    // good arguments that differ between ranks
    if comm.size() > 1 {
        let r = a.quantile(comm.rank() as f64 / 10.0);
        assert!(matches!(r, Err(Error::ArgumentsDiffer { .. })), "{r:?}");
    }
    // data only one rank sees: a negative cell, a NaN for the autodetected range
    let neg = DistArray::from_fn(&layout, |ix: &[usize]| if ix[0] == 19 { -3 } else { 1i64 });
    is_invalid(neg.bincount(0), "negative");
    let nan = DistArray::from_fn(
        &layout,
        |ix: &[usize]| if ix[0] == 19 { f64::NAN } else { 1.0 },
    );
    is_invalid(nan.histogram(Bins::Count(2)), "not finite");
    let empty = DistArray::<f64>::zeros(&Layout::block(comm, &[0]).unwrap());
    is_invalid(empty.median(), "empty");
    let square = DistArray::<f64>::zeros(&Layout::block(comm, &[4, 4]).unwrap());
    is_invalid(square.partition(1), "not yet");
    // still in step
    assert_eq!(a.median().unwrap(), 9.5);
    assert_eq!(a.topk(1, true).unwrap().to_vec(), vec![19]);
}

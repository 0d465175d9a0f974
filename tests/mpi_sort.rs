//! Distributed sort and argsort on 1-4 ranks, checked against the gathered
//! array sorted locally: f64 with NaNs and signed zeros, i64, Complex64
//! with NaN parts, bool; block, irregular block with an empty rank (rank
//! 1, from 2 ranks on), cyclic and block-cyclic layouts; skewed keys (all equal, 90% one value,
//! sorted, reverse sorted); descending; stability through argsort and
//! stable sorts; the result in the input's layout; bad arguments on one
//! rank the same error on every rank.

mod harness;
mod sort_common;

use distarray::num_complex::Complex64;
use distarray::random::mix64;
use distarray::sort::{SortKey, SortOptions};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use sort_common::{all_options, bounds_with_empty, cmp};
use std::cmp::Ordering;

static CHECKS: &[Check] = &[
    check!(f64_with_nans_every_layout_and_direction),
    check!(integers_complex_and_bool),
    check!(skewed_keys_give_the_same_balanced_output),
    check!(argsort_and_stable_sort_keep_equal_keys_in_index_order),
    check!(empty_and_tiny_arrays),
    check!(bad_arguments_are_the_same_error_on_every_rank),
];

fn main() {
    harness::main("mpi_sort", CHECKS, &[1, 2, 3, 4]);
}

/// The layouts every case runs on: block, irregular block whose rank 1
/// is empty (for every rank count from 2), cyclic, block-cyclic.
fn layouts(comm: &Comm, n: usize) -> Vec<Layout> {
    let bounds = bounds_with_empty(n, comm.size());
    vec![
        Layout::block(comm, &[n]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockBounds(bounds)]).unwrap(),
        Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockCyclic(3)]).unwrap(),
        sort_common::unstructured(comm, n),
    ]
}

/// Sorts `a` and argsorts it with `options` and checks both against the
/// gathered array sorted locally (stably, by key then index), and that
/// the results are in `a`'s layout.
fn check_against_reference<T: SortKey>(a: &DistArray<T>, options: SortOptions) {
    let desc = options.descending;
    let global = a.gather_all().unwrap();
    let global = global.as_slice().unwrap();
    let mut idx: Vec<usize> = (0..global.len()).collect();
    idx.sort_by(|&i, &j| cmp(&global[i], &global[j], desc)); // stable
    let s = a.sort(options).unwrap();
    let i = a.argsort(options).unwrap();
    for r in [s.layout(), i.layout()] {
        assert_eq!(r, a.layout());
    }
    // balanced as the input: every rank's owned cells (those of the input
    // layout) hold their global slice of the sorted order
    let owned = a.layout().owned_local_ranges()[0].clone();
    let gidx = &a.layout().global_indices(0)[owned];
    assert_eq!(s.owned().len(), gidx.len());
    assert_eq!(i.owned().len(), gidx.len());
    for ((x, &k), &g) in s.owned().iter().zip(i.owned().iter()).zip(gidx) {
        assert_eq!(
            k,
            idx[g] as i64,
            "argsort cell {g} on rank {}",
            a.layout().comm().rank()
        );
        assert_eq!(
            cmp(x, &global[idx[g]], desc),
            Ordering::Equal,
            "sorted cell {g}"
        );
    }
    let got = s.gather_all().unwrap();
    let got = got.as_slice().unwrap();
    for (k, (x, &j)) in got.iter().zip(&idx).enumerate() {
        assert_eq!(cmp(x, &global[j], desc), Ordering::Equal, "cell {k}: {x:?}");
        if options.stable {
            assert_eq!(
                format!("{x:?}"),
                format!("{:?}", global[j]),
                "stable cell {k}"
            );
        }
    }
    let order = i.gather_all().unwrap();
    let want: Vec<i64> = idx.iter().map(|&j| j as i64).collect();
    assert_eq!(order.as_slice().unwrap(), &want[..], "argsort");
}

fn unit(seed: u64, g: usize) -> f64 {
    (mix64(seed ^ mix64(g as u64)) >> 11) as f64 / (1u64 << 53) as f64
}

fn f64_with_nans_every_layout_and_direction(comm: &Comm) {
    for n in [1, 2, 13, 100] {
        for layout in layouts(comm, n) {
            let a = DistArray::from_fn(&layout, |ix: &[usize]| {
                let g = ix[0];
                match g % 7 {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    3 => -f64::NAN,
                    _ => (unit(1, g) * 10.0).floor() - 5.0,
                }
            });
            for options in all_options() {
                check_against_reference(&a, options);
            }
        }
    }
}

fn integers_complex_and_bool(comm: &Comm) {
    for layout in layouts(comm, 57) {
        let ints = DistArray::from_fn(&layout, |ix: &[usize]| {
            (mix64(ix[0] as u64) % 23) as i64 - 11
        });
        let complex = DistArray::from_fn(&layout, |ix: &[usize]| {
            let g = ix[0];
            let part = |s: u64| match mix64(s ^ g as u64) % 9 {
                0 => f64::NAN,
                k => (k % 4) as f64,
            };
            Complex64::new(part(2), part(3))
        });
        let bools = DistArray::from_fn(&layout, |ix: &[usize]| mix64(ix[0] as u64) % 3 == 0);
        for options in all_options() {
            check_against_reference(&ints, options);
            check_against_reference(&complex, options);
            check_against_reference(&bools, options);
        }
    }
}

fn skewed_keys_give_the_same_balanced_output(comm: &Comm) {
    let n = 211;
    let inputs: [fn(usize) -> f64; 5] = [
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
        |g| unit(9, g),
    ];
    for layout in layouts(comm, n) {
        for f in inputs {
            let a = DistArray::from_fn(&layout, |ix: &[usize]| f(ix[0]));
            for options in all_options() {
                check_against_reference(&a, options);
            }
        }
    }
}

fn argsort_and_stable_sort_keep_equal_keys_in_index_order(comm: &Comm) {
    for layout in layouts(comm, 90) {
        // three keys only: long runs of equal keys spread over every rank
        let a = DistArray::from_fn(&layout, |ix: &[usize]| (mix64(ix[0] as u64) % 3) as i32);
        for descending in [false, true] {
            let options = SortOptions {
                descending,
                stable: false,
            };
            let keys = a.sort(options).unwrap().gather_all().unwrap();
            let order = a.argsort(options).unwrap().gather_all().unwrap();
            let (keys, order) = (keys.as_slice().unwrap(), order.as_slice().unwrap());
            for k in 1..keys.len() {
                if keys[k] == keys[k - 1] {
                    assert!(order[k] > order[k - 1], "equal keys in index order at {k}");
                }
            }
            let mut seen = order.to_vec();
            seen.sort_unstable();
            assert_eq!(seen, (0..90).collect::<Vec<i64>>(), "a permutation");
        }
    }
}

fn empty_and_tiny_arrays(comm: &Comm) {
    let layout = Layout::block(comm, &[0]).unwrap();
    let a = DistArray::<f64>::zeros(&layout);
    assert_eq!(
        a.sort(SortOptions::default())
            .unwrap()
            .gather_all()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        a.argsort(SortOptions::default())
            .unwrap()
            .gather_all()
            .unwrap()
            .len(),
        0
    );
    for layout in layouts(comm, 3) {
        let a = DistArray::from_fn(&layout, |ix: &[usize]| 2 - ix[0] as i64);
        let s = a
            .sort(SortOptions::default())
            .unwrap()
            .gather_all()
            .unwrap();
        assert_eq!(s.as_slice().unwrap(), &[0, 1, 2]);
    }
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    let layout = Layout::block(comm, &[20]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
    // the last rank asks for another direction
    let last = comm.rank() + 1 == comm.size();
    let options = SortOptions {
        descending: last && comm.size() > 1,
        stable: false,
    };
    let r = a.sort(options);
    if comm.size() > 1 {
        assert!(matches!(r, Err(Error::ArgumentsDiffer { .. })), "{r:?}");
    } else {
        assert!(r.is_ok());
    }
    // N-d: an agreed error on every rank, pointing to the axis form
    let square = Layout::block(comm, &[4, 4]).unwrap();
    let m = DistArray::<f64>::zeros(&square);
    match m.argsort(SortOptions::default()) {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains("argsort_axis"), "{msg}"),
        other => panic!("expected an error, got {other:?}"),
    }
    // still in step: a sort after the errors works on every rank
    let s = a
        .sort(SortOptions {
            descending: true,
            stable: true,
        })
        .unwrap();
    assert_eq!(s.gather_all().unwrap()[[0]], 19.0);
}

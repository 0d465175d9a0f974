//! `unique` (with counts, first indices and the inverse) and
//! `searchsorted` on 1-4 ranks, checked against the gathered array:
//! block, irregular block with an empty rank, cyclic and block-cyclic
//! layouts; f64 with NaNs and signed zeros, i64, Complex64 with NaN parts,
//! bool; all-equal, all-distinct, empty and N-d arrays; the inverse
//! rebuilding the input; needles below, above, equal to, between the
//! items and NaN, distributed in every layout or held by every rank;
//! unsorted haystacks and bad arguments the same error on every rank.

mod harness;
mod sort_common;

use distarray::halo::{Halo, Stencil};
use distarray::num_complex::Complex64;
use distarray::random::mix64;
use distarray::sort::{Side, SortKey, UniqueOptions};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use std::cmp::Ordering;

static CHECKS: &[Check] = &[
    check!(f64_with_nans_and_signed_zeros_every_layout),
    check!(integers_complex_and_bool),
    check!(all_equal_all_distinct_empty_and_long),
    check!(n_d_arrays_are_flattened_in_c_order),
    check!(searchsorted_distributed_needles_every_layout),
    check!(searchsorted_local_needles),
    check!(bad_arguments_are_the_same_error_on_every_rank),
];

fn main() {
    harness::main("mpi_unique", CHECKS, &[1, 2, 3, 4]);
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

/// One value for NumPy's unique: every NaN one value.
fn same<T: SortKey>(a: &T, b: &T) -> bool {
    (a.is_nan_key() && b.is_nan_key()) || a.sort_cmp(b) == Ordering::Equal
}

/// `unique` of the gathered cells (flat): values (the first of each group
/// in the sort order), counts, first indices, inverse.
fn reference<T: SortKey>(cells: &[T]) -> (Vec<T>, Vec<i64>, Vec<i64>, Vec<i64>) {
    let mut idx: Vec<usize> = (0..cells.len()).collect();
    idx.sort_by(|&i, &j| cells[i].sort_cmp(&cells[j])); // stable
    let (mut values, mut counts, mut firsts) = (Vec::new(), Vec::new(), Vec::new());
    let mut inverse = vec![0i64; cells.len()];
    for &i in &idx {
        let x = cells[i];
        if values.last().is_none_or(|v| !same(v, &x)) {
            values.push(x);
            counts.push(0);
            firsts.push(i as i64);
        }
        let g = values.len() - 1;
        counts[g] += 1;
        firsts[g] = firsts[g].min(i as i64);
        inverse[i] = g as i64;
    }
    (values, counts, firsts, inverse)
}

/// Checks `unique` and `unique_with` (every combination of options)
/// against the reference.
fn check_unique<T: SortKey>(a: &DistArray<T>) {
    let global = a.gather_all().unwrap();
    let cells: Vec<T> = global.iter().copied().collect();
    let (values, counts, firsts, inverse) = reference(&cells);
    let plain = a.unique().unwrap();
    assert_eq!(plain.shape(), &[values.len()]);
    assert_eq!(
        plain.layout(),
        &Layout::block(a.layout().comm(), &[values.len()]).unwrap(),
        "a balanced block layout"
    );
    let got = plain.gather_all().unwrap();
    for (k, (x, want)) in got.iter().zip(&values).enumerate() {
        // the sort order's first of each group (NaN classes as NumPy)
        assert_eq!(
            x.sort_cmp(want),
            Ordering::Equal,
            "value {k}: {x:?} {want:?}"
        );
    }
    for bits in 0..8u8 {
        let options = UniqueOptions {
            return_index: bits & 1 != 0,
            return_inverse: bits & 2 != 0,
            return_counts: bits & 4 != 0,
        };
        let u = a.unique_with(options).unwrap();
        let vals = u.values.gather_all().unwrap();
        assert_eq!(vals.len(), values.len());
        assert_eq!(u.index.is_some(), options.return_index);
        assert_eq!(u.inverse.is_some(), options.return_inverse);
        assert_eq!(u.counts.is_some(), options.return_counts);
        if let Some(c) = u.counts {
            assert_eq!(c.layout(), u.values.layout());
            assert_eq!(c.gather_all().unwrap().as_slice().unwrap(), &counts[..]);
        }
        if let Some(i) = u.index {
            assert_eq!(i.layout(), u.values.layout());
            assert_eq!(i.gather_all().unwrap().as_slice().unwrap(), &firsts[..]);
        }
        if let Some(inv) = u.inverse {
            assert_eq!(
                inv.layout(),
                a.layout(),
                "the inverse in the input's layout"
            );
            let inv = inv.gather_all().unwrap();
            let inv: Vec<i64> = inv.iter().copied().collect();
            assert_eq!(inv, inverse);
            // values[inverse] rebuilds the input
            let vals = vals.as_slice().unwrap();
            for (k, (&j, x)) in inv.iter().zip(&cells).enumerate() {
                assert!(same(&vals[j as usize], x), "cell {k}");
            }
        }
    }
}

fn f64_with_nans_and_signed_zeros_every_layout(comm: &Comm) {
    for n in [1, 2, 13, 100] {
        for layout in layouts(comm, n) {
            let a = DistArray::from_fn(&layout, |ix: &[usize]| {
                let g = ix[0];
                match mix64(g as u64 ^ 77) % 9 {
                    0 => f64::NAN,
                    1 => -0.0,
                    2 => 0.0,
                    3 => -f64::NAN,
                    k => k as f64 - 6.0,
                }
            });
            check_unique(&a);
            // -0.0 and 0.0 are one value
            let zeros = DistArray::from_fn(
                &layout,
                |ix: &[usize]| if ix[0] % 2 == 0 { -0.0 } else { 0.0 },
            );
            let u = zeros.unique().unwrap().gather_all().unwrap();
            assert_eq!(u.as_slice().unwrap(), &[0.0]);
        }
    }
}

fn integers_complex_and_bool(comm: &Comm) {
    for layout in layouts(comm, 57) {
        let ints = DistArray::from_fn(&layout, |ix: &[usize]| {
            (mix64(ix[0] as u64) % 23) as i64 - 11
        });
        check_unique(&ints);
        let complex = DistArray::from_fn(&layout, |ix: &[usize]| {
            let part = |s: u64| match mix64(s ^ ix[0] as u64) % 7 {
                0 => f64::NAN,
                k => (k % 3) as f64,
            };
            Complex64::new(part(2), part(3))
        });
        check_unique(&complex);
        let bools = DistArray::from_fn(&layout, |ix: &[usize]| mix64(ix[0] as u64) % 3 == 0);
        check_unique(&bools);
    }
}

fn all_equal_all_distinct_empty_and_long(comm: &Comm) {
    for layout in layouts(comm, 40) {
        check_unique(&DistArray::full(&layout, 7_i64));
        check_unique(&DistArray::from_fn(&layout, |ix: &[usize]| {
            40.0 - ix[0] as f64
        }));
        check_unique(&DistArray::full(&layout, f64::NAN));
    }
    for layout in layouts(comm, 0) {
        let a = DistArray::<f64>::zeros(&layout);
        check_unique(&a);
        let u = a.unique_with(UniqueOptions::all()).unwrap();
        assert_eq!(u.values.shape(), &[0]);
    }
    // long enough for the chunked, radix-sorted local path on every rank
    let n = 300_000;
    for layout in [
        Layout::block(comm, &[n]).unwrap(),
        Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
    ] {
        let a = DistArray::from_fn(&layout, |ix: &[usize]| (mix64(ix[0] as u64) % 1000) as i64);
        let counts = UniqueOptions {
            return_counts: true,
            ..UniqueOptions::default()
        };
        let u = a.unique_with(counts).unwrap();
        let (values, counts) = (u.values.gather_all().unwrap(), u.counts.unwrap());
        let (want, want_counts, _, _) = reference(a.gather_all().unwrap().as_slice().unwrap());
        assert_eq!(values.as_slice().unwrap(), &want[..]);
        assert_eq!(
            counts.gather_all().unwrap().as_slice().unwrap(),
            &want_counts[..]
        );
        assert_eq!(want_counts.iter().sum::<i64>(), n as i64);
    }
}

fn n_d_arrays_are_flattened_in_c_order(comm: &Comm) {
    let block = Layout::block(comm, &[5, 7]).unwrap();
    let cyclic = Layout::new(
        comm,
        &[6, 4, 3],
        &[Dist::Cyclic, Dist::BlockCyclic(2), Dist::NotDistributed],
    )
    .unwrap();
    // ghost cells along the first axis: only owned cells count
    let padded = Layout::new(
        comm,
        &[9, 4],
        &[
            Dist::BlockPadded {
                ghost_width: 1,
                boundary_width: (0, 0),
                periodic: false,
            },
            Dist::NotDistributed,
        ],
    )
    .unwrap();
    for layout in [block, cyclic, padded] {
        let a = DistArray::from_fn(&layout, |ix: &[usize]| {
            (mix64(ix.iter().fold(1, |h, &i| h * 31 + i as u64)) % 9) as i32
        });
        check_unique(&a);
        // the inverse's ghost copies hold their owners' entries
        let inverse = a
            .unique_with(UniqueOptions::all())
            .unwrap()
            .inverse
            .unwrap();
        let mut refreshed = inverse.to_owned();
        Halo::<i64>::new(&layout, Stencil::Box)
            .unwrap()
            .update(&mut refreshed)
            .unwrap();
        assert_eq!(refreshed.local(), inverse.local(), "inverse ghosts");
    }
}

/// A sorted haystack of `n` cells with runs of equal values, NaNs last.
fn haystack(layout: &Layout, n: usize) -> DistArray<f64> {
    DistArray::from_fn(layout, |ix: &[usize]| {
        let g = ix[0];
        if g + 2 >= n && n > 4 {
            f64::NAN
        } else {
            (g / 3) as f64
        }
    })
}

fn needle_values(k: usize) -> f64 {
    match k % 8 {
        0 => -10.0,    // below every item
        1 => 1e9,      // above every number
        2 => f64::NAN, // NaN
        3 => 2.0,      // equal to a run
        4 => 2.5,      // between runs
        5 => -0.0,     // equal to the first run, signed
        6 => 0.0,
        _ => (k % 13) as f64,
    }
}

fn reference_search(hay: &[f64], v: f64, side: Side) -> i64 {
    hay.partition_point(|x| match side {
        Side::Left => x.sort_cmp(&v).is_lt(),
        Side::Right => x.sort_cmp(&v).is_le(),
    }) as i64
}

fn searchsorted_distributed_needles_every_layout(comm: &Comm) {
    for n in [0, 1, 5, 31] {
        for hay_layout in layouts(comm, n) {
            let a = haystack(&hay_layout, n);
            let hay: Vec<f64> = a.gather_all().unwrap().iter().copied().collect();
            let mut needle_layouts = layouts(comm, 19);
            needle_layouts.push(Layout::block(comm, &[4, 5]).unwrap());
            for nl in needle_layouts {
                let v = DistArray::from_fn(&nl, |ix: &[usize]| {
                    needle_values(ix.iter().fold(0, |h, &i| h * 5 + i))
                });
                let needles: Vec<f64> = v.gather_all().unwrap().iter().copied().collect();
                for side in [Side::Left, Side::Right] {
                    let got = a.searchsorted(&v, side).unwrap();
                    assert_eq!(got.layout(), v.layout());
                    let got = got.gather_all().unwrap();
                    for (k, (&g, &x)) in got.iter().zip(&needles).enumerate() {
                        assert_eq!(
                            g,
                            reference_search(&hay, x, side),
                            "n {n}, needle {k} ({x}) {side:?}"
                        );
                    }
                }
            }
        }
    }
    // complex and integer haystacks
    let layout = Layout::new(comm, &[12], &[Dist::Cyclic]).unwrap();
    let ints = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] / 4) as i64 * 10);
    let nl = Layout::block(comm, &[5]).unwrap();
    let v = DistArray::from_fn(&nl, |ix: &[usize]| [-1, 0, 10, 15, 99][ix[0]]);
    let left = ints
        .searchsorted(&v, Side::Left)
        .unwrap()
        .gather_all()
        .unwrap();
    assert_eq!(left.as_slice().unwrap(), &[0, 0, 4, 8, 12]);
    let right = ints
        .searchsorted(&v, Side::Right)
        .unwrap()
        .gather_all()
        .unwrap();
    assert_eq!(right.as_slice().unwrap(), &[0, 4, 8, 8, 12]);
    let z = |re: f64, im: f64| Complex64::new(re, im);
    let zs = [
        z(0.0, 1.0),
        z(1.0, 0.0),
        z(1.0, 2.0),
        z(1.0, f64::NAN),
        z(f64::NAN, 0.0),
    ];
    let hay = DistArray::from_fn(&Layout::block(comm, &[5]).unwrap(), |ix: &[usize]| {
        zs[ix[0]]
    });
    let got = hay
        .searchsorted_local(&[z(1.0, 1.0), z(5.0, f64::NAN), z(1.0, 0.0)], Side::Right)
        .unwrap();
    assert_eq!(got, [2, 4, 2]);
}

fn searchsorted_local_needles(comm: &Comm) {
    for n in [0, 3, 31] {
        for layout in layouts(comm, n) {
            let a = haystack(&layout, n);
            let hay: Vec<f64> = a.gather_all().unwrap().iter().copied().collect();
            let needles: Vec<f64> = (0..24).map(needle_values).collect();
            for side in [Side::Left, Side::Right] {
                let got = a.searchsorted_local(&needles, side).unwrap();
                let want: Vec<i64> = needles
                    .iter()
                    .map(|&x| reference_search(&hay, x, side))
                    .collect();
                assert_eq!(got, want, "n {n} {side:?}");
            }
            assert!(a.searchsorted_local(&[], Side::Left).unwrap().is_empty());
        }
    }
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    let (p, me) = (comm.size(), comm.rank());
    for layout in layouts(comm, 20) {
        // out of order inside one rank's cells, or across a boundary
        for bad in [7, 19, (20 / p).min(19)] {
            let a = DistArray::from_fn(
                &layout,
                |ix: &[usize]| if ix[0] == bad { -1.0 } else { ix[0] as f64 },
            );
            let r = a.searchsorted_local(&[1.0], Side::Left);
            match r {
                Err(Error::InvalidArgument(msg)) => {
                    assert!(msg.contains("sorted ascending"), "{msg}")
                }
                other => panic!("an unsorted haystack (cell {bad}): {other:?}"),
            }
            let v = DistArray::full(&layout, 1.0);
            assert!(a.searchsorted(&v, Side::Right).is_err());
        }
        // NaN before a number is out of order
        let a = DistArray::from_fn(
            &layout,
            |ix: &[usize]| if ix[0] == 3 { f64::NAN } else { ix[0] as f64 },
        );
        assert!(a.searchsorted_local(&[1.0], Side::Left).is_err());
    }
    let layout = Layout::block(comm, &[20]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
    let last = me + 1 == p && p > 1;
    // the last rank asks for another side, another needle count, other options
    let side = if last { Side::Right } else { Side::Left };
    let r = a.searchsorted_local(&[1.0], side);
    let r2 = a.searchsorted_local(&vec![1.0; 1 + last as usize], Side::Left);
    let options = UniqueOptions {
        return_counts: last,
        ..UniqueOptions::default()
    };
    let r3 = a.unique_with(options).map(|u| u.values);
    if p > 1 {
        assert!(matches!(r, Err(Error::ArgumentsDiffer { .. })), "{r:?}");
        assert!(matches!(r2, Err(Error::ArgumentsDiffer { .. })), "{r2:?}");
        assert!(matches!(r3, Err(Error::ArgumentsDiffer { .. })), "{r3:?}");
    } else {
        assert_eq!(r.unwrap(), [1]);
        assert_eq!(r2.unwrap(), [1]);
        assert_eq!(r3.unwrap().shape(), &[20]);
    }
    // a 2-D haystack
    let square = DistArray::<f64>::zeros(&Layout::block(comm, &[4, 4]).unwrap());
    match square.searchsorted_local(&[0.0], Side::Left) {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains("1-D"), "{msg}"),
        other => panic!("expected an error, got {other:?}"),
    }
    // still in step afterwards
    let v = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64 + 0.5);
    let s = a
        .searchsorted(&v, Side::Left)
        .unwrap()
        .gather_all()
        .unwrap();
    assert_eq!(s[[19]], 20);
}

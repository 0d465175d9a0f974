//! Sort and argsort along every axis of 2-D and 3-D arrays on 1-4 ranks,
//! checked lane by lane against the gathered array sorted locally: f64
//! with NaNs and signed zeros, i64, Complex64 with NaN parts, bool; block,
//! irregular block with an empty rank, cyclic, block-cyclic,
//! not-distributed and padded axes on grids the library chooses and on
//! explicit ones; few lanes (each sorted by its grid line) and many (moved
//! to whole lanes); ghost cells consistent with their owners; bad
//! arguments the same error on every rank.

mod harness;
mod sort_common;

use distarray::halo::{Halo, Stencil};
use distarray::num_complex::Complex64;
use distarray::random::mix64;
use distarray::sort::{SortKey, SortOptions};
use distarray::{Axis, Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use sort_common::{all_options, bounds_with_empty, check_axis};

static CHECKS: &[Check] = &[
    check!(f64_2d_every_layout_axis_and_option),
    check!(explicit_grids_2d),
    check!(three_d_integers_complex_and_bool),
    check!(few_lanes_and_many_lanes),
    check!(padded_layouts_keep_ghosts_consistent),
    check!(empty_and_one_d),
    check!(bad_arguments_are_the_same_error_on_every_rank),
];

fn main() {
    harness::main("mpi_sort_axis", CHECKS, &[1, 2, 3, 4]);
}

/// Values with NaNs (both signs), signed zeros and many duplicates.
fn f64_value(ix: &[usize]) -> f64 {
    let h = ix.iter().fold(7u64, |h, &i| mix64(h ^ i as u64));
    match h % 9 {
        0 => f64::NAN,
        1 => -f64::NAN,
        2 => -0.0,
        3 => 0.0,
        k => (k % 4) as f64 - 1.5,
    }
}

/// 2-D layouts of `[m, n]` on grids the library chooses: every kind on
/// each axis, an irregular block axis with an empty rank.
fn layouts_2d(comm: &Comm, m: usize, n: usize) -> Vec<Layout> {
    let p = comm.size();
    let kinds = [
        [Dist::Block, Dist::Block],
        [Dist::Block, Dist::Cyclic],
        [Dist::BlockCyclic(2), Dist::Block],
        [Dist::Cyclic, Dist::NotDistributed],
        [Dist::NotDistributed, Dist::BlockCyclic(3)],
        [
            Dist::BlockBounds(bounds_with_empty(m, p)),
            Dist::NotDistributed,
        ],
        [
            Dist::NotDistributed,
            Dist::BlockBounds(bounds_with_empty(n, p)),
        ],
    ];
    kinds
        .iter()
        .map(|d| Layout::new(comm, &[m, n], d).unwrap())
        .collect()
}

fn f64_2d_every_layout_axis_and_option(comm: &Comm) {
    for (m, n) in [(9, 7), (2, 23), (17, 1)] {
        for layout in layouts_2d(comm, m, n) {
            let a = DistArray::from_fn(&layout, f64_value);
            for axis in 0..2 {
                for options in all_options() {
                    check_axis(&a, axis, options);
                }
            }
        }
    }
}

fn explicit_grids_2d(comm: &Comm) {
    let p = comm.size();
    let mut grids = vec![[p, 1], [1, p]];
    if p == 4 {
        grids.push([2, 2]);
    }
    let (m, n) = (11, 10);
    for grid in grids {
        let kinds = [
            vec![Dist::Block, Dist::Cyclic],
            vec![Dist::BlockCyclic(3), Dist::Block],
            vec![
                Dist::BlockBounds(bounds_with_empty(m, grid[0])),
                Dist::Cyclic,
            ],
            vec![
                Dist::Cyclic,
                Dist::BlockBounds(bounds_with_empty(n, grid[1])),
            ],
        ];
        for dists in kinds {
            let layout = Layout::with_grid(comm, &[m, n], &dists, &grid).unwrap();
            let a = DistArray::from_fn(&layout, f64_value);
            let ints = DistArray::from_fn(&layout, |ix: &[usize]| {
                (mix64((ix[0] * 31 + ix[1]) as u64) % 5) as i64 - 2
            });
            for axis in 0..2 {
                for options in all_options() {
                    check_axis(&a, axis, options);
                }
                check_axis(&ints, axis, SortOptions::default());
            }
        }
    }
}

fn three_d<T: SortKey>(comm: &Comm, f: impl Fn(u64) -> T + Copy) {
    let shape = [5, 4, 6];
    let kinds = [
        [Dist::Block, Dist::Block, Dist::Block],
        [Dist::Cyclic, Dist::Block, Dist::BlockCyclic(2)],
        [Dist::NotDistributed, Dist::Cyclic, Dist::Block],
    ];
    for dists in kinds {
        let layout = Layout::new(comm, &shape, &dists).unwrap();
        let a = DistArray::from_fn(&layout, |ix: &[usize]| {
            f(mix64((ix[0] * 100 + ix[1] * 10 + ix[2]) as u64))
        });
        for axis in 0..3 {
            for options in all_options() {
                check_axis(&a, axis, options);
            }
        }
    }
}

fn three_d_integers_complex_and_bool(comm: &Comm) {
    three_d(comm, |h| (h % 7) as i64 - 3);
    three_d(comm, |h| {
        let part = |s: u64| match (h >> s) % 7 {
            0 => f64::NAN,
            k => (k % 3) as f64,
        };
        Complex64::new(part(3), part(17))
    });
    three_d(comm, |h| h % 3 == 0);
    three_d(comm, |h| match h % 6 {
        0 => f64::NAN,
        k => k as f64 * 0.5,
    });
}

/// A long axis with few lanes (sorted by each grid line) and with many
/// (moved to whole lanes and back), on block and cyclic long axes.
fn few_lanes_and_many_lanes(comm: &Comm) {
    for (shape, axis) in [
        ([300, 2], 0),
        ([2, 300], 1),
        ([1, 200], 1),
        ([3, 250], 1),
        ([60, 40], 0),
        ([40, 60], 1),
    ] {
        for long in [Dist::Block, Dist::Cyclic, Dist::BlockCyclic(7)] {
            let mut dists = [Dist::Block, Dist::Block];
            dists[axis] = long.clone();
            let layout = Layout::new(comm, &shape, &dists).unwrap();
            let a = DistArray::from_fn(&layout, |ix: &[usize]| {
                (mix64((ix[0] * 1000 + ix[1]) as u64) % 50) as f64 - 25.0
            });
            for options in all_options() {
                check_axis(&a, axis, options);
            }
        }
    }
}

/// Padded (ghost-cell) axes: the results right in their owned cells, and
/// their ghost cells already what a halo update would put there.
fn padded_layouts_keep_ghosts_consistent(comm: &Comm) {
    let ghosts = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (1, 1),
        periodic: false,
    };
    // 1-D: sort, argsort and the axis form leave ghosts as their owners
    let layout = Layout::new(comm, &[40], std::slice::from_ref(&ghosts)).unwrap();
    let a = DistArray::from_fn(&layout, f64_value);
    let mut halo = Halo::<f64>::new(&layout, Stencil::Box).unwrap();
    let mut index_halo = Halo::<i64>::new(&layout, Stencil::Box).unwrap();
    for options in all_options() {
        for s in [
            a.sort(options).unwrap(),
            a.sort_axis(Axis(0), options).unwrap(),
        ] {
            let mut refreshed = s.to_owned();
            halo.update(&mut refreshed).unwrap();
            let bits =
                |x: &DistArray<f64>| x.local().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&refreshed), bits(&s), "1-D sorted ghosts {options:?}");
        }
        let i = a.argsort(options).unwrap();
        let mut refreshed = i.to_owned();
        index_halo.update(&mut refreshed).unwrap();
        assert_eq!(refreshed.local(), i.local(), "1-D argsort ghosts");
    }
    // the last: one lane along a split padded axis (sorted by its line)
    for (shape, dists) in [
        ([12, 14], [ghosts.clone(), ghosts.clone()]),
        ([12, 14], [ghosts.clone(), Dist::Cyclic]),
        ([12, 14], [Dist::NotDistributed, ghosts.clone()]),
        ([1, 40], [Dist::NotDistributed, ghosts.clone()]),
    ] {
        let layout = Layout::new(comm, &shape, &dists).unwrap();
        let a = DistArray::from_fn(&layout, f64_value);
        let mut halo = Halo::<f64>::new(&layout, Stencil::Box).unwrap();
        let mut index_halo = Halo::<i64>::new(&layout, Stencil::Box).unwrap();
        for axis in 0..2 {
            for options in all_options() {
                check_axis(&a, axis, options);
                let s = a.sort_axis(Axis(axis), options).unwrap();
                let mut refreshed = s.to_owned();
                halo.update(&mut refreshed).unwrap();
                let same =
                    |x: &f64, y: &f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
                assert!(
                    refreshed
                        .local()
                        .iter()
                        .zip(s.local().iter())
                        .all(|(x, y)| same(x, y)),
                    "sorted ghosts along axis {axis} {options:?}"
                );
                let i = a.argsort_axis(Axis(axis), options).unwrap();
                let mut refreshed = i.to_owned();
                index_halo.update(&mut refreshed).unwrap();
                assert_eq!(
                    refreshed.local(),
                    i.local(),
                    "argsort ghosts along axis {axis}"
                );
            }
        }
    }
}

fn empty_and_one_d(comm: &Comm) {
    for shape in [[0, 5], [5, 0], [0, 0]] {
        let layout = Layout::block(comm, &shape).unwrap();
        let a = DistArray::<f64>::zeros(&layout);
        for axis in 0..2 {
            check_axis(&a, axis, SortOptions::default());
        }
    }
    // 1-D: the axis form is the 1-D sort
    let layout = Layout::new(comm, &[31], &[Dist::BlockCyclic(4)]).unwrap();
    let a = DistArray::from_fn(&layout, f64_value);
    for options in all_options() {
        check_axis(&a, 0, options);
        let plain = a.sort(options).unwrap().gather_all().unwrap();
        let along = a.sort_axis(Axis(0), options).unwrap().gather_all().unwrap();
        let bits =
            |x: &distarray::ndarray::ArrayD<f64>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        if options.stable {
            assert_eq!(bits(&plain), bits(&along));
        }
    }
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    let layout = Layout::block(comm, &[6, 5]).unwrap();
    let a = DistArray::from_fn(&layout, f64_value);
    // an axis out of range
    match a.sort_axis(Axis(2), SortOptions::default()) {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains("axis 2"), "{msg}"),
        other => panic!("expected an error, got {other:?}"),
    }
    // the plain forms on an N-d array point to the axis form
    match a.argsort(SortOptions::default()) {
        Err(Error::InvalidArgument(msg)) => {
            assert!(
                msg.contains("argsort_axis") && msg.contains("Axis(1)"),
                "{msg}"
            )
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let last = comm.rank() + 1 == comm.size();
    if comm.size() > 1 {
        // the last rank asks for another axis, then for other options
        let axis = if last { 1 } else { 0 };
        let r = a.sort_axis(Axis(axis), SortOptions::default());
        assert!(matches!(r, Err(Error::ArgumentsDiffer { .. })), "{r:?}");
        let options = SortOptions {
            descending: last,
            stable: false,
        };
        let r = a.argsort_axis(Axis(0), options);
        assert!(matches!(r, Err(Error::ArgumentsDiffer { .. })), "{r:?}");
        // a replicated layout
        let replicated = Layout::with_grid(
            comm,
            &[4, 3],
            &[
                Dist::Unstructured {
                    indices: vec![0, 1, 2, 3],
                    one_to_one: false,
                },
                Dist::NotDistributed,
            ],
            &[comm.size(), 1],
        )
        .unwrap();
        match DistArray::<f64>::zeros(&replicated).sort_axis(Axis(1), SortOptions::default()) {
            Err(Error::InvalidArgument(msg)) => assert!(msg.contains("one-to-one"), "{msg}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }
    // still in step afterwards
    check_axis(
        &a,
        0,
        SortOptions {
            descending: true,
            stable: true,
        },
    );
}

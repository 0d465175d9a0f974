//! One method per reduction, the axes as its argument, on 1-4 ranks: every
//! selection form (`All`, one `Axis`, several as an array, a slice or a
//! `Vec`, each in `KeepDims`) checked against the same reduction of the
//! gathered ndarray, for every distribution kind, ghost cells and empty
//! local parts; bad selections (out of range, repeated, every axis without
//! keepdims) and selections differing between ranks give every rank the
//! same error.

mod harness;

use distarray::ndarray::{ArrayD, ArrayView1, Axis, IxDyn, Zip};
use distarray::{unravel_index, All, Comm, Dist, DistArray, Error, KeepDims, Layout};
use harness::Check;

static CHECKS: &[Check] = &[
    check!(every_selection_form_matches_ndarray),
    check!(list_forms_agree),
    check!(arg_reductions_flat_and_along_an_axis),
    check!(counts_and_logical_reductions),
    check!(bad_selections_are_the_same_error_everywhere),
    check!(selections_differing_between_ranks_are_an_error_everywhere),
    check!(a_nan_on_any_rank_of_a_line_wins_min_and_max),
];

fn main() {
    harness::main("mpi_reduce", CHECKS, &[1, 2, 3, 4]);
}

fn layouts(comm: &Comm) -> Vec<Layout> {
    let p = comm.size();
    let ix: Vec<usize> = (0..11)
        .rev()
        .filter(|g| (g * 5 + 1) % p == comm.rank())
        .collect();
    let padded = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (1, 1),
        periodic: false,
    };
    vec![
        Layout::new(comm, &[11], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[7, 5], &[Dist::Cyclic, Dist::Block]).unwrap(),
        Layout::new(
            comm,
            &[4, 3, 5],
            &[Dist::Block, Dist::NotDistributed, Dist::BlockCyclic(2)],
        )
        .unwrap(),
        Layout::new(comm, &[3, 5, 2], &[Dist::Block, Dist::Block, Dist::Block]).unwrap(),
        Layout::new(comm, &[8, 3], &[padded, Dist::NotDistributed]).unwrap(),
        Layout::with_grid(
            comm,
            &[11],
            &[Dist::Unstructured {
                indices: ix,
                one_to_one: true,
            }],
            &[p],
        )
        .unwrap(),
        Layout::block(comm, &[2, 3]).unwrap(), // empty local parts on 3-4 ranks
    ]
}

/// Values in (-2, 2), deterministic per cell.
fn data(layout: &Layout, seed: u64) -> DistArray<f64> {
    DistArray::<f64>::random(layout, seed).map(|x| 4.0 * x - 2.0)
}

/// Every non-empty subset of the axes of an `ndim`-d array, as axis lists.
fn subsets(ndim: usize) -> Vec<Vec<usize>> {
    (1..1usize << ndim)
        .map(|m| (0..ndim).filter(|a| m >> a & 1 == 1).collect())
        .collect()
}

fn axes_of(list: &[usize]) -> Vec<Axis> {
    list.iter().map(|&a| Axis(a)).collect()
}

/// `f` applied to every lane over the selected `axes` of `g` (C order
/// within the lane), the axes dropped, or kept with length 1.
fn reference<T: Copy, U>(
    g: &ArrayD<T>,
    axes: &[usize],
    keep: bool,
    f: impl Fn(ArrayView1<'_, T>) -> U,
) -> ArrayD<U> {
    let rest: Vec<usize> = (0..g.ndim()).filter(|a| !axes.contains(a)).collect();
    let perm: Vec<usize> = rest.iter().chain(axes).copied().collect();
    let moved = g.view().permuted_axes(IxDyn(&perm));
    let moved = moved.as_standard_layout();
    let mut shape: Vec<usize> = rest.iter().map(|&a| g.shape()[a]).collect();
    let lane: usize = axes.iter().map(|&a| g.shape()[a]).product();
    shape.push(lane);
    let flat = moved.into_shape_with_order(IxDyn(&shape)).unwrap();
    let mut out = flat.map_axis(Axis(rest.len()), f);
    if keep {
        for &a in axes {
            out = out.insert_axis(Axis(a));
        }
    }
    out
}

fn close(a: &ArrayD<f64>, b: &ArrayD<f64>, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}");
    Zip::from(a).and(b).for_each(|&x, &y| {
        assert!(
            (x.is_nan() && y.is_nan()) || x == y || (x - y).abs() <= 1e-12 * (1.0 + y.abs()),
            "{what}: {x} vs {y}"
        );
    });
}

fn mean(v: ArrayView1<'_, f64>) -> f64 {
    v.sum() / v.len() as f64
}

fn var(v: ArrayView1<'_, f64>, ddof: usize) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (v.len() - ddof) as f64
}

fn extreme(v: ArrayView1<'_, f64>, largest: bool) -> (usize, f64) {
    v.iter()
        .copied()
        .enumerate()
        .fold((0, v[0]), |(bi, bv), (i, x)| {
            if (largest && x > bv) || (!largest && x < bv) {
                (i, x)
            } else {
                (bi, bv)
            }
        })
}

type Reduction = (
    &'static str,
    fn(&DistArray<f64>, Vec<Axis>, bool) -> DistArray<f64>,
    fn(ArrayView1<'_, f64>) -> f64,
);

/// The floating-point reductions, through one selection form each call:
/// a `Vec<Axis>`, in `KeepDims` when asked.
fn reductions() -> Vec<Reduction> {
    macro_rules! along {
        ($m:ident $(, $arg:expr)?) => {
            |a: &DistArray<f64>, axes: Vec<Axis>, keep: bool| {
                if keep {
                    a.$m(KeepDims(axes) $(, $arg)?).unwrap()
                } else {
                    a.$m(axes $(, $arg)?).unwrap()
                }
            }
        };
    }
    vec![
        ("sum", along!(sum), |v| v.sum()),
        ("prod", along!(prod), |v| v.product()),
        ("min", along!(min), |v| extreme(v, false).1),
        ("max", along!(max), |v| extreme(v, true).1),
        ("mean", along!(mean), mean),
        ("var", along!(var, 1), |v| var(v, 1)),
        ("std", along!(std, 0), |v| var(v, 0).sqrt()),
    ]
}

fn every_selection_form_matches_ndarray(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout, 21);
        let g = a.gather_all().unwrap();
        let d = layout.ndim();
        let every: Vec<usize> = (0..d).collect();
        // over every cell: a value on every rank
        let whole = |f: fn(ArrayView1<'_, f64>) -> f64| reference(&g, &every, false, f)[[]];
        close(
            &arr(a.sum(All).unwrap()),
            &arr(whole(|v| v.sum())),
            "sum(All)",
        );
        close(
            &arr(a.prod(All).unwrap()),
            &arr(whole(|v| v.product())),
            "prod(All)",
        );
        assert_eq!(a.min(All).unwrap(), whole(|v| extreme(v, false).1));
        assert_eq!(a.max(All).unwrap(), whole(|v| extreme(v, true).1));
        close(&arr(a.mean(All).unwrap()), &arr(whole(mean)), "mean(All)");
        close(
            &arr(a.var(All, 1).unwrap()),
            &arr(whole(|v| var(v, 1))),
            "var(All)",
        );
        close(
            &arr(a.std(All, 0).unwrap()),
            &arr(whole(|v| var(v, 0).sqrt())),
            "std(All)",
        );
        // KeepDims(All): the same value in an array of d axes of length 1
        let k = a.sum(KeepDims(All)).unwrap();
        assert_eq!(k.shape(), vec![1; d].as_slice());
        close(
            &k.gather_all().unwrap(),
            &reference(&g, &every, true, |v| v.sum()),
            "sum(KeepDims(All))",
        );
        // along every subset of the axes, dropped or kept
        for (name, along, f) in reductions() {
            for axes in subsets(d) {
                for keep in [false, true] {
                    if axes.len() == d && !keep {
                        continue; // every axis: an error (checked below)
                    }
                    let got = along(&a, axes_of(&axes), keep).gather_all().unwrap();
                    let want = reference(&g, &axes, keep, f);
                    close(
                        &got,
                        &want,
                        &format!("{name} {axes:?} keep {keep} {layout:?}"),
                    );
                }
            }
        }
    }
    // integers: exact
    let layout = Layout::new(comm, &[5, 4, 3], &[Dist::Cyclic, Dist::Block, Dist::Block]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| {
        (ix[0] * 12 + ix[1] * 3 + ix[2]) as i64 - 20
    });
    let g = a.gather_all().unwrap();
    assert_eq!(a.sum(All).unwrap(), g.sum());
    for axes in subsets(3).into_iter().filter(|s| s.len() < 3) {
        let want = reference(&g, &axes, false, |v| v.sum());
        assert_eq!(a.sum(axes_of(&axes)).unwrap().gather_all().unwrap(), want);
        let want = reference(&g, &axes, true, |v| {
            v.iter().copied().fold(i64::MIN, i64::max)
        });
        assert_eq!(
            a.max(KeepDims(axes_of(&axes)))
                .unwrap()
                .gather_all()
                .unwrap(),
            want
        );
    }
}

fn arr(x: f64) -> ArrayD<f64> {
    ArrayD::from_elem(IxDyn(&[]), x)
}

fn list_forms_agree(comm: &Comm) {
    let layout = Layout::new(comm, &[4, 3, 5], &[Dist::Block, Dist::Cyclic, Dist::Block]).unwrap();
    let a = data(&layout, 22);
    let g = a.gather_all().unwrap();
    let want = reference(&g, &[0, 2], false, |v| v.sum());
    let forms = [
        a.sum([Axis(0), Axis(2)]).unwrap(),
        a.sum([Axis(2), Axis(0)]).unwrap(), // order does not matter
        a.sum(&[Axis(0), Axis(2)]).unwrap(),
        a.sum(&[Axis(0), Axis(2)][..]).unwrap(),
        a.sum(vec![Axis(0), Axis(2)]).unwrap(),
    ];
    for (i, s) in forms.iter().enumerate() {
        close(&s.gather_all().unwrap(), &want, &format!("form {i}"));
    }
    let want = reference(&g, &[0, 2], true, |v| v.sum());
    let forms = [
        a.sum(KeepDims([Axis(0), Axis(2)])).unwrap(),
        a.sum(KeepDims(&[Axis(2), Axis(0)])).unwrap(),
        a.sum(KeepDims(&[Axis(0), Axis(2)][..])).unwrap(),
        a.sum(KeepDims(vec![Axis(0), Axis(2)])).unwrap(),
    ];
    for (i, s) in forms.iter().enumerate() {
        close(
            &s.gather_all().unwrap(),
            &want,
            &format!("keepdims form {i}"),
        );
    }
    // one axis as a list of one, and as Axis
    let one = a.mean([Axis(1)]).unwrap().gather_all().unwrap();
    close(
        &one,
        &a.mean(Axis(1)).unwrap().gather_all().unwrap(),
        "[Axis(1)]",
    );
    // no axis at all: every cell its own lane (NumPy's axis=())
    close(
        &a.sum(Vec::new()).unwrap().gather_all().unwrap(),
        &g,
        "no axes",
    );
    close(
        &a.max(KeepDims(Vec::new())).unwrap().gather_all().unwrap(),
        &g,
        "keepdims, no axes",
    );
    // a keepdims result broadcasts back against the array
    let m = a.max(KeepDims([Axis(0), Axis(2)])).unwrap();
    let below = a.zip_broadcast(&m, |x, m| x <= m).unwrap();
    assert!(below.all(All).unwrap());
    // expand_dims makes the same shape from a dropped result
    let e = a.max(Axis(1)).unwrap().expand_dims(Axis(1)).unwrap();
    close(
        &e.gather_all().unwrap(),
        &a.max(KeepDims(Axis(1))).unwrap().gather_all().unwrap(),
        "expand_dims",
    );
}

fn arg_reductions_flat_and_along_an_axis(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout, 23);
        let g = a.gather_all().unwrap();
        let d = layout.ndim();
        let every: Vec<usize> = (0..d).collect();
        for largest in [false, true] {
            let (flat, value) = reference(&g, &every, false, |v| extreme(v, largest))[[]];
            let got = if largest {
                a.argmax(All)
            } else {
                a.argmin(All)
            }
            .unwrap();
            assert_eq!(got, flat, "flat C-order index, {layout:?}");
            let ix = unravel_index(got, layout.shape()).unwrap();
            assert_eq!(g[IxDyn(&ix)], value);
            let k = if largest {
                a.argmax(KeepDims(All))
            } else {
                a.argmin(KeepDims(All))
            };
            let k = k.unwrap().gather_all().unwrap();
            assert_eq!(k, ArrayD::from_elem(IxDyn(&vec![1; d]), flat as i64));
            for axis in 0..d {
                for keep in [false, true] {
                    if d == 1 && !keep {
                        continue;
                    }
                    let got = match (largest, keep) {
                        (true, false) => a.argmax(Axis(axis)),
                        (true, true) => a.argmax(KeepDims(Axis(axis))),
                        (false, false) => a.argmin(Axis(axis)),
                        (false, true) => a.argmin(KeepDims([Axis(axis)])),
                    };
                    let want = reference(&g, &[axis], keep, |v| extreme(v, largest).0 as i64);
                    assert_eq!(
                        got.unwrap().gather_all().unwrap(),
                        want,
                        "arg {axis} {keep}"
                    );
                }
            }
        }
    }
    // ties go to the first in C order; NaN wins
    let layout = Layout::new(comm, &[3, 4], &[Dist::Cyclic, Dist::Block]).unwrap();
    let ones = DistArray::full(&layout, 1.0);
    assert_eq!(ones.argmax(All).unwrap(), 0);
    assert_eq!(
        ones.argmin(Axis(1))
            .unwrap()
            .gather_all()
            .unwrap()
            .as_slice()
            .unwrap(),
        &[0, 0, 0]
    );
    let nan = DistArray::from_fn(
        &layout,
        |ix: &[usize]| if ix == [2, 1] { f64::NAN } else { 0.0 },
    );
    assert_eq!(nan.argmin(All).unwrap(), 9);
    assert!(nan.max(All).unwrap().is_nan());
}

fn counts_and_logical_reductions(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout, 24);
        let pos = a.map(|x| x > 0.5);
        let (g, gp) = (a.gather_all().unwrap(), pos.gather_all().unwrap());
        let d = layout.ndim();
        assert_eq!(
            pos.count_nonzero(All).unwrap(),
            gp.iter().filter(|&&b| b).count()
        );
        assert_eq!(
            a.count_nonzero(All).unwrap(),
            g.iter().filter(|&&x| x != 0.0).count()
        );
        assert_eq!(pos.any(All).unwrap(), gp.iter().any(|&b| b));
        assert_eq!(pos.all(All).unwrap(), gp.iter().all(|&b| b));
        assert_eq!(
            pos.any(KeepDims(All)).unwrap().gather_all().unwrap(),
            ArrayD::from_elem(IxDyn(&vec![1; d]), gp.iter().any(|&b| b))
        );
        for axes in subsets(d).into_iter().filter(|s| s.len() < d) {
            let sel = axes_of(&axes);
            let count = |v: ArrayView1<'_, bool>| v.iter().filter(|&&b| b).count() as i64;
            assert_eq!(
                pos.count_nonzero(sel.as_slice())
                    .unwrap()
                    .gather_all()
                    .unwrap(),
                reference(&gp, &axes, false, count)
            );
            assert_eq!(
                pos.any(sel.clone()).unwrap().gather_all().unwrap(),
                reference(&gp, &axes, false, |v| v.iter().any(|&b| b))
            );
            assert_eq!(
                pos.all(KeepDims(sel)).unwrap().gather_all().unwrap(),
                reference(&gp, &axes, true, |v| v.iter().all(|&b| b))
            );
        }
    }
}

/// Asserts `r` is an error, the same on every rank.
fn same<T>(comm: &Comm, r: distarray::Result<T>, what: &str) -> Error {
    let Err(err) = r else {
        panic!("{what}: not an error")
    };
    harness::assert_same_everywhere(comm, &err);
    err
}

fn bad_selections_are_the_same_error_everywhere(comm: &Comm) {
    let layout = Layout::new(comm, &[6, 5, 4], &[Dist::Block, Dist::Cyclic, Dist::Block]).unwrap();
    let a = data(&layout, 25);
    let err = same(comm, a.sum(Axis(3)), "out of range");
    assert!(err.to_string().contains("axis 3 is out of range"), "{err}");
    same(
        comm,
        a.mean(KeepDims([Axis(0), Axis(7)])),
        "out of range, keepdims",
    );
    let err = same(comm, a.max([Axis(1), Axis(1)]), "repeated");
    assert!(err.to_string().contains("axis 1 is repeated"), "{err}");
    same(
        comm,
        a.var(KeepDims(vec![Axis(2), Axis(0), Axis(2)]), 0),
        "repeated, keepdims",
    );
    let err = same(comm, a.sum([Axis(2), Axis(0), Axis(1)]), "every axis");
    assert!(err.to_string().contains("use All"), "{err}");
    let err = same(comm, a.argmax([Axis(0), Axis(1)]), "argmax over two axes");
    assert!(err.to_string().contains("one axis or All"), "{err}");
    same(comm, a.cumsum(Axis(3)), "cumsum out of range");
    same(comm, a.expand_dims(Axis(4)), "expand_dims out of range");
    // empty arrays: min/max/argmin/argmax over every cell have no answer
    let empty = DistArray::<f64>::zeros(&Layout::block(comm, &[0, 3]).unwrap());
    same(comm, empty.max(All), "max of nothing");
    same(comm, empty.min(KeepDims(All)), "min of nothing, keepdims");
    same(comm, empty.argmin(Axis(0)), "argmin along an empty axis");
    // min/max along an axis of length 0 have no identity (NumPy raises)
    same(comm, empty.max(Axis(0)), "max along an empty axis");
    same(
        comm,
        empty.min([Axis(0), Axis(1)]),
        "min along two axes, one empty",
    );
    assert_eq!(empty.max(Axis(1)).unwrap().shape(), &[0]);
    // a 0-d array's empty axis list: a copy for sum, an error for argmax
    // (0-d layouts exist on one rank only: their grid has no axis to split)
    if comm.size() == 1 {
        let scalar = DistArray::full(&Layout::block(comm, &[]).unwrap(), 2.5);
        assert_eq!(
            scalar.sum(Vec::<Axis>::new()).unwrap().shape(),
            &[] as &[usize]
        );
        same(
            comm,
            scalar.argmax(Vec::<Axis>::new()),
            "argmax of a 0-d array along no axes",
        );
    }
    assert_eq!(empty.sum(All).unwrap(), 0.0);
    assert_eq!(
        empty
            .sum(Axis(0))
            .unwrap()
            .gather_all()
            .unwrap()
            .as_slice()
            .unwrap(),
        &[0.0; 3]
    );
    // a replicated layout is refused
    let replicated = Layout::with_grid(
        comm,
        &[4],
        &[Dist::Unstructured {
            indices: vec![0, 1, 2, 3],
            one_to_one: false,
        }],
        &[comm.size()],
    )
    .unwrap();
    if comm.size() > 1 {
        same(
            comm,
            DistArray::<f64>::zeros(&replicated).sum(All),
            "replicas",
        );
        same(
            comm,
            DistArray::<f64>::zeros(&replicated).sum(KeepDims(Axis(0))),
            "replicas",
        );
    }
    // and everything still works
    let g = a.gather_all().unwrap();
    close(
        &a.sum(Axis(1)).unwrap().gather_all().unwrap(),
        &g.sum_axis(Axis(1)),
        "after errors",
    );
}

fn selections_differing_between_ranks_are_an_error_everywhere(comm: &Comm) {
    if comm.size() == 1 {
        return;
    }
    let last = comm.rank() + 1 == comm.size();
    let layout = Layout::new(comm, &[6, 5, 4], &[Dist::Block, Dist::Cyclic, Dist::Block]).unwrap();
    let a = data(&layout, 26);
    let pick = |usual: usize, other: usize| Axis(if last { other } else { usual });
    same(comm, a.sum(pick(0, 1)), "another axis");
    same(comm, a.sum(pick(0, 9)), "an axis out of range on one rank");
    let axes = if last {
        vec![Axis(1), Axis(1)]
    } else {
        vec![Axis(0), Axis(1)]
    };
    same(comm, a.max(axes), "repeated on one rank");
    // All on some ranks, an axis on others: the result types differ, the
    // agreement does not
    let r = if last {
        a.sum(All).map(|_| ())
    } else {
        a.sum(Axis(0)).map(|_| ())
    };
    same(comm, r, "All against an axis");
    let r = if last {
        a.sum(KeepDims(Axis(0)))
    } else {
        a.sum(Axis(0))
    };
    same(comm, r, "keepdims on one rank");
    let r = if last {
        a.mean(KeepDims(All))
    } else {
        a.mean(KeepDims([Axis(0), Axis(1), Axis(2)]))
    };
    assert!(r.is_ok(), "the same selection, spelled two ways");
    let r = if last {
        a.sum([Axis(2), Axis(0)])
    } else {
        a.sum(vec![Axis(0), Axis(2)])
    };
    assert!(r.is_ok(), "the same axes in another order");
    // another reduction on one rank
    let r = if last { a.max(All) } else { a.sum(All) };
    same(comm, r, "another reduction");
    let r = if last { a.argmin(All) } else { a.argmax(All) };
    same(comm, r, "argmin against argmax");
    same(
        comm,
        a.std(Axis(2), if last { 1 } else { 0 }),
        "another ddof",
    );
    same(comm, a.cumprod(pick(2, 1)), "another scan axis");
    // another layout on one rank
    let other = Layout::new(comm, &[6, 5, 4], &[Dist::Cyclic, Dist::Block, Dist::Block]).unwrap();
    let b = DistArray::<f64>::zeros(&other);
    let mine = if last { &b } else { &a };
    same(comm, mine.min(Axis(1)), "another layout");
    same(comm, mine.argmax(All), "another layout, all cells");
    // then everything still works
    assert_eq!(
        a.count_nonzero(All).unwrap(),
        a.gather_all()
            .unwrap()
            .iter()
            .filter(|&&x| x != 0.0)
            .count()
    );
}

/// min and max along an axis split over ranks are NaN when any rank's part
/// holds a NaN, wherever it sits on the line (MPI's MIN/MAX alone would
/// drop it depending on the order).
fn a_nan_on_any_rank_of_a_line_wins_min_and_max(comm: &Comm) {
    let p = comm.size();
    let layout = Layout::new(comm, &[2 * p, 3], &[Dist::Block, Dist::NotDistributed]).unwrap();
    for nan_row in [0, 2 * p - 1, p] {
        let a = DistArray::from_fn(&layout, |ix: &[usize]| {
            if ix[0] == nan_row && ix[1] == 1 {
                f64::NAN
            } else {
                (ix[0] * 3 + ix[1]) as f64
            }
        });
        for (what, r) in [("min", a.min(Axis(0))), ("max", a.max(Axis(0)))] {
            let got = r.unwrap().gather_all().unwrap();
            assert!(
                got[[0]].is_finite() && got[[2]].is_finite(),
                "{what}: {got}"
            );
            assert!(
                got[[1]].is_nan(),
                "{what} with a NaN in row {nan_row}: {got}"
            );
        }
        let ints = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 3 + ix[1]) as i64);
        let got = ints.max(Axis(0)).unwrap().gather_all().unwrap();
        assert_eq!(
            got.as_slice().unwrap(),
            &[
                (2 * p as i64 - 1) * 3,
                (2 * p as i64 - 1) * 3 + 1,
                (2 * p as i64 - 1) * 3 + 2
            ]
        );
    }
}

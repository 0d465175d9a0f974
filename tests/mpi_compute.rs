//! Elementwise operations and reductions on 1-4 ranks, each checked against
//! the same operation on the gathered global ndarray, for every
//! distribution kind, uneven sizes, ghost cells and empty local parts; the
//! reproducible sum gives the same bits on any layout and rank count.

mod harness;

use distarray::index::{normalize, Ix};
use distarray::mpi::topology::SimpleCommunicator;
use distarray::ndarray::IxDyn;
use distarray::ndarray::{ArrayD, Axis, Dimension, Zip};
use distarray::{s, where_, All, Comm, Dist, DistArray, Error, KeepDims, Layout};
use harness::Check;

static CHECKS: &[Check] = &[
    check!(unary_ufuncs_match_ndarray),
    check!(binary_ufuncs_and_operators_match_ndarray),
    check!(integer_and_boolean_ufuncs),
    check!(fused_and_out_forms),
    check!(layout_mismatch_is_an_error),
    check!(reductions_match_ndarray),
    check!(axis_reductions_match_ndarray),
    check!(reproducible_sum_has_the_same_bits_everywhere),
    check!(reproducible_sum_with_a_rising_window),
    check!(reproducible_sum_of_tiny_blocks_and_ties),
    check!(slicing_every_kind),
    check!(slice_assignment),
    check!(cumulative_sums_and_products),
    check!(fancy_indexing),
    check!(broadcasting),
    check!(more_axis_reductions),
    check!(axis_reductions_reuse_their_line_communicator),
    check!(other_axes_or_index_on_one_rank_is_an_error_everywhere),
    check!(slice_views),
];

fn main() {
    harness::main("mpi_compute", CHECKS, &[1, 2, 3, 4]);
}

fn layouts(comm: &Comm) -> Vec<Layout> {
    let p = comm.size();
    let ix: Vec<usize> = (0..13)
        .rev()
        .filter(|g| (g * 7 + 2) % p == comm.rank())
        .collect();
    vec![
        Layout::block(comm, &[13]).unwrap(),
        Layout::new(comm, &[7, 5], &[Dist::Cyclic, Dist::Block]).unwrap(),
        Layout::new(
            comm,
            &[3, 4, 5],
            &[Dist::NotDistributed, Dist::BlockCyclic(2), Dist::Block],
        )
        .unwrap(),
        Layout::new(
            comm,
            &[9, 4],
            &[
                Dist::BlockPadded {
                    ghost_width: 1,
                    boundary_width: (1, 1),
                    periodic: true,
                },
                Dist::NotDistributed,
            ],
        )
        .unwrap(),
        Layout::with_grid(
            comm,
            &[13],
            &[Dist::Unstructured {
                indices: ix,
                one_to_one: true,
            }],
            &[p],
        )
        .unwrap(),
        Layout::block(comm, &[2]).unwrap(),
    ]
}

/// Values in (-2, 2), deterministic per cell.
fn data(layout: &Layout, seed: u64) -> DistArray<f64> {
    DistArray::<f64>::random(layout, seed).map(|x| 4.0 * x - 2.0)
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

fn unary_ufuncs_match_ndarray(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout, 1);
        let g = a.gather_all().unwrap();
        type Case = (&'static str, DistArray<f64>, fn(f64) -> f64);
        let cases: Vec<Case> = vec![
            ("sqrt", a.abs().sqrt(), |x| x.abs().sqrt()),
            ("exp", a.exp(), f64::exp),
            ("log", a.abs().log(), |x| x.abs().ln()),
            ("sin", a.sin(), f64::sin),
            ("arctanh", a.map(|x| x / 3.0).arctanh(), |x| {
                (x / 3.0).atanh()
            }),
            ("negative", a.negative(), |x| -x),
            ("square", a.square(), |x| x * x),
            ("sign", a.sign(), f64::signum),
            ("rint", a.rint(), f64::round_ties_even),
            ("floor", a.floor(), f64::floor),
            ("expm1", a.expm1(), f64::exp_m1),
            ("log1p", a.abs().log1p(), |x| x.abs().ln_1p()),
            ("reciprocal", a.reciprocal(), f64::recip),
        ];
        for (name, got, f) in cases {
            close(&got.gather_all().unwrap(), &g.mapv(f), name);
        }
        assert_eq!(a.isnan().count_nonzero(All).unwrap(), 0);
        let nan = a.map(|x| if x > 0.0 { f64::NAN } else { x });
        assert_eq!(
            nan.isnan().count_nonzero(All).unwrap(),
            g.iter().filter(|&&x| x > 0.0).count()
        );
    }
}

fn binary_ufuncs_and_operators_match_ndarray(comm: &Comm) {
    for layout in layouts(comm) {
        let (a, b) = (data(&layout, 1), data(&layout, 2));
        let (ga, gb) = (a.gather_all().unwrap(), b.gather_all().unwrap());
        let both = |f: fn(f64, f64) -> f64| Zip::from(&ga).and(&gb).map_collect(|&x, &y| f(x, y));
        close(
            &a.add(&b).unwrap().gather_all().unwrap(),
            &both(|x, y| x + y),
            "add",
        );
        close(&(&a - &b).gather_all().unwrap(), &both(|x, y| x - y), "sub");
        close(&(&a * &b).gather_all().unwrap(), &both(|x, y| x * y), "mul");
        close(&(&a / &b).gather_all().unwrap(), &both(|x, y| x / y), "div");
        close(
            &(&a % &b).gather_all().unwrap(),
            &both(|x, y| x - y * (x / y).floor()),
            "python %",
        );
        close(
            &a.fmod(&b).unwrap().gather_all().unwrap(),
            &both(|x, y| x % y),
            "fmod",
        );
        close(
            &a.floor_divide(&b).unwrap().gather_all().unwrap(),
            &both(|x, y| (x / y).floor()),
            "//",
        );
        close(
            &a.abs().power(&b).unwrap().gather_all().unwrap(),
            &both(|x, y| x.abs().powf(y)),
            "power",
        );
        close(
            &a.maximum(&b).unwrap().gather_all().unwrap(),
            &both(f64::max),
            "maximum",
        );
        close(
            &a.minimum(&b).unwrap().gather_all().unwrap(),
            &both(f64::min),
            "minimum",
        );
        close(
            &a.hypot(&b).unwrap().gather_all().unwrap(),
            &both(f64::hypot),
            "hypot",
        );
        close(
            &a.arctan2(&b).unwrap().gather_all().unwrap(),
            &both(f64::atan2),
            "arctan2",
        );
        close(
            &(&a + 3.0).gather_all().unwrap(),
            &ga.mapv(|x| x + 3.0),
            "scalar add",
        );
        close(
            &(a.to_owned() * 2.0).gather_all().unwrap(),
            &ga.mapv(|x| x * 2.0),
            "owned scalar mul",
        );
        let less = a.less(&b).unwrap().gather_all().unwrap();
        assert_eq!(less, Zip::from(&ga).and(&gb).map_collect(|x, y| x < y));
        assert_eq!(
            a.equal(&a).unwrap().count_nonzero(All).unwrap(),
            layout.global_len()
        );
        let mut c = a.to_owned();
        c += &b;
        c *= 0.5;
        c -= 1.0;
        close(
            &c.gather_all().unwrap(),
            &both(|x, y| (x + y) * 0.5 - 1.0),
            "in place",
        );
        close(
            &a.clip(-0.5, 0.5).gather_all().unwrap(),
            &ga.mapv(|x| x.clamp(-0.5, 0.5)),
            "clip",
        );
        let w = where_(&a.greater(&b).unwrap(), &a, &b).unwrap();
        close(&w.gather_all().unwrap(), &both(f64::max), "where");
        let f = a.astype(|x| x as f32);
        assert_eq!(f.gather_all().unwrap(), ga.mapv(|x| x as f32));
    }
}

fn integer_and_boolean_ufuncs(comm: &Comm) {
    let layout = Layout::new(comm, &[11, 3], &[Dist::Cyclic, Dist::Block]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i64 * 3 - 17 + ix[1] as i64);
    let b = DistArray::from_fn(&layout, |ix: &[usize]| {
        (ix[0] as i64 % 4) - 2 + if ix[0] % 4 == 2 { 5 } else { 0 }
    });
    let (ga, gb) = (a.gather_all().unwrap(), b.gather_all().unwrap());
    let both = |f: fn(i64, i64) -> i64| Zip::from(&ga).and(&gb).map_collect(|&x, &y| f(x, y));
    assert_eq!(
        (&a % &b).gather_all().unwrap(),
        both(|x, y| x.rem_euclid(y) + if y < 0 && x.rem_euclid(y) != 0 { y } else { 0 })
    );
    assert_eq!(
        a.floor_divide(&b).unwrap().gather_all().unwrap(),
        both(|x, y| (x as f64 / y as f64).floor() as i64)
    );
    assert_eq!(
        a.fmod(&b).unwrap().gather_all().unwrap(),
        both(|x, y| x % y)
    );
    assert_eq!(
        a.bitwise_xor(&b).unwrap().gather_all().unwrap(),
        both(|x, y| x ^ y)
    );
    assert_eq!(a.abs().gather_all().unwrap(), ga.mapv(i64::abs));
    assert_eq!(a.sign().gather_all().unwrap(), ga.mapv(i64::signum));
    assert_eq!(a.invert().gather_all().unwrap(), ga.mapv(|x| !x));
    let s = DistArray::full(&layout, 2i64);
    assert_eq!(
        a.left_shift(&s).unwrap().gather_all().unwrap(),
        ga.mapv(|x| x << 2)
    );
    assert_eq!(
        a.right_shift(&s).unwrap().gather_all().unwrap(),
        ga.mapv(|x| x >> 2)
    );
    assert_eq!(a.sum(All).unwrap(), ga.sum());
    assert_eq!(a.max(All).unwrap(), *ga.iter().max().unwrap());
    let p = a.greater(&b).unwrap();
    let q = a.less(&DistArray::full(&layout, 0)).unwrap();
    let (gp, gq) = (p.gather_all().unwrap(), q.gather_all().unwrap());
    assert_eq!(
        p.logical_and(&q).unwrap().gather_all().unwrap(),
        Zip::from(&gp).and(&gq).map_collect(|&x, &y| x && y)
    );
    assert_eq!(
        p.logical_xor(&q).unwrap().gather_all().unwrap(),
        Zip::from(&gp).and(&gq).map_collect(|&x, &y| x ^ y)
    );
    assert_eq!(
        p.logical_not().count_nonzero(All).unwrap(),
        gp.iter().filter(|&&x| !x).count()
    );
    assert_eq!(p.any(All).unwrap(), gp.iter().any(|&x| x));
    assert_eq!(p.all(All).unwrap(), gp.iter().all(|&x| x));
}

fn fused_and_out_forms(comm: &Comm) {
    for layout in layouts(comm) {
        let (x, y, z) = (data(&layout, 1), data(&layout, 2), data(&layout, 3));
        let fused = x.zip_map3(&y, &z, |a, b, c| a * b + c).unwrap();
        let separate = &(&x * &y) + &z;
        assert_eq!(fused.local(), separate.local());
        let mut out = DistArray::zeros(&layout);
        out.assign_zip2(&x, &y, |a, b| 2.0 * a + b).unwrap();
        assert_eq!(out.local(), (&(&x * 2.0) + &y).local());
        out.zip_inplace(&z, |o, c| o - c).unwrap();
        assert_eq!(
            out.local(),
            x.zip_map3(&y, &z, |a, b, c| 2.0 * a + b - c)
                .unwrap()
                .local()
        );
    }
}

fn layout_mismatch_is_an_error(comm: &Comm) {
    let a = DistArray::<f64>::zeros(&Layout::block(comm, &[10]).unwrap());
    let b = DistArray::<f64>::zeros(&Layout::new(comm, &[10], &[Dist::Cyclic]).unwrap());
    match a.add(&b) {
        Err(Error::LayoutMismatch { detail, .. }) if comm.size() > 1 => {
            assert!(detail.contains("redistribute"), "{detail}")
        }
        Ok(_) if comm.size() == 1 => {} // on one rank block and cyclic are the same layout
        other => panic!("{other:?}"),
    }
    let aligned = b.redistribute(a.layout()).unwrap();
    assert!(a.add(&aligned).is_ok());
}

fn reductions_match_ndarray(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout, 7);
        let g = a.gather_all().unwrap();
        let n = g.len() as f64;
        assert!((a.sum(All).unwrap() - g.sum()).abs() < 1e-12);
        assert!((a.prod(All).unwrap() - g.product()).abs() < 1e-12 * g.product().abs().max(1.0));
        let mean = g.sum() / n;
        assert!((a.mean(All).unwrap() - mean).abs() < 1e-12);
        let var = g.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        assert!((a.var(All, 1).unwrap() - var).abs() < 1e-12);
        assert!((a.std(All, 0).unwrap() - (var * (n - 1.0) / n).sqrt()).abs() < 1e-12);
        let (imin, vmin) = g
            .indexed_iter()
            .fold((None, f64::INFINITY), |(bi, bv), (i, &v)| {
                if v < bv {
                    (Some(i), v)
                } else {
                    (bi, bv)
                }
            });
        assert_eq!(a.min(All).unwrap(), vmin);
        let flat = a.argmin(All).unwrap();
        assert_eq!(
            distarray::unravel_index(flat, g.shape()).unwrap(),
            imin.unwrap().as_array_view().to_vec()
        );
        let (imax, vmax) = g
            .indexed_iter()
            .fold((None, f64::NEG_INFINITY), |(bi, bv), (i, &v)| {
                if v > bv {
                    (Some(i), v)
                } else {
                    (bi, bv)
                }
            });
        assert_eq!(a.max(All).unwrap(), vmax);
        let flat = a.argmax(All).unwrap();
        assert_eq!(
            distarray::unravel_index(flat, g.shape()).unwrap(),
            imax.unwrap().as_array_view().to_vec()
        );
        assert_eq!(
            a.count_nonzero(All).unwrap(),
            g.iter().filter(|&&x| x != 0.0).count()
        );
        // ties: the first cell in C order wins
        let ones = DistArray::full(&layout, 1.0);
        assert_eq!(ones.argmax(All).unwrap(), 0);
    }
    let empty = DistArray::<f64>::zeros(&Layout::block(comm, &[0]).unwrap());
    assert_eq!(empty.sum(All).unwrap(), 0.0);
    assert!(empty.max(All).is_err());
}

fn axis_reductions_match_ndarray(comm: &Comm) {
    for layout in layouts(comm).into_iter().filter(|l| l.ndim() > 1) {
        let a = data(&layout, 9);
        let g = a.gather_all().unwrap();
        for axis in 0..layout.ndim() {
            let s = a.sum(Axis(axis)).unwrap();
            close(
                &s.gather_all().unwrap(),
                &g.sum_axis(Axis(axis)),
                "sum(Axis)",
            );
            let k = a.sum(KeepDims(Axis(axis))).unwrap();
            close(
                &k.gather_all().unwrap(),
                &g.sum_axis(Axis(axis)).insert_axis(Axis(axis)),
                "keepdims",
            );
            let p = a.prod(Axis(axis)).unwrap();
            close(
                &p.gather_all().unwrap(),
                &g.map_axis(Axis(axis), |v| v.product()),
                "prod(Axis)",
            );
        }
    }
}

/// Blocks of small cells before blocks of large ones: each rank's window of
/// bins rises during its pass, at a point that depends on the layout (what
/// was carried out of the bins that fall out of the window must go with
/// them, or the bits depend on the layout).
fn reproducible_sum_with_a_rising_window(comm: &Comm) {
    let n = 30_011;
    let value = |g: usize| {
        let r = <f64 as distarray::random::RandomElement>::random(11, g as u64) - 0.5;
        match (g / 3000) % 4 {
            0 => r * 1e3,
            1 => r * 1e12,
            2 => r * 3e-5,
            _ => r * 1e21,
        }
    };
    let reference = {
        let me = Comm::duplicate_of(&SimpleCommunicator::self_comm());
        let all: Vec<f64> = (0..n).map(value).collect();
        distarray::reduce::reproducible_sum(&me, &all, n).unwrap()
    };
    for layout in [
        Layout::block(comm, &[n]).unwrap(),
        Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockCyclic(2500)]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockCyclic(21)]).unwrap(),
    ] {
        let a = DistArray::from_fn(&layout, |i: &[usize]| value(i[0]));
        let s = a.sum_reproducible().unwrap();
        assert_eq!(
            s.to_bits(),
            reference.to_bits(),
            "{layout:?}: {s:e} vs {reference:e}"
        );
        // the squares too (the case that first showed it)
        let sq = a.map(|x| x * x).sum_reproducible().unwrap();
        let me = Comm::duplicate_of(&SimpleCommunicator::self_comm());
        let all: Vec<f64> = (0..n).map(|g| value(g) * value(g)).collect();
        let want = distarray::reduce::reproducible_sum(&me, &all, n).unwrap();
        assert_eq!(sq.to_bits(), want.to_bits(), "squares, {layout:?}");
        // and accurate: against a compensated (Neumaier) sum
        let (mut t, mut c) = (0.0f64, 0.0f64);
        for g in 0..n {
            let v = value(g);
            let u = t + v;
            c += if t.abs() >= v.abs() {
                (t - u) + v
            } else {
                (v - u) + t
            };
            t = u;
        }
        let exact = t + c;
        assert!(
            (s - exact).abs() <= 1e-12 * 1e21,
            "accurate: {s:e} vs {exact:e}"
        );
    }
}

/// Two inputs where the bits once depended on the layout: a block of tiny
/// cells (a rank that saw only such a block changed method) and exact ties
/// at half a bin's quantum (rounding depended on the carries taken).
fn reproducible_sum_of_tiny_blocks_and_ties(comm: &Comm) {
    let mut tiny: Vec<f64> = vec![1e-250; 2048];
    tiny.extend([2f64.powi(30), 2f64.powi(30), 2f64.powi(-22), 2f64.powi(-40)]);
    let t = 2f64.powi(-33);
    let ties = vec![2f64.powi(21) + 2f64.powi(-31), t, t, t, -t, -t];
    for values in [tiny, ties] {
        let n = values.len();
        let me = Comm::duplicate_of(&SimpleCommunicator::self_comm());
        let reference = distarray::reduce::reproducible_sum(&me, &values, n).unwrap();
        for layout in [
            Layout::block(comm, &[n]).unwrap(),
            Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
            Layout::new(comm, &[n], &[Dist::BlockCyclic(2)]).unwrap(),
        ] {
            let a = DistArray::from_fn(&layout, |i: &[usize]| values[i[0]]);
            let s = a.sum_reproducible().unwrap();
            assert_eq!(
                s.to_bits(),
                reference.to_bits(),
                "{layout:?}: {s:e} vs {reference:e}"
            );
        }
    }
}

fn reproducible_sum_has_the_same_bits_everywhere(comm: &Comm) {
    // cells of wildly different magnitudes, where an ordinary sum depends on order
    let n = 10_007;
    let value = |g: usize| {
        let r = <f64 as distarray::random::RandomElement>::random(3, g as u64);
        (r - 0.5) * 10f64.powi((g % 23) as i32 - 11)
    };
    let reference = {
        // one process, the whole array, in global order
        let me = Comm::duplicate_of(&SimpleCommunicator::self_comm());
        let all: Vec<f64> = (0..n).map(value).collect();
        distarray::reduce::reproducible_sum(&me, &all, n).unwrap()
    };
    let p = comm.size();
    let ix: Vec<usize> = (0..n)
        .rev()
        .filter(|g| (g * 31 + 5) % p == comm.rank())
        .collect();
    for layout in [
        Layout::block(comm, &[n]).unwrap(),
        Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockCyclic(7)]).unwrap(),
        Layout::with_grid(
            comm,
            &[n],
            &[Dist::Unstructured {
                indices: ix.clone(),
                one_to_one: true,
            }],
            &[p],
        )
        .unwrap(),
    ] {
        let a = DistArray::from_fn(&layout, |i: &[usize]| value(i[0]));
        let s = a.sum_reproducible().unwrap();
        assert_eq!(
            s.to_bits(),
            reference.to_bits(),
            "{layout:?}: {s:e} vs {reference:e}"
        );
        let plain: f64 = (0..n).map(value).sum();
        assert!(
            (s - plain).abs() <= 1e-9 * plain.abs().max(1e-3),
            "accurate: {s:e} vs {plain:e}"
        );
    }
    let f = DistArray::from_fn(&Layout::block(comm, &[4]).unwrap(), |i: &[usize]| {
        [1.0, f64::INFINITY, 2.0, 3.0][i[0]]
    });
    assert_eq!(f.sum_reproducible().unwrap(), f64::INFINITY);
    // a NaN anywhere, also in a block of zeros (which the one-pass method
    // skips) or among ordinary values (which it folds): NaN everywhere
    for others in [0.0, 1.5] {
        let layout = Layout::block(comm, &[5000]).unwrap();
        let a = DistArray::from_fn(&layout, |i: &[usize]| match i[0] {
            4321 => f64::NAN,
            _ => others,
        });
        assert!(a.sum_reproducible().unwrap().is_nan(), "others {others}");
    }
}

/// The expected result of `g[index]`, from the normalized selection.
fn expected_slice(g: &ArrayD<f64>, index: &[Ix]) -> ArrayD<f64> {
    let sel = normalize(g.shape(), index).unwrap();
    ArrayD::from_shape_fn(IxDyn(&sel.shape()), |r| g[IxDyn(&sel.source_of(r.slice()))])
}

fn indexes(ndim: usize) -> Vec<Vec<Ix>> {
    let mut out = vec![
        s![1..-1].to_vec(),
        s![..;-2].to_vec(),
        s![-2..;-3].to_vec(),
        s![..., ..;2].to_vec(),
    ];
    if ndim > 1 {
        out.push(s![-1, ...].to_vec());
        out.push(s![..;3, 1].to_vec());
        out.push(s![0..0].to_vec()); // empty
    }
    out
}

fn slicing_every_kind(comm: &Comm) {
    for layout in layouts(comm) {
        if layout.shape().iter().any(|&n| n < 2) {
            continue;
        }
        let a = data(&layout, 4);
        let g = a.gather_all().unwrap();
        for index in indexes(layout.ndim()) {
            let want = expected_slice(&g, &index);
            if want.ndim() == 0 {
                continue;
            }
            let got = a
                .slice(&index)
                .unwrap_or_else(|e| panic!("{layout:?} {index:?}: {e}"));
            assert_eq!(got.gather_all().unwrap(), want, "{layout:?} {index:?}");
            // into a cyclic layout too
            let target = Layout::new(comm, want.shape(), &vec![Dist::Cyclic; want.ndim()]).unwrap();
            let got = a.slice_in(&index, &target).unwrap();
            assert_eq!(got.gather_all().unwrap(), want);
        }
    }
    let a = DistArray::<f64>::zeros(&Layout::block(comm, &[4]).unwrap());
    assert!(a.slice(s![7]).is_err());
    assert!(a.slice(s![..;0]).is_err());
}

fn slice_assignment(comm: &Comm) {
    for layout in layouts(comm) {
        if layout.shape().iter().any(|&n| n < 3) {
            continue;
        }
        let index = if layout.ndim() == 1 {
            s![..;2].to_vec()
        } else {
            s![1..-1, ..;-2].to_vec()
        };
        let mut a = data(&layout, 5);
        let mut want = a.gather_all().unwrap();
        let sel = normalize(want.shape(), &index).unwrap();
        // scalar
        a.fill_slice(&index, 7.0).unwrap();
        let shape = sel.shape();
        distarray::ndarray::indices(IxDyn(&shape))
            .into_iter()
            .for_each(|r| want[IxDyn(&sel.source_of(r.slice()))] = 7.0);
        assert_eq!(a.gather_all().unwrap(), want, "fill {layout:?}");
        // a local ndarray, then a distributed array in another layout
        let vals = ArrayD::from_shape_fn(IxDyn(&shape), |r| r.slice().iter().sum::<usize>() as f64);
        a.assign_slice_local(&index, vals.view()).unwrap();
        let dist_layout = Layout::new(comm, &shape, &vec![Dist::Cyclic; shape.len()]).unwrap();
        let v = DistArray::from_global(&dist_layout, 0, (comm.rank() == 0).then(|| vals.view()))
            .unwrap();
        let mut b = data(&layout, 5);
        b.assign_slice(&index, &v).unwrap();
        assert_eq!(
            a.gather_all().unwrap(),
            b.gather_all().unwrap(),
            "assign {layout:?}"
        );
        distarray::ndarray::indices(IxDyn(&shape))
            .into_iter()
            .for_each(|r| want[IxDyn(&sel.source_of(r.slice()))] = vals[&r]);
        assert_eq!(b.gather_all().unwrap(), want);
        // ghost copies follow the owner: the local buffer equals a fresh fill
        let fresh =
            DistArray::from_global(&layout, 0, (comm.rank() == 0).then(|| want.view())).unwrap();
        assert_eq!(b.local(), fresh.local(), "ghost copies written too");
    }
}

fn cumulative_sums_and_products(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout, 6);
        let g = a.gather_all().unwrap();
        for axis in 0..layout.ndim() {
            let mut want = g.clone();
            want.accumulate_axis_inplace(Axis(axis), |&p, c| *c += p);
            close(
                &a.cumsum(Axis(axis)).unwrap().gather_all().unwrap(),
                &want,
                "cumsum",
            );
            let mut want = g.clone();
            want.accumulate_axis_inplace(Axis(axis), |&p, c| *c *= p);
            close(
                &a.cumprod(Axis(axis)).unwrap().gather_all().unwrap(),
                &want,
                "cumprod",
            );
        }
        // ghost copies are consistent with their owners afterwards
        let c = a.cumsum(Axis(0)).unwrap();
        let whole = c.gather_all().unwrap();
        let fresh =
            DistArray::from_global(&layout, 0, (comm.rank() == 0).then(|| whole.view())).unwrap();
        assert_eq!(c.local(), fresh.local());
    }
    let ints = DistArray::from_fn(
        &Layout::new(comm, &[9], &[Dist::BlockCyclic(2)]).unwrap(),
        |i: &[usize]| i[0] as i64,
    );
    assert_eq!(
        ints.cumsum(Axis(0))
            .unwrap()
            .gather_all()
            .unwrap()
            .as_slice()
            .unwrap(),
        &[0, 1, 3, 6, 10, 15, 21, 28, 36]
    );
}

fn fancy_indexing(comm: &Comm) {
    for layout in layouts(comm) {
        let a = data(&layout, 8);
        let g = a.gather_all().unwrap();
        let mask = a.map(|x| x > 0.3);
        let picked = a.mask_select(&mask).unwrap();
        let want: Vec<f64> = g.iter().copied().filter(|&x| x > 0.3).collect();
        assert_eq!(
            picked.gather_all().unwrap().into_raw_vec_and_offset().0,
            want,
            "{layout:?}"
        );
        // a[mask] = values, from a cyclic 1-D array of the right length
        let count = mask.count_nonzero(All).unwrap();
        let vl = Layout::new(comm, &[count], &[Dist::Cyclic]).unwrap();
        let vals = DistArray::from_fn(&vl, |i: &[usize]| -(i[0] as f64));
        let mut m = a.to_owned();
        m.mask_assign(&mask, &vals).unwrap();
        let mut k = 0.0;
        let want_m = g.mapv(|x| {
            if x > 0.3 {
                k -= 1.0;
                k + 1.0
            } else {
                x
            }
        });
        assert_eq!(m.gather_all().unwrap(), want_m, "mask_assign {layout:?}");
        let mut b = a.to_owned();
        b.mask_fill(&mask, 0.0).unwrap();
        assert_eq!(
            b.gather_all().unwrap(),
            g.mapv(|x| if x > 0.3 { 0.0 } else { x })
        );
        // take and put with a cyclic index array, negative indices included
        let n = layout.global_len() as i64;
        let il = Layout::new(comm, &[5], &[Dist::Cyclic]).unwrap();
        let idx = DistArray::from_fn(&il, |i: &[usize]| [0, n - 1, -1, n / 2, -(n / 3) - 1][i[0]]);
        let flat: Vec<f64> = g.iter().copied().collect();
        let at = |i: i64| flat[if i < 0 { (i + n) as usize } else { i as usize }];
        let t = a.take(&idx).unwrap().gather_all().unwrap();
        assert_eq!(
            t.into_raw_vec_and_offset().0,
            (0..5)
                .map(|k| at([0, n - 1, -1, n / 2, -(n / 3) - 1][k]))
                .collect::<Vec<_>>()
        );
        let vals = DistArray::from_fn(&il, |i: &[usize]| 100.0 + i[0] as f64);
        let put_idx = DistArray::from_fn(&il, |i: &[usize]| [0, n - 1, n / 2, 1, -2][i[0]]);
        let mut c = a.to_owned();
        c.put(&put_idx, &vals).unwrap();
        let mut want = flat.clone();
        for (k, &i) in [0, n - 1, n / 2, 1, -2].iter().enumerate() {
            want[if i < 0 { (i + n) as usize } else { i as usize }] = 100.0 + k as f64;
        }
        assert_eq!(
            c.gather_all().unwrap().into_raw_vec_and_offset().0,
            want,
            "put {layout:?}"
        );
        let bad = DistArray::from_fn(&il, |_: &[usize]| n);
        assert!(matches!(a.take(&bad), Err(Error::IndexOutOfBounds { .. })));
    }
}

fn broadcasting(comm: &Comm) {
    for layout in layouts(comm).into_iter().filter(|l| l.ndim() > 1) {
        let a = data(&layout, 10);
        let g = a.gather_all().unwrap();
        let shape = layout.shape().to_vec();
        let d = shape.len();
        let mut shapes: Vec<Vec<usize>> = vec![vec![shape[d - 1]], vec![1], vec![shape[d - 2], 1]];
        let mut with_ones = shape.clone();
        with_ones[0] = 1;
        shapes.push(with_ones);
        for bs in shapes {
            let bl = Layout::new(comm, &bs, &vec![Dist::Cyclic; bs.len()]).unwrap();
            let b = DistArray::from_fn(&bl, |ix: &[usize]| {
                ix.iter().fold(1.0, |acc, &i| acc * 10.0 + i as f64)
            });
            let gb = b.gather_all().unwrap();
            let want = &g + &gb.broadcast(IxDyn(&shape)).unwrap();
            close(
                &a.zip_broadcast(&b, |x, y| x + y)
                    .unwrap()
                    .gather_all()
                    .unwrap(),
                &want,
                "distributed broadcast",
            );
            close(
                &a.zip_broadcast_local(&gb.view(), |x, y| x + y)
                    .unwrap()
                    .gather_all()
                    .unwrap(),
                &want,
                "local broadcast",
            );
        }
        let bad = DistArray::<f64>::zeros(&Layout::block(comm, &[shape[d - 1] + 1]).unwrap());
        assert!(matches!(
            a.zip_broadcast(&bad, |x, y| x + y),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}

fn more_axis_reductions(comm: &Comm) {
    for layout in layouts(comm).into_iter().filter(|l| l.ndim() > 1) {
        let a = data(&layout, 11);
        let g = a.gather_all().unwrap();
        for axis in 0..layout.ndim() {
            close(
                &a.var(Axis(axis), 1).unwrap().gather_all().unwrap(),
                &g.var_axis(Axis(axis), 1.0),
                "var(Axis)",
            );
            close(
                &a.std(Axis(axis), 0).unwrap().gather_all().unwrap(),
                &g.std_axis(Axis(axis), 0.0),
                "std(Axis)",
            );
            let am = a.argmax(Axis(axis)).unwrap().gather_all().unwrap();
            let want = g.map_axis(Axis(axis), |v| {
                v.iter()
                    .enumerate()
                    .fold((0usize, f64::NEG_INFINITY), |(bi, bv), (i, &x)| {
                        if x > bv {
                            (i, x)
                        } else {
                            (bi, bv)
                        }
                    })
                    .0 as i64
            });
            assert_eq!(am, want, "argmax(Axis({axis})) {layout:?}");
            let an = a.argmin(Axis(axis)).unwrap().gather_all().unwrap();
            let want = g.map_axis(Axis(axis), |v| {
                v.iter()
                    .enumerate()
                    .fold((0usize, f64::INFINITY), |(bi, bv), (i, &x)| {
                        if x < bv {
                            (i, x)
                        } else {
                            (bi, bv)
                        }
                    })
                    .0 as i64
            });
            assert_eq!(an, want, "argmin(Axis({axis}))");
            let pos = a.map(|x| x > 0.0);
            let gp = pos.gather_all().unwrap();
            assert_eq!(
                pos.any(Axis(axis)).unwrap().gather_all().unwrap(),
                gp.map_axis(Axis(axis), |v| v.iter().any(|&b| b))
            );
            assert_eq!(
                pos.all(Axis(axis)).unwrap().gather_all().unwrap(),
                gp.map_axis(Axis(axis), |v| v.iter().all(|&b| b))
            );
            let k = a.max(KeepDims(Axis(axis))).unwrap();
            let want = g
                .map_axis(Axis(axis), |v| v.fold(f64::NEG_INFINITY, |x, &y| x.max(y)))
                .insert_axis(Axis(axis));
            close(&k.gather_all().unwrap(), &want, "keepdims");
            let e = a.max(Axis(axis)).unwrap().expand_dims(Axis(axis)).unwrap();
            close(&e.gather_all().unwrap(), &want, "expand_dims");
        }
        if layout.ndim() == 3 {
            let s = a.sum([Axis(0), Axis(2)]).unwrap();
            close(
                &s.gather_all().unwrap(),
                &g.sum_axis(Axis(2)).sum_axis(Axis(0)),
                "sum(several)",
            );
            let m = a.max(&[Axis(1), Axis(2)][..]).unwrap();
            close(
                &m.gather_all().unwrap(),
                &g.map_axis(Axis(2), |v| v.fold(f64::NEG_INFINITY, |x, &y| x.max(y)))
                    .map_axis(Axis(1), |v| v.fold(f64::NEG_INFINITY, |x, &y| x.max(y))),
                "max(several)",
            );
            assert!(a.sum([Axis(0), Axis(1), Axis(2)]).is_err());
            close(
                &a.mean(vec![Axis(0), Axis(1)])
                    .unwrap()
                    .gather_all()
                    .unwrap(),
                &g.mean_axis(Axis(1)).unwrap().mean_axis(Axis(0)).unwrap(),
                "mean(several)",
            );
            close(
                &a.prod([Axis(2)]).unwrap().gather_all().unwrap(),
                &g.map_axis(Axis(2), |v| v.product()),
                "prod(several)",
            );
        }
    }
}

fn slice_views(comm: &Comm) {
    let layout = Layout::new(
        comm,
        &[6, 2 * comm.size() + 1],
        &[Dist::NotDistributed, Dist::Cyclic],
    )
    .unwrap();
    let a = data(&layout, 12);
    for index in [
        s![1..-1].to_vec(),
        s![..;-2].to_vec(),
        s![3].to_vec(),
        s![...].to_vec(),
    ] {
        let v = a.slice_view(&index).unwrap();
        let c = a.slice(&index).unwrap();
        assert_eq!(
            v.gather_all().unwrap(),
            c.gather_all().unwrap(),
            "{index:?}"
        );
    }
    // a view borrows the array's memory
    let v = a.slice_view(s![0]).unwrap();
    let al = a.local();
    let row0 = al.index_axis(Axis(0), 0);
    assert!(v
        .local()
        .iter()
        .zip(row0.iter())
        .all(|(x, y)| std::ptr::eq(x, y)));
    // cutting the distributed axis needs a copy, and says so
    if comm.size() > 1 {
        match a.slice_view(s![.., 0..1]) {
            Err(Error::LayoutMismatch { detail, .. }) => {
                assert!(detail.contains("slice()"), "{detail}")
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Reductions and scans along an axis make the grid line's communicator
/// once per layout and axis (clones share it), not once per call; equal
/// layouts built separately on some ranks only make theirs together, with
/// no hang.
fn axis_reductions_reuse_their_line_communicator(comm: &Comm) {
    use distarray::mpi::raw::AsRaw;
    let layout = Layout::block(comm, &[12, 10]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] + ix[1]) as f64);
    let first = a.sum(Axis(0)).unwrap().gather_all().unwrap();
    let line = layout.line_along(0);
    for _ in 0..20 {
        assert_eq!(a.sum(Axis(0)).unwrap().gather_all().unwrap(), first);
        let _ = a.cumsum(Axis(0)).unwrap();
    }
    let again = layout.clone().line_along(0);
    assert_eq!(
        line.raw().as_raw(),
        again.raw().as_raw(),
        "one communicator per layout and axis"
    );
    // rank 0 reduces over an equal layout built anew; the others over the
    // cached one: every rank still gets the right answer
    let fresh = Layout::block(comm, &[12, 10]).unwrap();
    let fresh_too = fresh.clone();
    let other = if comm.rank() == 0 {
        fresh
    } else {
        layout.clone()
    };
    let b = DistArray::from_fn(&other, |ix: &[usize]| (ix[0] + ix[1]) as f64);
    assert_eq!(b.sum(Axis(0)).unwrap().gather_all().unwrap(), first);
    // now both layouts hold a line communicator on every rank, made at
    // different times: rank 0 reducing over one while the others reduce
    // over the other must not pair two different communicators
    let c = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] + ix[1]) as f64);
    assert_eq!(c.sum(Axis(0)).unwrap().gather_all().unwrap(), first);
    let d = DistArray::from_fn(&fresh_too, |ix: &[usize]| (ix[0] + ix[1]) as f64);
    assert_eq!(d.sum(Axis(0)).unwrap().gather_all().unwrap(), first);
    let mixed = if comm.rank() == 0 { &c } else { &d };
    assert_eq!(mixed.sum(Axis(0)).unwrap().gather_all().unwrap(), first);
    assert_eq!(a.sum(Axis(1)).unwrap().gather_all().unwrap(), {
        let whole = a.gather_all().unwrap();
        whole.sum_axis(Axis(1))
    });
}

/// Axes and indices are agreed before any communication: the last rank
/// alone passing another axis (valid or not), repeated axes, another
/// element index or an out-of-range `expand_dims` gets every rank the same
/// error, never a hang; then everything still works.
fn other_axes_or_index_on_one_rank_is_an_error_everywhere(comm: &Comm) {
    let odd = comm.rank() + 1 == comm.size();
    let layout = Layout::new(
        comm,
        &[6, 5, 4],
        &[Dist::Block, Dist::Cyclic, Dist::NotDistributed],
    )
    .unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| {
        (ix[0] * 20 + ix[1] * 4 + ix[2]) as f64
    });
    let same = |r: Result<(), Error>, what: &str| {
        let err = r.expect_err(what);
        harness::assert_same_everywhere(comm, &err);
    };
    let pick = |usual: usize, other: usize| if odd { other } else { usual };
    if comm.size() > 1 {
        same(a.sum(Axis(pick(0, 1))).map(|_| ()), "another valid axis");
        same(a.cumsum(Axis(pick(1, 0))).map(|_| ()), "another scan axis");
        same(
            a.argmax(Axis(pick(2, 0))).map(|_| ()),
            "another argmax axis",
        );
        same(a.get(&[pick(1, 2), 0, 0]).map(|_| ()), "another index");
        same(
            a.expand_dims(Axis(pick(0, 1))).map(|_| ()),
            "another new axis",
        );
    }
    same(a.sum(Axis(pick(0, 7))).map(|_| ()), "an axis out of range");
    let axes: &[Axis] = if odd {
        &[Axis(1), Axis(1)]
    } else {
        &[Axis(0), Axis(1)]
    };
    same(a.sum(axes).map(|_| ()), "repeated axes");
    same(
        a.expand_dims(Axis(pick(0, 9))).map(|_| ()),
        "expand_dims out of range",
    );
    same(
        a.get(&[pick(0, 60), 0, 0]).map(|_| ()),
        "an index out of bounds",
    );
    assert_eq!(a.get(&[5, 4, 3]).unwrap(), 119.0);
    // all-cells reductions over arrays of another layout on one rank
    let other = Layout::new(
        comm,
        &[6, 5, 4],
        &[Dist::Cyclic, Dist::Block, Dist::NotDistributed],
    )
    .unwrap();
    let b = DistArray::from_fn(&other, |ix: &[usize]| {
        (ix[0] * 20 + ix[1] * 4 + ix[2]) as f64
    });
    if comm.size() > 1 {
        let mine = if odd { &b } else { &a };
        same(mine.sum(All).map(|_| ()), "sum of another layout");
        same(
            mine.sum_reproducible().map(|_| ()),
            "reproducible sum of another layout",
        );
        // the reproducible sum's global count differing on one rank
        let n = if odd { 7 } else { 120 };
        same(
            distarray::reduce::reproducible_sum(comm, &[1.0], n).map(|_| ()),
            "another global count",
        );
        same(a.var(All, pick(0, 1)).map(|_| ()), "another ddof");
    }
    assert_eq!(a.sum(All).unwrap(), b.sum(All).unwrap());
    let rows = a.sum([Axis(1), Axis(2)]).unwrap().gather_all().unwrap();
    let whole = a.gather_all().unwrap();
    assert_eq!(rows, whole.sum_axis(Axis(2)).sum_axis(Axis(1)));
}

//! Multi-rank checks of the random generators: the same bits on any number
//! of ranks and any layout (against arrays made by one process alone), the
//! generator's stream of calls, the statistics of every distribution
//! (moments within a few standard errors, chi-square on buckets), bounds,
//! and bad arguments that every rank rejects alike. Runs on 1, 2, 3 and 4
//! ranks.

mod harness;

use distarray::map::{AxisMap, BlockMap};
use distarray::mpi::collective::SystemOperation;
use distarray::mpi::topology::SimpleCommunicator;
use distarray::mpi::traits::*;
use distarray::ndarray::{ArrayD, IxDyn};
use distarray::num_complex::{Complex32, Complex64};
use distarray::random::{default_rng, Generator, RandomElement};
use distarray::{Comm, Dist, DistArray, Element, Error, Layout, ProcGrid};
use harness::{assert_same_everywhere, Check};

static CHECKS: &[Check] = &[
    check!(same_bits_on_any_ranks_and_layouts),
    check!(fill_in_place_matches_new_arrays),
    check!(successive_calls_are_independent_and_repeatable),
    check!(uniform_moments_and_buckets),
    check!(uniform_f32_and_bounds),
    check!(integers_are_unbiased),
    check!(normal_moments_and_cdf_buckets),
    check!(bad_arguments_give_every_rank_the_same_error),
];

fn main() {
    harness::main("mpi_random", CHECKS, &[1, 2, 3, 4]);
}

/// A communicator of this process alone: arrays made there are the
/// one-rank reference.
fn alone() -> Comm {
    Comm::duplicate_of(&SimpleCommunicator::self_comm())
}

/// Indices of position `pos` of `p` for an axis of `n`, scrambled and out
/// of order.
fn scrambled(n: usize, p: usize, pos: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n)
        .filter(|&g| (distarray::random::mix64(g as u64) % p as u64) as usize == pos)
        .collect();
    v.reverse();
    v.sort_by_key(|&g| g % 3); // runs of step 3, broken
    v
}

/// Layouts of every kind for `shape`'s rank (1, 2 or 3 axes).
fn layouts(comm: &Comm, shape: &[usize]) -> Vec<Layout> {
    let n = comm.size();
    let mut out = vec![Layout::block(comm, shape).unwrap()];
    // irregular bounds: one cell on each rank but the last
    let mut bounds: Vec<usize> = (0..n).collect();
    bounds.push(shape[0]);
    let kinds: Vec<Vec<Dist>> = match shape.len() {
        1 => vec![
            vec![Dist::Cyclic],
            vec![Dist::BlockCyclic(3)],
            vec![Dist::BlockBounds(bounds)],
        ],
        2 => vec![
            vec![Dist::Block, Dist::Cyclic],
            vec![Dist::Cyclic, Dist::Block],
            vec![Dist::NotDistributed, Dist::BlockCyclic(4)],
            vec![Dist::BlockCyclic(5), Dist::NotDistributed],
            vec![Dist::BlockBounds(bounds), Dist::NotDistributed],
        ],
        _ => vec![
            vec![Dist::Block, Dist::NotDistributed, Dist::Cyclic],
            vec![Dist::Cyclic, Dist::Block, Dist::BlockCyclic(2)],
        ],
    };
    out.extend(kinds.iter().map(|d| Layout::new(comm, shape, d).unwrap()));
    // ghost cells along the first axis (padding cells hold their owner's value)
    let grid: Vec<usize> = (0..shape.len())
        .map(|a| if a == 0 { n } else { 1 })
        .collect();
    let pg = ProcGrid::new(&grid, n, comm.rank()).unwrap();
    let mut maps: Vec<AxisMap> = shape.iter().map(|&s| AxisMap::not_distributed(s)).collect();
    if shape[0] >= 2 * n {
        let padded = BlockMap::regular(shape[0], n)
            .with_padding(1, (1, 1))
            .unwrap();
        maps[0] = AxisMap::Block(padded);
        out.push(Layout::from_parts(comm.clone(), pg, maps));
    }
    // unstructured along the last axis
    let last = shape.len() - 1;
    let mut dists = vec![Dist::NotDistributed; shape.len()];
    dists[last] = Dist::Unstructured {
        indices: scrambled(shape[last], n, comm.rank()),
        one_to_one: true,
    };
    let mut grid = vec![1; shape.len()];
    grid[last] = n;
    out.push(Layout::with_grid(comm, shape, &dists, &grid).unwrap());
    out
}

/// Every cell of this rank's buffer, padding included, holds the
/// reference's value at its global index (bitwise, as `Debug` shows it).
fn matches<T: Element>(a: &DistArray<T>, reference: &ArrayD<T>, what: &str) {
    let ix: Vec<Vec<usize>> = (0..a.ndim())
        .map(|d| a.layout().global_indices(d))
        .collect();
    for (local, v) in a.local().indexed_iter() {
        let g: Vec<usize> = (0..a.ndim()).map(|d| ix[d][local[d]]).collect();
        let want = reference[IxDyn(&g)];
        assert_eq!(
            format!("{v:?}"),
            format!("{want:?}"),
            "{what} at {g:?} in {:?}",
            a.layout()
        );
    }
}

/// A generator's first ten arrays, one of each kind, on `layout`.
struct Draws {
    f64s: DistArray<f64>,
    f32s: DistArray<f32>,
    c64s: DistArray<Complex64>,
    c32s: DistArray<Complex32>,
    normals: DistArray<f64>,
    normals32: DistArray<f32>,
    ints: DistArray<i64>,
    bytes: DistArray<u8>,
    wide: DistArray<i64>,
    coins: DistArray<bool>,
}

fn draws(seed: u64, layout: &Layout) -> Draws {
    let mut rng = default_rng(seed);
    Draws {
        f64s: rng.random(layout).unwrap(),
        f32s: rng.uniform(layout, -2.0, 3.0).unwrap(),
        c64s: rng.random(layout).unwrap(),
        c32s: rng.random(layout).unwrap(),
        normals: rng.normal(layout, 1.5, 0.5).unwrap(),
        normals32: rng.standard_normal(layout).unwrap(),
        ints: rng.integers(layout, -1000, 1000).unwrap(),
        bytes: rng.integers(layout, 0, 255).unwrap(),
        wide: rng.integers(layout, i64::MIN, i64::MAX).unwrap(),
        coins: rng.random(layout).unwrap(),
    }
}

fn same_bits_on_any_ranks_and_layouts(comm: &Comm) {
    let me = alone();
    for shape in [&[1000][..], &[23, 37], &[7, 9, 11], &[4 * 4 + 3, 1]] {
        let one = draws(77, &Layout::block(&me, shape).unwrap());
        fn g<T: Element>(a: &DistArray<T>) -> ArrayD<T> {
            a.gather_all().unwrap()
        }
        for layout in layouts(comm, shape) {
            let d = draws(77, &layout);
            matches(&d.f64s, &g(&one.f64s), "random f64");
            matches(&d.f32s, &g(&one.f32s), "uniform f32");
            matches(&d.c64s, &g(&one.c64s), "random c128");
            matches(&d.c32s, &g(&one.c32s), "random c64");
            matches(&d.normals, &g(&one.normals), "normal f64");
            matches(&d.normals32, &g(&one.normals32), "standard normal f32");
            matches(&d.ints, &g(&one.ints), "integers i64");
            matches(&d.bytes, &g(&one.bytes), "integers u8");
            matches(&d.wide, &g(&one.wide), "integers, 64-bit range");
            matches(&d.coins, &g(&one.coins), "coins");
        }
    }
    // DistArray::random is the first array of a fresh generator, and each
    // value can be computed alone
    let layout = Layout::new(comm, &[9, 7], &[Dist::Cyclic, Dist::BlockCyclic(2)]).unwrap();
    let a = DistArray::<f64>::random(&layout, 5);
    let b = Generator::new(5).random::<f64>(&layout).unwrap();
    assert_eq!(a.local(), b.local());
    let want = ArrayD::from_shape_fn(IxDyn(&[9, 7]), |ix| {
        f64::random(5, (ix[0] * 7 + ix[1]) as u64)
    });
    matches(&a, &want, "RandomElement::random");
    let i = DistArray::<i32>::random(&layout, 5);
    assert!(i.local().iter().all(|x| (0..100).contains(x)));
}

fn fill_in_place_matches_new_arrays(comm: &Comm) {
    let layout = Layout::new(comm, &[31, 6], &[Dist::BlockCyclic(4), Dist::Block]).unwrap();
    let (mut fresh, mut inplace) = (default_rng(3), default_rng(3));
    let mut a = DistArray::<f64>::zeros(&layout);
    inplace.random_into(&mut a).unwrap();
    assert_eq!(a.local(), fresh.random::<f64>(&layout).unwrap().local());
    inplace.uniform_into(&mut a, 3.0, 4.0).unwrap();
    assert_eq!(a.local(), fresh.uniform(&layout, 3.0, 4.0).unwrap().local());
    inplace.standard_normal_into(&mut a).unwrap();
    assert_eq!(
        a.local(),
        fresh.standard_normal::<f64>(&layout).unwrap().local()
    );
    inplace.normal_into(&mut a, -1.0, 3.0).unwrap();
    assert_eq!(a.local(), fresh.normal(&layout, -1.0, 3.0).unwrap().local());
    let mut b = DistArray::<i32>::zeros(&layout);
    inplace.integers_into(&mut b, -7, 9).unwrap();
    assert_eq!(b.local(), fresh.integers(&layout, -7, 9).unwrap().local());
    // a view fills in place too
    let mut c = DistArray::<f64>::zeros(&layout);
    inplace.random_into(&mut c.view_mut()).unwrap();
    assert_eq!(c.local(), fresh.random::<f64>(&layout).unwrap().local());
    assert_eq!(inplace, fresh);
    assert_eq!(inplace.calls(), 6);
}

fn successive_calls_are_independent_and_repeatable(comm: &Comm) {
    let layout = Layout::block(comm, &[20_000]).unwrap();
    let mut rng = Generator::new(11);
    let a = rng.random::<f64>(&layout).unwrap();
    let copy = rng.clone();
    let b = rng.random::<f64>(&layout).unwrap();
    assert_eq!(
        copy.clone().random::<f64>(&layout).unwrap().local(),
        b.local()
    );
    // the two arrays are uncorrelated (correlation within 5 standard errors)
    let n = layout.global_len() as f64;
    let [sa, sb, sab] = sums(
        comm,
        a.local()
            .iter()
            .zip(b.local().iter())
            .map(|(&x, &y)| [x, y, x * y]),
    );
    let cov = sab / n - (sa / n) * (sb / n);
    let corr = cov * 12.0;
    assert!(
        corr.abs() < 5.0 / n.sqrt(),
        "successive arrays correlate: {corr}"
    );
    // other seeds differ
    let c = Generator::new(12).random::<f64>(&layout).unwrap();
    let same = a
        .local()
        .iter()
        .zip(c.local().iter())
        .filter(|(x, y)| x == y)
        .count();
    assert_eq!(comm.sum_u64(same as u64), 0);
}

/// Global sums of the per-cell terms.
fn sums<const K: usize>(comm: &Comm, terms: impl Iterator<Item = [f64; K]>) -> [f64; K] {
    let mut local = [0.0; K];
    for t in terms {
        for k in 0..K {
            local[k] += t[k];
        }
    }
    let mut out = [0.0; K];
    comm.raw()
        .all_reduce_into(&local[..], &mut out[..], SystemOperation::sum());
    out
}

/// Global bucket counts.
fn histogram(comm: &Comm, buckets: usize, which: impl Iterator<Item = usize>) -> Vec<u64> {
    let mut local = vec![0u64; buckets];
    for b in which {
        local[b] += 1;
    }
    let mut out = vec![0u64; buckets];
    comm.raw()
        .all_reduce_into(&local[..], &mut out[..], SystemOperation::sum());
    out
}

/// Asserts the counts fit the probabilities: the chi-square statistic below
/// its 1 - 1e-6 quantile (Wilson-Hilferty; the seeds are fixed, so the test
/// is deterministic, and a sound generator passes with a wide margin).
fn chi_square(counts: &[u64], probs: &[f64], what: &str) {
    let n: u64 = counts.iter().sum();
    let stat: f64 = counts
        .iter()
        .zip(probs)
        .map(|(&c, &p)| {
            let e = p * n as f64;
            (c as f64 - e).powi(2) / e
        })
        .sum();
    let df = (counts.len() - 1) as f64;
    let z = 4.753; // the normal quantile of 1 - 1e-6
    let bound = df * (1.0 - 2.0 / (9.0 * df) + z * (2.0 / (9.0 * df)).sqrt()).powi(3);
    assert!(
        stat < bound,
        "{what}: chi-square {stat:.1} over {bound:.1} ({} buckets)",
        counts.len()
    );
}

/// Asserts |value - want| is within five standard errors `se`.
fn within(value: f64, want: f64, se: f64, what: &str) {
    assert!(
        (value - want).abs() < 5.0 * se,
        "{what}: {value} vs {want} (standard error {se:e})"
    );
}

const N: usize = 1_000_000;

fn uniform_moments_and_buckets(comm: &Comm) {
    let layout = Layout::new(comm, &[1000, N / 1000], &[Dist::Block, Dist::Cyclic]).unwrap();
    let a = Generator::new(2024).random::<f64>(&layout).unwrap();
    let x = a.local();
    assert!(x.iter().all(|v| (0.0..1.0).contains(v)));
    let n = N as f64;
    let [s1, s2] = sums(comm, x.iter().map(|&v| [v, v * v]));
    let mean = s1 / n;
    within(mean, 0.5, (1.0 / 12.0 / n).sqrt(), "uniform mean");
    let var = s2 / n - mean * mean;
    within(
        var,
        1.0 / 12.0,
        ((1.0 / 80.0 - 1.0 / 144.0) / n).sqrt(),
        "uniform variance",
    );
    let counts = histogram(comm, 100, x.iter().map(|&v| (v * 100.0) as usize));
    chi_square(&counts, &[0.01; 100], "uniform buckets");
    // the low bits too: buckets of the 53-bit integer's last 6 bits
    let low = histogram(
        comm,
        64,
        x.iter()
            .map(|&v| ((v * 2f64.powi(53)) as u64 & 63) as usize),
    );
    chi_square(&low, &[1.0 / 64.0; 64], "uniform low bits");
}

fn uniform_f32_and_bounds(comm: &Comm) {
    let layout = Layout::new(comm, &[N], &[Dist::BlockCyclic(1000)]).unwrap();
    let mut rng = Generator::new(9);
    let a = rng.uniform(&layout, -3.0f32, 5.0).unwrap();
    let x = a.local();
    assert!(x.iter().all(|v| (-3.0..5.0).contains(v)));
    let [s1] = sums(comm, x.iter().map(|&v| [v as f64]));
    within(
        s1 / N as f64,
        1.0,
        (64.0 / 12.0 / N as f64).sqrt(),
        "uniform f32 mean",
    );
    let counts = histogram(comm, 80, x.iter().map(|&v| ((v + 3.0) * 10.0) as usize));
    chi_square(&counts, &[1.0 / 80.0; 80], "uniform f32 buckets");
    // a range where low + width * u rounds up to high for the top draws:
    // high never occurs
    for (low, high) in [(1.0f64, 2.0), (-1.0, 0.0), (1e300, 1.0000001e300)] {
        let b = rng.uniform(&layout, low, high).unwrap();
        assert!(
            b.local().iter().all(|v| (low..high).contains(v)),
            "{low}..{high}"
        );
    }
    let c = rng.uniform(&layout, 0.5f32, 1.0).unwrap();
    assert!(c.local().iter().all(|v| (0.5..1.0).contains(v)));
}

fn integers_are_unbiased(comm: &Comm) {
    let layout = Layout::new(comm, &[N], &[Dist::Cyclic]).unwrap();
    let mut rng = Generator::new(31);
    // a small range of i64, on 32-bit draws
    let a = rng.integers(&layout, -3i64, 7).unwrap();
    assert!(a.local().iter().all(|v| (-3..7).contains(v)));
    let counts = histogram(comm, 10, a.local().iter().map(|&v| (v + 3) as usize));
    chi_square(&counts, &[0.1; 10], "integers -3..7");
    // every byte
    let b = rng.integers(&layout, 0u8, 255).unwrap();
    assert!(b.local().iter().all(|&v| v < 255));
    let counts = histogram(comm, 255, b.local().iter().map(|&v| v as usize));
    chi_square(&counts, &[1.0 / 255.0; 255], "u8 0..255");
    // 3 * 2^30 values: a modulo reduction of 32 bits would give the first
    // third twice the others' share; the rejection keeps them equal
    let c = rng.integers(&layout, 0i64, 3 << 30).unwrap();
    let counts = histogram(comm, 3, c.local().iter().map(|&v| (v >> 30) as usize));
    chi_square(&counts, &[1.0 / 3.0; 3], "i32 thirds");
    // the whole i64 range but one, on 64-bit draws: the top 4 bits even
    let d = rng.integers(&layout, i64::MIN, i64::MAX).unwrap();
    assert!(d.local().iter().all(|&v| v != i64::MAX));
    let counts = histogram(
        comm,
        16,
        d.local().iter().map(|&v| (v as u64 >> 60) as usize),
    );
    chi_square(&counts, &[1.0 / 16.0; 16], "i64 top bits");
    // 3 * 2^62 values, a quarter of the 64-bit draws rejected at first
    let e = rng.integers(&layout, i64::MIN, 1 << 62).unwrap();
    let counts = histogram(
        comm,
        3,
        e.local()
            .iter()
            .map(|&v| (v.wrapping_sub(i64::MIN) as u64 >> 62) as usize),
    );
    chi_square(&counts, &[1.0 / 3.0; 3], "i64 thirds");
    // one value only
    let f = rng.integers(&layout, 41i32, 42).unwrap();
    assert!(f.local().iter().all(|&v| v == 41));
}

/// The standard normal CDF, by Simpson's rule on the density (error far
/// below what a million samples can see).
fn normal_cdf(x: f64) -> f64 {
    let steps = 2000;
    let h = x.abs() / steps as f64;
    let pdf = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let mut s = pdf(0.0) + pdf(x.abs());
    for k in 1..steps {
        s += pdf(k as f64 * h) * if k % 2 == 1 { 4.0 } else { 2.0 };
    }
    let half = s * h / 3.0;
    if x >= 0.0 {
        0.5 + half
    } else {
        0.5 - half
    }
}

fn normal_moments_and_cdf_buckets(comm: &Comm) {
    let layout = Layout::new(comm, &[N / 500, 500], &[Dist::Cyclic, Dist::Block]).unwrap();
    let mut rng = Generator::new(1958);
    let a = rng.standard_normal::<f64>(&layout).unwrap();
    let x = a.local();
    let n = N as f64;
    let [s1, s2, s3, s4] = sums(
        comm,
        x.iter().map(|&v| [v, v * v, v * v * v, v * v * v * v]),
    );
    within(s1 / n, 0.0, (1.0 / n).sqrt(), "normal mean");
    within(s2 / n, 1.0, (2.0 / n).sqrt(), "normal variance");
    within(s3 / n, 0.0, (15.0 / n).sqrt(), "normal third moment");
    within(s4 / n, 3.0, (96.0 / n).sqrt(), "normal fourth moment");
    // buckets between -4 and 4 by halves, plus the two tails
    let edges: Vec<f64> = (0..=16).map(|k| -4.0 + 0.5 * k as f64).collect();
    let mut probs = vec![normal_cdf(edges[0])];
    probs.extend(
        edges
            .windows(2)
            .map(|w| normal_cdf(w[1]) - normal_cdf(w[0])),
    );
    probs.push(1.0 - normal_cdf(edges[16]));
    let bucket = |v: f64| edges.partition_point(|&e| e <= v);
    let counts = histogram(comm, probs.len(), x.iter().map(|&v| bucket(v)));
    chi_square(&counts, &probs, "normal buckets");
    // a shifted, scaled f32 normal
    let b = rng.normal(&layout, 10.0f32, 2.0).unwrap();
    let [t1, t2] = sums(
        comm,
        b.local()
            .iter()
            .map(|&v| [v as f64, (v as f64 - 10.0).powi(2)]),
    );
    within(t1 / n, 10.0, (4.0 / n).sqrt(), "normal(10, 2) mean");
    within(t2 / n, 4.0, (32.0 / n).sqrt(), "normal(10, 2) variance");
}

fn bad_arguments_give_every_rank_the_same_error(comm: &Comm) {
    let layout = Layout::block(comm, &[10]).unwrap();
    let mut rng = Generator::new(1);
    let bad = |e: Result<(), Error>| {
        let e = e.expect_err("bad arguments fail");
        assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
        assert_same_everywhere(comm, &e);
    };
    let mut a = DistArray::<f64>::zeros(&layout);
    bad(rng.uniform_into(&mut a, 1.0, 1.0));
    bad(rng.uniform_into(&mut a, 2.0, 1.0));
    bad(rng.uniform_into(&mut a, f64::NAN, 1.0));
    bad(rng.uniform_into(&mut a, -f64::MAX, f64::MAX)); // the width overflows
    bad(rng.normal_into(&mut a, 0.0, -1.0));
    bad(rng.normal_into(&mut a, 0.0, f64::INFINITY));
    bad(rng.normal_into(&mut a, f64::NAN, 1.0));
    bad(rng.integers(&layout, 5i64, 5).map(|_| ()));
    bad(rng.integers(&layout, 200u8, 100).map(|_| ()));
    bad(rng.uniform(&layout, 0.0f32, -1.0).map(|_| ()));
    // a failed call does not advance the generator
    assert_eq!(rng.calls(), 0);
    // bad arguments on one rank only: every rank gets that rank's error
    let last = comm.size() - 1;
    let high = if comm.rank() == last { -1.0 } else { 1.0 };
    bad(rng.uniform_into(&mut a, 0.0, high));
    if comm.size() > 1 {
        // good but different arguments, or generators out of step
        let e = rng
            .normal_into(&mut a, comm.rank() as f64, 1.0)
            .unwrap_err();
        assert!(matches!(e, Error::ArgumentsDiffer { .. }), "{e}");
        assert_same_everywhere(comm, &e);
        let mut ahead = Generator::new(1);
        if comm.rank() == 0 {
            ahead
                .random_into(&mut DistArray::<f64>::zeros(
                    &Layout::block(&alone(), &[3]).unwrap(),
                ))
                .unwrap();
        }
        let e = ahead.random_into(&mut a).unwrap_err();
        assert!(matches!(e, Error::ArgumentsDiffer { .. }), "{e}");
        assert_same_everywhere(comm, &e);
    }
    assert_eq!(rng.calls(), 0);
    rng.random_into(&mut a).unwrap();
    assert_eq!(rng.calls(), 1);
}

//! Property tests of the distributed sorts on 1-4 ranks. proptest's runner
//! cannot drive a collective (every rank must run the same case), so the
//! cases come from a seeded generator, the same on every rank: 200 per
//! rank count, each a random length (0..300) or 2-D shape, random layout
//! kinds and bounds (empty ranks included), values with many duplicates,
//! NaNs and signed zeros, random options. Checked: `argsort` is a
//! permutation whose keys are in order with equal keys in index order,
//! `sort` holds those keys (bit for bit when stable), both in the input's
//! layout; `sort_axis`/`argsort_axis` against the lanes sorted locally.

mod harness;
mod sort_common;

use distarray::random::mix64;
use distarray::sort::{SortKey, SortOptions};
use distarray::{Comm, Dist, DistArray, Layout};
use harness::Check;
use sort_common::{check_axis, cmp};
use std::cmp::Ordering;

static CHECKS: &[Check] = &[check!(random_one_d_cases), check!(random_two_d_cases)];

fn main() {
    harness::main("mpi_sort_props", CHECKS, &[1, 2, 3, 4]);
}

const CASES: u64 = 200;

/// A deterministic generator (the same stream on every rank).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = mix64(self.0.wrapping_add(0x9E37_79B9_7F4A_7C15));
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn flip(&mut self) -> bool {
        self.next() & 1 == 1
    }
    fn options(&mut self) -> SortOptions {
        SortOptions {
            descending: self.flip(),
            stable: self.flip(),
        }
    }
    /// Random nondecreasing bounds of `n` cells over `g` positions (some
    /// positions often empty).
    fn bounds(&mut self, n: usize, g: usize) -> Vec<usize> {
        let mut cuts: Vec<usize> = (1..g).map(|_| self.below(n + 1)).collect();
        if self.flip() {
            // a cluster of empty positions
            let at = self.below(n + 1);
            cuts.iter_mut().take(g / 2).for_each(|c| *c = at);
        }
        cuts.sort_unstable();
        let mut b = vec![0];
        b.extend(cuts);
        b.push(n);
        b
    }
    /// A random distribution of `n` cells over `g` grid positions.
    fn dist(&mut self, n: usize, g: usize) -> Dist {
        let kinds = if g == 1 { 6 } else { 5 };
        match self.below(kinds) {
            0 => Dist::Block,
            1 => Dist::BlockBounds(self.bounds(n, g)),
            2 => Dist::Cyclic,
            3 => Dist::BlockCyclic(1 + self.below(5)),
            4 if n >= 3 * g => Dist::BlockPadded {
                ghost_width: 1,
                boundary_width: (self.below(2), self.below(2)),
                periodic: false,
            },
            4 => Dist::BlockBounds(self.bounds(n, g)),
            _ => Dist::NotDistributed,
        }
    }
    /// A value with few distinct keys (many duplicates), NaNs of both
    /// signs and signed zeros.
    fn f64(&mut self, distinct: usize) -> f64 {
        match self.below(16) {
            0 => f64::NAN,
            1 => -f64::NAN,
            2 => -0.0,
            _ => self.below(distinct) as f64 - (distinct / 2) as f64,
        }
    }
}

/// The properties of one 1-D case.
fn check_one_d<T: SortKey>(a: &DistArray<T>, options: SortOptions, what: &str) {
    let desc = options.descending;
    let s = a.sort(options).unwrap();
    let i = a.argsort(options).unwrap();
    assert_eq!(s.layout(), a.layout(), "{what}");
    assert_eq!(i.layout(), a.layout(), "{what}");
    let x: Vec<T> = a.gather_all().unwrap().iter().copied().collect();
    let s: Vec<T> = s.gather_all().unwrap().iter().copied().collect();
    let order: Vec<usize> = i
        .gather_all()
        .unwrap()
        .iter()
        .map(|&k| k as usize)
        .collect();
    let mut seen = order.clone();
    seen.sort_unstable();
    assert!(
        seen.iter().copied().eq(0..x.len()),
        "{what}: argsort is a permutation"
    );
    for w in order.windows(2) {
        match cmp(&x[w[0]], &x[w[1]], desc) {
            Ordering::Less => {}
            Ordering::Equal => assert!(w[0] < w[1], "{what}: equal keys in index order"),
            Ordering::Greater => panic!("{what}: keys out of order at {w:?}"),
        }
    }
    for (m, (v, &k)) in s.iter().zip(&order).enumerate() {
        assert_eq!(
            cmp(v, &x[k], desc),
            Ordering::Equal,
            "{what}: sorted cell {m}"
        );
        if options.stable {
            assert_eq!(
                format!("{v:?}"),
                format!("{:?}", x[k]),
                "{what}: stable cell {m}"
            );
        }
    }
}

fn random_one_d_cases(comm: &Comm) {
    let p = comm.size();
    let mut g = Gen(0x5027 + p as u64);
    for case in 0..CASES {
        let n = g.below(300);
        let dist = g.dist(n, p);
        let layout = Layout::with_grid(comm, &[n], std::slice::from_ref(&dist), &[p]).unwrap();
        let options = g.options();
        let what = format!("case {case}: n {n}, {dist:?}, {options:?}");
        let distinct = 1 + g.below(12);
        let seed = g.next();
        if g.flip() {
            let mut v = Gen(seed);
            let values: Vec<f64> = (0..n).map(|_| v.f64(distinct)).collect();
            let a = DistArray::from_fn(&layout, |ix: &[usize]| values[ix[0]]);
            check_one_d(&a, options, &what);
        } else {
            let a = DistArray::from_fn(&layout, |ix: &[usize]| {
                (mix64(seed ^ ix[0] as u64) % distinct as u64) as i64 - 3
            });
            check_one_d(&a, options, &what);
        }
    }
}

fn random_two_d_cases(comm: &Comm) {
    let p = comm.size();
    let mut g = Gen(0x2d + p as u64);
    let divisors: Vec<usize> = (1..=p).filter(|d| p % d == 0).collect();
    for _ in 0..CASES {
        let shape = [g.below(16), g.below(16)];
        let g0 = divisors[g.below(divisors.len())];
        let grid = [g0, p / g0];
        let dists = [g.dist(shape[0], grid[0]), g.dist(shape[1], grid[1])];
        let layout = Layout::with_grid(comm, &shape, &dists, &grid).unwrap();
        let distinct = 1 + g.below(6);
        let seed = g.next();
        let a = DistArray::from_fn(&layout, |ix: &[usize]| {
            let mut v = Gen(seed ^ mix64((ix[0] * 64 + ix[1]) as u64));
            v.f64(distinct)
        });
        check_axis(&a, g.below(2), g.options());
    }
}

//! The sparse-matrix builder on 1-4 ranks: every rank setting entries for
//! every row (its own and other ranks'), added or inserted, with
//! duplicates, square and rectangular, with an empty rank, for several
//! element types, checked against a serial reference built from the same
//! entries (and random entry sets, as a property test run on every rank);
//! bad entries on one rank are the same error on every rank.

mod harness;
mod laplacian;

use distarray::num_complex::Complex64;
use distarray::random::mix64;
use distarray::sparse::{check_rows, owned_rows, CsrRows, SparseBuilder};
use distarray::{Comm, Dist, Element, Error, Layout};
use harness::Check;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::ops::Add;

static CHECKS: &[Check] = &[
    check!(every_rank_adds_to_every_row),
    check!(insert_keeps_the_owner_then_rank_order_last),
    check!(duplicates_sum_within_and_across_ranks),
    check!(rectangular_matrices),
    check!(an_empty_rank_gets_no_rows_and_sends_its_entries),
    check!(element_types),
    check!(nothing_set_is_an_empty_matrix),
    check!(bad_entries_are_the_same_error_on_every_rank),
    check!(mixed_modes_are_an_error_on_every_rank),
    check!(random_entry_sets_match_the_serial_reference),
    check!(laplacian_rows_are_the_5_point_stencil),
];

fn main() {
    harness::main("mpi_sparse", CHECKS, &[1, 2, 3, 4]);
}

/// Entries one rank sets: (row, column, value), in call order.
type Entries<T> = Vec<(usize, usize, T)>;

/// The matrix a serial reference gives for every rank's entries: per row,
/// (column, value) sorted by column, combined in the builder's documented
/// order (the owner's entries first, then the other ranks' in rank order,
/// each in call order): summed, or the last one kept.
fn reference<T: Copy + Add<Output = T>>(
    nrows: usize,
    per_rank: &[Entries<T>],
    owner: impl Fn(usize) -> usize,
    insert: bool,
) -> Vec<Vec<(usize, T)>> {
    let mut all: Vec<(usize, usize, usize, usize, T)> = Vec::new();
    for (q, entries) in per_rank.iter().enumerate() {
        for (seq, &(r, c, v)) in entries.iter().enumerate() {
            let prio = if owner(r) == q { 0 } else { 1 + q };
            all.push((r, c, prio, seq, v));
        }
    }
    all.sort_by_key(|e| (e.0, e.1, e.2, e.3));
    let mut out = vec![Vec::new(); nrows];
    for (r, c, _, _, v) in all {
        let row: &mut Vec<(usize, T)> = &mut out[r];
        match row.last_mut() {
            Some((lc, lv)) if *lc == c => *lv = if insert { v } else { *lv + v },
            _ => row.push((c, v)),
        }
    }
    out
}

/// The rank owning each row of a 1-D block layout (every rank knows them).
fn owners(rows: &Layout) -> Vec<usize> {
    let comm = rows.comm();
    let mine = owned_rows(rows).unwrap();
    let starts = comm.all_gather_u64(mine.start as u64);
    let lens = comm.all_gather_u64(mine.len() as u64);
    let mut out = vec![0; rows.global_len()];
    for q in 0..comm.size() {
        for r in starts[q]..starts[q] + lens[q] {
            out[r as usize] = q;
        }
    }
    out
}

/// Builds on every rank from its share of `per_rank`, and whether this
/// rank's rows equal the reference's (with the reason when not).
fn build_and_compare<T: Element + Add<Output = T>>(
    rows: &Layout,
    ncols: usize,
    per_rank: &[Entries<T>],
    insert: bool,
    reserve: usize,
) -> Result<(), String> {
    let comm = rows.comm();
    let mut b = SparseBuilder::new(rows, ncols).unwrap();
    b.reserve(reserve);
    for &(r, c, v) in &per_rank[comm.rank()] {
        if insert {
            b.insert(r, c, v);
        } else {
            b.add(r, c, v);
        }
    }
    let a = b.assemble().map_err(|e| e.to_string())?;
    // owners() is collective: every rank gets there before a local verdict
    let owner = owners(rows);
    check_rows(rows, ncols, &a).map_err(|e| e.to_string())?;
    let want = reference(rows.global_len(), per_rank, |r| owner[r], insert);
    compare(&a, &want)
}

fn compare<T: Element>(a: &CsrRows<T>, want: &[Vec<(usize, T)>]) -> Result<(), String> {
    for i in 0..a.local_rows() {
        let (cols, vals) = a.row(i);
        let got: Vec<(usize, T)> = cols.iter().copied().zip(vals.iter().copied()).collect();
        let r = a.first_row + i;
        if got != want[r] {
            return Err(format!("row {r}: {got:?}, expected {:?}", want[r]));
        }
    }
    Ok(())
}

/// A pseudo-random number below `n` from `(seed, k)`, the same on every rank.
fn pick(seed: u64, k: u64, n: usize) -> usize {
    (mix64(seed.wrapping_mul(0x9e37_79b9) ^ k) % n as u64) as usize
}

/// Entries of every rank: `count` each, rows and columns anywhere, small
/// integer values made into `T`.
fn random_entries<T>(
    p: usize,
    nrows: usize,
    ncols: usize,
    count: usize,
    seed: u64,
    make: impl Fn(i64) -> T,
) -> Vec<Entries<T>> {
    (0..p)
        .map(|q| {
            (0..count)
                .map(|k| {
                    let key = (q * count + k) as u64 * 3;
                    let v = pick(seed, key + 2, 9) as i64 - 4;
                    (pick(seed, key, nrows), pick(seed, key + 1, ncols), make(v))
                })
                .collect()
        })
        .collect()
}

fn every_rank_adds_to_every_row(comm: &Comm) {
    let p = comm.size();
    let n = 11;
    let rows = Layout::block(comm, &[n]).unwrap();
    // every rank: every row, a few columns each, some twice
    let per_rank: Vec<Entries<f64>> = (0..p)
        .map(|q| {
            (0..n)
                .flat_map(|r| {
                    let cols = [r, (r * 7 + q) % n, (r + q + 1) % n, r];
                    cols.into_iter()
                        .map(move |c| (r, c, (q + 1) as f64 * 0.5 + c as f64))
                })
                .collect()
        })
        .collect();
    for reserve in [0, 2, 8] {
        build_and_compare(&rows, n, &per_rank, false, reserve).unwrap();
        build_and_compare(&rows, n, &per_rank, true, reserve).unwrap();
    }
}

fn insert_keeps_the_owner_then_rank_order_last(comm: &Comm) {
    let p = comm.size();
    let n = 7;
    let rows = Layout::block(comm, &[n]).unwrap();
    let owner = owners(&rows);
    let mut b = SparseBuilder::new(&rows, 2).unwrap();
    for r in 0..n {
        b.insert(r, 0, comm.rank() as i64);
        b.insert(r, 1, 100 + comm.rank() as i64);
        b.insert(r, 1, 200 + comm.rank() as i64); // later on the same rank: wins over 100
    }
    let a = b.assemble().unwrap();
    for i in 0..a.local_rows() {
        let r = a.first_row + i;
        // the owner's value comes first; the others' follow in rank order
        let last = (0..p).filter(|&q| q != owner[r]).max().unwrap_or(owner[r]) as i64;
        assert_eq!(a.row(i), (&[0, 1][..], &[last, 200 + last][..]), "row {r}");
    }
}

fn duplicates_sum_within_and_across_ranks(comm: &Comm) {
    let n = 9;
    let rows = Layout::block(comm, &[n]).unwrap();
    let mut b = SparseBuilder::new(&rows, n).unwrap();
    b.reserve(1); // past the hint: the rest wait for room
    for r in 0..n {
        for _ in 0..3 {
            b.add(r, r, 1.0);
            b.add_row(r, &[0, n - 1], &[0.25, 0.5]);
        }
    }
    let a = b.assemble().unwrap();
    let p = comm.size() as f64;
    for i in 0..a.local_rows() {
        let r = a.first_row + i;
        let (cols, vals) = a.row(i);
        let mut want: Vec<(usize, f64)> = vec![(0, 0.75 * p), (r, 3.0 * p), (n - 1, 1.5 * p)];
        want.sort_by_key(|x| x.0);
        want.dedup_by(|b, a| {
            if a.0 == b.0 {
                a.1 += b.1;
                true
            } else {
                false
            }
        });
        let got: Vec<(usize, f64)> = cols.iter().copied().zip(vals.iter().copied()).collect();
        assert_eq!(got, want, "row {r}");
    }
}

fn rectangular_matrices(comm: &Comm) {
    let p = comm.size();
    for (nrows, ncols) in [(5, 13), (13, 3), (1, 1), (6, 1)] {
        let rows = Layout::block(comm, &[nrows]).unwrap();
        for (seed, insert) in [(1, false), (2, true)] {
            let per_rank = random_entries(p, nrows, ncols, 20, seed, |v| v as f64);
            build_and_compare(&rows, ncols, &per_rank, insert, 2).unwrap();
        }
    }
    // the block form: a 2 x 3 element block into a 4 x 6 matrix, every rank
    let rows = Layout::block(comm, &[4]).unwrap();
    let mut b = SparseBuilder::new(&rows, 6).unwrap();
    b.add_values(&[3, 0], &[5, 0, 2], &[1, 2, 3, 4, 5, 6]);
    let a = b.assemble().unwrap();
    let q = p as i64;
    for i in 0..a.local_rows() {
        let want: (&[usize], Vec<i64>) = match a.first_row + i {
            0 => (&[0, 2, 5], vec![5 * q, 6 * q, 4 * q]),
            3 => (&[0, 2, 5], vec![2 * q, 3 * q, q]),
            _ => (&[], vec![]),
        };
        assert_eq!(a.row(i), (want.0, &want.1[..]));
    }
}

fn an_empty_rank_gets_no_rows_and_sends_its_entries(comm: &Comm) {
    let p = comm.size();
    // rank 1 (the only rank when p == 1: rank 0) owns no rows
    let empty = 1.min(p - 1);
    let mut bounds = vec![0];
    for q in 0..p {
        let len = if q == empty { 0 } else { 3 + q };
        bounds.push(bounds[q] + len);
    }
    let n = bounds[p];
    let rows = Layout::new(comm, &[n], &[Dist::BlockBounds(bounds)]).unwrap();
    let per_rank = random_entries(p, n.max(1), 4, 30, 7, |v| v);
    if n == 0 {
        let a = SparseBuilder::<i64>::new(&rows, 4)
            .unwrap()
            .assemble()
            .unwrap();
        assert_eq!(a.row_ptr, [0]);
        return;
    }
    build_and_compare(&rows, 4, &per_rank, false, 0).unwrap();
    build_and_compare(&rows, 4, &per_rank, true, 3).unwrap();
    let a = SparseBuilder::<i64>::new(&rows, 4)
        .unwrap()
        .assemble()
        .unwrap();
    if comm.rank() == empty {
        assert_eq!((a.local_rows(), a.row_ptr), (0, vec![0]));
    }
}

fn check_type<T: Element + Add<Output = T>>(comm: &Comm, make: impl Fn(i64) -> T + Copy) {
    let p = comm.size();
    let rows = Layout::block(comm, &[10]).unwrap();
    for (seed, insert) in [(11, false), (12, true)] {
        let per_rank = random_entries(p, 10, 10, 40, seed, make);
        build_and_compare(&rows, 10, &per_rank, insert, 3).unwrap();
    }
}

fn element_types(comm: &Comm) {
    check_type(comm, |v| v as f32);
    check_type(comm, |v| v as f64);
    check_type(comm, |v| v as i32);
    check_type(comm, |v| v);
    check_type(comm, |v| Complex64::new(v as f64, -2.0 * v as f64));
}

fn nothing_set_is_an_empty_matrix(comm: &Comm) {
    let rows = Layout::block(comm, &[5]).unwrap();
    let a = SparseBuilder::<f64>::new(&rows, 3)
        .unwrap()
        .assemble()
        .unwrap();
    let mine = owned_rows(&rows).unwrap();
    assert_eq!(a.row_ptr, vec![0; mine.len() + 1]);
    assert_eq!((a.first_row, a.ncols, a.nnz()), (mine.start, 3, 0));
}

fn bad_entries_are_the_same_error_on_every_rank(comm: &Comm) {
    let last = comm.rank() + 1 == comm.size();
    let rows = Layout::block(comm, &[6]).unwrap();
    let assemble = |bad: &dyn Fn(&mut SparseBuilder<f64>)| {
        let mut b = SparseBuilder::new(&rows, 4).unwrap();
        b.add(0, 0, 1.0);
        if last {
            bad(&mut b);
        }
        b.add(5, 3, 1.0);
        b.assemble()
    };
    let oob = |index: Vec<i64>| Error::IndexOutOfBounds {
        index,
        shape: vec![6, 4],
    };
    assert_eq!(assemble(&|b| b.add(6, 0, 1.0)), Err(oob(vec![6, 0])));
    assert_eq!(assemble(&|b| b.add(2, 4, 1.0)), Err(oob(vec![2, 4])));
    // the first bad entry is the one reported
    assert_eq!(
        assemble(&|b| b.add_row(1, &[9, 1, 7], &[1.0, 2.0, 3.0])),
        Err(oob(vec![1, 9]))
    );
    let mismatch = assemble(&|b| b.add_values(&[0, 1], &[0, 1], &[1.0; 3]));
    assert!(
        matches!(&mismatch, Err(Error::ShapeMismatch { expected, found, .. }) if expected == &[4] && found == &[3]),
        "{mismatch:?}"
    );
    let mismatch = assemble(&|b| b.add_row(0, &[0, 1], &[1.0]));
    assert!(matches!(mismatch, Err(Error::ShapeMismatch { .. })));
    // builders of another shape on one rank
    let ncols = if last && comm.size() > 1 { 5 } else { 4 };
    let r = SparseBuilder::<f64>::new(&rows, ncols).unwrap().assemble();
    if comm.size() > 1 {
        assert!(matches!(r, Err(Error::ArgumentsDiffer { .. })), "{r:?}");
    }
    // and the communicator is still in step: a good assembly goes through
    assert!(assemble(&|_| {}).is_ok());
}

fn mixed_modes_are_an_error_on_every_rank(comm: &Comm) {
    let rows = Layout::block(comm, &[4]).unwrap();
    let last = comm.rank() + 1 == comm.size();
    let mut b = SparseBuilder::new(&rows, 4).unwrap();
    b.add(0, 0, 1.0);
    if last {
        b.insert(1, 1, 1.0);
    }
    let r = b.assemble();
    assert!(
        matches!(&r, Err(Error::InvalidArgument(m)) if m.contains("INSERT_VALUES")),
        "{r:?}"
    );
    if comm.size() > 1 {
        // one mode per rank, but not the same on all
        let mut b = SparseBuilder::new(&rows, 4).unwrap();
        if last {
            b.insert(1, 1, 1.0);
        } else {
            b.add(0, 0, 1.0);
        }
        let r = b.assemble();
        assert!(
            matches!(&r, Err(Error::InvalidArgument(m)) if m.contains("some ranks")),
            "{r:?}"
        );
    }
    // a rank that set nothing takes either mode
    let mut b = SparseBuilder::new(&rows, 4).unwrap();
    if last {
        b.insert(1, 1, 1.0);
    }
    assert!(b.assemble().is_ok());
}

/// Random entry sets (rows, columns and which rank sets each entry, add or
/// insert, with or without the hint) against the serial reference: a
/// proptest run the same way on every rank (a fixed seed), each case's
/// verdict agreed between ranks so that all shrink alike.
fn random_entry_sets_match_the_serial_reference(comm: &Comm) {
    let config = Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let p = comm.size();
    let strategy = (
        1usize..24,
        1usize..9,
        proptest::collection::vec((0usize..4, 0usize..24, 0usize..9, -3i64..4), 0..90),
        any::<bool>(),
        0usize..4,
    );
    let result = runner.run(&strategy, |(nrows, ncols, raw, insert, reserve)| {
        let mut per_rank: Vec<Entries<i64>> = vec![Vec::new(); p];
        for (q, r, c, v) in raw {
            per_rank[q % p].push((r % nrows, c % ncols, v));
        }
        let rows = Layout::block(comm, &[nrows]).unwrap();
        let mine = build_and_compare(&rows, ncols, &per_rank, insert, reserve);
        let everywhere = comm.all(mine.is_ok());
        prop_assert!(everywhere, "on rank {}: {mine:?}", comm.rank());
        Ok(())
    });
    result.unwrap();
}

fn laplacian_rows_are_the_5_point_stencil(comm: &Comm) {
    let (nx, ny) = (4, 5);
    let rows = Layout::block(comm, &[nx * ny]).unwrap();
    let a = laplacian::laplacian_2d(&rows, nx, ny).unwrap();
    // every row sums to 4 minus its number of neighbours
    for i in 0..a.local_rows() {
        let (cols, vals) = a.row(i);
        assert_eq!(vals.iter().sum::<f64>(), 4.0 - (cols.len() - 1) as f64);
        assert!(cols.windows(2).all(|w| w[0] < w[1]));
    }
    // 4*5 unknowns, 2*(3*5 + 4*4) couplings
    assert_eq!(comm.sum_u64(a.nnz() as u64), 20 + 2 * (15 + 16));
    let wrong = Layout::block(comm, &[nx * ny + 1]).unwrap();
    assert!(laplacian::laplacian_2d(&wrong, nx, ny).is_err());
    let e = distarray::sparse::gallery::poisson_2d(&wrong, nx, ny).unwrap_err();
    harness::assert_same_everywhere(comm, &e);
    // a grid that differs on one rank (5 x 4 there) is refused everywhere
    let (gx, gy) = if comm.rank() + 1 == comm.size() && comm.size() > 1 {
        (ny, nx)
    } else {
        (nx, ny)
    };
    let e = distarray::sparse::gallery::poisson_2d(&rows, gx, gy);
    if comm.size() > 1 {
        let e = e.unwrap_err();
        assert!(matches!(e, distarray::Error::ArgumentsDiffer { .. }), "{e}");
        harness::assert_same_everywhere(comm, &e);
    } else {
        assert!(e.is_ok());
    }
}

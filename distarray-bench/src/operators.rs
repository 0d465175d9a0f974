//! The matrices the benchmarks build, with the sparse builder: the 5-point
//! Laplacian each rank sets its own rows of, and the same operator with
//! about 5% of the entries set by the wrong rank (the assembly benchmark;
//! `c/assembly_petsc.c` makes the same choice).

use distarray::mpi::collective::SystemOperation;
use distarray::mpi::traits::*;
use distarray::sparse::{owned_rows, CsrRows, SparseBuilder};
use distarray::Layout;

/// Row `row`'s columns and values in the 5-point Laplacian on an `n x n`
/// grid (unknown `(i, j)` is row `i * n + j`), in column order; returns
/// how many.
pub fn stencil(row: usize, n: usize, cols: &mut [usize; 5], vals: &mut [f64; 5]) -> usize {
    let (i, j) = (row / n, row % n);
    let mut k = 0;
    let mut push = |c: usize, v: f64| {
        cols[k] = c;
        vals[k] = v;
        k += 1;
    };
    if i > 0 {
        push(row - n, -1.0);
    }
    if j > 0 {
        push(row - 1, -1.0);
    }
    push(row, 4.0);
    if j + 1 < n {
        push(row + 1, -1.0);
    }
    if i + 1 < n {
        push(row + n, -1.0);
    }
    k
}

/// The 5-point Laplacian on an `n x n` grid, each rank setting its rows:
/// this rank's rows of the 1-D block layout `rows`. Collective.
pub fn laplacian_2d(rows: &Layout, n: usize) -> CsrRows {
    let mut b = SparseBuilder::new(rows, n * n).expect("a 1-D block layout");
    b.reserve(5);
    let (mut cols, mut vals) = ([0; 5], [0.0; 5]);
    for row in owned_rows(rows).expect("a 1-D block layout") {
        let k = stencil(row, n, &mut cols, &mut vals);
        b.add_row(row, &cols[..k], &vals[..k]);
    }
    b.assemble().expect("a valid operator")
}

/// Whether entry (`row`, `col`) is set by the rank after its row's owner
/// (about one entry in 20; the same hash as `c/assembly_petsc.c`).
pub fn wrong_rank(row: usize, col: usize) -> bool {
    let mut h = (row as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (col as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    h ^= h >> 32;
    h % 20 == 0
}

/// The rows balanced blocks of `total` give rank `r` of `p` (what
/// `Layout::block` and the C baseline give).
pub fn balanced_block(total: usize, p: usize, r: usize) -> std::ops::Range<usize> {
    let lo = r * (total / p) + r.min(total % p);
    lo..lo + total / p + usize::from(r < total % p)
}

/// The 5-point Laplacian on an `n x n` grid where each rank sets its own
/// rows' entries except those [`wrong_rank`] picks, which the next rank
/// sets (one `add_row` per row, as the C baseline calls `MatSetValues`),
/// with the same preallocation hint (5 per row). Collective.
pub fn laplacian_2d_mixed_up(rows: &Layout, n: usize) -> CsrRows {
    let comm = rows.comm();
    let (p, me) = (comm.size(), comm.rank());
    let mine = owned_rows(rows).expect("a 1-D block layout");
    assert_eq!(mine, balanced_block(n * n, p, me), "balanced blocks");
    let before = balanced_block(n * n, p, (me + p - 1) % p);
    let mut b = SparseBuilder::new(rows, n * n).expect("a 1-D block layout");
    b.reserve(5);
    let (mut all_cols, mut all_vals) = ([0; 5], [0.0; 5]);
    let (mut cols, mut vals) = ([0; 5], [0.0; 5]);
    for (range, wrong) in [(mine, false), (before, true)] {
        for row in range {
            let k = stencil(row, n, &mut all_cols, &mut all_vals);
            let mut m = 0;
            for c in 0..k {
                if wrong_rank(row, all_cols[c]) == wrong {
                    cols[m] = all_cols[c];
                    vals[m] = all_vals[c];
                    m += 1;
                }
            }
            if m > 0 {
                b.add_row(row, &cols[..m], &vals[..m]);
            }
        }
    }
    b.assemble().expect("a valid operator")
}

/// The global number of entries and the sum of every entry times
/// `1 + (31 row + 17 col) mod 1009` (what `c/assembly_petsc.c` computes of
/// PETSc's matrix). Collective.
pub fn checksum(rows: &Layout, a: &CsrRows) -> (usize, f64) {
    let mut sum = 0.0;
    for i in 0..a.local_rows() {
        let row = a.first_row + i;
        let (cols, vals) = a.row(i);
        for (&c, &v) in cols.iter().zip(vals) {
            sum += v * (1 + (row * 31 + c * 17) % 1009) as f64;
        }
    }
    let comm = rows.comm();
    let mut total = 0.0;
    comm.raw()
        .all_reduce_into(&sum, &mut total, SystemOperation::sum());
    (comm.sum_u64(a.nnz() as u64) as usize, total)
}

//! The SUMMA kernel (van de Geijn and Watts): C = A B on a pr x pc process
//! grid, A (m x k) and C (m x n) sharing their row distribution, B (k x n)
//! and C sharing their column distribution. The k axis is cut into
//! panels; for each, the grid column holding A's columns broadcasts them
//! along its process rows, the grid row holding B's rows broadcasts them
//! along its process columns, and every rank adds the panels' product
//! (one BLAS GEMM) to its block of C. The next panel's broadcasts are
//! posted (non-blocking) before the current product and tested between
//! pieces of it, so the messages travel while the cores multiply.
//!
//! The k axis of A and of B may be split any way (block, cyclic,
//! block-cyclic, over different grid sizes): a panel is a set of k indices
//! held by one grid column of A *and* one grid row of B, at most
//! [`PANEL`] wide, packed into contiguous buffers that are made once.

use crate::comm::Comm;
use crate::layout::map::AxisMap;
use crate::layout::Layout;
use mpi::request::{scope, LocalScope, Request};
use mpi::traits::*;
use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2, Axis, LinalgScalar, Slice};
use std::collections::HashMap;

/// Widest panel along k: wide enough that the local GEMM runs at BLAS
/// speed, narrow enough that the first (not overlapped) broadcast is short.
pub(super) const PANEL: usize = 256;

/// Pieces the local product is cut into (along C's rows) while a
/// broadcast is pending, to let MPI progress it between them.
const PIECES: usize = 4;

/// Runs of consecutive local indices: (start, length).
type Runs = Vec<(usize, usize)>;

/// One panel: k indices held by grid column `a_root` of A and grid row
/// `b_root` of B, in the order both are packed.
#[derive(Debug)]
struct Panel {
    first: usize,
    width: usize,
    a_root: usize,
    b_root: usize,
    /// A's local columns on grid column `a_root`
    a_runs: Runs,
    /// B's local rows on grid row `b_root`
    b_runs: Runs,
}

fn push_run(runs: &mut Runs, j: usize) {
    match runs.last_mut() {
        Some((s, l)) if *s + *l == j => *l += 1,
        _ => runs.push((j, 1)),
    }
}

/// The panels of a product whose k axis is split by `ka` in A (over grid
/// columns) and by `kb` in B (over grid rows), in the order of their first
/// k index.
fn panels(ka: &AxisMap, kb: &AxisMap) -> Vec<Panel> {
    let mut open: HashMap<(usize, usize), Panel> = HashMap::new();
    let mut done = Vec::new();
    for g in 0..ka.size() {
        let (ca, la) = ka.owner(g).expect("structured map (checked)");
        let (rb, lb) = kb.owner(g).expect("structured map (checked)");
        let p = open.entry((ca, rb)).or_insert_with(|| Panel {
            first: g,
            width: 0,
            a_root: ca,
            b_root: rb,
            a_runs: Vec::new(),
            b_runs: Vec::new(),
        });
        push_run(&mut p.a_runs, la);
        push_run(&mut p.b_runs, lb);
        p.width += 1;
        if p.width == PANEL {
            done.extend(open.remove(&(ca, rb)));
        }
    }
    done.extend(open.into_values());
    done.sort_by_key(|p| p.first);
    done
}

/// A SUMMA product for fixed layouts: the panels, the grid lines'
/// communicators and the panel buffers (two of each, made once).
pub(super) struct Summa<T> {
    /// the ranks of this rank's grid row (rank = grid column)
    row: Comm,
    /// the ranks of this rank's grid column (rank = grid row)
    col: Comm,
    panels: Vec<Panel>,
    /// local rows of A and C, local columns of B and C
    m: usize,
    n: usize,
    a_bufs: [Vec<T>; 2],
    b_bufs: [Vec<T>; 2],
}

impl<T: LinalgScalar + Equivalence> Summa<T> {
    /// Collective over the layouts' communicator: `a` (m x k) and `b`
    /// (k x n) on one grid, structured maps without padding (checked by
    /// the caller).
    pub(super) fn new(a: &Layout, b: &Layout) -> Summa<T> {
        let row = a.line_along(1);
        let col = a.line_along(0);
        let panels = panels(a.map(1), b.map(0));
        let (m, n) = (a.local_shape()[0], b.local_shape()[1]);
        let widest = panels.iter().map(|p| p.width).max().unwrap_or(0);
        let buf = |len: usize| vec![T::zero(); len];
        Summa {
            row,
            col,
            m,
            n,
            a_bufs: [buf(m * widest), buf(m * widest)],
            b_bufs: [buf(widest * n), buf(widest * n)],
            panels,
        }
    }

    /// C = A B, with `a`, `b`, `c` this rank's blocks. Collective.
    pub(super) fn run(
        &mut self,
        a: ArrayView2<'_, T>,
        b: ArrayView2<'_, T>,
        mut c: ArrayViewMut2<'_, T>,
    ) {
        c.fill(T::zero());
        let Summa {
            row,
            col,
            panels,
            m,
            n,
            a_bufs,
            b_bufs,
        } = self;
        let (m, n) = (*m, *n);
        let Some(p0) = panels.first() else {
            return; // k == 0: C is zero
        };
        let [a0, a1] = a_bufs;
        let [b0, b1] = b_bufs;
        scope(|s| {
            let (ra, rb) = post(s, row, col, p0, &a, &b, m, n, a0, b0);
            ra.map(Request::wait);
            rb.map(Request::wait);
        });
        for (i, p) in panels.iter().enumerate() {
            let (cur_a, next_a, cur_b, next_b) = if i % 2 == 0 {
                (&*a0, &mut *a1, &*b0, &mut *b1)
            } else {
                (&*a1, &mut *a0, &*b1, &mut *b0)
            };
            let ap = ArrayView2::from_shape((m, p.width), &cur_a[..m * p.width]).expect("panel");
            let bp = ArrayView2::from_shape((p.width, n), &cur_b[..p.width * n]).expect("panel");
            scope(|s| {
                let (mut ra, mut rb) = match panels.get(i + 1) {
                    Some(next) => post(s, row, col, next, &a, &b, m, n, next_a, next_b),
                    None => (None, None),
                };
                if ra.is_none() && rb.is_none() {
                    general_mat_mul(T::one(), &ap, &bp, T::one(), &mut c);
                } else {
                    let piece = m.div_ceil(PIECES).max(1);
                    for (ai, ci) in ap
                        .axis_chunks_iter(Axis(0), piece)
                        .zip(c.axis_chunks_iter_mut(Axis(0), piece))
                    {
                        let mut ci = ci;
                        general_mat_mul(T::one(), &ai, &bp, T::one(), &mut ci);
                        // let MPI move the next panel between the pieces
                        ra = ra.and_then(|r| r.test().err());
                        rb = rb.and_then(|r| r.test().err());
                    }
                }
                ra.map(Request::wait);
                rb.map(Request::wait);
            });
        }
    }
}

/// A pending broadcast of one panel buffer.
type Pending<'a, 's, T> = Option<Request<'a, [T], &'s LocalScope<'a>>>;

/// Packs panel `p` on its roots and posts its two broadcasts into
/// `abuf`/`bbuf` (none along a line of one rank, or of empty blocks).
#[allow(clippy::too_many_arguments)]
fn post<'a, 's, T: LinalgScalar + Equivalence>(
    s: &'s LocalScope<'a>,
    row: &Comm,
    col: &Comm,
    p: &Panel,
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
    m: usize,
    n: usize,
    abuf: &'a mut [T],
    bbuf: &'a mut [T],
) -> (Pending<'a, 's, T>, Pending<'a, 's, T>) {
    let abuf = &mut abuf[..m * p.width];
    let bbuf = &mut bbuf[..p.width * n];
    if row.rank() == p.a_root {
        for (i, r) in a.outer_iter().enumerate() {
            let mut at = i * p.width;
            for &(s0, l) in &p.a_runs {
                for (d, x) in abuf[at..at + l]
                    .iter_mut()
                    .zip(r.slice_axis(Axis(0), Slice::from(s0..s0 + l)))
                {
                    *d = *x;
                }
                at += l;
            }
        }
    }
    if col.rank() == p.b_root {
        let mut at = 0;
        for &(s0, l) in &p.b_runs {
            for r in b.slice_axis(Axis(0), Slice::from(s0..s0 + l)).outer_iter() {
                for (d, x) in bbuf[at..at + n].iter_mut().zip(r) {
                    *d = *x;
                }
                at += n;
            }
        }
    }
    // every rank of a grid row has the same m (of a grid column, the same
    // n): all skip alike
    let ra = (row.size() > 1 && !abuf.is_empty()).then(|| {
        row.raw()
            .process_at_rank(p.a_root as i32)
            .immediate_broadcast_into(s, abuf)
    });
    let rb = (col.size() > 1 && !bbuf.is_empty()).then(|| {
        col.raw()
            .process_at_rank(p.b_root as i32)
            .immediate_broadcast_into(s, bbuf)
    });
    (ra, rb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::map::{BlockMap, CyclicMap};

    #[test]
    fn panels_follow_both_owners_and_stop_at_the_widest() {
        // k = 600: A's columns in 2 blocks, B's rows in blocks of 100 dealt to 3
        let ka = AxisMap::Block(BlockMap::regular(600, 2));
        let kb = AxisMap::Cyclic(CyclicMap::new(600, 3, 100).unwrap());
        let ps = panels(&ka, &kb);
        let mut seen = vec![0; 600];
        for p in &ps {
            assert!(p.width <= PANEL);
            assert_eq!(p.a_runs.iter().map(|r| r.1).sum::<usize>(), p.width);
            assert_eq!(p.b_runs.iter().map(|r| r.1).sum::<usize>(), p.width);
            // every k of the panel: A's column on a_root, B's row on b_root,
            // in the same order
            let on = |m: &AxisMap, root: usize, runs: &Runs| -> Vec<usize> {
                runs.iter()
                    .flat_map(|&(s, l)| s..s + l)
                    .map(|j| m.local_to_global(root, j))
                    .collect()
            };
            let ks = on(&ka, p.a_root, &p.a_runs);
            assert_eq!(ks, on(&kb, p.b_root, &p.b_runs));
            for g in ks {
                seen[g] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "every k in exactly one panel");
        assert!(ps.windows(2).all(|w| w[0].first < w[1].first));
        // owner pairs (0,0) (0,1) (0,2) (1,0) (1,1) (1,2): 100 + 100 + ... wide
        assert_eq!(ps.len(), 6);
    }

    #[test]
    fn long_runs_are_cut_at_the_panel_width() {
        let ka = AxisMap::not_distributed(1000);
        let kb = AxisMap::not_distributed(1000);
        let ps = panels(&ka, &kb);
        let widths: Vec<usize> = ps.iter().map(|p| p.width).collect();
        assert_eq!(widths, [PANEL, PANEL, PANEL, 1000 - 3 * PANEL]);
        assert_eq!(ps[1].a_runs, [(PANEL, PANEL)]);
    }
}

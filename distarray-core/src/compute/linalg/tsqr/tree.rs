//! The reduction tree of TSQR: a binary tree over the ranks in rank
//! order. At level `s` (step `2^s`), rank `r` with `r % 2^(s+1) == 0`
//! receives the R factor of rank `r + 2^s`, stacks it under its own and
//! factors the stack by a small QR; rank 0 ends with R, which it
//! broadcasts. Each rank keeps the Q factors of the nodes it computed, so
//! that Q can be formed later by walking the tree back down
//! ([`down`]): rank 0 starts from the sign matrix, each node multiplies
//! what it holds by its Q factor and sends the rows of its partner's part
//! back to the partner.
//!
//! `ceil(log2 P)` levels, one message of at most `n x n` values per rank
//! and level each way; nothing on a rank is larger than its own rows.

use super::local::{block, small_qr};
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::Result;
use mpi::traits::*;
use ndarray::{concatenate, Array2, Axis};
use ndarray_linalg::Lapack;

const UP: i32 = 0x0a51;
const DOWN: i32 = 0x0a52;

/// A node of the tree this rank computed: the Q factor of its stack and
/// how many of the stack's rows were its own (the rest came from
/// `partner`).
#[derive(Debug, Clone)]
pub(crate) struct Node<T> {
    q: Array2<T>,
    own: usize,
    partner: usize,
}

/// This rank's part of the tree: the nodes it computed (lowest level
/// first) and the rank it sent its last R to (none on rank 0).
#[derive(Debug, Clone)]
pub(crate) struct Tree<T> {
    pub(crate) nodes: Vec<Node<T>>,
    pub(crate) parent: Option<usize>,
}

/// The up pass from this rank's local R (`k_r x n`): the global R
/// (`min(m, n) x n` with `m` the global row count, the same on every
/// rank) and this rank's part of the tree. Collective; every rank must
/// pass the same `n` and `k`, where `k = min(m, n)`.
pub(crate) fn up<T: Element + Lapack>(
    comm: &Comm,
    local_r: Array2<T>,
    n: usize,
    k: usize,
) -> Result<(Array2<T>, Tree<T>)> {
    let (me, p) = (comm.rank(), comm.size());
    let raw = comm.raw();
    let mut r = local_r;
    let mut nodes = Vec::new();
    let mut parent = None;
    let mut step = 1;
    // a failing small QR on one rank must not leave its partners waiting:
    // every rank goes through every level, and errors are agreed at the end
    let mut failed = Ok(());
    while step < p {
        if me % (2 * step) == step {
            let to = me - step;
            raw.process_at_rank(to as i32)
                .send_with_tag(standard(&r).as_slice().expect("standard"), UP);
            parent = Some(to);
            break;
        }
        let partner = me + step;
        if partner < p {
            let (theirs, _) = raw
                .process_at_rank(partner as i32)
                .receive_vec_with_tag::<T>(UP);
            let rows = theirs.len().checked_div(n).unwrap_or(0);
            let theirs = Array2::from_shape_vec((rows, n), theirs).expect("rows x n values");
            let own = r.nrows();
            let stack = concatenate(Axis(0), &[r.view(), theirs.view()]).expect("same width");
            match small_qr(stack) {
                Ok((q, rr)) => {
                    nodes.push(Node { q, own, partner });
                    r = rr;
                }
                Err(e) => {
                    failed = Err(e);
                    r = Array2::zeros((own.min(n), n));
                }
            }
        }
        step *= 2;
    }
    comm.agree(failed)?;
    // rank 0 holds R (k x n): hand it to everyone
    let mut out = if me == 0 {
        standard(&r)
    } else {
        Array2::zeros((k, n))
    };
    debug_assert_eq!(out.dim(), (k, n));
    if k * n > 0 {
        raw.process_at_rank(0)
            .broadcast_into(out.as_slice_mut().expect("standard"));
    }
    Ok((out, Tree { nodes, parent }))
}

/// The down pass: this rank's block of the tree's Q, a `k_r x k` matrix
/// (`k_r` the rows of this rank's local R), from `top` (`k x k`, used on
/// rank 0 only: the sign matrix). Collective.
pub(crate) fn down<T: Element + Lapack>(
    comm: &Comm,
    tree: &Tree<T>,
    top: Array2<T>,
    k: usize,
) -> Array2<T> {
    let raw = comm.raw();
    let mut c = match tree.parent {
        None => top,
        Some(from) => {
            let (v, _) = raw
                .process_at_rank(from as i32)
                .receive_vec_with_tag::<T>(DOWN);
            let rows = v.len().checked_div(k).unwrap_or(0);
            Array2::from_shape_vec((rows, k), v).expect("rows x k values")
        }
    };
    for node in tree.nodes.iter().rev() {
        let full = node.q.dot(&c);
        let theirs = standard(&block(&full, node.own..full.nrows(), 0..k).to_owned());
        raw.process_at_rank(node.partner as i32)
            .send_with_tag(theirs.as_slice().expect("standard"), DOWN);
        c = block(&full, 0..node.own, 0..k).to_owned();
    }
    c
}

/// `a` in row-major order (a copy only when it is not).
fn standard<T: Clone>(a: &Array2<T>) -> Array2<T> {
    a.as_standard_layout().into_owned()
}

//! Entries for rows other ranks own, delivered to the owners: packed by
//! destination into one byte buffer, moved by one send-driven exchange of
//! the engine, unpacked in source rank order.
//!
//! A destination's block is its rows (`u64`, little-endian), then its
//! columns, then its values (the element type's little-endian bytes), each
//! in the order the entries were set: three copies of plain slices, and
//! every element type travels in one message per peer.

use super::slots::Triplets;
use crate::comm::Comm;
use crate::dtype::Element;
use crate::exchange::{to_owners, PlanOptions};
use std::ops::Range;

/// Bytes one entry takes in a message.
fn entry_bytes<T: Element>() -> usize {
    16 + T::DTYPE.itemsize()
}

/// Sends `far` (global rows) to the ranks that own their rows and returns
/// what the other ranks sent here, in source rank order, rows made local
/// (`row - first`). `owners[i]` is the rows grid position `i` owns, and
/// `rank_of(i)` its rank. Collective.
pub(crate) fn deliver<T: Element>(
    comm: &Comm,
    far: Triplets<T>,
    owners: &[Range<usize>],
    rank_of: impl Fn(usize) -> usize,
    first: usize,
) -> Triplets<T> {
    let n = comm.size();
    let ends: Vec<usize> = owners.iter().map(|r| r.end).collect();
    let dest: Vec<u32> = far
        .rows
        .iter()
        .map(|&row| rank_of(ends.partition_point(|&e| e <= row)) as u32)
        .collect();
    let mut counts = vec![0usize; n];
    for &d in &dest {
        counts[d as usize] += 1;
    }
    // each entry's place within its destination's block, in order
    let mut base = vec![0usize; n];
    for d in 1..n {
        base[d] = base[d - 1] + counts[d - 1];
    }
    let mut at = base.clone();
    let mut order = vec![0usize; far.len()];
    for (i, &d) in dest.iter().enumerate() {
        order[at[d as usize]] = i;
        at[d as usize] += 1;
    }
    drop(dest);
    let width = entry_bytes::<T>();
    let mut send = vec![0u8; far.len() * width];
    let vals: Vec<T> = order.iter().map(|&i| far.vals[i]).collect();
    for d in 0..n {
        let (lo, k) = (base[d], counts[d]);
        let block = &mut send[lo * width..(lo + k) * width];
        let (rows, rest) = block.split_at_mut(8 * k);
        let (cols, values) = rest.split_at_mut(8 * k);
        for (j, &i) in order[lo..lo + k].iter().enumerate() {
            rows[8 * j..8 * j + 8].copy_from_slice(&(far.rows[i] as u64).to_le_bytes());
            cols[8 * j..8 * j + 8].copy_from_slice(&(far.cols[i] as u64).to_le_bytes());
        }
        values.copy_from_slice(&T::le_bytes(&vals[lo..lo + k]));
    }
    drop((far, vals, order));
    let byte_counts: Vec<usize> = counts.iter().map(|c| c * width).collect();
    let (mut exchange, recv_counts) = to_owners::<u8>(comm, &byte_counts, &PlanOptions::from_env());
    let mut recv = vec![0u8; recv_counts.iter().sum()];
    exchange.run(&send, &mut recv);
    drop(send);
    let total = recv.len() / width;
    let mut out = Triplets {
        rows: Vec::with_capacity(total),
        cols: Vec::with_capacity(total),
        vals: vec![T::default(); total],
    };
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize;
    let mut at = 0;
    for bytes in recv_counts {
        let k = bytes / width;
        let block = &recv[at..at + bytes];
        let (rows, rest) = block.split_at(8 * k);
        let (cols, values) = rest.split_at(8 * k);
        out.rows
            .extend(rows.chunks_exact(8).map(|b| word(b) - first));
        out.cols.extend(cols.chunks_exact(8).map(word));
        let done = out.rows.len();
        T::fill_from_le(values, &mut out.vals[done - k..done])
            .expect("values sent by another rank of this element type");
        at += bytes;
    }
    out
}

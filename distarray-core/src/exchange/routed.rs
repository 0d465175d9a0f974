//! Send-driven exchanges: records a rank holds for other ranks, delivered
//! to them when the receivers cannot know in advance what arrives.
//!
//! Every other plan is receive-driven: a rank works out its own target
//! cells' sources from the layouts. Some data movement is the other way
//! round — a sparse-matrix builder holds entries for rows other ranks own,
//! and the owners learn only at assembly how many come from whom. Here the
//! sender describes what it has: a source buffer of consecutive blocks, one
//! per destination rank, in rank order. One all-to-all of the block sizes
//! tells every rank what it receives, which arrives in one buffer in source
//! rank order. The result is an ordinary [`Exchange`] between two 1-D
//! buffers whose every block is contiguous on both sides, so blocks go
//! straight from the sender's buffer into the receiver's, with no packing.

use super::build::Schedule;
use super::segment::{Run, Segment};
use super::{Exchange, PlanOptions};
use crate::comm::Comm;
use crate::dtype::Element;
use mpi::traits::*;

/// The cells `start .. start + len` of a 1-D buffer.
fn block(start: usize, len: usize) -> Segment {
    Segment::Product {
        runs: vec![Run::Strided {
            start,
            len,
            step: 1,
        }],
        order: vec![0],
    }
}

/// An exchange delivering `send_counts[r]` consecutive cells of this rank's
/// source buffer (blocks in rank order) to every rank `r`, and what this
/// rank receives from each rank (its target buffer holds the blocks in
/// source rank order, a block for itself included). Collective: one
/// all-to-all of the counts.
pub(crate) fn to_owners<T: Element>(
    comm: &Comm,
    send_counts: &[usize],
    options: &PlanOptions,
) -> (Exchange<T>, Vec<usize>) {
    let n = comm.size();
    assert_eq!(send_counts.len(), n, "one send count per rank");
    let mine: Vec<u64> = send_counts.iter().map(|&c| c as u64).collect();
    let mut theirs = vec![0u64; n];
    comm.raw().all_to_all_into(&mine[..], &mut theirs[..]);
    let recv_counts: Vec<usize> = theirs.into_iter().map(|c| c as usize).collect();
    let me = comm.rank();
    let mut schedule = Schedule {
        local: Vec::new(),
        send: vec![Vec::new(); n],
        recv: vec![Vec::new(); n],
    };
    let (mut src_at, mut dst_at) = (0, 0);
    for peer in 0..n {
        let (s, r) = (send_counts[peer], recv_counts[peer]);
        if peer == me {
            if s > 0 {
                schedule.local.push((block(src_at, s), block(dst_at, r)));
            }
        } else {
            if s > 0 {
                schedule.send[peer].push(block(src_at, s));
            }
            if r > 0 {
                schedule.recv[peer].push(block(dst_at, r));
            }
        }
        src_at += s;
        dst_at += r;
    }
    let exchange = Exchange::new(comm, &[src_at], &[dst_at], schedule, options);
    (exchange, recv_counts)
}

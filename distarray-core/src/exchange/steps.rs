//! A rank's schedule as steps: at step `k` it sends to `rank + k` and
//! receives from `rank - k`; each side's segments prepared for its buffer,
//! large packed sends cut into chunks. Real plans and the scale simulation
//! arrange schedules the same way.

use super::build::Schedule;
use super::segment::{Prepared, Segment};
use std::ops::Range;

/// Largest message piece, in elements (MPI counts are 32-bit).
pub(super) const MAX_PIECE: usize = 1 << 30;
/// About the most messages a packed send is cut into (greedy grouping of
/// uneven pieces can give up to twice as many): per-message costs stay bounded.
const MAX_MESSAGES: usize = 64;

/// One direction of one step: the peer and the cells (also a halo
/// exchange's view of a neighbour).
#[derive(Debug)]
pub(crate) struct Side {
    pub(crate) rank: usize,
    pub(crate) segments: Vec<Prepared>,
    pub(crate) len: usize,
    /// the cells are one contiguous block of the buffer: no packing needed
    pub(crate) in_place: Option<Range<usize>>,
    /// for a packed send: consecutive groups of `segments`, one message each
    pub(super) chunks: Vec<(Range<usize>, usize)>,
}

impl Side {
    /// A side of `segments`; a send gives `chunk` (cells per chunk), a
    /// receive `None` (receives are unpacked whole, never cut).
    pub(crate) fn new(
        rank: usize,
        segments: Vec<Segment>,
        shape: &[usize],
        chunk: Option<usize>,
    ) -> Option<Side> {
        if segments.is_empty() {
            return None;
        }
        let len: usize = segments.iter().map(Segment::len).sum();
        let in_place = match segments.as_slice() {
            [one] => one.contiguous(shape),
            _ => None,
        };
        // a large packed send is cut into chunks of about `chunk` cells (no
        // more than about MAX_MESSAGES of them, none over MAX_PIECE / 2)
        let chunk = chunk.map(|c| c.max(len.div_ceil(MAX_MESSAGES)).min(MAX_PIECE / 2));
        let chunk = chunk.filter(|&c| in_place.is_none() && len > 2 * c);
        let segments: Vec<Segment> = match chunk {
            Some(c) => segments.iter().flat_map(|s| s.split(c)).collect(),
            None => segments,
        };
        let limit = chunk.unwrap_or(usize::MAX);
        let mut chunks = Vec::new();
        let (mut first, mut cells) = (0, 0);
        for (i, seg) in segments.iter().enumerate() {
            if cells > 0 && cells + seg.len() > limit {
                chunks.push((first..i, cells));
                (first, cells) = (i, 0);
            }
            cells += seg.len();
        }
        chunks.push((first..segments.len(), cells));
        Some(Side {
            rank,
            segments: segments.iter().map(|s| Prepared::new(s, shape)).collect(),
            len,
            in_place,
            chunks,
        })
    }

    /// How many messages the send goes out as: chunks packed one at a
    /// time (`chunked`), or pieces of at most `MAX_PIECE` of an in-place
    /// block or of everything packed at once.
    pub(super) fn message_count(&self, chunked: bool) -> usize {
        match &self.in_place {
            None if chunked => self.chunks.len(),
            _ => self.len.div_ceil(MAX_PIECE).max(1),
        }
    }
}

/// A step of the pairwise schedule: send to `me + k`, receive from `me - k`.
#[derive(Debug)]
pub(super) struct Step {
    pub(super) send: Option<Side>,
    pub(super) recv: Option<Side>,
}

/// What one rank's exchange holds, free of MPI: its local copies and its
/// steps with their prepared segments, and the lengths its packing buffers
/// need. The scale simulation ([`super::scale`]) arranges a virtual
/// rank's schedule the same way.
#[derive(Debug)]
pub(crate) struct Arranged {
    pub(crate) local: Vec<(Prepared, Prepared)>,
    pub(super) steps: Vec<Step>,
    pub(crate) send_len: usize,
    pub(crate) recv_len: usize,
}

impl Arranged {
    /// Rank `me` of `n`'s schedule as pairwise steps (at step `k`: send to
    /// `me + k`, receive from `me - k`; steps with nothing to do are left
    /// out); packed sends are cut into chunks of about `chunk_cells`.
    pub(crate) fn new(
        me: usize,
        n: usize,
        src_shape: &[usize],
        dst_shape: &[usize],
        schedule: Schedule,
        chunk_cells: usize,
    ) -> Arranged {
        let mut send = schedule.send;
        let mut recv = schedule.recv;
        let mut steps = Vec::new();
        for k in 1..n {
            let to = (me + k) % n;
            let from = (me + n - k) % n;
            let step = Step {
                send: Side::new(
                    to,
                    std::mem::take(&mut send[to]),
                    src_shape,
                    Some(chunk_cells),
                ),
                recv: Side::new(from, std::mem::take(&mut recv[from]), dst_shape, None),
            };
            if step.send.is_some() || step.recv.is_some() {
                steps.push(step);
            }
        }
        let local = schedule
            .local
            .iter()
            .map(|(s, d)| (Prepared::new(s, src_shape), Prepared::new(d, dst_shape)))
            .collect();
        let send_len = packed_lens(&steps, |s| &s.send).max().unwrap_or(0);
        let recv_len = packed_lens(&steps, |s| &s.recv).max().unwrap_or(0);
        Arranged {
            local,
            steps,
            send_len,
            recv_len,
        }
    }

    /// Number of ranks sent to and received from.
    pub(crate) fn peers(&self) -> (usize, usize) {
        (
            self.steps.iter().filter(|s| s.send.is_some()).count(),
            self.steps.iter().filter(|s| s.recv.is_some()).count(),
        )
    }

    /// Cells sent, received and copied locally.
    pub(crate) fn volume(&self) -> (usize, usize, usize) {
        let sum = |pick: fn(&Step) -> &Option<Side>| -> usize {
            self.steps
                .iter()
                .filter_map(|s| pick(s).as_ref())
                .map(|s| s.len)
                .sum()
        };
        (
            sum(|s| &s.send),
            sum(|s| &s.recv),
            self.local.iter().map(|(s, _)| s.len()).sum(),
        )
    }

    /// Heap bytes of the segments and steps, with `elem` bytes per cell of
    /// the packing buffers.
    pub(crate) fn heap_bytes(&self, elem: usize) -> usize {
        let side = |s: &Option<Side>| {
            s.as_ref().map_or(0, |s| {
                s.segments.iter().map(Prepared::heap_bytes).sum::<usize>()
                    + s.segments.capacity() * std::mem::size_of::<Prepared>()
                    + s.chunks.capacity() * std::mem::size_of::<(Range<usize>, usize)>()
            })
        };
        self.local
            .iter()
            .map(|(a, b)| a.heap_bytes() + b.heap_bytes())
            .sum::<usize>()
            + self.local.capacity() * std::mem::size_of::<(Prepared, Prepared)>()
            + self
                .steps
                .iter()
                .map(|s| side(&s.send) + side(&s.recv))
                .sum::<usize>()
            + self.steps.capacity() * std::mem::size_of::<Step>()
            + (self.send_len + self.recv_len) * elem
    }
}

/// Cells of each packed (not in-place) side that `pick` chooses.
pub(super) fn packed_lens(
    steps: &[Step],
    pick: fn(&Step) -> &Option<Side>,
) -> impl Iterator<Item = usize> + '_ {
    steps
        .iter()
        .filter_map(move |s| pick(s).as_ref())
        .filter(|side| side.in_place.is_none())
        .map(|side| side.len)
}

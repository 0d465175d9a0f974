//! Split-phase execution of an exchange (the model of PETSc's
//! `VecScatterBegin` / `VecScatterEnd`): `begin` packs and posts every
//! message at once, `finish` waits for them and writes the target.
//!
//! Unlike the lockstep schedule of [`Exchange::run`](super::Exchange), which
//! chooses between whole, chunked and shared-memory sends and lets large
//! contiguous messages be written straight into the receiver's buffer, a
//! split-phase exchange always goes as non-blocking point-to-point
//! messages, one per peer (pieces of at most `MAX_PIECE` cells):
//! the shared-memory slots and direct writes need both sides to take part
//! in each round, which is what a split phase lets go. The target is not
//! known until `finish`, so every message is received into a buffer of the
//! plan's and copied into the target there (with the local copies); a
//! contiguous send still goes out of the source itself. A receive over
//! `MAX_PIECE` cells (8 GiB of `f64`) is received at `finish`.

use super::pack::{copy, pack_all, unpack_all, Stores};
use super::requests::{Requests, Slot};
use super::segment::Prepared;
use super::steps::{Step, MAX_PIECE};
use super::Exchange;
use crate::dtype::Element;
use mpi::request::LocalScope;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// Tag of split-phase messages (so that a plan executed between another
/// plan's `begin` and `finish` never takes its messages).
const TAG: i32 = 0x0d16;

/// The buffers of a split-phase exchange, made at its first `begin`.
#[derive(Debug)]
pub(crate) struct Split<T> {
    send_buf: Vec<T>,
    recv_buf: Vec<T>,
    sends: Requests,
    recvs: Requests,
}

impl<T: Element> Split<T> {
    /// Room for every packed send and every receive of `exchange`.
    pub(crate) fn new(exchange: &Exchange<T>) -> Split<T> {
        let steps = &exchange.arranged().steps;
        let (mut send, mut recv, mut sends, mut recvs) = (0, 0, 0, 0);
        for step in steps {
            if let Some(side) = &step.send {
                send += if side.in_place.is_none() { side.len } else { 0 };
                sends += side.len.div_ceil(MAX_PIECE).max(1);
            }
            if let Some(side) = &step.recv {
                recv += side.len;
                recvs += 1;
            }
        }
        Split {
            send_buf: vec![T::default(); send],
            recv_buf: vec![T::default(); recv],
            sends: Requests::with_capacity(sends),
            recvs: Requests::with_capacity(recvs),
        }
    }
}

/// An exchange in flight: started by [`begin`], ended by
/// [`InFlight::finish`] (or [`InFlight::abandon`]).
pub(crate) struct InFlight<'a, 's, T> {
    comm: &'a SimpleCommunicator,
    steps: &'a [Step],
    local: &'a [(Prepared, Prepared)],
    pos: &'a mut Vec<usize>,
    stores: (Stores, Stores),
    src: &'a [T],
    recvs: Vec<Slot<'a, 's, T>>,
    sends: Vec<Slot<'a, 's, T>>,
    /// receives too large for one message, received at `finish`
    later: Vec<&'a mut [T]>,
    keep: (&'a mut Requests, &'a mut Requests),
}

/// Packs every send of `exchange` from `src` and posts every send and
/// receive in `scope`. Collective over the exchange's communicator (the
/// arguments must have been agreed).
pub(crate) fn begin<'a, 's, T: Element>(
    exchange: &'a mut Exchange<T>,
    split: &'a mut Split<T>,
    scope: &'s LocalScope<'a>,
    src: &'a [T],
) -> InFlight<'a, 's, T> {
    let (comm, arranged, pos, stores) = exchange.split_parts();
    let Split {
        send_buf,
        recv_buf,
        sends: keep_sends,
        recvs: keep_recvs,
    } = split;
    let raw = comm.raw();
    let steps = &arranged.steps[..];
    // receives first, so that early sends find them posted
    let mut recvs = keep_recvs.open();
    let mut later = Vec::new();
    let mut rest: &'a mut [T] = &mut recv_buf[..];
    for side in steps.iter().filter_map(|s| s.recv.as_ref()) {
        let (mine, tail) = std::mem::take(&mut rest).split_at_mut(side.len);
        rest = tail;
        if side.len <= MAX_PIECE {
            let peer = raw.process_at_rank(side.rank as i32);
            recvs.push(Slot::Posted(
                peer.immediate_receive_into_with_tag(scope, mine, TAG),
            ));
        } else {
            later.push(mine);
        }
    }
    // pack every packed send into its own part of the send buffer
    let mut at = 0;
    for side in steps.iter().filter_map(|s| s.send.as_ref()) {
        if side.in_place.is_none() {
            let out = &mut send_buf[at..at + side.len];
            pack_all(&side.segments, src, out, pos, stores.1);
            at += side.len;
        }
    }
    let send_buf: &'a [T] = &send_buf[..];
    let mut sends = keep_sends.open();
    let mut at = 0;
    for side in steps.iter().filter_map(|s| s.send.as_ref()) {
        let data = match &side.in_place {
            Some(r) => &src[r.clone()],
            None => {
                at += side.len;
                &send_buf[at - side.len..at]
            }
        };
        let peer = raw.process_at_rank(side.rank as i32);
        for piece in data.chunks(MAX_PIECE) {
            sends.push(Slot::Posted(
                peer.immediate_send_with_tag(scope, piece, TAG),
            ));
        }
    }
    InFlight {
        comm: raw,
        steps,
        local: &arranged.local,
        pos,
        stores: (stores.0, stores.2),
        src,
        recvs,
        sends,
        later,
        keep: (keep_sends, keep_recvs),
    }
}

impl<T: Element> InFlight<'_, '_, T> {
    /// Tests every message still in flight (MPI moves large messages only
    /// inside MPI calls); true when all are done.
    pub(crate) fn progress(&mut self) -> bool {
        let mut done = true;
        for slot in self.recvs.iter_mut().chain(self.sends.iter_mut()) {
            done &= slot.test();
        }
        done
    }

    /// Waits for every message and writes `dst` (the local copies and the
    /// received cells).
    pub(crate) fn finish(mut self, dst: &mut [T]) {
        for (s, d) in self.local {
            copy(s, self.src, d, dst, self.pos, self.stores.0);
        }
        let mut recvs = std::mem::take(&mut self.recvs);
        let mut later = self.later.drain(..);
        let mut next = recvs.iter_mut();
        for side in self.steps.iter().filter_map(|s| s.recv.as_ref()) {
            let data: &[T] = if side.len <= MAX_PIECE {
                next.next().expect("one request per receive").wait()
            } else {
                let buf = later.next().expect("kept for finish");
                receive_pieces(self.comm, side.rank, buf);
                buf
            };
            unpack_all(&side.segments, data, dst, self.pos, self.stores.1);
        }
        drop(later);
        self.keep.1.close(recvs);
        let sends = std::mem::take(&mut self.sends);
        self.keep.0.close(sends);
    }

    /// Completes every message without writing any target (an agreed
    /// error at `finish`: no peer is left waiting).
    pub(crate) fn abandon(mut self) {
        let recvs = std::mem::take(&mut self.recvs);
        self.keep.1.close(recvs);
        let big = self.steps.iter().filter_map(|s| s.recv.as_ref());
        let big = big.filter(|s| s.len > MAX_PIECE);
        for (side, buf) in big.zip(self.later.drain(..)) {
            receive_pieces(self.comm, side.rank, buf);
        }
        let sends = std::mem::take(&mut self.sends);
        self.keep.0.close(sends);
    }
}

/// Receives one large message from `rank`, piece by piece, into `buf`.
fn receive_pieces<T: Element>(comm: &SimpleCommunicator, rank: usize, buf: &mut [T]) {
    let peer = comm.process_at_rank(rank as i32);
    for piece in buf.chunks_mut(MAX_PIECE) {
        peer.receive_into_with_tag(piece, TAG);
    }
}

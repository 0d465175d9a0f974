//! Direct writes: a large message whose cells are one contiguous block of
//! both the sender's and the receiver's buffer, between two ranks of one
//! node, is written by the sender straight into the receiver's buffer
//! (`node_shm::write_to_process`).
//!
//! Why: MPI's single-copy transport has the *receiver* copy a large
//! message out of the sender's memory, so a rank that receives while it
//! also copies its own cells (a gather's root: its own rows, then every
//! peer's) does all the copying on one core while the peers wait. Written
//! by the senders, the copies run on all the node's cores at once: a
//! 1.6 GB gather on 2 ranks went from 0.32 s to about half of that.
//!
//! Protocol, per execution and per such message: the receiver posts an
//! OFFER (its process id, the target range's address and length, and the
//! address of a random cookie it holds) before its local copies; the
//! sender, at the step, checks the cookie in the receiver's memory, writes,
//! and answers WRITTEN (1) or not (0: then it sends through MPI as usual
//! and both sides stop offering for that step). Which steps take part is
//! agreed once, at the plan's first execution, between the two ranks of
//! each step (after one reduction that tells whether any rank has such a
//! message at all), and only where the receiver stays the busier of the
//! two after handing the copy to the sender (so a gather's root is helped
//! and a scatter's root is not burdened). A peer on another node (or in
//! another process namespace) does not hold the cookie where the offer
//! says, so its write is refused and the step goes through MPI from then
//! on: such pairs pay one failed attempt, at the first execution; `DISTARRAY_NODE_SHM=off` (or
//! [`PlanOptions::node_shared_memory`](super::PlanOptions)) keeps a rank
//! out.

use super::steps::Step;
use crate::comm::Comm;
use crate::dtype::Element;
use mpi::traits::*;

/// Messages at least this large may be written directly: below, the two
/// extra small messages cost more than a copy saves.
pub(super) const DIRECT_MIN_BYTES: usize = 4 << 20;

const TAG_SEND_FLAG: i32 = 0x0d1a;
const TAG_RECV_FLAG: i32 = 0x0d1b;
pub(super) const TAG_OFFER: i32 = 0x0d1c;
pub(super) const TAG_WRITTEN: i32 = 0x0d1d;

/// One step's two sides, as the agreement needs them: the peer, whether
/// this rank's side could go directly (large, contiguous, allowed), and its
/// cells.
#[derive(Debug, Clone, Copy)]
pub(super) struct Eligible {
    pub send: Option<(usize, bool, usize)>,
    pub recv: Option<(usize, bool, usize)>,
}

/// Which steps' sends and receives go by direct write.
#[derive(Debug)]
pub(super) struct Direct {
    pub send: Vec<bool>,
    pub recv: Vec<bool>,
    /// a random value the senders check in this process before writing
    pub cookie: Box<[u8; 16]>,
}

impl Direct {
    /// Agrees, with each step's peers, which sides go directly. Collective
    /// over `comm` (every rank at the same execution, the first). A side's
    /// flag is 0 when it cannot go directly, else 1 + `load`, the cells
    /// this rank copies in an execution (its local copies and what it
    /// receives). A message of `m` cells is written by its sender only when
    /// that leaves the receiver still the busier of the two (receiver's
    /// load > sender's load + m): a gather's root is relieved, a scatter's
    /// root (which would take on the copy) is not burdened, even where the
    /// split is uneven. Both ranks decide from the same three numbers.
    pub(super) fn agree(comm: &Comm, steps: &[Eligible], load: usize) -> Direct {
        let n = steps.len();
        let mut direct = Direct {
            send: vec![false; n],
            recv: vec![false; n],
            cookie: Box::new(super::shared::random_cookie(comm.rank() as u64)),
        };
        let any = steps
            .iter()
            .any(|s| s.send.is_some_and(|(_, ok, _)| ok) || s.recv.is_some_and(|(_, ok, _)| ok));
        if comm.all(!any) {
            return direct;
        }
        let raw = comm.raw();
        let flag = |ok: bool| if ok { 1 + load as u64 } else { 0 };
        for (i, step) in steps.iter().enumerate() {
            let mine_send = step.send.map(|(_, ok, _)| flag(ok));
            let mine_recv = step.recv.map(|(_, ok, _)| flag(ok));
            let (mut theirs_recv, mut theirs_send) = (0u64, 0u64);
            mpi::request::scope(|scope| {
                let a = step.send.zip(mine_send.as_ref()).map(|((to, _, _), flag)| {
                    raw.process_at_rank(to as i32).immediate_send_with_tag(
                        scope,
                        flag,
                        TAG_SEND_FLAG,
                    )
                });
                let b = step
                    .recv
                    .zip(mine_recv.as_ref())
                    .map(|((from, _, _), flag)| {
                        raw.process_at_rank(from as i32).immediate_send_with_tag(
                            scope,
                            flag,
                            TAG_RECV_FLAG,
                        )
                    });
                if let Some((to, _, _)) = step.send {
                    raw.process_at_rank(to as i32)
                        .receive_into_with_tag(&mut theirs_recv, TAG_RECV_FLAG);
                }
                if let Some((from, _, _)) = step.recv {
                    raw.process_at_rank(from as i32)
                        .receive_into_with_tag(&mut theirs_send, TAG_SEND_FLAG);
                }
                for r in [a, b].into_iter().flatten() {
                    r.wait_without_status();
                }
            });
            // (sender's flag, receiver's flag, cells): the sender writes when
            // the receiver stays the busier one
            let writes = |sender: u64, receiver: u64, cells: usize| {
                sender > 0 && receiver > 0 && receiver > sender.saturating_add(cells as u64)
            };
            direct.send[i] = step
                .send
                .zip(mine_send)
                .is_some_and(|((_, _, m), mine)| writes(mine, theirs_recv, m));
            direct.recv[i] = step
                .recv
                .zip(mine_recv)
                .is_some_and(|((_, _, m), mine)| writes(theirs_send, mine, m));
        }
        direct
    }

    /// The OFFER of a receive into `target` (bytes): process id, address,
    /// length, the cookie's address and the cookie.
    pub(super) fn offer(&self, target: &mut [u8]) -> [u64; 6] {
        let (a, b) = self.cookie.split_at(8);
        [
            u64::from(std::process::id()),
            target.as_mut_ptr() as usize as u64,
            target.len() as u64,
            self.cookie.as_ptr() as usize as u64,
            u64::from_le_bytes(a.try_into().expect("8 bytes")),
            u64::from_le_bytes(b.try_into().expect("8 bytes")),
        ]
    }

    /// Writes `data` where `offer` says; whether it was written.
    pub(super) fn write(offer: &[u64; 6], data: &[u8]) -> bool {
        let mut cookie = [0u8; 16];
        cookie[..8].copy_from_slice(&offer[4].to_le_bytes());
        cookie[8..].copy_from_slice(&offer[5].to_le_bytes());
        let (Ok(pid), Ok(address), Ok(cookie_address)) = (
            i32::try_from(offer[0]),
            usize::try_from(offer[1]),
            usize::try_from(offer[3]),
        ) else {
            return false;
        };
        offer[2] == data.len() as u64
            && node_shm::write_to_process(pid, cookie_address, &cookie, address, data).is_ok()
    }

    /// Steps whose send, and whose receive, go by direct write.
    pub(super) fn counts(&self) -> (usize, usize) {
        (
            self.send.iter().filter(|&&d| d).count(),
            self.recv.iter().filter(|&&d| d).count(),
        )
    }
}

/// The direct-write part of a step: as sender, takes the receiver's offer
/// and writes; as receiver, learns whether it was written. Returns whether
/// this rank's send, and its receive, are done. A side whose write failed
/// goes through MPI, now and from then on (both ranks know it).
pub(super) fn direct_step<T: Element>(
    raw: &mpi::topology::SimpleCommunicator,
    direct: Option<&mut Direct>,
    index: usize,
    step: &Step,
    src_buf: &[T],
) -> (bool, bool) {
    let Some(direct) = direct else {
        return (false, false);
    };
    let (send, recv) = (direct.send[index], direct.recv[index]);
    if !send && !recv {
        return (false, false);
    }
    let wrote: Option<(usize, u64)> = step.send.as_ref().filter(|_| send).map(|side| {
        let mut offer = [0u64; 6];
        raw.process_at_rank(side.rank as i32)
            .receive_into_with_tag(&mut offer[..], TAG_OFFER);
        let range = side.in_place.clone().expect("direct sends are in place");
        let data = T::le_bytes(&src_buf[range]);
        (side.rank, Direct::write(&offer, &data) as u64)
    });
    let mut written = 0u64;
    mpi::request::scope(|scope| {
        let answer = wrote.as_ref().map(|(to, flag)| {
            raw.process_at_rank(*to as i32)
                .immediate_send_with_tag(scope, flag, TAG_WRITTEN)
        });
        if let Some(side) = step.recv.as_ref().filter(|_| recv) {
            raw.process_at_rank(side.rank as i32)
                .receive_into_with_tag(&mut written, TAG_WRITTEN);
        }
        if let Some(r) = answer {
            r.wait_without_status();
        }
    });
    let sent = wrote.is_some_and(|(_, flag)| flag == 1);
    let got = recv && written == 1;
    direct.send[index] = sent;
    direct.recv[index] = got;
    (sent, got)
}

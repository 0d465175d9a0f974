//! The same-node shared-memory route for a plan's packed sends.
//!
//! A rank with packed sends owns two message slots in memory shared with
//! the other processes of its node (see the `node-shm` crate). For a send
//! going this way it packs chunk `i` into slot `i % 2` and tells the peer
//! (a small `READY` message with the chunk's cell count); the peer copies
//! the chunk out of the slot with streaming stores, straight into the
//! target when the cells are contiguous there, and answers `DONE`. Before
//! packing chunk `i + 2` into the same slot the sender waits for the
//! `DONE` of chunk `i`, so two chunks are in flight and a slot is never
//! written while it is read.
//!
//! Why: through MPI the same chunk is copied by the kernel (Open MPI's
//! single copy), with ordinary stores that first read every target line.
//! Rows -> columns of 5e7 f64 on 2 ranks: 25-26 ms this way against
//! 31-33 ms through MPI, in the machine state where a plain memcpy of the
//! same bytes takes 25 ms. When the two ranks sit on cores that do not
//! share a cache the slots' cache lines bounce between them and this way
//! loses; the plan times it against the others and keeps the fastest.
//!
//! The route is set up at the plan's first execution that takes this way
//! (the same one on every rank): each sender sends its slots' handle (pid,
//! descriptor, slot size, a random cookie) to each peer on its node
//! (`MPI_Comm_split_type(SHARED)`); the peer opens it, checks the cookie
//! and answers whether it can use it. Steps whose peer is on another node
//! or could not open the slots (no `/proc`, another platform) use MPI, as
//! do the steps of a rank with `DISTARRAY_NODE_SHM=off`.

use crate::comm::Comm;
use mpi::traits::*;
use node_shm::{Handle, PeerBuffer, SharedBuffer};

/// Tags of the set-up and per-chunk messages (data messages use another).
const TAG_HANDLE: i32 = 0x0d16;
const TAG_REPLY: i32 = 0x0d17;
pub(super) const TAG_READY: i32 = 0x0d18;
pub(super) const TAG_DONE: i32 = 0x0d19;

/// Bytes before the slots: the cookie, padded to a cache line.
const HEADER: usize = 64;

/// What the route needs to know of one step of the schedule.
#[derive(Debug, Clone, Copy)]
pub(super) struct Link {
    /// The step's send: the peer, and whether the cells are packed (only
    /// packed sends go through the slots).
    pub send: Option<(usize, bool)>,
    /// The step's receive: the peer.
    pub recv: Option<usize>,
}

/// This rank's slots and its view of its peers' slots, per step.
#[derive(Debug)]
pub(super) struct SharedRoute {
    mine: Option<SharedBuffer>,
    slot_bytes: usize,
    /// per step: whether the step's send goes through this rank's slots
    sends: Vec<bool>,
    /// per step: the sender's slots, when the step's receive comes through them
    peers: Vec<Option<(PeerBuffer, usize)>>,
}

impl SharedRoute {
    /// Sets the route up for `links` (one per step, in step order).
    /// Collective over `comm`. `slot_bytes` is this rank's largest packed
    /// chunk. Returns `None` on every rank when no step of any rank can
    /// use shared memory (then the plan never offers this way). A rank
    /// that is not `allowed` (`DISTARRAY_NODE_SHM=off`) neither offers
    /// slots nor opens any (its steps use MPI; the others are unaffected).
    pub(super) fn new(
        comm: &Comm,
        links: &[Link],
        slot_bytes: usize,
        allowed: bool,
    ) -> Option<SharedRoute> {
        let packs = allowed && links.iter().any(|l| matches!(l.send, Some((_, true))));
        let mut mine = packs
            .then(|| SharedBuffer::new(HEADER + 2 * slot_bytes).ok())
            .flatten();
        let cookie = mine.as_mut().map(|buf| {
            let cookie = random_cookie(buf.as_mut_slice().as_ptr() as u64);
            buf.as_mut_slice()[..16].copy_from_slice(&cookie);
            cookie
        });
        let raw = comm.raw();
        // the ranks of `comm` on this node: handles go to them only, and
        // only theirs are opened (a handle from elsewhere would name some
        // unrelated process's descriptor here)
        let node = raw.split_shared(raw.rank());
        let mut members = vec![0i32; node.size() as usize];
        node.all_gather_into(&raw.rank(), &mut members[..]);
        let on_node = |rank: usize| allowed && members.contains(&(rank as i32));
        // handles out (a send that is not packed, no slots or another
        // node: -1s), then each receiver opens what it got and answers
        let offers: Vec<[i64; 5]> = links
            .iter()
            .map(
                |l| match (l.send, mine.as_ref().and_then(|b| b.handle()), cookie) {
                    (Some((to, true)), Some(h), Some(c)) if on_node(to) => {
                        let [pid, fd] = h.to_words();
                        let (a, b) = c.split_at(8);
                        [
                            pid,
                            fd,
                            slot_bytes as i64,
                            i64::from_le_bytes(a.try_into().expect("8 bytes")),
                            i64::from_le_bytes(b.try_into().expect("8 bytes")),
                        ]
                    }
                    _ => [-1; 5],
                },
            )
            .collect();
        let mut peers: Vec<Option<(PeerBuffer, usize)>> = Vec::with_capacity(links.len());
        mpi::request::scope(|scope| {
            let sent: Vec<_> = links
                .iter()
                .zip(&offers)
                .filter_map(|(l, words)| {
                    l.send.map(|(to, _)| {
                        raw.process_at_rank(to as i32).immediate_send_with_tag(
                            scope,
                            &words[..],
                            TAG_HANDLE,
                        )
                    })
                })
                .collect();
            for l in links {
                peers.push(l.recv.and_then(|from| {
                    let mut words = [0i64; 5];
                    raw.process_at_rank(from as i32)
                        .receive_into_with_tag(&mut words[..], TAG_HANDLE);
                    on_node(from).then(|| open_peer(words)).flatten()
                }));
            }
            for r in sent {
                r.wait_without_status();
            }
        });
        let replies: Vec<i64> = peers.iter().map(|p| i64::from(p.is_some())).collect();
        let mut sends = vec![false; links.len()];
        mpi::request::scope(|scope| {
            let sent: Vec<_> = links
                .iter()
                .zip(&replies)
                .filter_map(|(l, reply)| {
                    l.recv.map(|from| {
                        raw.process_at_rank(from as i32)
                            .immediate_send_with_tag(scope, reply, TAG_REPLY)
                    })
                })
                .collect();
            for (l, shared) in links.iter().zip(&mut sends) {
                if let Some((to, _)) = l.send {
                    let mut reply = 0i64;
                    raw.process_at_rank(to as i32)
                        .receive_into_with_tag(&mut reply, TAG_REPLY);
                    *shared = reply == 1;
                }
            }
            for r in sent {
                r.wait_without_status();
            }
        });
        // every peer that will ever open the slots has: no new ones
        if let Some(buf) = mine.as_mut() {
            buf.close_handle();
        }
        let used = sends.iter().any(|&s| s);
        if comm.all(!used) {
            return None;
        }
        Some(SharedRoute {
            mine,
            slot_bytes,
            sends,
            peers,
        })
    }

    /// How many steps send, and receive, through shared memory.
    pub(super) fn steps_shared(&self) -> (usize, usize) {
        (
            self.sends.iter().filter(|&&s| s).count(),
            self.peers.iter().filter(|p| p.is_some()).count(),
        )
    }

    /// Whether step `step`'s send goes through this rank's slots.
    pub(super) fn sends_shared(&self, step: usize) -> bool {
        self.sends[step]
    }

    /// Whether step `step`'s receive comes through the sender's slots.
    pub(super) fn receives_shared(&self, step: usize) -> bool {
        self.peers[step].is_some()
    }

    /// This rank's slot `slot % 2`, its first `bytes` bytes.
    pub(super) fn slot_mut(&mut self, slot: usize, bytes: usize) -> &mut [u8] {
        assert!(bytes <= self.slot_bytes, "chunk larger than the slots");
        let start = HEADER + (slot % 2) * self.slot_bytes;
        let buf = self
            .mine
            .as_mut()
            .expect("a rank that sends shared has slots");
        &mut buf.as_mut_slice()[start..start + bytes]
    }

    /// Copies the first `out.len()` bytes of the step's sender's slot
    /// `slot % 2` into `out` (streaming stores).
    pub(super) fn copy_from_peer(&self, step: usize, slot: usize, out: &mut [u8]) {
        let (peer, slot_bytes) = self.peers[step].as_ref().expect("a shared receive");
        assert!(
            out.len() <= *slot_bytes,
            "chunk larger than the peer's slots"
        );
        peer.copy_to(HEADER + (slot % 2) * slot_bytes, out);
    }
}

/// Opens a sender's slots from its offer (a same-node rank's), checking
/// the cookie.
fn open_peer(words: [i64; 5]) -> Option<(PeerBuffer, usize)> {
    let [pid, fd, slot_bytes, a, b] = words;
    let handle = Handle::from_words([pid, fd])?;
    let slot_bytes = usize::try_from(slot_bytes).ok()?;
    let len = slot_bytes.checked_mul(2)?.checked_add(HEADER)?;
    let peer = PeerBuffer::open(handle, len).ok()?;
    let mut seen = [0u8; 16];
    peer.copy_to(0, &mut seen);
    let mut want = [0u8; 16];
    want[..8].copy_from_slice(&a.to_le_bytes());
    want[8..].copy_from_slice(&b.to_le_bytes());
    (seen == want).then_some((peer, slot_bytes))
}

/// 16 bytes no other buffer on the node is likely to hold: std's random
/// hash keys mixed with the time, the process id and `salt` (an address,
/// or a rank).
pub(super) fn random_cookie(salt: u64) -> [u8; 16] {
    use std::hash::BuildHasher;
    let mut cookie = [0u8; 16];
    for (i, half) in cookie.chunks_mut(8).enumerate() {
        let keys = std::collections::hash_map::RandomState::new();
        let mixed = (i, salt, std::process::id(), std::time::SystemTime::now());
        half.copy_from_slice(&keys.hash_one(mixed).to_le_bytes());
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A buffer whose cookie the offer names opens; the same buffer offered
    /// with another cookie (a pid and descriptor that happen to exist on
    /// this node but belong to another rank's buffer elsewhere) does not.
    #[test]
    fn peers_open_slots_only_with_their_cookie() {
        let mut mine = SharedBuffer::new(HEADER + 2 * 128).unwrap();
        let cookie = random_cookie(7);
        mine.as_mut_slice()[..16].copy_from_slice(&cookie);
        let [pid, fd] = mine.handle().unwrap().to_words();
        let word = |i: usize| i64::from_le_bytes(cookie[i..i + 8].try_into().unwrap());
        let (peer, slot_bytes) = open_peer([pid, fd, 128, word(0), word(8)]).expect("opens");
        assert_eq!((peer.len(), slot_bytes), (HEADER + 256, 128));
        assert!(
            open_peer([pid, fd, 128, word(0), word(8) ^ 1]).is_none(),
            "wrong cookie"
        );
        assert!(
            open_peer([pid, fd, 1 << 20, word(0), word(8)]).is_none(),
            "too small"
        );
        assert!(open_peer([-1; 5]).is_none(), "no offer");
        assert_ne!(random_cookie(7), cookie, "cookies differ call to call");
    }
}

//! The split-phase halo update: [`Halo::begin`] packs and posts,
//! [`PendingHalo::finish`] waits and writes the ghost cells. Steady state
//! allocates nothing (the request lists keep their memory in the halo).

use super::{not_contiguous, Halo, TAG};
use crate::array::DistArrayBase;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::pack::{copy_within, pack_all, unpack_all, Stores};
use crate::exchange::requests::{Requests, Slot};
use crate::exchange::segment::Prepared;
use crate::exchange::Side;
use crate::layout::Layout;
use mpi::request::LocalScope;
use mpi::traits::*;
use ndarray::{Data, DataMut};

impl<T: Element> Halo<T> {
    /// Starts an update: packs the cells neighbours need and posts every
    /// send and receive. Work on the array (its interior, or any owned cell:
    /// they were packed already) may go on until [`PendingHalo::finish`].
    /// Collective. Allocates nothing once the halo has run once (for a
    /// C-contiguous array). [`Halo::apply`] does the whole overlapped
    /// stencil sweep in one call.
    ///
    /// # Errors
    /// An array of another layout on any rank: the same error on every
    /// rank, and nothing is sent.
    pub fn begin<'a, 's, S: Data<Elem = T>>(
        &'a mut self,
        scope: &'s LocalScope<'a>,
        array: &DistArrayBase<S>,
    ) -> Result<PendingHalo<'a, 's, T>> {
        // agreed: a rank failing alone would leave its neighbours' receives
        // waiting
        self.layout.comm().agree(self.check(array))?;
        let local = array.local();
        let std = local.as_standard_layout();
        let buf = std.as_slice().expect("standard layout is contiguous");
        Ok(self.post(scope, buf))
    }

    /// [`Halo::begin`] on a C-contiguous buffer of the halo's layout
    /// (arguments agreed by the caller).
    pub(super) fn post<'a, 's>(
        &'a mut self,
        scope: &'s LocalScope<'a>,
        buf: &[T],
    ) -> PendingHalo<'a, 's, T> {
        let Halo {
            layout,
            sends,
            recvs,
            local,
            send_buf,
            recv_buf,
            pos,
            send_reqs,
            recv_reqs,
            ..
        } = self;
        let mut at = 0;
        for peer in sends.iter() {
            // ghost cells are few and read right away: ordinary stores
            at += pack_all(
                &peer.segments,
                buf,
                &mut send_buf[at..],
                pos,
                Stores::Cached,
            );
        }
        let comm = layout.comm().raw();
        let mut posted_recvs = recv_reqs.open();
        let mut rest: &'a mut [T] = &mut recv_buf[..];
        for peer in recvs.iter() {
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(peer.len);
            rest = tail;
            let req = comm
                .process_at_rank(peer.rank as i32)
                .immediate_receive_into_with_tag(scope, mine, TAG);
            posted_recvs.push(Slot::Posted(req));
        }
        let mut posted_sends = send_reqs.open();
        let mut at = 0;
        let send_buf: &'a [T] = &send_buf[..];
        for peer in sends.iter() {
            let req = comm
                .process_at_rank(peer.rank as i32)
                .immediate_send_with_tag(scope, &send_buf[at..at + peer.len], TAG);
            posted_sends.push(Slot::Posted(req));
            at += peer.len;
        }
        PendingHalo {
            recvs: posted_recvs,
            sends: posted_sends,
            peers: recvs,
            local,
            layout,
            pos,
            keep: (send_reqs, recv_reqs),
        }
    }
}

/// An update in flight (see [`Halo::begin`]).
///
/// # Examples
///
/// ```
/// # use distarray_core::halo::{Halo, Stencil};
/// # use distarray_core::map::{AxisMap, BlockMap};
/// # use distarray_core::{Comm, DistArray, Error, Layout, ProcGrid};
/// # let _u = mpi::initialize().unwrap();
/// # let comm = Comm::world();
/// # let (rank, p) = (comm.rank(), comm.size());
/// // 12 cells, one ghost cell at each interface between neighbours
/// let map = BlockMap::regular(12, p).with_padding(1, (0, 0)).unwrap();
/// let grid = ProcGrid::new(&[p], p, rank).unwrap();
/// let layout = Layout::from_parts(comm.clone(), grid, vec![AxisMap::Block(map)]);
/// let mut halo = Halo::new(&layout, Stencil::Star).unwrap();
/// let mut a = DistArray::<f64>::zeros(&layout);
/// let (cells, owned) = (layout.global_indices(0), layout.owned_local_ranges());
/// for k in owned[0].clone() {
///     a.local_mut()[[k]] = cells[k] as f64;
/// }
/// distarray_core::halo::scope(|s| {
///     let pending = halo.begin(s, &a).unwrap();
///     // the owned cells may be read (and written) while the messages travel
///     let mine: f64 = a.local().iter().sum();
///     assert!(mine >= 0.0);
///     pending.finish(&mut a).unwrap();
/// });
/// assert!(a.local().iter().zip(&cells).all(|(&x, &g)| x == g as f64));
/// ```
pub struct PendingHalo<'a, 's, T> {
    recvs: Vec<Slot<'a, 's, T>>,
    sends: Vec<Slot<'a, 's, T>>,
    /// the receiving sides, in the order of `recvs`
    peers: &'a [Side],
    local: &'a [(Prepared, Prepared)],
    layout: &'a Layout,
    pos: &'a mut Vec<usize>,
    keep: (&'a mut Requests, &'a mut Requests),
}

impl<T: Element> PendingHalo<'_, '_, T> {
    /// Waits for the exchange and writes the ghost cells. Collective.
    ///
    /// # Errors
    /// Another array than `begin`'s layout, or a buffer that is not
    /// C-contiguous, on any rank: the same error on every rank; the
    /// messages still complete (no rank is left waiting) and no ghost cell
    /// is written.
    pub fn finish<S: DataMut<Elem = T>>(self, array: &mut DistArrayBase<S>) -> Result<()> {
        let verdict = if !(array.layout().ptr_eq(self.layout) || array.layout() == self.layout) {
            Err(Error::LayoutMismatch {
                context: "halo finish".into(),
                detail: "finish() got another array than begin()".into(),
            })
        } else if !array.local().is_standard_layout() {
            Err(not_contiguous())
        } else {
            Ok(())
        };
        if let Err(e) = self.layout.comm().agree(verdict) {
            let PendingHalo {
                recvs, sends, keep, ..
            } = self;
            keep.1.close(recvs);
            keep.0.close(sends);
            return Err(e);
        }
        let mut local = array.local_mut();
        self.complete(local.as_slice_mut().expect("agreed contiguous above"));
        Ok(())
    }

    /// Lets MPI move the messages along (a test of each one still in
    /// flight): call it now and then during long interior work when large
    /// ghost regions travel by rendezvous, which otherwise only progresses
    /// inside MPI calls. Returns whether every message has arrived.
    pub fn progress(&mut self) -> bool {
        let mut done = true;
        for slot in self.recvs.iter_mut().chain(self.sends.iter_mut()) {
            done &= slot.test();
        }
        done
    }

    /// Waits for the exchange and writes the ghost cells of `buf` (a
    /// C-contiguous buffer of the halo's layout, agreed by the caller).
    pub(super) fn complete(self, buf: &mut [T]) {
        let PendingHalo {
            mut recvs,
            sends,
            peers,
            local,
            pos,
            keep,
            ..
        } = self;
        for (s, d) in local {
            copy_within(s, d, buf, pos);
        }
        for (slot, peer) in recvs.iter_mut().zip(peers) {
            let data = slot.wait();
            unpack_all(&peer.segments, data, buf, pos, Stores::Cached);
        }
        keep.1.close(recvs);
        keep.0.close(sends);
    }
}

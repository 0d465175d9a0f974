//! Halo (ghost cell) exchange for block axes with communication padding.
//!
//! After an update every communication-padding cell holds the value of the
//! cell it copies on the owning rank; on a periodic axis the boundary
//! padding cells hold the values from the opposite end of the interior
//! (cell `g < left` gets `g + period`, with `period = size - left - right`).
//! A [`Stencil::Star`] fills only faces (cells that are padding along one
//! axis); [`Stencil::Box`] also fills edges and corners. The plan is built
//! once; each update sends only to neighbours.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! use distarray_core::halo::{Halo, Stencil};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let ghosts = Dist::BlockPadded { comm: 1, boundary: (1, 1), periodic: true };
//! let layout = Layout::new(&comm, &[10, 10], &[ghosts.clone(), ghosts]).unwrap();
//! let mut a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 10 + ix[1]) as f64);
//! let mut halo = Halo::new(&layout, Stencil::Box).unwrap();
//! halo.update(&mut a).unwrap(); // blocking
//! // or overlap interior work with the exchange:
//! distarray_core::halo::scope(|s| {
//!     let pending = halo.begin(s, &a).unwrap();
//!     // ... compute on the interior of `a` here ...
//!     pending.finish(&mut a).unwrap();
//! });
//! ```

use crate::array::DistArrayBase;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;
use crate::redistribute::segment::{copy_within, pack, unpack, Segment};
use mpi::request::{LocalScope, Request};
use mpi::traits::*;
use ndarray::{Data, DataMut};

pub use mpi::request::scope;

const TAG: i32 = 0x0a10;

/// Which padding cells an update fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stencil {
    /// Faces only: cells that are padding along exactly one axis.
    Star,
    /// Faces, edges and corners: every padding cell.
    Box,
}

#[derive(Debug)]
struct Peer {
    rank: usize,
    segments: Vec<Segment>,
    len: usize,
}

/// A reusable halo-exchange plan for one layout.
#[derive(Debug)]
pub struct Halo<T> {
    layout: Layout,
    sends: Vec<Peer>,
    recvs: Vec<Peer>,
    local: Vec<(Segment, Segment)>,
    send_buf: Vec<T>,
    recv_buf: Vec<T>,
}

/// Per axis, where each local position's value comes from.
fn halo_entries(layout: &Layout) -> Result<Vec<Vec<crate::redistribute::HaloEntry>>> {
    let coords = layout.grid().coords();
    layout
        .maps()
        .iter()
        .enumerate()
        .map(|(axis, m)| {
            let p = coords[axis];
            let n = m.local_len(p);
            let interior = |k: usize| crate::redistribute::HaloEntry {
                k,
                src_pos: p,
                j: k,
                halo: false,
            };
            let AxisMap::Block(b) = m else {
                return Ok((0..n).map(interior).collect());
            };
            let (bl, br) = b.boundary_padding();
            let period = b.size() - bl - br;
            if b.is_periodic() && (bl > period || br > period) {
                return Err(Error::InvalidMap {
                    dim: axis,
                    reason: format!(
                        "periodic boundary padding ({bl}, {br}) is wider than the {period} interior cells it wraps onto"
                    ),
                });
            }
            let owned = b.owned_local_range(p);
            let start = b.buffer_range(p).start;
            Ok((0..n)
                .map(|k| {
                    let g = start + k;
                    // a periodic boundary cell takes its value from the far end of the
                    // interior, also when reached through a neighbour's padding
                    let wrapped = if b.is_periodic() && g < bl {
                        g + period
                    } else if b.is_periodic() && g >= b.size() - br {
                        g - period
                    } else {
                        g
                    };
                    let source = (wrapped != g || !owned.contains(&k)).then_some(wrapped);
                    match source {
                        None => interior(k),
                        Some(gs) => {
                            let (src_pos, j) = b.owner(gs);
                            crate::redistribute::HaloEntry {
                                k,
                                src_pos,
                                j,
                                halo: true,
                            }
                        }
                    }
                })
                .collect())
        })
        .collect()
}

impl<T: Element> Halo<T> {
    /// Plans the exchange for `layout`. Collective.
    pub fn new(layout: &Layout, stencil: Stencil) -> Result<Halo<T>> {
        let comm = layout.comm();
        let entries = comm.agree(halo_entries(layout))?;
        let perm: Vec<usize> = (0..layout.ndim()).collect();
        let requests =
            crate::redistribute::requests_for(layout, &perm, &entries, |halo: &[bool]| {
                let count = halo.iter().filter(|&&h| h).count();
                match stencil {
                    Stencil::Star => count == 1,
                    Stencil::Box => count >= 1,
                }
            });
        let schedule = crate::redistribute::schedule_for(comm, requests);
        let peers = |lists: Vec<Vec<Segment>>| -> Vec<Peer> {
            lists
                .into_iter()
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .map(|(rank, segments)| Peer {
                    rank,
                    len: segments.iter().map(Segment::len).sum(),
                    segments,
                })
                .collect()
        };
        let sends = peers(schedule.send);
        let recvs = peers(schedule.recv);
        let total = |ps: &[Peer]| ps.iter().map(|p| p.len).sum::<usize>();
        Ok(Halo {
            layout: layout.clone(),
            send_buf: vec![T::default(); total(&sends)],
            recv_buf: vec![T::default(); total(&recvs)],
            sends,
            recvs,
            local: schedule.local,
        })
    }

    /// The ranks this rank exchanges with.
    pub fn neighbours(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .sends
            .iter()
            .chain(&self.recvs)
            .map(|p| p.rank)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Elements sent per update from this rank.
    pub fn send_volume(&self) -> usize {
        self.send_buf.len()
    }

    fn check<S: ndarray::RawData>(&self, array: &DistArrayBase<S>) -> Result<()> {
        if array.layout().ptr_eq(&self.layout) || *array.layout() == self.layout {
            Ok(())
        } else {
            Err(Error::LayoutMismatch {
                context: "halo update".into(),
                detail: format!(
                    "the plan is for {:?}, the array has {:?}",
                    self.layout,
                    array.layout()
                ),
            })
        }
    }

    /// Fills the ghost cells of `array` (blocking). Collective.
    pub fn update<S: DataMut<Elem = T>>(&mut self, array: &mut DistArrayBase<S>) -> Result<()> {
        scope(|s| {
            let pending = self.begin(s, array)?;
            pending.finish(array)
        })
    }

    /// Starts an update: packs the cells neighbours need and posts every
    /// send and receive. Work on the array (its interior, or any owned cell:
    /// they were packed already) may go on until [`PendingHalo::finish`].
    /// Collective.
    pub fn begin<'a, 's, S: Data<Elem = T>>(
        &'a mut self,
        scope: &'s LocalScope<'a>,
        array: &DistArrayBase<S>,
    ) -> Result<PendingHalo<'a, 's, T>> {
        self.check(array)?;
        let local = array.local();
        let std = local.as_standard_layout();
        let buf = std.as_slice().expect("standard layout is contiguous");
        let shape = self.layout.local_shape();
        let mut at = 0;
        for peer in &self.sends {
            for seg in &peer.segments {
                let n = seg.len();
                pack(seg, buf, shape, &mut self.send_buf[at..at + n]);
                at += n;
            }
        }
        let comm = self.layout.comm().raw();
        let mut recv_reqs = Vec::with_capacity(self.recvs.len());
        let mut rest: &'a mut [T] = &mut self.recv_buf[..];
        for peer in &self.recvs {
            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(peer.len);
            rest = tail;
            let req = comm
                .process_at_rank(peer.rank as i32)
                .immediate_receive_into_with_tag(scope, mine, TAG);
            recv_reqs.push((req, &peer.segments[..]));
        }
        let mut send_reqs = Vec::with_capacity(self.sends.len());
        let mut at = 0;
        let send_buf: &'a [T] = &self.send_buf[..];
        for peer in &self.sends {
            let req = comm
                .process_at_rank(peer.rank as i32)
                .immediate_send_with_tag(scope, &send_buf[at..at + peer.len], TAG);
            send_reqs.push(req);
            at += peer.len;
        }
        Ok(PendingHalo {
            recvs: recv_reqs,
            sends: send_reqs,
            local: &self.local,
            layout: &self.layout,
        })
    }
}

/// A message in flight within a halo scope.
type ScopedRequest<'a, 's, T> = Request<'a, [T], &'s LocalScope<'a>>;

/// An update in flight (see [`Halo::begin`]).
pub struct PendingHalo<'a, 's, T> {
    recvs: Vec<(ScopedRequest<'a, 's, T>, &'a [Segment])>,
    sends: Vec<ScopedRequest<'a, 's, T>>,
    local: &'a [(Segment, Segment)],
    layout: &'a Layout,
}

impl<T: Element> PendingHalo<'_, '_, T> {
    /// Waits for the exchange and writes the ghost cells. Collective.
    pub fn finish<S: DataMut<Elem = T>>(self, array: &mut DistArrayBase<S>) -> Result<()> {
        if !(array.layout().ptr_eq(self.layout) || array.layout() == self.layout) {
            return Err(Error::LayoutMismatch {
                context: "halo finish".into(),
                detail: "finish() got another array than begin()".into(),
            });
        }
        let shape = self.layout.local_shape().to_vec();
        let mut local = array.local_mut();
        let buf = local.as_slice_mut().ok_or_else(|| {
            Error::InvalidArgument("halo update needs a C-contiguous local buffer".into())
        })?;
        for (s, d) in self.local {
            copy_within(s, d, buf, &shape);
        }
        for (req, segments) in self.recvs {
            let data = req.wait_for_data();
            let mut at = 0;
            for seg in segments {
                let n = seg.len();
                unpack(seg, &data[at..at + n], buf, &shape);
                at += n;
            }
        }
        for req in self.sends {
            req.wait_without_status();
        }
        Ok(())
    }
}

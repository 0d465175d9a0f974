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
//! let ghosts = Dist::BlockPadded { ghost_width: 1, boundary_width: (1, 1), periodic: true };
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

mod pending;
mod stencil;

use crate::array::DistArrayBase;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::pack::{copy_within, pack_all, unpack_all, Stores};
use crate::exchange::requests::Requests;
use crate::exchange::segment::{Prepared, Segment};
use crate::exchange::{Builder, Cells, Entry, Side};
use crate::layout::Layout;
use crate::map::AxisMap;
use mpi::traits::*;
use ndarray::DataMut;
use std::ops::Range;

pub use mpi::request::scope;
pub use pending::PendingHalo;
pub use stencil::Neighbourhood;

const TAG: i32 = 0x0a10;

/// The error for a buffer a halo update can not write in place.
fn not_contiguous() -> Error {
    Error::InvalidArgument("halo update needs a C-contiguous local buffer".into())
}

/// Which padding cells an update fills.
///
/// # Examples
///
/// A periodic 10 x 10 domain, rows split over the ranks: one ghost row
/// between neighbours, one boundary cell at both ends of both axes (8
/// interior cells per axis, so boundary cell 0 is the image of cell 8):
///
/// ```
/// use distarray_core::halo::{Halo, Stencil};
/// use distarray_core::map::{AxisMap, BlockMap};
/// use distarray_core::{Comm, DistArray, Layout, ProcGrid};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let p = comm.size();
/// let axis = |parts: usize| {
///     let m = BlockMap::regular(10, parts).with_padding(1, (1, 1)).unwrap();
///     AxisMap::Block(m.with_periodic(true))
/// };
/// let grid = ProcGrid::new(&[p, 1], p, comm.rank()).unwrap();
/// let layout = Layout::from_parts(comm.clone(), grid, vec![axis(p), axis(1)]);
/// let mut a = DistArray::from_fn(&layout, |ix: &[usize]| (10 * ix[0] + ix[1]) as f64);
///
/// Halo::new(&layout, Stencil::Star).unwrap().update(&mut a).unwrap();
/// assert_eq!(a.get(&[0, 5]).unwrap(), 85.0); // a face: row 0 is row 8's image
/// assert_eq!(a.get(&[0, 0]).unwrap(), 0.0); // a corner: left as it was
/// Halo::new(&layout, Stencil::Box).unwrap().update(&mut a).unwrap();
/// assert_eq!(a.get(&[0, 0]).unwrap(), 88.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stencil {
    /// Faces only: cells that are padding along exactly one axis.
    Star,
    /// Faces, edges and corners: every padding cell.
    Box,
}

/// A reusable halo-exchange plan for one layout.
///
/// # Examples
///
/// Owned cells set, ghost cells filled by one update:
///
/// ```
/// use distarray_core::halo::{Halo, Stencil};
/// use distarray_core::map::{AxisMap, BlockMap};
/// use distarray_core::{Comm, DistArray, Layout, ProcGrid};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let p = comm.size();
/// // 10 x 6, rows split with two ghost rows between neighbours
/// let rows = AxisMap::Block(BlockMap::regular(10, p).with_padding(2, (0, 0)).unwrap());
/// let grid = ProcGrid::new(&[p, 1], p, comm.rank()).unwrap();
/// let layout = Layout::from_parts(comm.clone(), grid, vec![rows, AxisMap::not_distributed(6)]);
///
/// let mut a = DistArray::<f64>::zeros(&layout);
/// let (global_rows, owned) = (layout.global_indices(0), layout.owned_local_ranges());
/// for i in owned[0].clone() {
///     for j in 0..6 {
///         a.local_mut()[[i, j]] = (10 * global_rows[i] + j) as f64;
///     }
/// }
/// let mut halo = Halo::new(&layout, Stencil::Star).unwrap();
/// halo.update(&mut a).unwrap();
/// // every cell of the buffer, ghost rows included, holds its own value
/// for (i, &g) in global_rows.iter().enumerate() {
///     for j in 0..6 {
///         assert_eq!(a.local()[[i, j]], (10 * g + j) as f64);
///     }
/// }
/// ```
#[derive(Debug)]
pub struct Halo<T> {
    layout: Layout,
    sends: Vec<Side>,
    recvs: Vec<Side>,
    local: Vec<(Prepared, Prepared)>,
    send_buf: Vec<T>,
    recv_buf: Vec<T>,
    pos: Vec<usize>,
    /// the kept memory of `begin`'s request lists
    send_reqs: Requests,
    recv_reqs: Requests,
    stencil: Stencil,
    /// where stencil sweeps work on this rank
    geometry: Result<stencil::Geometry>,
}

/// Per axis, where each local position's value comes from, for the rank
/// at grid `coords` (a pure function of the maps: the scale simulation
/// asks it for virtual ranks too).
pub(crate) fn halo_entries(coords: &[usize], maps: &[AxisMap]) -> Result<Vec<Vec<Entry>>> {
    maps.iter()
        .enumerate()
        .map(|(axis, m)| {
            let p = coords[axis];
            let n = m.local_len(p);
            let interior = |k: usize| Entry {
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
                            Entry {
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
    /// let halo = Halo::<f64>::new(&layout, Stencil::Star).unwrap();
    /// // one ghost cell to each neighbour along the line
    /// let left_right = [rank.checked_sub(1), (rank + 1 < p).then_some(rank + 1)];
    /// let expected: Vec<usize> = left_right.into_iter().flatten().collect();
    /// assert_eq!(halo.neighbours(), expected);
    /// assert_eq!(halo.send_volume(), expected.len());
    /// ```
    pub fn new(layout: &Layout, stencil: Stencil) -> Result<Halo<T>> {
        let entries = halo_entries(layout.grid().coords(), layout.maps());
        let local = entries.as_ref().map(|_| ()).map_err(Clone::clone);
        let builder = Builder::new("Halo::new", layout, layout, &[stencil as u64], local)?;
        let entries = entries.expect("agreed on every rank");
        let keep = |halo: &[bool]| {
            let count = halo.iter().filter(|&&h| h).count();
            match stencil {
                Stencil::Star => count == 1,
                Stencil::Box => count >= 1,
            }
        };
        let schedule = builder.schedule(Cells::Resolved {
            entries: &entries,
            keep: &keep,
        });
        let peers = |lists: Vec<Vec<Segment>>| -> Vec<Side> {
            lists
                .into_iter()
                .enumerate()
                .filter_map(|(rank, segments)| {
                    Side::new(rank, segments, layout.local_shape(), None)
                })
                .collect()
        };
        let sends = peers(schedule.send);
        let recvs = peers(schedule.recv);
        let total = |ps: &[Side]| ps.iter().map(|p| p.len).sum::<usize>();
        Ok(Halo {
            layout: layout.clone(),
            send_buf: vec![T::default(); total(&sends)],
            recv_buf: vec![T::default(); total(&recvs)],
            local: schedule
                .local
                .iter()
                .map(|(s, d)| {
                    (
                        Prepared::new(s, layout.local_shape()),
                        Prepared::new(d, layout.local_shape()),
                    )
                })
                .collect(),
            pos: Vec::with_capacity(layout.ndim()),
            geometry: stencil::geometry(layout, stencil, None),
            stencil,
            send_reqs: Requests::with_capacity(sends.len()),
            recv_reqs: Requests::with_capacity(recvs.len()),
            sends,
            recvs,
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
    ///
    /// Contiguous pieces (whole ghost rows of a row-major buffer, say) are
    /// sent from and received into the array itself; the rest goes through
    /// the plan's buffers.
    ///
    /// # Errors
    /// An array of another layout, or whose local buffer is not
    /// C-contiguous, on any rank: the same error on every rank (one small
    /// reduction per update agrees on it), and no data moves.
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
    /// let mut a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i32);
    /// halo.update(&mut a).unwrap();
    ///
    /// // an array of another layout is refused on every rank
    /// let mut b = DistArray::<i32>::zeros(&Layout::block(&comm, &[11]).unwrap());
    /// assert!(matches!(halo.update(&mut b), Err(Error::LayoutMismatch { .. })));
    /// ```
    pub fn update<S: DataMut<Elem = T>>(&mut self, array: &mut DistArrayBase<S>) -> Result<()> {
        let contiguous = array.local().is_standard_layout();
        let verdict = self.check(array).and_then(|()| match contiguous {
            true => Ok(()),
            false => Err(not_contiguous()),
        });
        self.layout.comm().agree(verdict)?;
        let mut local = array.local_mut();
        let buf = local.as_slice_mut().expect("agreed contiguous above");
        for (s, d) in &self.local {
            copy_within(s, d, buf, &mut self.pos);
        }
        // receive regions that can be written in place (sorted, disjoint)
        let mut recv_regions: Vec<(usize, Range<usize>)> = self
            .recvs
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.in_place.clone().map(|r| (i, r)))
            .collect();
        recv_regions.sort_by_key(|(_, r)| r.start);
        if recv_regions.windows(2).any(|w| w[0].1.end > w[1].1.start) {
            recv_regions.clear();
        }
        // sends go out in place when their block touches no receive region
        let direct: Vec<bool> = self
            .sends
            .iter()
            .map(|p| {
                p.in_place.as_ref().is_some_and(|r| {
                    recv_regions
                        .iter()
                        .all(|(_, q)| r.end <= q.start || q.end <= r.start)
                })
            })
            .collect();
        let mut at = 0;
        for (peer, _) in self.sends.iter().zip(&direct).filter(|(_, &d)| !d) {
            // ghost cells are few and read right away: ordinary stores
            at += pack_all(
                &peer.segments,
                buf,
                &mut self.send_buf[at..],
                &mut self.pos,
                Stores::Cached,
            );
        }
        {
            // cut the buffer at the receive regions: `&mut` pieces for them,
            // shared pieces between them for the in-place sends to borrow
            let mut recv_slices: Vec<Option<&mut [T]>> =
                (0..self.recvs.len()).map(|_| None).collect();
            let mut shared: Vec<(usize, &[T])> = Vec::with_capacity(recv_regions.len() + 1);
            let mut rest: &mut [T] = &mut *buf;
            let mut base = 0;
            for (i, r) in &recv_regions {
                let (before, tail) = std::mem::take(&mut rest).split_at_mut(r.start - base);
                let (mine, tail) = tail.split_at_mut(r.end - r.start);
                shared.push((base, before));
                recv_slices[*i] = Some(mine);
                rest = tail;
                base = r.end;
            }
            shared.push((base, rest));
            let comm = self.layout.comm().raw();
            let (recv_buf, send_buf) = (&mut self.recv_buf, &self.send_buf);
            let (sends, recvs) = (&self.sends, &self.recvs);
            scope(|s| {
                let mut reqs = Vec::with_capacity(recvs.len() + sends.len());
                let mut rest: &mut [T] = &mut recv_buf[..];
                for (i, peer) in recvs.iter().enumerate() {
                    let target: &mut [T] = match recv_slices[i].take() {
                        Some(slice) => slice,
                        None => {
                            let (mine, tail) = std::mem::take(&mut rest).split_at_mut(peer.len);
                            rest = tail;
                            mine
                        }
                    };
                    reqs.push(
                        comm.process_at_rank(peer.rank as i32)
                            .immediate_receive_into_with_tag(s, target, TAG),
                    );
                }
                let mut at = 0;
                for (peer, &d) in sends.iter().zip(&direct) {
                    let data: &[T] = match (&peer.in_place, d) {
                        (Some(r), true) => {
                            let (b, piece) = shared
                                .iter()
                                .find(|(b, piece)| r.start >= *b && r.end <= b + piece.len())
                                .expect("a send region outside every receive region lies in a shared piece");
                            &piece[r.start - b..r.end - b]
                        }
                        _ => {
                            at += peer.len;
                            &send_buf[at - peer.len..at]
                        }
                    };
                    reqs.push(
                        comm.process_at_rank(peer.rank as i32)
                            .immediate_send_with_tag(s, data, TAG),
                    );
                }
                for r in reqs {
                    r.wait_without_status();
                }
            });
        }
        let mut at = 0;
        for peer in self
            .recvs
            .iter()
            .filter(|p| p.in_place.is_none() || recv_regions.is_empty())
        {
            at += unpack_all(
                &peer.segments,
                &self.recv_buf[at..],
                buf,
                &mut self.pos,
                Stores::Cached,
            );
        }
        Ok(())
    }
}

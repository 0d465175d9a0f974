//! `searchsorted`, NumPy's `np.searchsorted(a, v, side)`: where needles
//! would go in a sorted distributed 1-D array to keep it sorted.
//!
//! The haystack is first seen as consecutive ranges of the global order in
//! rank order (block and irregular block layouts are; others are
//! redistributed to a block layout once, through a [`Plan`]), and its
//! order checked: each rank its own run, and every boundary between ranks
//! from the runs' ends (one all-gather of `O(P)` words). Then:
//! - needles every rank holds alike ([`searchsorted_local`]): each rank
//!   counts its run's items below each needle, one sum over the ranks;
//! - distributed needles ([`searchsorted`]): each needle travels to the
//!   one rank whose run decides it (from the runs' first values), which
//!   answers with its run's start plus its count; the answers travel
//!   back. Two all-to-alls of the needles, nothing of size the haystack.
//!
//! [`searchsorted`]: DistArrayBase::searchsorted
//! [`searchsorted_local`]: DistArrayBase::searchsorted_local

use super::deliver;
use super::order::SortKey;
use crate::array::{DistArray, DistArrayBase};
use crate::comm::{fingerprint, Comm};
use crate::error::{Error, Result};
use crate::exchange::PlanOptions;
use crate::layout::Layout;
use crate::map::AxisMap;
use crate::redistribute::Plan;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{Data, Slice};
use std::borrow::Cow;

/// Which place among equal items [`searchsorted`](DistArrayBase::searchsorted)
/// returns: before them (`Left`, NumPy's default: the count of items less
/// than the needle) or after them (`Right`: less than or equal).
///
/// # Examples
///
/// ```
/// use distarray_core::sort::Side;
/// assert_eq!(Side::default(), Side::Left);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Side {
    /// The first suitable place: `a[i-1] < v <= a[i]`.
    #[default]
    Left,
    /// The last suitable place: `a[i-1] <= v < a[i]`.
    Right,
}

/// A rank's consecutive range of the sorted haystack.
struct Sorted<'a, T: Clone> {
    run: Cow<'a, [T]>,
    /// The global position of the run's first item.
    start: u64,
}

impl<T: SortKey> Sorted<'_, T> {
    /// How many of the run's items go before `v`.
    fn count(&self, v: &T, side: Side) -> u64 {
        let n = match side {
            Side::Left => self.run.partition_point(|x| x.sort_cmp(v).is_lt()),
            Side::Right => self.run.partition_point(|x| x.sort_cmp(v).is_le()),
        };
        n as u64
    }
}

impl<T: SortKey, S: Data<Elem = T>> DistArrayBase<S> {
    /// For every needle, the index where it would be inserted into this
    /// array to keep it sorted (NumPy's `np.searchsorted(a, v, side)`),
    /// `i64`, in the needles' layout (any shape and distribution, on this
    /// array's communicator; padding cells hold 0). This array must be
    /// 1-D and sorted ascending in global order as [`sort`] sorts (NaN
    /// last); that is checked (one pass over the local cells). Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: this array not 1-D or not sorted (naming the
    /// first cells out of order), a layout replicating cells, needles on
    /// another communicator, ranks passing other layouts or sides.
    ///
    /// [`sort`]: DistArrayBase::sort
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{sort::Side, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[5]).unwrap(), |ix: &[usize]| [1.0, 2.0, 2.0, 3.0, f64::NAN][ix[0]]);
    /// let needles = Layout::new(&comm, &[4], &[Dist::Cyclic]).unwrap();
    /// let v = DistArray::from_fn(&needles, |ix: &[usize]| [2.0, 0.5, 9.0, f64::NAN][ix[0]]);
    /// let left = a.searchsorted(&v, Side::Left).unwrap();
    /// assert_eq!(left.layout(), v.layout());
    /// assert_eq!(left.gather_all().unwrap().as_slice().unwrap(), &[1, 0, 4, 4]);
    /// let right = a.searchsorted(&v, Side::Right).unwrap();
    /// assert_eq!(right.gather_all().unwrap().as_slice().unwrap(), &[3, 0, 4, 5]);
    /// ```
    pub fn searchsorted<N: Data<Elem = T>>(
        &self,
        needles: &DistArrayBase<N>,
        side: Side,
    ) -> Result<DistArray<i64>> {
        let (comm, nl) = (self.layout().comm(), needles.layout());
        let congruent = if nl.comm().congruent(comm) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(
                "searchsorted: the needles live on another communicator".into(),
            ))
        };
        let sorted = self.agreed_sorted(nl.fingerprint(), side, congruent)?;
        let mut out = DistArray::<i64>::zeros(nl);
        if self.layout().global_len() == 0 {
            return Ok(out);
        }
        let owned = needles.owned();
        // the rank deciding each needle: the last non-empty one whose
        // first item goes before it (else the first non-empty one, whose
        // answer is then 0)
        let heads = run_heads(comm, &sorted);
        let decider = |v: &T| {
            let k = heads.partition_point(|(_, x)| match side {
                Side::Left => x.sort_cmp(v).is_lt(),
                Side::Right => x.sort_cmp(v).is_le(),
            });
            heads[k.saturating_sub(1)].0
        };
        let dest: Vec<u32> = owned.iter().map(|v| decider(v) as u32).collect();
        // needles by rank (a counting sort), and where each came from
        let mut send_counts = vec![0usize; comm.size()];
        for &d in &dest {
            send_counts[d as usize] += 1;
        }
        let mut at: Vec<usize> = send_counts
            .iter()
            .scan(0, |s, &c| {
                *s += c;
                Some(*s - c)
            })
            .collect();
        let mut send = vec![T::default(); dest.len()];
        let mut slot = vec![0usize; dest.len()];
        for (k, (v, &d)) in owned.iter().zip(&dest).enumerate() {
            send[at[d as usize]] = *v;
            slot[k] = at[d as usize];
            at[d as usize] += 1;
        }
        drop(dest);
        let options = PlanOptions::from_env();
        let (asked, recv_counts) = deliver(comm, &send, &send_counts, &options);
        drop(send);
        let answers: Vec<i64> = asked
            .iter()
            .map(|v| (sorted.start + sorted.count(v, side)) as i64)
            .collect();
        let (answers, _) = deliver(comm, &answers, &recv_counts, &options);
        let ranges = nl.owned_local_ranges();
        let mut cells = out.local_mut();
        for (axis, range) in ranges.into_iter().enumerate() {
            cells.slice_axis_inplace(ndarray::Axis(axis), Slice::from(range));
        }
        for (c, &s) in cells.iter_mut().zip(&slot) {
            *c = answers[s];
        }
        Ok(out)
    }

    /// [`searchsorted`](Self::searchsorted) of needles every rank holds
    /// (the same on every rank): the indices, on every rank. Collective:
    /// one sum of a word per needle over the ranks.
    ///
    /// # Errors
    ///
    /// As [`searchsorted`](Self::searchsorted); ranks passing different
    /// numbers of needles.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{sort::Side, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[6], &[Dist::BlockCyclic(2)]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] / 2) as i64); // 0 0 1 1 2 2
    /// assert_eq!(a.searchsorted_local(&[1, -5, 7], Side::Left).unwrap(), [2, 0, 6]);
    /// assert_eq!(a.searchsorted_local(&[1, 2], Side::Right).unwrap(), [4, 6]);
    /// ```
    pub fn searchsorted_local(&self, needles: &[T], side: Side) -> Result<Vec<i64>> {
        // the needles themselves are agreed (ranks passing other values
        // would get a silent mixture of their counts)
        let bytes = T::le_bytes(needles);
        let words = bytes
            .chunks(8)
            .map(|c| c.iter().rev().fold(0u64, |w, &b| (w << 8) | b as u64));
        let needles_fp = fingerprint(std::iter::once(needles.len() as u64).chain(words));
        let sorted = self.agreed_sorted(needles_fp, side, Ok(()))?;
        let comm = self.layout().comm();
        let mine: Vec<u64> = needles.iter().map(|v| sorted.count(v, side)).collect();
        let mut sum = vec![0u64; mine.len()];
        // in pieces: MPI counts are 32-bit
        for (m, s) in mine.chunks(1 << 28).zip(sum.chunks_mut(1 << 28)) {
            comm.raw()
                .all_reduce_into(m, &mut s[..], SystemOperation::sum());
        }
        Ok(sum.into_iter().map(|c| c as i64).collect())
    }

    /// Agrees the arguments (`needles`: a fingerprint of the needles'
    /// shape or layout; `local`: the caller's own checks), brings the
    /// haystack into consecutive ranges and checks it is sorted, with an
    /// agreed error. Collective.
    fn agreed_sorted(&self, needles: u64, side: Side, local: Result<()>) -> Result<Sorted<'_, T>> {
        let layout = self.layout();
        let comm = layout.comm();
        let args = fingerprint([layout.fingerprint(), needles, side as u64, T::DTYPE as u64]);
        let local = local.and_then(|()| {
            if layout.ndim() != 1 {
                Err(Error::InvalidArgument(format!(
                    "searchsorted needs a 1-D sorted array; this one has shape {:?}",
                    layout.shape()
                )))
            } else if !layout.maps().iter().all(AxisMap::is_one_to_one) {
                Err(Error::InvalidArgument(format!(
                    "searchsorted needs a one-to-one layout; {layout:?} replicates cells"
                )))
            } else {
                Ok(())
            }
        });
        comm.agree_on("searchsorted", args, local)?;
        let sorted = self.consecutive()?;
        comm.agree(out_of_order(comm, &sorted))?;
        Ok(sorted)
    }

    /// This rank's consecutive range of the global order: its owned cells
    /// when the layout is made of such ranges in rank order, else its
    /// block of a block layout (redistributed). Collective.
    fn consecutive(&self) -> Result<Sorted<'_, T>> {
        let layout = self.layout();
        let comm = layout.comm();
        let owned = self.owned();
        let start: u64 = comm.all_gather_u64(owned.len() as u64)[..comm.rank()]
            .iter()
            .sum();
        let range = layout.owned_local_ranges()[0].clone();
        let p = layout.grid().coords()[0];
        let in_place = range.clone().all(|j| {
            layout.map(0).local_to_global(p, j) as u64 == start + (j - range.start) as u64
        });
        if comm.all(in_place) {
            if let Some(run) = owned.to_slice() {
                return Ok(Sorted {
                    run: Cow::Borrowed(run),
                    start,
                });
            }
            let run = owned.iter().copied().collect();
            return Ok(Sorted {
                run: Cow::Owned(run),
                start,
            });
        }
        let blocks = Layout::block(comm, layout.shape())?;
        let mut dst = DistArray::<T>::zeros(&blocks);
        Plan::new(layout, &blocks)?.execute(self, &mut dst)?;
        let start = blocks.first_global_index(0).unwrap_or(0) as u64;
        Ok(Sorted {
            run: Cow::Owned(dst.local().iter().copied().collect()),
            start,
        })
    }
}

/// Every non-empty rank's first item, in rank order. Collective.
fn run_heads<T: SortKey>(comm: &Comm, sorted: &Sorted<'_, T>) -> Vec<(usize, T)> {
    let mine: Vec<T> = sorted.run.first().copied().into_iter().collect();
    let (all, counts) = comm.all_gather_varcount(&mine);
    let ranks = (0..counts.len()).filter(|&r| counts[r] > 0);
    ranks.zip(all).collect()
}

/// The first cells out of order, from this rank's run and the boundary
/// below it. Collective (one all-gather of every rank's first and last).
fn out_of_order<T: SortKey>(comm: &Comm, sorted: &Sorted<'_, T>) -> Result<()> {
    let run = &sorted.run;
    let ends: Vec<T> = match (run.first(), run.last()) {
        (Some(&a), Some(&b)) => vec![a, b],
        _ => Vec::new(),
    };
    let (ends, counts) = comm.all_gather_varcount(&ends);
    let me = comm.rank();
    let bad = |g: u64, a: &T, b: &T| {
        Err(Error::InvalidArgument(format!(
            "searchsorted needs an array sorted ascending (NaN last); cell {g} ({a:?}) goes after cell {} ({b:?})",
            g + 1
        )))
    };
    // the nearest non-empty rank below: its last item against my first
    let below = (0..me).rev().find(|&r| counts[r] > 0);
    if let (Some(q), Some(first)) = (below, run.first()) {
        let at: usize = counts[..q].iter().sum::<usize>() + 1;
        if ends[at].sort_cmp(first).is_gt() {
            return bad(sorted.start - 1, &ends[at], first);
        }
    }
    match run.windows(2).position(|w| w[0].sort_cmp(&w[1]).is_gt()) {
        Some(k) => bad(sorted.start + k as u64, &run[k], &run[k + 1]),
        None => Ok(()),
    }
}

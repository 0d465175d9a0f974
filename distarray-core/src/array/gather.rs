//! Gathering a distributed array into one global ndarray, on one rank or on all.
//!
//! Only owned cells travel: communication padding (copies of a neighbour's
//! cells) is skipped, so stale ghost cells never overwrite real data.
//!
//! [`DistArrayBase::gather`] (and the scatter [`DistArray::from_global`])
//! are redistributions: to (or from) a layout in which the root holds the
//! whole array and every other rank nothing. They run through a plan, at the
//! speed of a plan: straight from the source buffer into the root's global
//! buffer, messages cut below MPI's 2^31-element limit, large copies with
//! streaming stores.

use super::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::{Dist, Layout};
use crate::redistribute::Plan;
use mpi::traits::*;
use ndarray::{ArrayD, Data, IxDyn};

/// A layout of `like`'s shape on `like`'s communicator in which rank `root`
/// holds every cell (its local buffer is the global array in C order) and
/// the other ranks none. `None` for 0-d arrays, which have no axis to give
/// to one rank. Collective (checked like any layout).
pub(crate) fn on_root(like: &Layout, root: usize) -> Result<Option<Layout>> {
    let Some((&rows, rest)) = like.shape().split_first() else {
        return Ok(None);
    };
    let p = like.comm().size();
    // positions 0..=root start at 0, root's block holds every row
    let bounds: Vec<usize> = (0..=p).map(|i| if i <= root { 0 } else { rows }).collect();
    let mut dists = vec![Dist::BlockBounds(bounds)];
    dists.extend(rest.iter().map(|_| Dist::NotDistributed));
    let mut grid = vec![p];
    grid.extend(rest.iter().map(|_| 1));
    Layout::with_grid(like.comm(), like.shape(), &dists, &grid).map(Some)
}

pub(crate) fn check_root(layout: &Layout, root: usize) -> Result<()> {
    let size = layout.comm().size();
    if root < size {
        Ok(())
    } else {
        Err(Error::InvalidRank { rank: root, size })
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// The whole array on rank `root` (`Some` there, `None` elsewhere).
    /// Collective. Moves the data with a redistribution plan, so it runs at
    /// memory speed and handles arrays of more than 2^31 elements.
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::new(&comm, &[5, 3], &[Dist::Cyclic, Dist::Block]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 3 + ix[1]) as i64);
    /// if let Some(whole) = a.gather(0).unwrap() {
    ///     assert_eq!(whole[[4, 2]], 14); // only rank 0 gets `Some`
    /// }
    /// ```
    pub fn gather(&self, root: usize) -> Result<Option<ArrayD<T>>> {
        let comm = self.layout.comm();
        let args = fingerprint([root as u64, self.layout.fingerprint()]);
        comm.agree_on("gather", args, check_root(&self.layout, root))?;
        let Some(whole) = on_root(&self.layout, root)? else {
            // a 0-d array: one cell, on every rank
            return Ok((comm.rank() == root).then(|| self.local.to_owned()));
        };
        let mut out = DistArray::zeros(&whole);
        Plan::new(&self.layout, &whole)?.execute(self, &mut out)?;
        Ok((comm.rank() == root).then(|| out.into_local()))
    }

    /// The whole array on every rank. Collective: a gather to rank 0 (a
    /// plan) and a broadcast, in pieces below MPI's 2^31-element limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[2, 3], &[Dist::Block, Dist::Cyclic]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (3 * ix[0] + ix[1]) as u8);
    /// let whole = a.gather_all().unwrap(); // on every rank
    /// assert_eq!(whole.shape(), &[2, 3]);
    /// assert_eq!(whole.iter().copied().collect::<Vec<u8>>(), vec![0, 1, 2, 3, 4, 5]);
    /// ```
    pub fn gather_all(&self) -> Result<ArrayD<T>> {
        let comm = self.layout.comm();
        let mut whole = match self.gather(0)? {
            Some(w) => w,
            None => ArrayD::from_elem(IxDyn(self.shape()), T::default()),
        };
        let buf = whole.as_slice_mut().expect("a fresh array is in C order");
        let root = comm.raw().process_at_rank(0);
        for piece in buf.chunks_mut(1 << 30) {
            root.broadcast_into(piece);
        }
        Ok(whole)
    }
}

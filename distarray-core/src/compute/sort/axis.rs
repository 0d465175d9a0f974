//! Sort and argsort along one axis of an N-d array (NumPy's
//! `np.sort(a, axis=k)` and `np.argsort(a, axis=k)`): every lane (1-D line
//! of cells along the axis) sorted on its own, the result in the input's
//! layout. `argsort_axis` gives indices *along the axis* (`0..shape[k]`),
//! as NumPy does.
//!
//! Three ways, chosen from the layout alone (the same on every rank):
//! - **the axis is not split** (grid size 1 on it): every rank sorts the
//!   lanes of its buffer, no communication;
//! - **the axis is split, lanes are many** (at least one per rank, and
//!   no rank holding more than twice its share of them): one
//!   [`Plan`] moves the array to a layout whose axis is whole and whose
//!   other axes are split in blocks, every rank sorts its lanes, a second
//!   plan moves the result back — two balanced all-to-alls, no gather;
//! - **the axis is split, lanes are few** (a `[1_000_000, 2]` array along
//!   axis 0): each lane is sorted by the distributed 1-D algorithm among
//!   the ranks that hold it (the grid line along the axis), every rank
//!   keeping its share of each lane; one plan places the shares in the
//!   input's layout when its axis is not in blocks.
//!
//! No rank holds more than about twice its share of the cells.
//!
//! Ghost cells: the redistributing ways fill the result's ghost cells from
//! their owners; the local way sorts every lane the rank's buffer holds,
//! ghost copies included, so they match their owners whenever the input's
//! did (after a halo update).

use super::{place, sorted_across, sorted_locally, SortKey, SortOptions};
use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::Result;
use crate::grid::default_grid_shape;
use crate::layout::{Dist, Layout};
use crate::map::{AxisMap, BlockMap};
use crate::redistribute::Plan;
use ndarray::{ArrayD, ArrayViewMut1, Axis, Data, Zip};

impl<T: SortKey, S: Data<Elem = T>> DistArrayBase<S> {
    /// Every lane along `axis` sorted (NumPy's `np.sort(a, axis=k)`), in
    /// this array's layout. Collective.
    ///
    /// The axis is an argument of its own rather than a field of
    /// [`SortOptions`], so that `SortOptions { descending: true,
    /// ..Default::default() }` means the same for every form; on an N-d
    /// array [`sort`](Self::sort) refuses (NumPy's default, the last axis,
    /// is `sort_axis(Axis(ndim - 1), ..)`). On a 1-D array `sort_axis(Axis(0), ..)`
    /// is [`sort`](Self::sort).
    ///
    /// How: a whole axis (grid size 1 on it) is sorted by every rank
    /// locally, no communication; a split axis with at least one lane per
    /// rank (and no rank more than twice its share) goes through a
    /// [`Plan`] to a layout with whole lanes and back, two balanced
    /// all-to-alls; with fewer lanes, the ranks of each grid line along the
    /// axis sort their lanes with the distributed 1-D algorithm, each
    /// keeping its share. Ghost cells come out consistent with their
    /// owners (the local way sorts ghost lanes too, so this holds when the
    /// input's ghost cells were current).
    ///
    /// # Errors
    ///
    /// On every rank alike: an axis out of range, a layout replicating
    /// cells, ranks passing other axes, options or layouts.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{sort::SortOptions, Axis, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[2, 3], &[Dist::Block, Dist::Cyclic]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [[3, 1, 2], [0, 5, -4]][ix[0]][ix[1]]);
    /// let rows = a.sort_axis(Axis(1), SortOptions::default()).unwrap();
    /// assert_eq!(rows.layout(), a.layout());
    /// assert_eq!(rows.gather_all().unwrap().as_slice().unwrap(), &[1, 2, 3, -4, 0, 5]);
    /// let down = SortOptions { descending: true, ..SortOptions::default() };
    /// let cols = a.sort_axis(Axis(0), down).unwrap();
    /// assert_eq!(cols.gather_all().unwrap().as_slice().unwrap(), &[3, 5, 2, 0, 1, -4]);
    /// ```
    pub fn sort_axis(&self, axis: Axis, options: SortOptions) -> Result<DistArray<T>> {
        self.agreed("sort_axis", Some(axis.index()), options)?;
        self.along(axis.index(), options, options.stable, |k, _| k)
    }

    /// The indices along `axis` (`0..shape[axis]`, as `i64`) that sort
    /// every lane (NumPy's `np.argsort(a, axis=k)`), in this array's
    /// layout: `take_along_axis(a, result, axis)` is
    /// [`sort_axis`](Self::sort_axis)'s result. Always stable (equal keys
    /// in increasing index order). Collective; errors as
    /// [`sort_axis`](Self::sort_axis).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{sort::SortOptions, Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3, 2]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| [[2.0, f64::NAN], [1.0, 0.0], [2.0, 7.0]][ix[0]][ix[1]]);
    /// let i = a.argsort_axis(Axis(0), SortOptions::default()).unwrap();
    /// // column 0: 1.0 (row 1), then the two 2.0 in row order; column 1: NaN last
    /// assert_eq!(i.gather_all().unwrap().as_slice().unwrap(), &[1, 1, 0, 2, 2, 0]);
    /// ```
    pub fn argsort_axis(&self, axis: Axis, options: SortOptions) -> Result<DistArray<i64>> {
        self.agreed("argsort_axis", Some(axis.index()), options)?;
        self.along(axis.index(), options, true, |_, i| i)
    }

    /// The three ways (see the module doc); `pick` makes an output cell of
    /// a sorted key and its index along the axis (0 without indices).
    fn along<U: Element>(
        &self,
        axis: usize,
        options: SortOptions,
        with_ids: bool,
        pick: impl Fn(T, i64) -> U + Copy,
    ) -> Result<DistArray<U>> {
        let layout = self.layout();
        if layout.ndim() == 1 {
            let (keys, ids) = self.sorted_everywhere(options, with_ids);
            return place(layout, picked(keys, ids, pick));
        }
        if layout.grid().shape()[axis] == 1 {
            return Ok(self.lanes_sorted_here(axis, options, with_ids, pick));
        }
        match lanes_layout(layout, axis)? {
            Some(lanes) => self
                .redistribute(&lanes)?
                .lanes_sorted_here(axis, options, with_ids, pick)
                .redistribute(layout),
            None => self.lanes_sorted_by_line(axis, options, with_ids, pick),
        }
    }

    /// Every lane of this rank's buffer sorted locally, for a layout whose
    /// `axis` has grid size 1 (each rank holds whole lanes).
    fn lanes_sorted_here<U: Element>(
        &self,
        axis: usize,
        options: SortOptions,
        with_ids: bool,
        pick: impl Fn(T, i64) -> U + Copy,
    ) -> DistArray<U> {
        let layout = self.layout();
        // grid size 1: the buffer holds the axis' cells (in any order for
        // an unstructured map); local position of every global index
        let gidx = layout.global_indices(axis);
        let mut at = vec![0usize; gidx.len()];
        for (j, &g) in gidx.iter().enumerate() {
            at[g] = j;
        }
        let mut out = DistArray::<U>::zeros(layout);
        let mut local = out.local_mut();
        let src = self.local();
        Zip::from(local.lanes_mut(Axis(axis)))
            .and(src.lanes(Axis(axis)))
            .for_each(|mut o, i| {
                let (keys, ids) = sorted_locally(i.to_vec(), &gidx, options, with_ids);
                for (m, v) in picked(keys, ids, pick).into_iter().enumerate() {
                    o[at[m]] = v;
                }
            });
        drop(local);
        out
    }

    /// Every owned lane sorted by the distributed 1-D algorithm among the
    /// ranks of this rank's grid line along `axis`; each keeps as many
    /// cells of every lane as it owns, its consecutive range of the lane's
    /// order, placed in the layout by a plan unless the axis is in blocks.
    fn lanes_sorted_by_line<U: Element>(
        &self,
        axis: usize,
        options: SortOptions,
        with_ids: bool,
        pick: impl Fn(T, i64) -> U + Copy,
    ) -> Result<DistArray<U>> {
        let layout = self.layout();
        let line = layout.line_along(axis);
        let range = layout.owned_local_ranges()[axis].clone();
        let gidx = layout.global_indices(axis)[range.clone()].to_vec();
        let owned = self.owned();
        let mut mine = ArrayD::<U>::from_elem(owned.raw_dim(), U::default());
        // the ranks of a line hold the same lanes, visited in the same order
        for (o, i) in mine
            .lanes_mut(Axis(axis))
            .into_iter()
            .zip(owned.lanes(Axis(axis)))
        {
            let (keys, ids) = sorted_locally(i.to_vec(), &gidx, options, with_ids);
            let (keys, ids) = sorted_across(&line, keys, ids, options);
            fill(o, picked(keys, ids, pick));
        }
        // the shares as a layout: block bounds along the axis (the line's
        // owned counts in grid order), the other axes as they are, unpadded
        let counts = line.all_gather_u64(range.len() as u64);
        let mut bounds = vec![0usize];
        for c in counts {
            bounds.push(bounds[bounds.len() - 1] + c as usize);
        }
        let unpadded = |m: &AxisMap| -> Result<AxisMap> {
            Ok(match m {
                AxisMap::Block(b) if b.is_padded() => {
                    AxisMap::Block(BlockMap::irregular(b.bounds().to_vec())?)
                }
                other => other.clone(),
            })
        };
        let mut maps = Vec::with_capacity(layout.ndim());
        for (a, m) in layout.maps().iter().enumerate() {
            maps.push(match m {
                AxisMap::Block(b) if a == axis && !b.is_padded() => m.clone(),
                _ if a == axis => AxisMap::Block(BlockMap::irregular(bounds.clone())?),
                _ => unpadded(m)?,
            });
        }
        let shares = Layout::from_parts(layout.comm().clone(), layout.grid().clone(), maps);
        let src = DistArray::from_local(shares.clone(), mine)?;
        if &shares == layout {
            return Ok(src);
        }
        let mut out = DistArray::<U>::zeros(layout);
        Plan::new(&shares, layout)?.execute(&src, &mut out)?;
        Ok(out)
    }
}

/// The output cells of a sorted run.
fn picked<T: Copy, U>(keys: Vec<T>, ids: Option<Vec<i64>>, pick: impl Fn(T, i64) -> U) -> Vec<U> {
    match ids {
        Some(ids) => keys.into_iter().zip(ids).map(|(k, i)| pick(k, i)).collect(),
        None => keys.into_iter().map(|k| pick(k, 0)).collect(),
    }
}

fn fill<U>(mut lane: ArrayViewMut1<'_, U>, values: Vec<U>) {
    for (c, v) in lane.iter_mut().zip(values) {
        *c = v;
    }
}

/// The layout the many-lanes way sorts in: `axis` whole, the other axes
/// in blocks over the grid that best balances the lanes; `None` (few
/// lanes: the by-line way) when there are fewer lanes than ranks or that
/// grid leaves some rank more than twice its share of them. Collective.
fn lanes_layout(layout: &Layout, axis: usize) -> Result<Option<Layout>> {
    let shape = layout.shape();
    let p = layout.comm().size();
    let others = |a: &usize| *a != axis;
    let lanes: usize = (0..shape.len()).filter(others).map(|a| shape[a]).product();
    let free: Vec<bool> = (0..shape.len()).map(|a| a != axis).collect();
    let grid = default_grid_shape(shape, &free, p);
    let most: usize = (0..shape.len())
        .filter(others)
        .map(|a| shape[a].div_ceil(grid[a]))
        .product();
    if lanes < p || most * p > 2 * lanes {
        return Ok(None);
    }
    let dists: Vec<Dist> = free
        .iter()
        .map(|&f| if f { Dist::Block } else { Dist::NotDistributed })
        .collect();
    Layout::with_grid(layout.comm(), shape, &dists, &grid).map(Some)
}

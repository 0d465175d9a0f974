//! Slicing: NumPy's basic indexing (`a[1:-1, ::2, 3]`, `...`,
//! `np.newaxis`, negative indices and steps) for every distribution kind,
//! and slice assignment. An index is written with the [`s!`](crate::s)
//! macro — `a.slice(s![1..-1, ..;2, 3])` — or as a slice of [`Ix`].
//!
//! [`slice`](DistArrayBase::slice) returns a **copy** in a new distributed
//! array (balanced blocks over the result's shape, or a layout you choose
//! with [`slice_in`](DistArrayBase::slice_in)), made by one redistribution
//! plan that moves only the selected cells; it works for every
//! distribution. [`slice_view`](DistArrayBase::slice_view) returns a
//! **view** (no copy, no communication) when the layout allows it: every
//! axis that is cut (not taken whole) must be held whole by each rank (not
//! distributed); otherwise it says which axis prevents it. Slice assignment
//! writes only the selected cells of the target, from a scalar, an ndarray
//! every rank holds, or another distributed array. A new axis
//! (`NewAxis`) is a length-1 axis in the result, and in the value assigned.
//!
//! ```
//! use distarray_core::{s, Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[6, 8], &[Dist::Cyclic, Dist::Block]).unwrap();
//! let mut a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 8 + ix[1]) as f64);
//! // a[1:-1, ::3]
//! let s = a.slice(s![1..-1, ..;3]).unwrap();
//! assert_eq!(s.shape(), &[4, 3]);
//! assert_eq!(s.get(&[0, 1]).unwrap(), 11.0);
//! // a[np.newaxis, ..., -1]: the last column as a 1 x 6 row
//! let row = a.slice(s![NewAxis, ..., -1]).unwrap();
//! assert_eq!(row.shape(), &[1, 6]);
//! assert_eq!(row.get(&[0, 2]).unwrap(), 23.0);
//! // a[2] = 0  (a whole row)
//! a.fill_slice(s![2], 0.0).unwrap();
//! assert_eq!(a.get(&[2, 5]).unwrap(), 0.0);
//! ```

pub mod fancy;
mod ix;
mod macros;
mod select;

pub use ix::{Ix, Span, StepSize};
pub use select::{normalize, AxisSelection, Selection};

use crate::array::{DistArray, DistArrayBase, DistArrayView};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::{Builder, Cells};
use crate::grid::ProcGrid;
use crate::layout::Layout;
use crate::map::AxisMap;
use ndarray::{ArrayViewD, Data, DataMut, IxDyn};

/// `Ok` when the selection resolved and `found` is the shape it selects.
fn shaped_like(sel: &Result<Selection>, found: &[usize], context: &str) -> Result<()> {
    let shape = sel.as_ref().map_err(Clone::clone)?.shape();
    if found == shape.as_slice() {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context: context.into(),
            expected: shape,
            found: found.to_vec(),
        })
    }
}

/// Words of a selection (none when it failed: the agreement reports that).
fn words(sel: &Result<Selection>) -> Vec<u64> {
    sel.as_ref().map(Selection::words).unwrap_or_default()
}

/// Where global index `g` of `layout`'s `axis` lives: (grid position,
/// local index). Collective when the axis is unstructured (every rank
/// asks, in the same order).
fn owner_of(layout: &Layout, axis: usize, g: usize) -> (usize, usize) {
    match layout.map(axis) {
        AxisMap::Unstructured(u) => {
            u.owners(layout.comm(), &[g])[0].expect("covered axes have owners")
        }
        m => m.owner(g).expect("structured"),
    }
}

/// The source axes held at one index (`At`), as (axis, grid position,
/// local index). Collective (unstructured owners).
fn fixed_axes(src: &Layout, sel: &Selection) -> Vec<(usize, usize, usize)> {
    (0..sel.axes.len())
        .filter(|&a| !sel.axes[a].keep)
        .map(|a| {
            let (pos, j) = owner_of(src, a, sel.axes[a].start);
            (a, pos, j)
        })
        .collect()
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// The selected cells as a new array over balanced blocks. Collective.
    /// (Always a copy; see the module docs.)
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{s, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[10]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i64);
    /// // a[8:2:-2]
    /// let s = a.slice(s![8..2;-2]).unwrap();
    /// assert_eq!(s.gather_all().unwrap().as_slice().unwrap(), &[8, 6, 4]);
    /// ```
    pub fn slice(&self, index: impl AsRef<[Ix]>) -> Result<DistArray<T>> {
        let index = index.as_ref();
        let sel = normalize(self.shape(), index);
        let args = words(&sel);
        let sel = self.layout().comm().agree_on(
            "slice",
            crate::comm::fingerprint(args.into_iter().chain([self.layout().fingerprint()])),
            sel,
        )?;
        let shape = sel.shape();
        if shape.is_empty() {
            return Err(Error::InvalidArgument(
                "every axis is indexed: use get() for a single element".into(),
            ));
        }
        let target = Layout::block(self.layout().comm(), &shape)?;
        self.slice_in(index, &target)
    }

    /// The selected cells as a new array in `target`'s layout (its shape
    /// must be the selection's). Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{s, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[4, 6]).unwrap(), |ix: &[usize]| {
    ///     (ix[0] * 6 + ix[1]) as f64
    /// });
    /// // a[np.newaxis, 1:-1, 2], into a cyclic layout
    /// let cyclic = Layout::new(&comm, &[1, 2], &[Dist::Block, Dist::Cyclic]).unwrap();
    /// let s = a.slice_in(s![NewAxis, 1..-1, 2], &cyclic).unwrap();
    /// assert_eq!(s.get(&[0, 1]).unwrap(), 14.0);
    /// ```
    pub fn slice_in(&self, index: impl AsRef<[Ix]>, target: &Layout) -> Result<DistArray<T>> {
        let src = self.layout();
        let sel = normalize(self.shape(), index.as_ref());
        let local = shaped_like(&sel, target.shape(), "slice target");
        let builder = Builder::new("slice_in", src, target, &words(&sel), local)?;
        let sel = sel.expect("agreed on every rank");
        let fixed = fixed_axes(src, &sel);
        // a new axis (None) reads its one cell at position 0
        let map = |a: usize, i: usize| match sel.result_axes[a] {
            Some(s) => Some(sel.axes[s].source(i)),
            None => Some(0),
        };
        let mut plan = builder.plan(Cells::Selected {
            perm: &sel.result_axes,
            fixed: &fixed,
            map: &map,
        });
        let mut out = DistArray::zeros(target);
        plan.execute(self, &mut out)?;
        Ok(out)
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// The selected cells as a view of this array's memory (no copy, no
    /// communication), when every cut axis is one each rank holds whole.
    /// New axes are length-1 axes held by every rank.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{s, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::new(&Comm::world(), &[4, 6], &[Dist::NotDistributed, Dist::Block])
    ///     .unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 6 + ix[1]) as f64);
    /// // rows 3 and 1 (a[::-2]), as a view; the columns stay distributed
    /// let v = a.slice_view(s![..;-2, NewAxis]).unwrap();
    /// assert_eq!(v.shape(), &[2, 1, 6]);
    /// assert_eq!(v.get(&[1, 0, 5]).unwrap(), 11.0);
    /// // cutting the distributed axis needs a copy (on more than one rank)
    /// assert_eq!(a.slice_view(s![.., 1..]).is_ok(), Comm::world().size() == 1);
    /// ```
    pub fn slice_view(&self, index: impl AsRef<[Ix]>) -> Result<DistArrayView<'_, T>> {
        let layout = self.layout();
        let sel = normalize(self.shape(), index.as_ref())?;
        for (a, s) in sel.axes.iter().enumerate() {
            let whole = s.keep && s.start == 0 && s.step == 1 && s.len == layout.shape()[a];
            let held_whole = layout.map(a).grid_size() == 1
                && !matches!(layout.map(a), AxisMap::Block(b) if b.is_padded())
                && !matches!(layout.map(a), AxisMap::Unstructured(_));
            if !whole && !held_whole {
                return Err(Error::LayoutMismatch {
                    context: "slice_view".into(),
                    detail: format!(
                        "axis {a} is distributed ({}), so cutting it needs a copy: use slice()",
                        layout.map(a).short_name()
                    ),
                });
            }
        }
        let mut view = self.local();
        // per kept source axis: its map and grid size in the result
        let mut kept = vec![None; sel.axes.len()];
        for (a, s) in sel.axes.iter().enumerate().rev() {
            if !s.keep {
                view.index_axis_inplace(ndarray::Axis(a), s.start);
                continue;
            }
            let whole = s.start == 0 && s.step == 1 && s.len == layout.shape()[a];
            let map = if whole {
                layout.map(a).clone()
            } else {
                let (lo, hi) = match s.len {
                    0 => (0, 0),
                    n if s.step > 0 => (s.start, s.start + (n - 1) * s.step as usize + 1),
                    n => (s.start - (n - 1) * s.step.unsigned_abs(), s.start + 1),
                };
                view.slice_axis_inplace(
                    ndarray::Axis(a),
                    ndarray::Slice::new(lo as isize, Some(hi as isize), s.step),
                );
                AxisMap::not_distributed(s.len)
            };
            kept[a] = Some((map, layout.grid().shape()[a]));
        }
        let mut maps = Vec::with_capacity(sel.result_axes.len());
        let mut grid_shape = Vec::with_capacity(sel.result_axes.len());
        for (r, axis) in sel.result_axes.iter().enumerate() {
            let (map, p) = match axis {
                Some(a) => kept[*a].take().expect("each kept axis once"),
                None => {
                    view.insert_axis_inplace(ndarray::Axis(r));
                    (AxisMap::not_distributed(1), 1)
                }
            };
            maps.push(map);
            grid_shape.push(p);
        }
        let comm = layout.comm();
        let grid = ProcGrid::new(&grid_shape, comm.size(), comm.rank())?;
        let sliced = Layout::from_parts(comm.clone(), grid, maps);
        DistArrayBase::from_local(sliced, view)
    }
}

impl<T: Element, S: DataMut<Elem = T>> DistArrayBase<S> {
    /// Writes `value` into the selected cells (ghost copies included). No
    /// communication; every rank calls it with the same index.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{s, All, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let mut a = DistArray::<f64>::zeros(&Layout::block(&Comm::world(), &[4, 5]).unwrap());
    /// a.fill_slice(s![1..=2, ..;2], 1.0).unwrap(); // a[1:3, ::2] = 1
    /// assert_eq!(a.sum(All).unwrap(), 6.0);
    /// ```
    pub fn fill_slice(&mut self, index: impl AsRef<[Ix]>, value: T) -> Result<()> {
        let sel = normalize(self.shape(), index.as_ref())?;
        self.assign_slice_with(&sel, |_| value);
        Ok(())
    }

    /// Writes an ndarray every rank holds (shaped like the selection, new
    /// axes included) into the selected cells. No communication.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{s, Comm, DistArray, Layout};
    /// use distarray_core::ndarray::ArrayD;
    /// let _u = mpi::initialize().unwrap();
    /// let mut a = DistArray::<f64>::zeros(&Layout::block(&Comm::world(), &[4, 5]).unwrap());
    /// // a[-1, np.newaxis, :] = [[0, 1, 2, 3, 4]]
    /// let row = ArrayD::from_shape_fn(vec![1, 5], |ix| ix[1] as f64);
    /// a.assign_slice_local(s![-1, NewAxis, ..], row.view()).unwrap();
    /// assert_eq!(a.get(&[3, 4]).unwrap(), 4.0);
    /// ```
    pub fn assign_slice_local(
        &mut self,
        index: impl AsRef<[Ix]>,
        value: ArrayViewD<'_, T>,
    ) -> Result<()> {
        let sel = normalize(self.shape(), index.as_ref());
        shaped_like(&sel, value.shape(), "assign_slice_local value")?;
        let sel = sel?;
        self.assign_slice_with(&sel, |pos| value[IxDyn(pos)]);
        Ok(())
    }

    /// Writes `value(result position)` into every selected cell this rank
    /// holds.
    fn assign_slice_with(&mut self, sel: &Selection, value: impl Fn(&[usize]) -> T) {
        let layout = self.layout().clone();
        // per axis: (local position, result position) of the selected cells here
        let axes: Vec<Vec<(usize, usize)>> = (0..layout.ndim())
            .map(|a| {
                layout
                    .global_indices(a)
                    .into_iter()
                    .enumerate()
                    .filter_map(|(k, g)| sel.axes[a].position(g).map(|i| (k, i)))
                    .collect()
            })
            .collect();
        let locals: Vec<Vec<usize>> = axes
            .iter()
            .map(|v| v.iter().map(|p| p.0).collect())
            .collect();
        let results: Vec<Vec<usize>> = axes
            .iter()
            .map(|v| v.iter().map(|p| p.1).collect())
            .collect();
        let mut local = self.local_mut();
        let mut pos = Vec::new();
        let mut k = vec![0usize; layout.ndim()];
        crate::array::for_each_in_box(&locals, |j, _| {
            // positions within the per-axis lists, found by the odometer's values
            for a in 0..j.len() {
                while locals[a][k[a]] != j[a] {
                    k[a] = (k[a] + 1) % locals[a].len();
                }
            }
            pos.clear();
            // a new axis has the one position 0
            pos.extend(
                sel.result_axes
                    .iter()
                    .map(|r| r.map_or(0, |a| results[a][k[a]])),
            );
            local[IxDyn(j)] = value(&pos);
        });
    }

    /// Writes a distributed array (shaped like the selection, new axes
    /// included; any layout) into the selected cells. Collective: one plan
    /// moves each value to the ranks holding its target cell.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{s, Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let mut a = DistArray::<f64>::zeros(&Layout::block(&comm, &[6, 4]).unwrap());
    /// let column = Layout::new(&comm, &[3, 1], &[Dist::Cyclic, Dist::Block]).unwrap();
    /// let v = DistArray::from_fn(&column, |ix: &[usize]| ix[0] as f64 + 1.0);
    /// // a[::2, np.newaxis, -1] = v  (v is 3 x 1)
    /// a.assign_slice(s![..;2, NewAxis, -1], &v).unwrap();
    /// assert_eq!(a.get(&[4, 3]).unwrap(), 3.0);
    /// ```
    pub fn assign_slice<S2: Data<Elem = T>>(
        &mut self,
        index: impl AsRef<[Ix]>,
        value: &DistArrayBase<S2>,
    ) -> Result<()> {
        let dst = self.layout().clone();
        let sel = normalize(self.shape(), index.as_ref());
        let local = shaped_like(&sel, value.shape(), "assign_slice value");
        let builder = Builder::new("assign_slice", value.layout(), &dst, &words(&sel), local)?;
        let sel = sel.expect("agreed on every rank");
        // target axis a reads the value's axis that walks it (None: a
        // dropped axis, written at its one index)
        let mut perm: Vec<Option<usize>> = vec![None; sel.axes.len()];
        for (r, a) in sel.result_axes.iter().enumerate() {
            if let Some(a) = a {
                perm[*a] = Some(r);
            }
        }
        // the value's new axes are held at their one index, 0
        let fixed: Vec<(usize, usize, usize)> = (0..sel.result_axes.len())
            .filter(|&r| sel.result_axes[r].is_none())
            .map(|r| {
                let (pos, j) = owner_of(value.layout(), r, 0);
                (r, pos, j)
            })
            .collect();
        let map = |a: usize, g: usize| sel.axes[a].position(g);
        let mut plan = builder.plan(Cells::Selected {
            perm: &perm,
            fixed: &fixed,
            map: &map,
        });
        plan.execute(value, self)
    }
}

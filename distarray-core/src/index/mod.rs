//! Slicing: NumPy's basic indexing (`a[1:-1, ::2, 3]`, `...`, negative
//! indices and steps) for every distribution kind, and slice assignment.
//!
//! [`slice`](DistArrayBase::slice) returns a **copy** in a new distributed
//! array (balanced blocks over the result's shape, or a layout you choose),
//! made by one redistribution plan that moves only the selected cells; it
//! works for every distribution. [`slice_view`](DistArrayBase::slice_view)
//! returns a **view** (no copy, no communication) when the layout allows it:
//! every axis that is cut (not taken whole) must be held whole by each rank
//! (not distributed); otherwise it says which axis prevents it. Slice
//! assignment writes only the selected cells of the target, from a scalar,
//! an ndarray every rank holds, or another distributed array.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! use distarray_core::index::Ix;
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[6, 8], &[Dist::Cyclic, Dist::Block]).unwrap();
//! let mut a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 8 + ix[1]) as f64);
//! // a[1:-1, ::3]
//! let s = a.slice(&[Ix::range(1, -1), Ix::step(3)]).unwrap();
//! assert_eq!(s.shape(), &[4, 3]);
//! assert_eq!(s.get(&[0, 1]).unwrap(), 11.0);
//! // a[2] = 0  (a whole row)
//! a.fill_slice(&[Ix::At(2)], 0.0).unwrap();
//! assert_eq!(a.get(&[2, 5]).unwrap(), 0.0);
//! ```

pub mod fancy;

use crate::array::{DistArray, DistArrayBase, DistArrayView};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::{Builder, Cells};
use crate::grid::ProcGrid;
use crate::layout::Layout;
use crate::map::AxisMap;
use ndarray::{ArrayViewD, Data, DataMut, IxDyn};

/// One entry of a NumPy-style index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ix {
    /// `:` — the whole axis.
    All,
    /// `start:stop:step`; `None` ends as in Python; negative counts from the end.
    Range {
        /// first index (`None`: the beginning, or the end for negative steps)
        start: Option<isize>,
        /// one past the last (`None`: the end, or before the beginning for negative steps)
        stop: Option<isize>,
        /// stride (not 0; negative walks backwards)
        step: isize,
    },
    /// A single index: the axis is dropped from the result.
    At(isize),
    /// `...`: as many `:` as needed.
    Ellipsis,
}

impl Ix {
    /// `start:stop`
    pub fn range(start: isize, stop: isize) -> Ix {
        Ix::Range {
            start: Some(start),
            stop: Some(stop),
            step: 1,
        }
    }
    /// `::step`
    pub fn step(step: isize) -> Ix {
        Ix::Range {
            start: None,
            stop: None,
            step,
        }
    }
}

/// One axis of a normalized selection: `len` indices `start + i*step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisSelection {
    /// first index
    pub start: usize,
    /// number of indices
    pub len: usize,
    /// stride (may be negative)
    pub step: isize,
    /// false for `At`: the axis is dropped
    pub keep: bool,
}

impl AxisSelection {
    /// The source index of result position `i`.
    pub fn source(&self, i: usize) -> usize {
        (self.start as isize + i as isize * self.step) as usize
    }
    /// The result position of source index `g`, if selected.
    pub fn position(&self, g: usize) -> Option<usize> {
        let d = g as isize - self.start as isize;
        if d % self.step != 0 {
            return None;
        }
        let i = d / self.step;
        (i >= 0 && (i as usize) < self.len).then_some(i as usize)
    }
}

/// Normalizes an index against `shape` (NumPy's rules).
/// `Ok` when the selection resolved and `found` is the shape it selects.
fn shaped_like(sel: &Result<Vec<AxisSelection>>, found: &[usize], context: &str) -> Result<()> {
    let sel = sel.as_ref().map_err(Clone::clone)?;
    let shape: Vec<usize> = sel.iter().filter(|s| s.keep).map(|s| s.len).collect();
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

/// Words of a selection, for the agreement that every rank selected alike.
fn selection_words(sel: &[AxisSelection]) -> Vec<u64> {
    sel.iter()
        .flat_map(|s| [s.start as u64, s.len as u64, s.step as u64, s.keep as u64])
        .collect()
}

/// Resolves an index expression against a shape: one selection per axis.
pub fn normalize(shape: &[usize], index: &[Ix]) -> Result<Vec<AxisSelection>> {
    let ellipses = index.iter().filter(|i| matches!(i, Ix::Ellipsis)).count();
    if ellipses > 1 {
        return Err(Error::InvalidArgument(
            "an index can only have a single ellipsis ('...')".into(),
        ));
    }
    let explicit = index.len() - ellipses;
    if explicit > shape.len() {
        return Err(Error::InvalidArgument(format!(
            "too many indices: {explicit} for an array of {} dimensions",
            shape.len()
        )));
    }
    let mut full = Vec::with_capacity(shape.len());
    for &ix in index {
        if ix == Ix::Ellipsis {
            full.extend(std::iter::repeat_n(Ix::All, shape.len() - explicit));
        } else {
            full.push(ix);
        }
    }
    full.resize(shape.len(), Ix::All);
    full.iter()
        .zip(shape)
        .enumerate()
        .map(|(axis, (&ix, &n))| {
            let n = n as isize;
            match ix {
                Ix::All | Ix::Ellipsis => Ok(AxisSelection {
                    start: 0,
                    len: n as usize,
                    step: 1,
                    keep: true,
                }),
                Ix::At(i) => {
                    let j = if i < 0 { i + n } else { i };
                    if j < 0 || j >= n {
                        return Err(Error::IndexOutOfBounds {
                            index: vec![i as i64],
                            shape: vec![n as usize],
                        });
                    }
                    Ok(AxisSelection {
                        start: j as usize,
                        len: 1,
                        step: 1,
                        keep: false,
                    })
                }
                Ix::Range { start, stop, step } => {
                    if step == 0 {
                        return Err(Error::InvalidArgument(format!(
                            "slice step cannot be zero (axis {axis})"
                        )));
                    }
                    // Python's slice.indices
                    let clamp = |v: isize, lo: isize, hi: isize| v.max(lo).min(hi);
                    let (lo, hi) = if step > 0 { (0, n) } else { (-1, n - 1) };
                    let fix = |v: Option<isize>, default: isize| match v {
                        None => default,
                        Some(v) if v < 0 => clamp(v + n, lo, hi),
                        Some(v) => clamp(v, lo, hi),
                    };
                    let (s, e) = if step > 0 {
                        (fix(start, 0), fix(stop, n))
                    } else {
                        (fix(start, n - 1), fix(stop, -1))
                    };
                    let len = if step > 0 {
                        if e > s {
                            (e - s + step - 1) / step
                        } else {
                            0
                        }
                    } else if s > e {
                        (s - e - step - 1) / -step
                    } else {
                        0
                    };
                    Ok(AxisSelection {
                        start: if len > 0 { s as usize } else { 0 },
                        len: len as usize,
                        step,
                        keep: true,
                    })
                }
            }
        })
        .collect()
}

/// Source axes feeding result axes, and the fixed (dropped) axes with their
/// (grid position, local index). Collective (unstructured owners).
fn plan_axes(src: &Layout, sel: &[AxisSelection]) -> (Vec<usize>, Vec<(usize, usize, usize)>) {
    let kept: Vec<usize> = (0..sel.len()).filter(|&a| sel[a].keep).collect();
    let fixed = (0..sel.len())
        .filter(|&a| !sel[a].keep)
        .map(|a| {
            let g = sel[a].start;
            let (pos, j) = match src.map(a) {
                AxisMap::Unstructured(u) => {
                    u.owners(src.comm(), &[g])[0].expect("covered axes have owners")
                }
                m => m.owner(g).expect("structured"),
            };
            (a, pos, j)
        })
        .collect();
    (kept, fixed)
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// The selected cells as a new array over balanced blocks. Collective.
    /// (Always a copy; see the module docs.)
    pub fn slice(&self, index: &[Ix]) -> Result<DistArray<T>> {
        let sel = normalize(self.shape(), index);
        let args = selection_words(sel.as_deref().unwrap_or(&[]));
        let sel = self.layout().comm().agree_on(
            "slice",
            crate::comm::fingerprint(args.into_iter().chain([self.layout().fingerprint()])),
            sel,
        )?;
        let shape: Vec<usize> = sel.iter().filter(|s| s.keep).map(|s| s.len).collect();
        if shape.is_empty() {
            return Err(Error::InvalidArgument(
                "every axis is indexed: use get() for a single element".into(),
            ));
        }
        let target = Layout::block(self.layout().comm(), &shape)?;
        self.slice_into(index, &target)
    }

    /// The selected cells as a new array in `target`'s layout (its shape
    /// must be the selection's). Collective.
    pub fn slice_into(&self, index: &[Ix], target: &Layout) -> Result<DistArray<T>> {
        let src = self.layout();
        let sel = normalize(self.shape(), index);
        let local = shaped_like(&sel, target.shape(), "slice target");
        let args = selection_words(sel.as_deref().unwrap_or(&[]));
        let builder = Builder::new("slice_into", src, target, &args, local)?;
        let sel = sel.expect("agreed on every rank");
        let (kept, fixed) = plan_axes(src, &sel);
        let perm: Vec<Option<usize>> = kept.iter().map(|&a| Some(a)).collect();
        let map = |a: usize, i: usize| Some(sel[kept[a]].source(i));
        let mut plan = builder.plan(Cells::Selected {
            perm: &perm,
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
    pub fn slice_view(&self, index: &[Ix]) -> Result<DistArrayView<'_, T>> {
        let layout = self.layout();
        let sel = normalize(self.shape(), index)?;
        for (a, s) in sel.iter().enumerate() {
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
        let mut maps = Vec::new();
        let mut grid_shape = Vec::new();
        for (a, s) in sel.iter().enumerate().rev() {
            if !s.keep {
                view.index_axis_inplace(ndarray::Axis(a), s.start);
                continue;
            }
            let whole = s.start == 0 && s.step == 1 && s.len == layout.shape()[a];
            if whole {
                maps.push(layout.map(a).clone());
            } else {
                let (lo, hi) = if s.step > 0 {
                    (
                        s.start,
                        s.start + s.len.saturating_sub(1) * s.step as usize + 1,
                    )
                } else if s.len == 0 {
                    (0, 0)
                } else {
                    (s.start - (s.len - 1) * (-s.step) as usize, s.start + 1)
                };
                let (lo, hi) = if s.len == 0 { (0, 0) } else { (lo, hi) };
                view.slice_axis_inplace(
                    ndarray::Axis(a),
                    ndarray::Slice::new(lo as isize, Some(hi as isize), s.step),
                );
                maps.push(AxisMap::not_distributed(s.len));
            }
            grid_shape.push(layout.grid().shape()[a]);
        }
        maps.reverse();
        grid_shape.reverse();
        let comm = layout.comm();
        let grid = ProcGrid::new(&grid_shape, comm.size(), comm.rank())?;
        let sliced = Layout::from_parts(comm.clone(), grid, maps);
        DistArrayBase::from_local(sliced, view)
    }
}

impl<T: Element, S: DataMut<Elem = T>> DistArrayBase<S> {
    /// Writes `value` into the selected cells (ghost copies included). No
    /// communication; every rank calls it with the same index.
    pub fn fill_slice(&mut self, index: &[Ix], value: T) -> Result<()> {
        self.assign_slice_with(index, |_| value)
    }

    /// Writes an ndarray every rank holds (shaped like the selection) into
    /// the selected cells. No communication.
    pub fn assign_slice_local(&mut self, index: &[Ix], value: ArrayViewD<'_, T>) -> Result<()> {
        let sel = normalize(self.shape(), index)?;
        let shape: Vec<usize> = sel.iter().filter(|s| s.keep).map(|s| s.len).collect();
        if value.shape() != shape.as_slice() {
            return Err(Error::ShapeMismatch {
                context: "assign_slice_local value".into(),
                expected: shape,
                found: value.shape().to_vec(),
            });
        }
        self.assign_slice_with(index, |pos| value[IxDyn(pos)])
    }

    fn assign_slice_with(&mut self, index: &[Ix], value: impl Fn(&[usize]) -> T) -> Result<()> {
        let sel = normalize(self.shape(), index)?;
        let layout = self.layout().clone();
        // per axis: (local position, result position) of the selected cells here
        let axes: Vec<Vec<(usize, usize)>> = (0..layout.ndim())
            .map(|a| {
                layout
                    .global_indices(a)
                    .into_iter()
                    .enumerate()
                    .filter_map(|(k, g)| sel[a].position(g).map(|i| (k, i)))
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
            pos.extend(
                (0..j.len())
                    .filter(|&a| sel[a].keep)
                    .map(|a| results[a][k[a]]),
            );
            local[IxDyn(j)] = value(&pos);
        });
        Ok(())
    }

    /// Writes a distributed array (shaped like the selection, any layout)
    /// into the selected cells. Collective: one plan moves each value to the
    /// ranks holding its target cell.
    pub fn assign_slice<S2: Data<Elem = T>>(
        &mut self,
        index: &[Ix],
        value: &DistArrayBase<S2>,
    ) -> Result<()> {
        let dst = self.layout().clone();
        let sel = normalize(self.shape(), index);
        let local = shaped_like(&sel, value.shape(), "assign_slice value");
        let args = selection_words(sel.as_deref().unwrap_or(&[]));
        let builder = Builder::new("assign_slice", value.layout(), &dst, &args, local)?;
        let sel = sel.expect("agreed on every rank");
        // target axis a reads value axis (its rank among the kept axes)
        let mut next = 0;
        let perm: Vec<Option<usize>> = sel
            .iter()
            .map(|s| {
                s.keep.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        let map = |a: usize, g: usize| sel[a].position(g);
        let mut plan = builder.plan(Cells::Selected {
            perm: &perm,
            fixed: &[],
            map: &map,
        });
        plan.execute(value, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(shape: &[usize], ix: &[Ix]) -> Vec<Vec<usize>> {
        normalize(shape, ix)
            .unwrap()
            .iter()
            .map(|s| (0..s.len).map(|i| s.source(i)).collect())
            .collect()
    }

    #[test]
    fn python_slice_rules() {
        assert_eq!(
            idx(&[10], &[Ix::range(2, -2)]),
            vec![vec![2, 3, 4, 5, 6, 7]]
        );
        assert_eq!(idx(&[10], &[Ix::step(-3)]), vec![vec![9, 6, 3, 0]]);
        assert_eq!(
            idx(
                &[10],
                &[Ix::Range {
                    start: Some(8),
                    stop: Some(2),
                    step: -2
                }]
            ),
            vec![vec![8, 6, 4]]
        );
        assert_eq!(idx(&[10], &[Ix::range(5, 2)]), vec![Vec::<usize>::new()]);
        assert_eq!(idx(&[10], &[Ix::range(-100, 100)])[0].len(), 10);
        assert_eq!(
            idx(&[3, 4, 5], &[Ix::Ellipsis, Ix::At(-1)]),
            vec![vec![0, 1, 2], vec![0, 1, 2, 3], vec![4]]
        );
        assert!(normalize(&[3], &[Ix::At(3)]).is_err());
        assert!(normalize(&[3], &[Ix::step(0)]).is_err());
        assert!(normalize(&[3], &[Ix::All, Ix::All]).is_err());
        let s = normalize(&[10], &[Ix::step(-3)]).unwrap()[0];
        assert_eq!(s.position(6), Some(1));
        assert_eq!(s.position(5), None);
    }
}

//! The reductions along axes: each axis folded where its cells live, the
//! ranks of each grid line combined onto the line's first rank (no data
//! moves but the partial results), the result keeping the axis with length
//! 1 there; without keepdims, the reduced axes are dropped at the end by
//! one reshape into balanced blocks. Called once the selection is agreed
//! ([`super`]), with sorted, distinct axes.

use super::beats;
use crate::array::{DistArray, DistArrayBase};
use crate::comm::{fingerprint, Comm};
use crate::compute::ufunc::{FloatElement, Real};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap};
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{ArrayD, Axis, Data, IxDyn, Slice};

/// `layout` with `axis` reduced to length 1, held by the first rank of each
/// grid line along it (the others hold none of it). Not collective.
pub(super) fn keep_axis(layout: &Layout, axis: usize) -> Result<Layout> {
    let p = layout.grid().shape()[axis];
    let mut bounds = vec![0];
    bounds.extend(std::iter::repeat_n(1, p));
    let mut maps = layout.maps().to_vec();
    maps[axis] = AxisMap::Block(BlockMap::irregular(bounds)?);
    Ok(Layout::from_parts(
        layout.comm().clone(),
        layout.grid().clone(),
        maps,
    ))
}

/// Drops the (length-1) `axes` by a reshape into a balanced block layout
/// of the remaining ones. Collective.
fn drop_axes<T: Element>(a: DistArray<T>, axes: &[usize]) -> Result<DistArray<T>> {
    if axes.is_empty() {
        return Ok(a);
    }
    let shape: Vec<usize> = (0..a.ndim())
        .filter(|d| !axes.contains(d))
        .map(|d| a.shape()[d])
        .collect();
    let target = Layout::block(a.layout().comm(), &shape)?;
    a.reshape_in(&target)
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Folds the cells along each of `axes` with `f` from `init`, combining
    /// the ranks of each grid line with `op` (over this layout's line
    /// communicators, made once per layout and axis). Collective.
    ///
    /// `sticky_nan`: `Some(NaN)` when a NaN on any rank of a line makes the
    /// line's result NaN. MPI's MIN and MAX compare with `<`, so they keep
    /// or drop a NaN depending on the order they meet it; min and max of
    /// floats pass their NaN (`None` for integers and the other folds).
    pub(super) fn fold_along(
        &self,
        axes: &[usize],
        keep: bool,
        init: T,
        f: impl Fn(T, T) -> T + Copy,
        op: SystemOperation,
        sticky_nan: Option<T>,
    ) -> Result<DistArray<T>> {
        let mut out: Option<DistArray<T>> = None;
        for &axis in axes {
            // the grid is the same after each step: the lines too
            let line = self.layout().line_along(axis);
            out = Some(match &out {
                None => self.fold_axis(axis, &line, init, f, op, sticky_nan)?,
                Some(a) => a.fold_axis(axis, &line, init, f, op, sticky_nan)?,
            });
        }
        let out = out.unwrap_or_else(|| self.to_owned());
        if keep {
            Ok(out)
        } else {
            drop_axes(out, axes)
        }
    }

    /// One axis of [`fold_along`](Self::fold_along), keeping it.
    fn fold_axis(
        &self,
        axis: usize,
        line: &Comm,
        init: T,
        f: impl Fn(T, T) -> T,
        op: SystemOperation,
        sticky_nan: Option<T>,
    ) -> Result<DistArray<T>> {
        let layout = self.layout();
        // partial results over this rank's owned cells along the axis
        let owned = layout.owned_local_ranges()[axis].clone();
        let mut view = self.local();
        view.slice_axis_inplace(Axis(axis), Slice::from(owned));
        let mut partial = view
            .fold_axis(Axis(axis), init, |&a, &b| f(a, b))
            .insert_axis(Axis(axis));
        // combine along the grid line onto its first rank
        let first = layout.grid().coords()[axis] == 0;
        let root = line.raw().process_at_rank(0);
        let data = partial.as_slice_mut().expect("fresh arrays are contiguous");
        // which cells are NaN on some rank of the line (one byte a cell)
        let nan_flags: Vec<u8> = if sticky_nan.is_some() && line.size() > 1 {
            data.iter().map(|&x| u8::from(super::is_nan(x))).collect()
        } else {
            Vec::new()
        };
        if first {
            let mut out = vec![T::default(); data.len()];
            let mut nans = vec![0u8; nan_flags.len()];
            if !data.is_empty() {
                root.reduce_into_root(&data[..], &mut out[..], op);
            }
            if !nan_flags.is_empty() {
                root.reduce_into_root(&nan_flags[..], &mut nans[..], SystemOperation::max());
            }
            for (o, &nan) in out.iter_mut().zip(&nans) {
                if let (1.., Some(nan)) = (nan, sticky_nan) {
                    *o = nan;
                }
            }
            data.copy_from_slice(&out);
        } else if !data.is_empty() {
            root.reduce_into(&data[..], op);
            if !nan_flags.is_empty() {
                root.reduce_into(&nan_flags[..], SystemOperation::max());
            }
        }
        let result = keep_axis(layout, axis)?;
        let local = if first {
            partial
        } else {
            ArrayD::from_elem(IxDyn(result.local_shape()), T::default())
        };
        DistArrayBase::from_local(result, local)
    }

    /// The array with a new axis of length 1 at `axis` (NumPy's
    /// `expand_dims`), in a balanced block layout; `axis` may be the
    /// number of axes (a new last axis). Collective (a reshape).
    ///
    /// The reductions keep their axes themselves ([`KeepDims`](crate::KeepDims));
    /// this is for arrays made otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3, 4]).unwrap();
    /// let a = DistArray::full(&layout, 1.0);
    /// assert_eq!(a.expand_dims(Axis(1)).unwrap().shape(), &[3, 1, 4]);
    /// assert_eq!(a.expand_dims(Axis(2)).unwrap().shape(), &[3, 4, 1]);
    /// assert!(a.expand_dims(Axis(3)).is_err());
    /// ```
    pub fn expand_dims(&self, axis: Axis) -> Result<DistArray<T>> {
        let axis = axis.index();
        let mut shape = self.shape().to_vec();
        let verdict = if axis > shape.len() {
            Err(Error::InvalidArgument(format!(
                "expand_dims: axis {axis} of a {}-d array",
                shape.len()
            )))
        } else {
            Ok(())
        };
        let args = fingerprint([axis as u64, self.layout().fingerprint()]);
        self.layout()
            .comm()
            .agree_on("expand_dims", args, verdict)?;
        shape.insert(axis, 1);
        let target = Layout::block(self.layout().comm(), &shape)?;
        self.reshape_in(&target)
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// The mean along `axes`. Collective.
    pub(super) fn mean_along(&self, axes: &[usize], keep: bool) -> Result<DistArray<T>> {
        let n: usize = axes.iter().map(|&a| self.shape()[a]).product();
        let n = T::from(n).unwrap_or_else(T::nan);
        let add = |a: T, b: T| a + b;
        Ok(self
            .fold_along(axes, keep, T::default(), add, SystemOperation::sum(), None)?
            .map(|x| x / n))
    }

    /// The variance along `axes` with `ddof` (two passes: the mean along
    /// them, broadcast back, then the squared deviations). Collective.
    pub(super) fn var_along(
        &self,
        axes: &[usize],
        keep: bool,
        ddof: usize,
    ) -> Result<DistArray<T>> {
        let n: usize = axes.iter().map(|&a| self.shape()[a]).product();
        let mean = self.mean_along(axes, true)?;
        let dev = self.zip_broadcast(&mean, |x, m| (x - m) * (x - m))?;
        let denom = T::from(n.saturating_sub(ddof)).unwrap_or_else(T::nan);
        let add = |a: T, b: T| a + b;
        Ok(dev
            .fold_along(axes, keep, T::default(), add, SystemOperation::sum(), None)?
            .map(|x| x / denom))
    }
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Index along `axis` of the extreme cell of every lane (first on
    /// ties; NaN wins), the axis kept with `keep`. Collective.
    pub(super) fn arg_along(
        &self,
        axis: usize,
        largest: bool,
        keep: bool,
    ) -> Result<DistArray<i64>> {
        let layout = self.layout();
        let better = |x: T, y: T| beats(x, y, largest);
        // per lane: the best (value, global index along the axis) over owned cells
        let owned = layout.owned_local_ranges()[axis].clone();
        let globals = layout.global_indices(axis)[owned.clone()].to_vec();
        let mut view = self.local();
        view.slice_axis_inplace(Axis(axis), Slice::from(owned));
        let lanes = view.lanes(Axis(axis));
        let mut best_v = Vec::with_capacity(lanes.clone().into_iter().len());
        let mut best_i = Vec::with_capacity(best_v.capacity());
        for lane in lanes {
            let mut pick: Option<(T, usize)> = None;
            for (&x, &g) in lane.iter().zip(&globals) {
                match pick {
                    Some((b, bg)) if !(better(x, b) || (!better(b, x) && g < bg)) => {}
                    _ => pick = Some((x, g)),
                }
            }
            let (v, g) = pick.map_or((T::default(), u64::MAX), |(v, g)| (v, g as u64));
            best_v.push(v);
            best_i.push(g);
        }
        // gather every rank's candidates on the first rank of the grid line
        let first = layout.grid().coords()[axis] == 0;
        let sub = layout.line_along(axis);
        let vals = sub.gather_varcount(0, &best_v);
        let idxs = sub.gather_varcount(0, &best_i);
        let lane_count = best_v.len();
        let mut result = vec![0i64; lane_count];
        if let (Some((vals, _)), Some((idxs, _))) = (vals, idxs) {
            for (l, r) in result.iter_mut().enumerate() {
                let mut pick: Option<(T, u64)> = None;
                for p in 0..sub.size() {
                    let (x, g) = (vals[p * lane_count + l], idxs[p * lane_count + l]);
                    if g == u64::MAX {
                        continue;
                    }
                    match pick {
                        Some((b, bg)) if !(better(x, b) || (!better(b, x) && g < bg)) => {}
                        _ => pick = Some((x, g)),
                    }
                }
                *r = pick.map_or(-1, |(_, g)| g as i64);
            }
        }
        // an array keeping the axis on the line's first rank
        let kept = keep_axis(layout, axis)?;
        let mut shape = view.shape().to_vec();
        shape[axis] = 1;
        let local = if first {
            ArrayD::from_shape_vec(IxDyn(&shape), result).expect("one result per lane")
        } else {
            ArrayD::from_elem(IxDyn(kept.local_shape()), 0)
        };
        let out = DistArrayBase::from_local(kept, local)?;
        if keep {
            Ok(out)
        } else {
            drop_axes(out, &[axis])
        }
    }
}

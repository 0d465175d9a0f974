//! Reductions along one axis or several: a distributed array of the
//! remaining axes (or, with keepdims, of the same number of axes).

use super::{beats, check_reducible};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::compute::ufunc::{FloatElement, Numeric, Real};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap};
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{ArrayD, Axis, Data, IxDyn, Slice};

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Sum along `axis`, keeping it with length 1 (on grid position 0 of
    /// that axis): no data moves but the partial sums. Collective.
    pub fn sum_axis_keepdims(&self, axis: usize) -> Result<DistArray<T>> {
        self.reduce_axis(axis, T::default(), |a, b| a + b, SystemOperation::sum())
    }
    /// Sum along `axis`, as an array of the remaining axes (block layout). Collective.
    pub fn sum_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(self.sum_axis_keepdims(axis)?, axis)
    }
    /// Product along `axis`, as an array of the remaining axes. Collective.
    pub fn prod_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(
            self.reduce_axis(
                axis,
                <T as Element>::one(),
                |a, b| a * b,
                SystemOperation::product(),
            )?,
            axis,
        )
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Folds the cells along `axis` with `f` from `init`, combining ranks
    /// with `op`; the result keeps the axis with length 1 (on grid
    /// position 0 of that axis). Collective.
    pub(crate) fn reduce_axis(
        &self,
        axis: usize,
        init: T,
        f: impl Fn(T, T) -> T,
        op: SystemOperation,
    ) -> Result<DistArray<T>> {
        let layout = self.layout();
        let comm = layout.comm();
        let args = fingerprint([axis as u64, layout.fingerprint()]);
        comm.agree_on(
            "reduction along an axis",
            args,
            check_reducible(layout).and_then(|()| layout.check_axis(axis)),
        )?;
        // partial results over this rank's owned cells along the axis
        let owned = layout.owned_local_ranges()[axis].clone();
        let mut view = self.local();
        view.slice_axis_inplace(Axis(axis), Slice::from(owned));
        let mut partial = view
            .fold_axis(Axis(axis), init, |&a, &b| f(a, b))
            .insert_axis(Axis(axis));
        // combine along the grid axis onto position 0
        let coords = layout.grid().coords();
        let sub = layout.line_along(axis);
        let root = sub.raw().process_at_rank(0);
        let data = partial.as_slice_mut().expect("fresh arrays are contiguous");
        let spare = [T::default()];
        if coords[axis] == 0 {
            let mut out = vec![T::default(); data.len()];
            if !data.is_empty() {
                root.reduce_into_root(&data[..], &mut out[..], op);
            }
            data.copy_from_slice(&out);
        } else if !data.is_empty() {
            root.reduce_into(&data[..], op);
        } else {
            let _ = &spare;
        }
        let p = layout.grid().shape()[axis];
        let mut bounds = vec![0];
        bounds.extend(std::iter::repeat_n(1, p));
        let mut maps = layout.maps().to_vec();
        maps[axis] = AxisMap::Block(BlockMap::irregular(bounds)?);
        let result = Layout::from_parts(comm.clone(), layout.grid().clone(), maps);
        let local = if coords[axis] == 0 {
            partial
        } else {
            ArrayD::from_elem(IxDyn(result.local_shape()), T::default())
        };
        DistArrayBase::from_local(result, local)
    }
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Smallest cell along `axis`, as an array of the remaining axes. Collective.
    pub fn min_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(
            self.reduce_axis(
                axis,
                T::highest(),
                |a, b| a.minimum_(b),
                SystemOperation::min(),
            )?,
            axis,
        )
    }
    /// Largest cell along `axis`, as an array of the remaining axes. Collective.
    pub fn max_axis(&self, axis: usize) -> Result<DistArray<T>> {
        drop_axis(
            self.reduce_axis(
                axis,
                T::lowest(),
                |a, b| a.maximum_(b),
                SystemOperation::max(),
            )?,
            axis,
        )
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Mean along `axis`, as an array of the remaining axes. Collective.
    pub fn mean_axis(&self, axis: usize) -> Result<DistArray<T>> {
        let n = T::from(self.shape().get(axis).copied().unwrap_or(1)).unwrap();
        Ok(self.sum_axis(axis)?.map(|x| x / n))
    }
}

/// Drops a length-1 axis by a reshape into a balanced block layout.
fn drop_axis<T: Element>(a: DistArray<T>, axis: usize) -> Result<DistArray<T>> {
    let mut shape = a.shape().to_vec();
    shape.remove(axis);
    if shape.is_empty() {
        return Err(Error::InvalidArgument(
            "reducing the only axis: use the all-cells reduction".into(),
        ));
    }
    let target = Layout::block(a.layout().comm(), &shape)?;
    a.reshape_in(&target)
}

impl<S: Data<Elem = bool>> DistArrayBase<S> {
    /// True when any cell is true, on every rank. Collective.
    pub fn any(&self) -> Result<bool> {
        Ok(self.count_nonzero()? > 0)
    }
    /// True when every cell is true, on every rank. Collective.
    pub fn all(&self) -> Result<bool> {
        Ok(self.count_nonzero()? == self.layout().global_len())
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Variance along `axis` with `ddof` (two passes: the mean along the
    /// axis, broadcast back, then squared deviations). Collective.
    pub fn var_axis(&self, axis: usize, ddof: usize) -> Result<DistArray<T>> {
        let n = self.shape().get(axis).copied().unwrap_or(1);
        let mean = self
            .sum_axis_keepdims(axis)?
            .map(|x| x / T::from(n).unwrap());
        let dev = self.zip_broadcast(&mean, |x, m| (x - m) * (x - m))?;
        let denom = T::from(n.saturating_sub(ddof)).unwrap();
        Ok(dev.sum_axis(axis)?.map(|x| x / denom))
    }

    /// Standard deviation along `axis` with `ddof`. Collective.
    pub fn std_axis(&self, axis: usize, ddof: usize) -> Result<DistArray<T>> {
        Ok(self.var_axis(axis, ddof)?.map(|x| x.sqrt()))
    }
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Sum over several axes, as an array of the remaining ones (NumPy's
    /// `sum(axis=(..))`). Collective.
    pub fn sum_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.sum_axis(axis))
    }
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Minimum over several axes. Collective.
    pub fn min_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.min_axis(axis))
    }
    /// Maximum over several axes. Collective.
    pub fn max_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.max_axis(axis))
    }
}

/// Applies a one-axis reduction to each of `axes`, highest first, so the
/// remaining axis numbers stay valid.
fn over_axes<T: Element>(
    a: DistArray<T>,
    axes: &[usize],
    one: impl Fn(&DistArray<T>, usize) -> Result<DistArray<T>>,
) -> Result<DistArray<T>> {
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let verdict = if sorted.len() != axes.len()
        || sorted.last().is_some_and(|&x| x >= a.ndim())
        || sorted.len() >= a.ndim()
    {
        Err(Error::InvalidArgument(format!(
            "axes {axes:?} of a {}-d array must be distinct, in range, and leave an axis (use the all-cells reduction otherwise)",
            a.ndim()
        )))
    } else {
        Ok(())
    };
    let args = fingerprint(
        axes.iter()
            .map(|&x| x as u64)
            .chain([a.layout().fingerprint()]),
    );
    a.layout()
        .comm()
        .agree_on("reduction along axes", args, verdict)?;
    let mut out = a;
    for &axis in sorted.iter().rev() {
        out = one(&out, axis)?;
    }
    Ok(out)
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Index along `axis` of the smallest cell of every lane (first on ties;
    /// NaN wins), as an array of the remaining axes. Collective.
    pub fn argmin_axis(&self, axis: usize) -> Result<DistArray<i64>> {
        self.arg_axis(axis, false)
    }
    /// Index along `axis` of the largest cell of every lane. Collective.
    pub fn argmax_axis(&self, axis: usize) -> Result<DistArray<i64>> {
        self.arg_axis(axis, true)
    }

    fn arg_axis(&self, axis: usize, largest: bool) -> Result<DistArray<i64>> {
        let layout = self.layout();
        let comm = layout.comm();
        let args = fingerprint([axis as u64, largest as u64, layout.fingerprint()]);
        comm.agree_on(
            "argmin/argmax along an axis",
            args,
            check_reducible(layout).and_then(|()| {
                if axis < layout.ndim() && layout.shape()[axis] > 0 {
                    Ok(())
                } else {
                    Err(Error::InvalidArgument(format!(
                        "argmin/argmax along axis {axis} of shape {:?}",
                        layout.shape()
                    )))
                }
            }),
        )?;
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
        // gather every rank's candidates on grid position 0 of the axis
        let coords = layout.grid().coords();
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
        // a keepdims array on position 0 of the axis, then the axis dropped
        let p = layout.grid().shape()[axis];
        let mut bounds = vec![0];
        bounds.extend(std::iter::repeat_n(1, p));
        let mut maps = layout.maps().to_vec();
        maps[axis] = AxisMap::Block(BlockMap::irregular(bounds)?);
        let keep = Layout::from_parts(comm.clone(), layout.grid().clone(), maps);
        let mut shape = view.shape().to_vec();
        shape[axis] = 1;
        let local = if coords[axis] == 0 {
            ArrayD::from_shape_vec(IxDyn(&shape), result).expect("one result per lane")
        } else {
            ArrayD::from_elem(IxDyn(keep.local_shape()), 0)
        };
        drop_axis(DistArrayBase::from_local(keep, local)?, axis)
    }
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Product over several axes. Collective.
    pub fn prod_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        over_axes(self.to_owned(), axes, |a, axis| a.prod_axis(axis))
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Mean over several axes. Collective.
    pub fn mean_axes(&self, axes: &[usize]) -> Result<DistArray<T>> {
        let n: usize = axes
            .iter()
            .map(|&a| self.shape().get(a).copied().unwrap_or(1))
            .product();
        Ok(self.sum_axes(axes)?.map(|x| x / T::from(n).unwrap()))
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// Cells different from zero along `axis`, as an array of the remaining axes. Collective.
    pub fn count_nonzero_axis(&self, axis: usize) -> Result<DistArray<i64>> {
        self.map(|x| i64::from(x != T::default())).sum_axis(axis)
    }

    /// The array with a new axis of length 1 at `axis` (NumPy's
    /// `expand_dims`): the `keepdims=True` form of any reduction along an
    /// axis, e.g. `a.max_axis(1)?.expand_dims(1)`. Collective (a reshape).
    pub fn expand_dims(&self, axis: usize) -> Result<DistArray<T>> {
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

impl<S: Data<Elem = bool>> DistArrayBase<S> {
    /// True along `axis` where any cell is true. Collective.
    pub fn any_axis(&self, axis: usize) -> Result<DistArray<bool>> {
        Ok(self.count_nonzero_axis(axis)?.map(|c| c > 0))
    }
    /// True along `axis` where every cell is true. Collective.
    pub fn all_axis(&self, axis: usize) -> Result<DistArray<bool>> {
        let n = self.shape().get(axis).copied().unwrap_or(0) as i64;
        Ok(self.count_nonzero_axis(axis)?.map(move |c| c == n))
    }
}

impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// Variance over several axes with `ddof`. Collective.
    pub fn var_axes(&self, axes: &[usize], ddof: usize) -> Result<DistArray<T>> {
        let mut sorted = axes.to_vec();
        sorted.sort_unstable();
        let n: usize = sorted
            .iter()
            .map(|&a| self.shape().get(a).copied().unwrap_or(1))
            .product();
        let mut mean = self.mean_axes(&sorted)?;
        for &a in &sorted {
            mean = mean.expand_dims(a)?;
        }
        let dev = self.zip_broadcast(&mean, |x, m| (x - m) * (x - m))?;
        let denom = T::from(n.saturating_sub(ddof)).unwrap();
        Ok(dev.sum_axes(&sorted)?.map(|x| x / denom))
    }

    /// Standard deviation over several axes with `ddof`. Collective.
    pub fn std_axes(&self, axes: &[usize], ddof: usize) -> Result<DistArray<T>> {
        Ok(self.var_axes(axes, ddof)?.map(|x| x.sqrt()))
    }
}

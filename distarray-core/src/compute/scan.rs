//! Cumulative sums and products along any axis, distributed axes included.
//!
//! Along a block axis each rank scans its own cells, then one exclusive
//! scan over the ranks of each grid line (in axis order) brings in the
//! totals of the ranks before it. Other kinds (cyclic, unstructured, ghost
//! cells) are redistributed to blocks and back, one plan each way.
//!
//! ```
//! use distarray_core::{Axis, Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[6], &[Dist::Cyclic]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i64 + 1);
//! let c = a.cumsum(Axis(0)).unwrap();
//! assert_eq!(c.gather_all().unwrap().as_slice().unwrap(), &[1, 3, 6, 10, 15, 21]);
//! ```

use crate::array::{DistArray, DistArrayBase};
use crate::error::Result;
use crate::layout::Layout;
use crate::map::AxisMap;
use crate::ufunc::Numeric;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{Axis, Data};

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// Cumulative sum along `axis` (NumPy's `cumsum(axis=...)`), in this
    /// array's layout. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::full(&layout, 1i64);
    /// let c = a.cumsum(Axis(1)).unwrap().gather_all().unwrap();
    /// assert_eq!(c.as_slice().unwrap(), &[1, 2, 3, 1, 2, 3]);
    /// ```
    pub fn cumsum(&self, axis: Axis) -> Result<DistArray<T>> {
        self.scan(
            axis.index(),
            T::default(),
            |a, b| a + b,
            SystemOperation::sum(),
        )
    }

    /// Cumulative product along `axis` (NumPy's `cumprod(axis=...)`), in
    /// this array's layout. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Axis, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[2, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] + 2) as i64);
    /// let c = a.cumprod(Axis(0)).unwrap().gather_all().unwrap();
    /// assert_eq!(c.as_slice().unwrap(), &[2, 2, 2, 6, 6, 6]);
    /// ```
    pub fn cumprod(&self, axis: Axis) -> Result<DistArray<T>> {
        self.scan(
            axis.index(),
            <T as crate::Element>::one(),
            |a, b| a * b,
            SystemOperation::product(),
        )
    }

    fn scan(
        &self,
        axis: usize,
        identity: T,
        op: impl Fn(T, T) -> T + Copy,
        mpi_op: SystemOperation,
    ) -> Result<DistArray<T>> {
        let layout = self.layout();
        let comm = layout.comm();
        let args = crate::comm::fingerprint([axis as u64, layout.fingerprint()]);
        comm.agree_on("cumulative along an axis", args, layout.check_axis(axis))?;
        let plain_block = |l: &Layout| {
            matches!(l.map(axis), AxisMap::Block(b) if !b.is_padded())
                && l.maps()
                    .iter()
                    .all(|m| !matches!(m, AxisMap::Block(b) if b.is_padded()))
        };
        if !plain_block(layout) {
            let blocks = Layout::block(comm, layout.shape())?;
            let scanned = self
                .redistribute(&blocks)?
                .scan(axis, identity, op, mpi_op)?;
            return scanned.redistribute(layout);
        }
        let mut out = self.to_owned();
        let mut local = out.local_mut();
        local.accumulate_axis_inplace(Axis(axis), |&prev, curr| *curr = op(prev, *curr));
        // totals of this rank's cells along the axis, per other index
        let mut totals = if local.len_of(Axis(axis)) > 0 {
            local
                .index_axis(Axis(axis), local.len_of(Axis(axis)) - 1)
                .to_owned()
        } else {
            let mut shape = local.shape().to_vec();
            shape.remove(axis);
            ndarray::ArrayD::from_elem(ndarray::IxDyn(&shape), identity)
        };
        let coords = layout.grid().coords();
        let sub = layout.line_along(axis);
        let mine = totals
            .as_slice_mut()
            .expect("fresh arrays are contiguous")
            .to_vec();
        let mut before = vec![identity; mine.len()];
        if !mine.is_empty() {
            sub.raw()
                .exclusive_scan_into(&mine[..], &mut before[..], mpi_op);
        }
        if coords[axis] == 0 {
            before.iter_mut().for_each(|b| *b = identity); // MPI leaves rank 0's result undefined
        }
        let offsets =
            ndarray::ArrayD::from_shape_vec(totals.raw_dim(), before).expect("same shape");
        for mut lane in local.axis_iter_mut(Axis(axis)) {
            ndarray::Zip::from(&mut lane)
                .and(&offsets)
                .for_each(|x, &o| *x = op(o, *x));
        }
        drop(local);
        Ok(out)
    }
}

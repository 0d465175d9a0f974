//! Distributed broadcasting by NumPy's rules: a lower-dimensional array, or
//! one with length-1 axes, combined with a distributed array.
//!
//! The other operand may be held whole on every rank (an ndarray) or be
//! distributed in any layout. In the second case each rank imports exactly
//! the cells its own part needs — along a broadcast axis of length 1 a
//! single cell, otherwise the indices this rank holds — through one
//! redistribution plan, so only those pieces move.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! use ndarray::array;
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let m = DistArray::from_fn(&Layout::block(&comm, &[3, 4]).unwrap(), |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
//! // a row vector every rank holds ...
//! let row = array![1.0, 2.0, 3.0, 4.0].into_dyn();
//! let shifted = m.zip_broadcast_local(&row.view(), |x, r| x + r).unwrap();
//! assert_eq!(shifted.get(&[2, 3]).unwrap(), 15.0);
//! // ... or a distributed column of shape (3, 1)
//! let col = DistArray::from_fn(&Layout::new(&comm, &[3, 1], &[Dist::Cyclic, Dist::NotDistributed]).unwrap(), |ix: &[usize]| ix[0] as f64 * 100.0);
//! let scaled = m.zip_broadcast(&col, |x, c| x + c).unwrap();
//! assert_eq!(scaled.get(&[2, 0]).unwrap(), 208.0);
//! ```

use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::{Builder, Cells};
use crate::layout::Layout;
use ndarray::{ArrayD, ArrayViewD, Data, IxDyn, Zip};

/// Checks NumPy's broadcasting rule for `other` against `shape` (other's
/// axes align with the trailing axes; each is 1 or equal).
fn check_broadcast(shape: &[usize], other: &[usize]) -> Result<()> {
    let fits = other.len() <= shape.len()
        && other
            .iter()
            .zip(&shape[shape.len() - other.len()..])
            .all(|(&b, &a)| b == 1 || b == a);
    if fits {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context: format!("broadcasting {other:?} against the distributed array's {shape:?} (NumPy's rules; the distributed array's shape is kept)"),
            expected: shape.to_vec(),
            found: other.to_vec(),
        })
    }
}

/// For each of `other`'s axes, the global indices this rank's part of
/// `layout` needs.
fn needed(layout: &Layout, other: &[usize]) -> Vec<Vec<usize>> {
    let offset = layout.ndim() - other.len();
    other
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            if n == 1 {
                vec![0]
            } else {
                layout.global_indices(offset + k)
            }
        })
        .collect()
}

/// The cells of `other` (held whole on every rank) this rank's part of
/// `layout` needs, shaped to broadcast onto its buffer. No communication.
pub(crate) fn local_piece<U: Element>(
    layout: &Layout,
    other: &ArrayViewD<'_, U>,
) -> Result<ArrayD<U>> {
    check_broadcast(layout.shape(), other.shape())?;
    let lists = needed(layout, other.shape());
    let shape: Vec<usize> = lists.iter().map(Vec::len).collect();
    let mut data = Vec::with_capacity(shape.iter().product());
    crate::array::for_each_in_box(&lists, |g, _| data.push(other[IxDyn(g)]));
    Ok(ArrayD::from_shape_vec(IxDyn(&shape), data).expect("one value per cell"))
}

/// The cells of the distributed `other` this rank's part of `layout`
/// needs, imported through one plan, shaped to broadcast onto its
/// buffer. Collective; the arguments are agreed first.
pub(crate) fn imported_piece<U: Element, S2: Data<Elem = U>>(
    layout: &Layout,
    other: &DistArrayBase<S2>,
) -> Result<ArrayD<U>> {
    let comm = layout.comm();
    comm.agree(
        check_broadcast(layout.shape(), other.shape()).and_then(|()| {
            if other.layout().comm().congruent(comm) {
                Ok(())
            } else {
                Err(Error::LayoutMismatch {
                    context: "zip_broadcast".into(),
                    detail: "the operands live on different communicators".into(),
                })
            }
        }),
    )?;
    let lists = needed(layout, other.shape());
    let shape: Vec<usize> = lists.iter().map(Vec::len).collect();
    let positions: Vec<Vec<(usize, usize)>> = lists
        .iter()
        .map(|l| l.iter().copied().enumerate().collect())
        .collect();
    let perm: Vec<Option<usize>> = (0..other.ndim()).map(Some).collect();
    let mut plan = Builder::new("zip_broadcast", other.layout(), layout, &[], Ok(()))?
        .into_buffer(&shape)
        .plan::<U>(Cells::Listed {
            perm: &perm,
            lists: &positions,
        });
    let mut data = vec![U::default(); shape.iter().product()];
    plan.execute_into_slice(other, &mut data);
    Ok(ArrayD::from_shape_vec(IxDyn(&shape), data).expect("one value per cell"))
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// `f(self[i], other[i'])` where `other` (held whole on every rank)
    /// broadcasts against this array. No communication.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// use ndarray::array;
    /// let _u = mpi::initialize().unwrap();
    /// let m = DistArray::<f64>::ones(&Layout::block(&Comm::world(), &[2, 3]).unwrap());
    /// let weights = array![[0.5], [2.0]].into_dyn(); // shape (2, 1): one per row
    /// let w = m.zip_broadcast_local(&weights.view(), |x, w| x * w).unwrap();
    /// assert_eq!(w.get(&[1, 2]).unwrap(), 2.0);
    /// // shapes that do not broadcast: (2,) against (2, 3)
    /// assert!(m.zip_broadcast_local(&array![1.0, 2.0].into_dyn().view(), |x, y| x + y).is_err());
    /// ```
    pub fn zip_broadcast_local<U: Element, V: Element>(
        &self,
        other: &ArrayViewD<'_, U>,
        f: impl Fn(T, U) -> V,
    ) -> Result<DistArray<V>> {
        let piece = local_piece(self.layout(), other)?;
        self.combine(&piece.view(), f)
    }

    /// `f(self[i], other[i'])` where `other` (distributed any way)
    /// broadcasts against this array. Collective: each rank imports only the
    /// cells of `other` its part needs.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let m = DistArray::<i64>::zeros(&Layout::block(&comm, &[4, 5]).unwrap());
    /// // a distributed row of 5, dealt cyclically: broadcast down the rows
    /// let row = DistArray::from_fn(&Layout::new(&comm, &[5], &[Dist::Cyclic]).unwrap(), |ix: &[usize]| ix[0] as i64);
    /// let b = m.zip_broadcast(&row, |x, r| x + r).unwrap();
    /// assert_eq!(b.get(&[3, 4]).unwrap(), 4);
    /// assert_eq!(b.layout(), m.layout()); // the result keeps this array's layout
    /// ```
    pub fn zip_broadcast<U: Element, V: Element, S2: Data<Elem = U>>(
        &self,
        other: &DistArrayBase<S2>,
        f: impl Fn(T, U) -> V,
    ) -> Result<DistArray<V>> {
        let piece = imported_piece(self.layout(), other)?;
        self.combine(&piece.view(), f)
    }

    /// Combines this rank's part with a piece shaped to broadcast onto it.
    fn combine<U: Element, V: Element>(
        &self,
        piece: &ArrayViewD<'_, U>,
        f: impl Fn(T, U) -> V,
    ) -> Result<DistArray<V>> {
        let local = self.local();
        let wide = piece
            .broadcast(local.raw_dim())
            .ok_or_else(|| Error::ShapeMismatch {
                context: "broadcast piece".into(),
                expected: local.shape().to_vec(),
                found: piece.shape().to_vec(),
            })?;
        let out = Zip::from(&local).and(&wide).map_collect(|&x, &y| f(x, y));
        DistArrayBase::from_local(self.layout().clone(), out)
    }
}

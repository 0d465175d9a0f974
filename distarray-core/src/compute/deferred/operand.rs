//! The distributed operands of an expression: arrays (whose buffers the
//! leaves borrow) and broadcast pieces ([`Broadcast`]), and the context an
//! evaluation reads them through ([`Ctx`]: the operands it had to
//! redistribute to the expression's layout).

use super::node::{Expr, Filled, Leaf, CHUNK};
use super::Deferred;
use crate::array::{DistArrayBase, DistArrayView};
use crate::compute::broadcast::{imported_piece, local_piece};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use ndarray::{ArrayView, ArrayViewD, Data, IxDyn};
use std::any::Any;

/// What evaluation needs to know about a distributed operand: its layout,
/// whether it can be redistributed, and how.
pub trait Operand {
    /// The layout the operand's local values follow.
    fn layout(&self) -> &Layout;
    /// Identifies the operand during one evaluation (the same array used
    /// twice is one operand).
    fn key(&self) -> usize;
    /// True for arrays (redistributable), false for broadcast pieces
    /// (made for one layout).
    fn movable(&self) -> bool;
    /// This rank's check that the operand can be read (a contiguous buffer).
    fn check(&self) -> Result<()>;
    /// The operand's values in `target`'s layout (collective: a plan).
    fn moved_to(&self, target: &Layout) -> Result<Box<dyn Any>>;
}

/// The operands an evaluation redistributed, by key (empty, and no
/// allocation, when every operand has the expression's layout).
#[derive(Default)]
pub struct Ctx {
    pub(super) moved: Vec<(usize, Box<dyn Any>)>,
}

impl Ctx {
    /// The values `leaf` reads: its own buffer, or its redistributed copy.
    #[inline(always)]
    pub(super) fn data_of<'s, T: Element>(&'s self, leaf: &'s Leaf<'_, T>) -> &'s [T] {
        if self.moved.is_empty() {
            return leaf.data;
        }
        let key = leaf.key();
        self.moved
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, b)| b.downcast_ref::<Vec<T>>())
            .map_or(leaf.data, |v| &v[..])
    }
}

impl<T: Element> Operand for Leaf<'_, T> {
    fn layout(&self) -> &Layout {
        self.layout
    }
    fn key(&self) -> usize {
        // the address of the array's layout field: distinct for arrays
        // alive at once, even when their buffers are empty
        self.layout as *const Layout as usize
    }
    fn movable(&self) -> bool {
        true
    }
    fn check(&self) -> Result<()> {
        if self.contiguous {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!(
                "a deferred operand's local buffer on rank {} is not contiguous in C order; `.to_owned()` it first",
                self.layout.comm().rank()
            )))
        }
    }
    fn moved_to(&self, target: &Layout) -> Result<Box<dyn Any>> {
        let view = ArrayView::from_shape(IxDyn(self.layout.local_shape()), self.data)
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let src = DistArrayView::from_local(self.layout.clone(), view)?;
        let moved = src.redistribute(target)?;
        let (data, _) = moved.into_local().into_raw_vec_and_offset();
        Ok(Box::new(data))
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// This array as the leaf of a deferred expression: nothing is
    /// computed until [`eval`](Deferred::eval),
    /// [`eval_into`](Deferred::eval_into) or a reduction
    /// ([`sum`](Deferred::sum), ...), which run the whole expression in one
    /// pass over this rank's buffer. Borrows the array; costs nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[1000]).unwrap();
    /// let (a, b) = (DistArray::<f64>::random(&layout, 1), DistArray::<f64>::random(&layout, 2));
    /// let (x, y) = (a.lazy(), b.lazy());
    /// let r = ((x * x + y * y).sqrt() * 2.0 - y).eval().unwrap();
    /// let eager = (a.zip_map2(&b, |p, q| (p * p + q * q).sqrt()).unwrap() * 2.0) - &b;
    /// assert_eq!(r.local(), eager.local());
    /// let dist2 = ((x - y) * (x - y)).sum().unwrap(); // a reduction, same pass
    /// assert!(dist2 >= 0.0);
    /// ```
    pub fn lazy(&self) -> Deferred<Leaf<'_, T>> {
        let data = self.local_view_slice();
        Deferred(Leaf {
            data: data.unwrap_or(&[]),
            layout: self.layout(),
            contiguous: data.is_some() || self.layout().local_len() == 0,
        })
    }

    fn local_view_slice(&self) -> Option<&[T]> {
        let view: ArrayViewD<'_, T> = self.local();
        view.to_slice()
    }
}

/// An operand broadcast (NumPy's rules) onto a distributed layout: the
/// cells of a lower-dimensional array (or one with length-1 axes) that
/// this rank's part of the layout needs, imported once. Use it in any
/// number of expressions over arrays of that layout with
/// [`lazy`](Broadcast::lazy).
///
/// # Examples
///
/// ```
/// use distarray_core::deferred::Broadcast;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// use ndarray::array;
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let layout = Layout::block(&comm, &[3, 4]).unwrap();
/// let m = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
/// // a row every rank holds, and a distributed column of shape (3, 1)
/// let row = Broadcast::local(&layout, &array![1.0, 2.0, 3.0, 4.0].into_dyn().view()).unwrap();
/// let col_array = DistArray::from_fn(&Layout::new(&comm, &[3, 1], &[Dist::Cyclic, Dist::NotDistributed]).unwrap(), |ix: &[usize]| ix[0] as f64 * 100.0);
/// let col = Broadcast::distributed(&layout, &col_array).unwrap();
/// let r = (m.lazy() * row.lazy() + col.lazy()).eval().unwrap();
/// assert_eq!(r.get(&[2, 3]).unwrap(), 11.0 * 4.0 + 200.0);
/// ```
#[derive(Debug)]
pub struct Broadcast<T> {
    layout: Layout,
    piece: Vec<T>,
    /// the strides of the piece along each axis of the local buffer (0
    /// where it broadcasts)
    strides: Vec<usize>,
}

/// Axes of a broadcast operand's buffer handled on the stack.
const MAX_AXES: usize = 16;

impl<T: Element> Broadcast<T> {
    /// `other`, held whole on every rank, broadcast onto `layout`.
    /// Collective only to agree: shapes that do not broadcast, or ranks
    /// passing other shapes, are the same error on every rank (one small
    /// reduction; no data moves).
    pub fn local(layout: &Layout, other: &ArrayViewD<'_, T>) -> Result<Broadcast<T>> {
        let shape = crate::comm::fingerprint(
            std::iter::once(other.ndim() as u64).chain(other.shape().iter().map(|&n| n as u64)),
        );
        let piece =
            layout
                .comm()
                .agree_on("Broadcast::local", shape, local_piece(layout, other))?;
        Self::from_piece(layout, piece)
    }

    /// `other`, distributed any way, broadcast onto `layout`: each rank
    /// imports the cells its part needs through one plan (along a
    /// broadcast axis a single cell). Collective, with agreed errors.
    pub fn distributed<S: Data<Elem = T>>(
        layout: &Layout,
        other: &DistArrayBase<S>,
    ) -> Result<Broadcast<T>> {
        let piece = imported_piece(layout, other)?;
        Self::from_piece(layout, piece)
    }

    fn from_piece(layout: &Layout, piece: ndarray::ArrayD<T>) -> Result<Broadcast<T>> {
        if layout.ndim() > MAX_AXES {
            return Err(Error::InvalidArgument(format!(
                "deferred broadcasting onto {} axes (at most {MAX_AXES})",
                layout.ndim()
            )));
        }
        let offset = layout.ndim() - piece.ndim();
        let pshape = piece.shape().to_vec();
        let mut pstrides = vec![0; pshape.len()];
        let mut s = 1;
        for k in (0..pshape.len()).rev() {
            pstrides[k] = if pshape[k] == 1 { 0 } else { s };
            s *= pshape[k];
        }
        let strides = (0..layout.ndim())
            .map(|i| if i < offset { 0 } else { pstrides[i - offset] })
            .collect();
        let (data, _) = piece.into_raw_vec_and_offset();
        Ok(Broadcast {
            layout: layout.clone(),
            piece: data,
            strides,
        })
    }

    /// This operand as the leaf of a deferred expression over arrays of
    /// its layout.
    pub fn lazy(&self) -> Deferred<BroadcastLeaf<'_, T>> {
        Deferred(BroadcastLeaf { b: self })
    }
}

/// A [`Broadcast`] operand in an expression.
#[derive(Clone, Copy, Debug)]
pub struct BroadcastLeaf<'a, T> {
    b: &'a Broadcast<T>,
}

impl<T: Element> Expr for BroadcastLeaf<'_, T> {
    type Item = T;
    fn fill(&self, _: &Ctx, start: usize, out: &mut [T]) {
        let b = self.b;
        let shape = b.layout.local_shape();
        let nd = shape.len();
        if nd == 0 {
            out.fill(b.piece[0]);
            return;
        }
        // the multi-index of `start`, then runs along the last axis
        let mut idx = [0usize; MAX_AXES];
        let mut rest = start;
        for k in (0..nd).rev() {
            idx[k] = rest % shape[k];
            rest /= shape[k];
        }
        let last = nd - 1;
        let mut done = 0;
        while done < out.len() {
            let m = (shape[last] - idx[last]).min(out.len() - done);
            let base: usize = (0..nd).map(|k| idx[k] * b.strides[k]).sum();
            let run = &mut out[done..done + m];
            if b.strides[last] == 0 {
                run.fill(b.piece[base]);
            } else {
                run.copy_from_slice(&b.piece[base..base + m]);
            }
            done += m;
            idx[last] += m;
            let mut k = last;
            while k > 0 && idx[k] == shape[k] {
                idx[k] = 0;
                idx[k - 1] += 1;
                k -= 1;
            }
        }
    }
    fn operands<'s>(&'s self, f: &mut dyn FnMut(&'s dyn Operand)) {
        f(self)
    }
    type Chunk<'s>
        = Filled<T>
    where
        Self: 's;
    fn chunk<'s>(&'s self, ctx: &'s Ctx, start: usize) -> Filled<T> {
        let mut values = [T::default(); CHUNK];
        self.fill(ctx, start, &mut values);
        Filled(values)
    }
}

impl<T: Element> Operand for BroadcastLeaf<'_, T> {
    fn layout(&self) -> &Layout {
        &self.b.layout
    }
    fn key(&self) -> usize {
        self.b as *const Broadcast<T> as usize
    }
    fn movable(&self) -> bool {
        false
    }
    fn check(&self) -> Result<()> {
        Ok(())
    }
    fn moved_to(&self, target: &Layout) -> Result<Box<dyn Any>> {
        Err(Error::LayoutMismatch {
            context: "a deferred expression's broadcast operand".into(),
            detail: format!(
                "it was made for {:?}, the expression's layout is {target:?}; make it for that layout",
                self.b.layout
            ),
        })
    }
}

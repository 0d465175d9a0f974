//! Products of distributed vectors (1-D arrays): `dot`, `vdot`, `inner`,
//! `outer`, and the reproducible `dot` and `vdot`.
//!
//! **Layouts.** The two operands of `dot`, `vdot` and `inner` may have any
//! 1-D layouts on one communicator. When their layouts are equal the
//! product is local followed by one small allreduce; otherwise the second
//! operand is redistributed once into the first one's layout through a
//! [`Plan`] (built and dropped in the call: keep the operands in one layout
//! in a loop). `outer` imports, on each rank, the cells of `a` and `b` its
//! part of the result needs, through one exchange each.

use super::scalar::{check_ndim, check_same_comm, import_exchange, words, LinalgElement};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::Comm;
use crate::compute::reduce::reproducible_sum_two_pass as reproducible_sum;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::redistribute::Plan;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{ArrayD, ArrayViewD, Data, IxDyn};

/// The sum of `mine` over the communicator.
pub(super) fn all_sum<T: LinalgElement>(comm: &Comm, mine: T) -> T {
    let mut out = T::default();
    comm.raw()
        .all_reduce_into(&mine, &mut out, SystemOperation::sum());
    out
}

/// The second operand of a vector product in the first one's layout: a
/// view when the layouts are equal (on every rank), else a redistributed
/// copy (one plan). Collective; agrees the arguments first.
pub(super) enum Aligned<'a, T> {
    Same(ArrayViewD<'a, T>),
    Moved(DistArray<T>),
}

impl<T: LinalgElement> Aligned<'_, T> {
    /// The owned cells, in the first operand's buffer order.
    pub(super) fn owned(&self) -> ArrayViewD<'_, T> {
        match self {
            Aligned::Same(v) => v.view(),
            Aligned::Moved(a) => a.owned(),
        }
    }
}

pub(super) fn align<'b, T, S1, S2>(
    what: &str,
    a: &DistArrayBase<S1>,
    b: &'b DistArrayBase<S2>,
) -> Result<Aligned<'b, T>>
where
    T: LinalgElement,
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
{
    let (la, lb) = (a.layout(), b.layout());
    let local = check_ndim(what, la, 1)
        .and_then(|()| check_ndim(what, lb, 1))
        .and_then(|()| check_same_comm(what, la, lb))
        .and_then(|()| super::scalar::check_one_to_one(what, la))
        .and_then(|()| {
            if la.shape() == lb.shape() {
                Ok(())
            } else {
                Err(Error::ShapeMismatch {
                    context: format!("{what}: the two vectors' lengths"),
                    expected: la.shape().to_vec(),
                    found: lb.shape().to_vec(),
                })
            }
        });
    la.comm()
        .agree_on(what, words::<T>(&[la, lb], &[]), local)?;
    if la.comm().all(la == lb) {
        return Ok(Aligned::Same(b.owned()));
    }
    let mut plan = Plan::<T>::new(lb, la)?;
    let mut moved = DistArray::<T>::zeros(la);
    plan.execute(b, &mut moved)?;
    Ok(Aligned::Moved(moved))
}

impl<T: LinalgElement, S: Data<Elem = T>> DistArrayBase<S> {
    /// The dot product `sum(self[i] * other[i])` of two vectors, without
    /// conjugation (NumPy's `np.dot` of 1-D arrays), on every rank. Any two
    /// 1-D layouts (the second is redistributed into the first's when they
    /// differ); the local part is BLAS `dot` for `f32` and `f64`.
    /// Collective; shapes, layouts and the element type are agreed first.
    /// Its last bits depend on the layout, as MPI's sums do; see
    /// [`dot_reproducible`](Self::dot_reproducible).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[4]).unwrap(), |i: &[usize]| i[0] as f64);
    /// let b = DistArray::from_fn(&Layout::new(&comm, &[4], &[Dist::Cyclic]).unwrap(), |i: &[usize]| 2.0 + i[0] as f64);
    /// assert_eq!(a.dot(&b).unwrap(), 0.0 * 2.0 + 1.0 * 3.0 + 2.0 * 4.0 + 3.0 * 5.0);
    /// // lengths that differ: the same error on every rank
    /// let c = DistArray::<f64>::zeros(&Layout::block(&comm, &[5]).unwrap());
    /// assert!(a.dot(&c).is_err());
    /// ```
    pub fn dot<S2: Data<Elem = T>>(&self, other: &DistArrayBase<S2>) -> Result<T> {
        let b = align("dot", self, other)?;
        let (a, b) = (self.owned(), b.owned());
        let a1 = a.into_dimensionality::<ndarray::Ix1>().expect("1-d");
        let b1 = b.into_dimensionality::<ndarray::Ix1>().expect("1-d");
        Ok(all_sum(self.layout().comm(), a1.dot(&b1)))
    }

    /// NumPy's `np.inner` of two vectors: the same as [`dot`](Self::dot).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::<f32>::ones(&Layout::block(&Comm::world(), &[10]).unwrap());
    /// assert_eq!(a.inner(&a).unwrap(), 10.0);
    /// ```
    pub fn inner<S2: Data<Elem = T>>(&self, other: &DistArrayBase<S2>) -> Result<T> {
        self.dot(other)
    }

    /// `sum(conj(self[i]) * other[i])`: NumPy's `np.vdot` of two vectors
    /// (the first operand conjugated). Layouts and agreement as
    /// [`dot`](Self::dot).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// use num_complex::Complex64;
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let z = DistArray::from_fn(&layout, |i: &[usize]| Complex64::new(i[0] as f64, 1.0));
    /// // |0+i|^2 + |1+i|^2 + |2+i|^2 = 1 + 2 + 5
    /// assert_eq!(z.vdot(&z).unwrap(), Complex64::new(8.0, 0.0));
    /// ```
    pub fn vdot<S2: Data<Elem = T>>(&self, other: &DistArrayBase<S2>) -> Result<T> {
        let b = align("vdot", self, other)?;
        let mine = self
            .owned()
            .iter()
            .zip(b.owned().iter())
            .fold(T::zero(), |s, (&x, &y)| s + x.conj_() * y);
        Ok(all_sum(self.layout().comm(), mine))
    }

    /// [`dot`](Self::dot) with the same bits on any number of ranks and any
    /// layouts: every product is formed in `f64` (exactly for `f32`
    /// inputs) and summed by the two-pass reproducible sum
    /// ([`reproducible_sum_two_pass`](crate::reduce::reproducible_sum_two_pass):
    /// the global largest magnitude fixes the grids, so how the cells are
    /// spread cannot matter); complex results sum their real and imaginary
    /// parts that way. Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let f = |i: &[usize]| 1.0 / (1.0 + i[0] as f64);
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[1000]).unwrap(), f);
    /// let b = DistArray::from_fn(&Layout::new(&comm, &[1000], &[Dist::BlockCyclic(7)]).unwrap(), f);
    /// // the same bits whichever operand's layout the product runs in
    /// assert_eq!(a.dot_reproducible(&b).unwrap().to_bits(), b.dot_reproducible(&a).unwrap().to_bits());
    /// ```
    pub fn dot_reproducible<S2: Data<Elem = T>>(&self, other: &DistArrayBase<S2>) -> Result<T> {
        let b = align("dot_reproducible", self, other)?;
        self.reproducible_products(&b.owned(), false)
    }

    /// [`vdot`](Self::vdot) with the same bits on any number of ranks and
    /// any layouts (as [`dot_reproducible`](Self::dot_reproducible)).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// use num_complex::Complex64;
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let z = DistArray::from_fn(&layout, |i: &[usize]| Complex64::new(1.0, i[0] as f64));
    /// assert_eq!(z.vdot_reproducible(&z).unwrap(), Complex64::new(8.0, 0.0));
    /// ```
    pub fn vdot_reproducible<S2: Data<Elem = T>>(&self, other: &DistArrayBase<S2>) -> Result<T> {
        let b = align("vdot_reproducible", self, other)?;
        self.reproducible_products(&b.owned(), true)
    }

    /// The reproducible sum of `conj?(self[i]) * b[i]` over the owned cells.
    fn reproducible_products(&self, b: &ArrayViewD<'_, T>, conj: bool) -> Result<T> {
        let a = self.owned();
        let n = self.layout().global_len();
        let comm = self.layout().comm();
        let (mut re, mut im) = (Vec::with_capacity(a.len()), Vec::new());
        let complex = matches!(T::DTYPE, DType::C64 | DType::C128);
        for (&x, &y) in a.iter().zip(b.iter()) {
            let ((xr, xi), (yr, yi)) = (x.parts(), y.parts());
            let xi = if conj { -xi } else { xi };
            re.push(xr * yr - xi * yi);
            if complex {
                im.push(xr * yi + xi * yr);
            }
        }
        let re = reproducible_sum(comm, &re, n)?;
        let im = if complex {
            reproducible_sum(comm, &im, n)?
        } else {
            0.0
        };
        Ok(T::from_parts(re, im))
    }
}

/// The outer product `out[i, j] = a[i] * b[j]` (NumPy's `np.outer`, no
/// conjugation) of two vectors in any 1-D layouts, distributed by blocks on
/// the default 2-D grid for its shape ([`Layout::block`]); see
/// [`outer_in`] for another layout. Collective.
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::outer;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a = DistArray::from_fn(&Layout::block(&comm, &[3]).unwrap(), |i: &[usize]| i[0] as f64);
/// let b = DistArray::from_fn(&Layout::new(&comm, &[4], &[Dist::Cyclic]).unwrap(), |i: &[usize]| 10.0 + i[0] as f64);
/// let o = outer(&a, &b).unwrap();
/// assert_eq!(o.shape(), &[3, 4]);
/// assert_eq!(o.get(&[2, 3]).unwrap(), 2.0 * 13.0);
/// ```
pub fn outer<T, S1, S2>(a: &DistArrayBase<S1>, b: &DistArrayBase<S2>) -> Result<DistArray<T>>
where
    T: LinalgElement,
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
{
    let comm = a.layout().comm();
    let shapes = check_ndim("outer", a.layout(), 1)
        .and_then(|()| check_ndim("outer", b.layout(), 1))
        .and_then(|()| check_same_comm("outer", a.layout(), b.layout()));
    comm.agree_on("outer", words::<T>(&[a.layout(), b.layout()], &[]), shapes)?;
    let layout = Layout::block(comm, &[a.shape()[0], b.shape()[0]])?;
    outer_in(a, b, &layout)
}

/// [`outer`] into the given 2-D layout (any kind, on the operands'
/// communicator, of shape `(a.len, b.len)`). Each rank imports the cells of
/// `a` for its rows and of `b` for its columns, one exchange each (a cell
/// moves once per rank that needs it). Collective; the arguments are
/// agreed first.
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::outer_in;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a = DistArray::from_fn(&Layout::block(&comm, &[5]).unwrap(), |i: &[usize]| i[0] as f32);
/// let cyclic = Layout::new(&comm, &[5, 5], &[Dist::Cyclic, Dist::Cyclic]).unwrap();
/// let o = outer_in(&a, &a, &cyclic).unwrap();
/// assert_eq!(o.layout(), &cyclic);
/// assert_eq!(o.get(&[4, 3]).unwrap(), 12.0);
/// // a layout of the wrong shape: the same error on every rank
/// assert!(outer_in(&a, &a, &Layout::block(&comm, &[5, 4]).unwrap()).is_err());
/// ```
pub fn outer_in<T, S1, S2>(
    a: &DistArrayBase<S1>,
    b: &DistArrayBase<S2>,
    layout: &Layout,
) -> Result<DistArray<T>>
where
    T: LinalgElement,
    S1: Data<Elem = T>,
    S2: Data<Elem = T>,
{
    let what = "outer_in";
    let (la, lb) = (a.layout(), b.layout());
    let local = check_ndim(what, la, 1)
        .and_then(|()| check_ndim(what, lb, 1))
        .and_then(|()| check_ndim(what, layout, 2))
        .and_then(|()| check_same_comm(what, la, layout))
        .and_then(|()| check_same_comm(what, lb, layout))
        .and_then(|()| {
            let want = [la.shape()[0], lb.shape()[0]];
            if layout.shape() == want {
                Ok(())
            } else {
                Err(Error::ShapeMismatch {
                    context: "outer_in: the result layout's shape".into(),
                    expected: want.to_vec(),
                    found: layout.shape().to_vec(),
                })
            }
        });
    layout
        .comm()
        .agree_on(what, words::<T>(&[la, lb, layout], &[]), local)?;
    let rows = layout.global_indices(0);
    let cols = layout.global_indices(1);
    let mut ra = vec![T::zero(); rows.len()];
    let mut cb = vec![T::zero(); cols.len()];
    import_exchange::<T>(what, la, layout, &rows)?.run(&contiguous(a), &mut ra);
    import_exchange::<T>(what, lb, layout, &cols)?.run(&contiguous(b), &mut cb);
    let out = ArrayD::from_shape_fn(IxDyn(layout.local_shape()), |ix| ra[ix[0]] * cb[ix[1]]);
    DistArray::from_local(layout.clone(), out)
}

/// The local buffer as a C-order slice (borrowed when it is one).
pub(super) fn contiguous<T: LinalgElement, S: Data<Elem = T>>(
    a: &DistArrayBase<S>,
) -> std::borrow::Cow<'_, [T]> {
    match a.local().to_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(a.local().iter().copied().collect()),
    }
}

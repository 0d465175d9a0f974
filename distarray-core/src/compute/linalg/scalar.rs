//! The element types of the linear algebra (`f32`, `f64`, `Complex32`,
//! `Complex64`: the types BLAS and LAPACK work in), and the checks and
//! imports the operations share.

use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::{Builder, Cells, Exchange};
use crate::layout::Layout;
use crate::map::AxisMap;
use num_complex::{Complex32, Complex64};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for num_complex::Complex32 {}
    impl Sealed for num_complex::Complex64 {}
}

/// An element the linear algebra computes with: `f32`, `f64`, `Complex32`,
/// `Complex64` (sealed). `Real` is the type of magnitudes and norms.
///
/// # Examples
///
/// ```
/// use distarray_core::linalg::LinalgElement;
/// use num_complex::Complex64;
/// let z = Complex64::new(3.0, 4.0);
/// assert_eq!(z.abs_(), 5.0);
/// assert_eq!(z.conj_(), Complex64::new(3.0, -4.0));
/// assert_eq!((-2.0_f32).abs2(), 4.0);
/// ```
pub trait LinalgElement: Element + ndarray::LinalgScalar + sealed::Sealed {
    /// The real type of magnitudes (`f32` for `f32` and `Complex32`).
    type Real: Element + num_traits::Float;
    /// The complex conjugate (the value itself for real types).
    fn conj_(self) -> Self;
    /// `|x|`
    fn abs_(self) -> Self::Real;
    /// `|x|^2`
    fn abs2(self) -> Self::Real;
    /// Real and imaginary parts, widened to `f64` (exactly).
    fn parts(self) -> (f64, f64);
    /// The value of these parts (rounded to the type; the imaginary part
    /// dropped for real types).
    fn from_parts(re: f64, im: f64) -> Self;
}

macro_rules! real {
    ($t:ty) => {
        impl LinalgElement for $t {
            type Real = $t;
            fn conj_(self) -> Self {
                self
            }
            fn abs_(self) -> $t {
                self.abs()
            }
            fn abs2(self) -> $t {
                self * self
            }
            fn parts(self) -> (f64, f64) {
                (self as f64, 0.0)
            }
            fn from_parts(re: f64, _im: f64) -> Self {
                re as $t
            }
        }
    };
}
real!(f32);
real!(f64);

macro_rules! complex {
    ($t:ty, $r:ty) => {
        impl LinalgElement for $t {
            type Real = $r;
            fn conj_(self) -> Self {
                self.conj()
            }
            fn abs_(self) -> $r {
                self.norm()
            }
            fn abs2(self) -> $r {
                self.norm_sqr()
            }
            fn parts(self) -> (f64, f64) {
                (self.re as f64, self.im as f64)
            }
            fn from_parts(re: f64, im: f64) -> Self {
                <$t>::new(re as $r, im as $r)
            }
        }
    };
}
complex!(Complex32, f32);
complex!(Complex64, f64);

/// The words every rank must agree on for a call on these layouts with
/// element type `T` and other arguments `args`.
pub(super) fn words<T: Element>(layouts: &[&Layout], args: &[u64]) -> u64 {
    fingerprint(
        layouts
            .iter()
            .map(|l| l.fingerprint())
            .chain(std::iter::once(
                T::DTYPE.itemsize() as u64 | (T::DTYPE as u64) << 8,
            ))
            .chain(args.iter().copied()),
    )
}

/// `Ok` when `layout` has `ndim` axes.
pub(super) fn check_ndim(what: &str, layout: &Layout, ndim: usize) -> Result<()> {
    if layout.ndim() == ndim {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{what} needs a {ndim}-d array, got shape {:?}",
            layout.shape()
        )))
    }
}

/// `Ok` when no axis replicates cells (replicas would count twice).
pub(super) fn check_one_to_one(what: &str, layout: &Layout) -> Result<()> {
    if layout.maps().iter().all(AxisMap::is_one_to_one) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{what} needs a one-to-one layout; {layout:?} replicates cells (redistribute it first)"
        )))
    }
}

/// `Ok` when the two layouts share a communicator.
pub(super) fn check_same_comm(what: &str, a: &Layout, b: &Layout) -> Result<()> {
    if a.comm().congruent(b.comm()) {
        Ok(())
    } else {
        Err(Error::LayoutMismatch {
            context: what.into(),
            detail: "the operands live on different communicators".into(),
        })
    }
}

/// This rank's owned (not ghost) buffer positions along `axis` and their
/// global indices.
pub(super) fn owned_indices(layout: &Layout, axis: usize) -> (std::ops::Range<usize>, Vec<usize>) {
    let range = layout.owned_local_ranges()[axis].clone();
    let globals = layout.global_indices(axis)[range.clone()].to_vec();
    (range, globals)
}

/// The exchange that imports the cells `wanted` (global indices) of the
/// 1-D layout `src` into a plain buffer of `wanted.len()` on this rank, in
/// that order. `dst` supplies the communicator. Collective; the call's
/// arguments must have been agreed (this agrees `src` and `dst` again).
pub(super) fn import_exchange<T: Element>(
    what: &str,
    src: &Layout,
    dst: &Layout,
    wanted: &[usize],
) -> Result<Exchange<T>> {
    let shape = [wanted.len()];
    let list: Vec<(usize, usize)> = wanted.iter().copied().enumerate().collect();
    let lists = [list];
    Ok(Builder::new(what, src, dst, &[], Ok(()))?
        .into_buffer(&shape)
        .build::<T>(Cells::Listed {
            perm: &[Some(0)],
            lists: &lists,
        }))
}

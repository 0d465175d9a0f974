//! The element types GA and distarray share.

use crate::ffi;
use distarray_core::dtype::Element;
use num_complex::{Complex32, Complex64};
use std::ffi::c_int;

/// An element type both GA and distarray store with the same bytes.
///
/// GA's complex types are `{real, imag}` structs of the same width, the
/// layout of `num_complex::Complex<T>` (`#[repr(C)]`).
///
/// # Examples
///
/// ```
/// use bridge_ga::{Ga, GaElement, GlobalArray};
/// use distarray_core::{Comm, Layout};
/// use num_complex::Complex64;
/// fn ones<T: GaElement>(ga: &Ga, layout: &Layout) -> T {
///     let mut g = GlobalArray::<T>::new(ga, layout).unwrap();
///     g.access_mut().unwrap().view_mut().fill(T::one());
///     g.sync();
///     g.get(&[0], &[1]).unwrap()[[0]]
/// }
/// let _u = mpi::initialize().unwrap();
/// let ga = Ga::init().unwrap();
/// let comm = Comm::world();
/// let layout = Layout::block(&comm, &[4]).unwrap();
/// assert_eq!(ones::<f32>(&ga, &layout), 1.0);
/// assert_eq!(ones::<Complex64>(&ga, &layout), Complex64::new(1.0, 0.0));
/// ```
pub trait GaElement: Element {
    /// GA's type id (`C_DBL`, `C_INT`, ...).
    const GA_TYPE: c_int;
}

macro_rules! ga_element {
    ($($t:ty => $id:expr),* $(,)?) => {$(
        impl GaElement for $t {
            const GA_TYPE: c_int = $id as c_int;
        }
    )*};
}

// C_LONG is a C long: 64-bit on the LP64 platforms GA's Debian build targets
// (build.rs checks that MA's `Integer`, also a long, is 64-bit).
ga_element! {
    f64 => ffi::C_DBL,
    f32 => ffi::C_FLOAT,
    i32 => ffi::C_INT,
    i64 => ffi::C_LONG,
    Complex64 => ffi::C_DCPL,
    Complex32 => ffi::C_SCPL,
}

const _: () = assert!(std::mem::size_of::<std::ffi::c_long>() == 8);

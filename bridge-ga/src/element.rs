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
/// The trait is sealed: its `GA_TYPE` id tells GA how many bytes an element
/// has, and the bridge lends GA's memory as a slice of `T` on its word, so
/// an implementation outside this crate (a 16-byte type claiming GA's
/// 8-byte `C_DBL`) would make safe code read past GA's buffers.
///
/// # Examples
///
/// ```
/// use bridge_ga::{Ga, GaElement, GlobalArray};
/// use distarray_core::{Comm, Layout};
/// use num_complex::Complex64;
/// fn ones<T: GaElement>(ga: &Ga, layout: &Layout) -> T {
///     let mut g = GlobalArray::<T>::new(ga, layout).unwrap();
///     g.array_mut().unwrap().local_mut().fill(T::one());
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
///
/// ```compile_fail,E0277
/// use bridge_ga::GaElement;
/// #[derive(Clone, Copy, Debug, Default, PartialEq)]
/// struct Wide([f64; 2]);
/// impl GaElement for Wide { // error: the trait `Sealed` is not implemented
///     const GA_TYPE: std::ffi::c_int = 1004; // C_DBL: 8 bytes, not 16
/// }
/// ```
pub trait GaElement: Element + sealed::Sealed {
    /// GA's type id (`C_DBL`, `C_INT`, ...).
    const GA_TYPE: c_int;
}

mod sealed {
    /// Implemented for the element types GA stores; not nameable outside
    /// the crate, so no other type can be a [`GaElement`](super::GaElement).
    pub trait Sealed {}
}

macro_rules! ga_element {
    ($($t:ty => $id:expr),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
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

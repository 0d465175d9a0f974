//! Named unary ufuncs, and the element traits that say which apply to which type.

use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use ndarray::Data;
use num_complex::{Complex32, Complex64, ComplexFloat};
use std::ops::{Add, Div, Mul, Sub};

/// Numbers: the arithmetic every numeric dtype has (not `bool`).
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Layout, Numeric};
/// use num_complex::Complex64;
/// fn magnitudes<T: Numeric>(a: &DistArray<T>) -> DistArray<T::Real> {
///     a.abs() // real for complex numbers
/// }
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[3]).unwrap();
/// let z = DistArray::full(&layout, Complex64::new(3.0, 4.0));
/// assert_eq!(magnitudes(&z).get(&[2]).unwrap(), 5.0);
/// assert_eq!(magnitudes(&DistArray::full(&layout, -2_i32)).get(&[0]).unwrap(), 2);
/// ```
pub trait Numeric:
    Element + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// The type of `abs` (real for complex numbers).
    type Real: Element + PartialOrd;
    /// `|x|`
    fn abs_(self) -> Self::Real;
    /// `-x` (wrapping for unsigned integers, as NumPy)
    fn negative_(self) -> Self;
    /// `-1`, `0` or `1` (NaN stays NaN; complex: `x / |x|`)
    fn sign_(self) -> Self;
    /// `x ** y`
    fn power_(self, y: Self) -> Self;
}

/// Ordered numbers (integers and reals).
///
/// # Examples
///
/// NumPy's semantics, not Rust's: `%` takes the divisor's sign, `//`
/// floors.
///
/// ```
/// use distarray_core::Real;
/// assert_eq!((-7_i64).remainder_(3), 2);
/// assert_eq!((-7_i64).fmod_(3), -1);
/// assert_eq!((-7.0_f64).floor_divide_(2.0), -4.0);
/// assert!(f64::NAN.maximum_(1.0).is_nan());
/// assert_eq!(2.5_f32.rint_(), 2.0); // ties to even
/// assert_eq!(<i32 as Real>::lowest(), i32::MIN);
/// ```
pub trait Real: Numeric + PartialOrd {
    /// Python's `%` (the result takes the divisor's sign).
    fn remainder_(self, y: Self) -> Self;
    /// C's `fmod` (the result takes the dividend's sign).
    fn fmod_(self, y: Self) -> Self;
    /// Python's `//` (floor of the quotient).
    fn floor_divide_(self, y: Self) -> Self;
    /// NumPy's `maximum` (NaN propagates).
    fn maximum_(self, y: Self) -> Self;
    /// NumPy's `minimum` (NaN propagates).
    fn minimum_(self, y: Self) -> Self;
    /// Round to the nearest integer, ties to even (the identity for integers).
    fn rint_(self) -> Self;
    /// The identity of `maximum` (`-inf` for floats, the smallest integer).
    fn lowest() -> Self;
    /// The identity of `minimum` (`+inf` for floats, the largest integer).
    fn highest() -> Self;
}

macro_rules! float_numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            type Real = $t;
            fn abs_(self) -> $t { self.abs() }
            fn negative_(self) -> $t { -self }
            fn sign_(self) -> $t { if self == 0.0 { 0.0 } else if self.is_nan() { self } else { self.signum() } }
            fn power_(self, y: $t) -> $t { self.powf(y) }
        }
        impl Real for $t {
            fn remainder_(self, y: $t) -> $t { let r = self % y; if r != 0.0 && ((r < 0.0) != (y < 0.0)) { r + y } else { r } }
            fn fmod_(self, y: $t) -> $t { self % y }
            fn floor_divide_(self, y: $t) -> $t { (self / y).floor() }
            fn maximum_(self, y: $t) -> $t { if self.is_nan() || y.is_nan() { <$t>::NAN } else { self.max(y) } }
            fn minimum_(self, y: $t) -> $t { if self.is_nan() || y.is_nan() { <$t>::NAN } else { self.min(y) } }
            fn rint_(self) -> $t { self.round_ties_even() }
            fn lowest() -> $t { <$t>::NEG_INFINITY }
            fn highest() -> $t { <$t>::INFINITY }
        }
    )*};
}
float_numeric!(f32, f64);

macro_rules! int_numeric {
    ($($t:ty),*) => {$(
        impl Numeric for $t {
            type Real = $t;
            #[allow(unused_comparisons)]
            fn abs_(self) -> $t { if self < 0 { self.wrapping_neg() } else { self } }
            fn negative_(self) -> $t { self.wrapping_neg() }
            fn sign_(self) -> $t { if self > 0 { 1 } else if self == 0 { 0 } else { (0 as $t).wrapping_sub(1) } }
            fn power_(self, y: $t) -> $t { self.wrapping_pow(y as u32) }
        }
        impl Real for $t {
            fn remainder_(self, y: $t) -> $t { if y == 0 { 0 } else { let r = self.wrapping_rem(y); #[allow(unused_comparisons)] { if r != 0 && ((r < 0) != (y < 0)) { r.wrapping_add(y) } else { r } } } }
            fn fmod_(self, y: $t) -> $t { if y == 0 { 0 } else { self.wrapping_rem(y) } }
            fn floor_divide_(self, y: $t) -> $t { if y == 0 { 0 } else { let q = self.wrapping_div(y); #[allow(unused_comparisons)] { if (self.wrapping_rem(y) != 0) && ((self < 0) != (y < 0)) { q - 1 } else { q } } } }
            fn maximum_(self, y: $t) -> $t { self.max(y) }
            fn minimum_(self, y: $t) -> $t { self.min(y) }
            fn rint_(self) -> $t { self }
            fn lowest() -> $t { <$t>::MIN }
            fn highest() -> $t { <$t>::MAX }
        }
    )*};
}
int_numeric!(u8, i32, i64);

macro_rules! complex_numeric {
    ($($t:ty, $r:ty);*) => {$(
        impl Numeric for $t {
            type Real = $r;
            fn abs_(self) -> $r { self.norm() }
            fn negative_(self) -> $t { -self }
            fn sign_(self) -> $t { let n = self.norm(); if n == 0.0 { self } else { self / n } }
            fn power_(self, y: $t) -> $t { self.powc(y) }
        }
    )*};
}
complex_numeric!(Complex32, f32; Complex64, f64);

macro_rules! unary_numeric {
    ($($(#[$doc:meta])* $name:ident => $f:expr;)*) => {
        impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {$(
            $(#[$doc])*
            pub fn $name(&self) -> DistArray<T> { self.map($f) }
        )*}
    };
}
unary_numeric! {
    /// `-x`
    negative => |x: T| x.negative_();
    /// `x * x`
    square => |x: T| x * x;
    /// `-1`, `0`, `1` (NaN stays NaN; complex: `x / |x|`)
    sign => |x: T| x.sign_();
}

impl<T: Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// `|x|` (real for complex arrays)
    pub fn abs(&self) -> DistArray<T::Real> {
        self.map(|x| x.abs_())
    }
}

macro_rules! unary_complex_float {
    ($($(#[$doc:meta])* $name:ident => $m:ident;)*) => {
        impl<T: Numeric + ComplexFloat, S: Data<Elem = T>> DistArrayBase<S> {$(
            $(#[$doc])*
            pub fn $name(&self) -> DistArray<T> { self.map(|x| x.$m()) }
        )*}
    };
}
unary_complex_float! {
    /// square root
    sqrt => sqrt;
    /// `e^x`
    exp => exp;
    /// natural logarithm
    log => ln;
    /// base-10 logarithm
    log10 => log10;
    /// sine
    sin => sin;
    /// cosine
    cos => cos;
    /// tangent
    tan => tan;
    /// inverse sine
    arcsin => asin;
    /// inverse cosine
    arccos => acos;
    /// inverse tangent
    arctan => atan;
    /// hyperbolic sine
    sinh => sinh;
    /// hyperbolic cosine
    cosh => cosh;
    /// hyperbolic tangent
    tanh => tanh;
    /// inverse hyperbolic sine
    arcsinh => asinh;
    /// inverse hyperbolic cosine
    arccosh => acosh;
    /// inverse hyperbolic tangent
    arctanh => atanh;
    /// `1 / x`
    reciprocal => recip;
    /// complex conjugate (the identity for reals)
    conjugate => conj;
}

impl<T: Numeric + ComplexFloat, S: Data<Elem = T>> DistArrayBase<S> {
    /// True where the cell is NaN.
    pub fn isnan(&self) -> DistArray<bool> {
        self.map(|x| x.is_nan())
    }
    /// True where the cell is finite.
    pub fn isfinite(&self) -> DistArray<bool> {
        self.map(|x| x.is_finite())
    }
}

/// Real floating-point elements (`f32`, `f64`).
///
/// # Examples
///
/// ```
/// use distarray_core::ufunc::FloatElement;
/// use distarray_core::{Comm, DistArray, Layout};
/// fn rounded_up<T: FloatElement>(a: &DistArray<T>) -> DistArray<T> {
///     a.ceil()
/// }
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
/// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f32 / 2.0);
/// assert_eq!(rounded_up(&a).get(&[3]).unwrap(), 2.0);
/// ```
pub trait FloatElement: Real + num_traits::Float {}
impl FloatElement for f32 {}
impl FloatElement for f64 {}

macro_rules! unary_float {
    ($($(#[$doc:meta])* $name:ident => $f:expr;)*) => {
        impl<T: FloatElement, S: Data<Elem = T>> DistArrayBase<S> {$(
            $(#[$doc])*
            pub fn $name(&self) -> DistArray<T> { self.map($f) }
        )*}
    };
}
unary_float! {
    /// `e^x - 1`, accurate near 0
    expm1 => |x: T| x.exp_m1();
    /// `ln(1 + x)`, accurate near 0
    log1p => |x: T| x.ln_1p();
    /// round to the nearest integer, ties to even (NumPy's `rint`)
    rint => |x: T| x.rint_();
    /// floor
    floor => |x: T| x.floor();
    /// ceiling
    ceil => |x: T| x.ceil();
}

/// Integer and boolean elements: bitwise operations.
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[2]).unwrap();
/// let flags = DistArray::full(&layout, 0b1010_u8);
/// assert_eq!(flags.invert().get(&[0]).unwrap(), 0b1111_0101);
/// let mask = DistArray::full(&layout, 0b0110_u8);
/// assert_eq!(flags.bitwise_and(&mask).unwrap().get(&[1]).unwrap(), 0b0010);
/// ```
pub trait Bits:
    Element
    + std::ops::Not<Output = Self>
    + std::ops::BitAnd<Output = Self>
    + std::ops::BitOr<Output = Self>
    + std::ops::BitXor<Output = Self>
{
}
impl Bits for bool {}
impl Bits for u8 {}
impl Bits for i32 {}
impl Bits for i64 {}

impl<T: Bits, S: Data<Elem = T>> DistArrayBase<S> {
    /// Bitwise not (`~x`; logical not for `bool`).
    pub fn invert(&self) -> DistArray<T> {
        self.map(|x| !x)
    }
}

impl<S: Data<Elem = bool>> DistArrayBase<S> {
    /// Logical not.
    pub fn logical_not(&self) -> DistArray<bool> {
        self.map(|x| !x)
    }
}

//! Building expressions: operators (`+ - * /`, unary `-`, with scalars on
//! either side), NumPy's ufuncs as methods, comparisons, `where`, `clip`
//! and casts. Nothing is computed here: each returns a bigger expression.

use super::node::{BinaryFn, Expr, Func, Leaf, Map, Scalar, Select, UnaryFn, Zip};
use super::Deferred;
use crate::array::DistArrayBase;
use crate::compute::ufunc::{FloatElement, Numeric, Real};
use crate::dtype::Element;
use ndarray::Data;
use num_complex::{Complex32, Complex64};
use num_traits::{AsPrimitive, Float};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// What can stand as an operand of a deferred expression of `T` values:
/// an expression, a scalar `T` (the same value in every cell), or a
/// distributed array (`&a`, its buffer borrowed as [`lazy`](DistArrayBase::lazy) does).
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[6]).unwrap();
/// let (a, b) = (DistArray::full(&layout, 2.0_f64), DistArray::full(&layout, 5.0_f64));
/// let r = (a.lazy() * &b + 1.0).eval().unwrap(); // an array and a scalar as operands
/// assert_eq!(r.get(&[5]).unwrap(), 11.0);
/// ```
pub trait IntoDeferred<T> {
    /// The expression it becomes.
    type Expr: Expr<Item = T>;
    /// It, as an expression.
    fn into_deferred(self) -> Deferred<Self::Expr>;
}

impl<E: Expr> IntoDeferred<E::Item> for Deferred<E> {
    type Expr = E;
    fn into_deferred(self) -> Deferred<E> {
        self
    }
}

impl<T: Element> IntoDeferred<T> for T {
    type Expr = Scalar<T>;
    fn into_deferred(self) -> Deferred<Scalar<T>> {
        Deferred(Scalar(self))
    }
}

impl<'a, T: Element, S: Data<Elem = T>> IntoDeferred<T> for &'a DistArrayBase<S> {
    type Expr = Leaf<'a, T>;
    fn into_deferred(self) -> Deferred<Leaf<'a, T>> {
        self.lazy()
    }
}

macro_rules! binary_ops {
    ($($(#[$doc:meta])* $op:ident, $bound:path, $out:ty, |$x:ident, $y:ident| $body:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $op;
        impl<T: $bound> BinaryFn<T, T> for $op {
            type Out = $out;
            #[inline(always)]
            fn call(&self, $x: T, $y: T) -> $out {
                $body
            }
        }
    )*};
}

binary_ops! {
    /// `x + y`
    OpAdd, Numeric, T, |x, y| x + y;
    /// `x - y`
    OpSub, Numeric, T, |x, y| x - y;
    /// `x * y`
    OpMul, Numeric, T, |x, y| x * y;
    /// `x / y`
    OpDiv, Numeric, T, |x, y| x / y;
}

macro_rules! operators {
    ($($tr:ident $m:ident $op:ident;)*) => {$(
        impl<A: Expr, R: IntoDeferred<A::Item>> $tr<R> for Deferred<A>
        where
            A::Item: Numeric,
        {
            type Output = Deferred<Zip<A, R::Expr, $op>>;
            fn $m(self, rhs: R) -> Self::Output {
                Deferred(Zip { a: self.0, b: rhs.into_deferred().0, f: $op })
            }
        }
    )*};
}
operators! {
    Add add OpAdd;
    Sub sub OpSub;
    Mul mul OpMul;
    Div div OpDiv;
}

macro_rules! scalar_left {
    ($($t:ty),*) => {$(
        impl<E: Expr<Item = $t>> Add<Deferred<E>> for $t {
            type Output = Deferred<Zip<Scalar<$t>, E, OpAdd>>;
            fn add(self, rhs: Deferred<E>) -> Self::Output {
                Deferred(Zip { a: Scalar(self), b: rhs.0, f: OpAdd })
            }
        }
        impl<E: Expr<Item = $t>> Sub<Deferred<E>> for $t {
            type Output = Deferred<Zip<Scalar<$t>, E, OpSub>>;
            fn sub(self, rhs: Deferred<E>) -> Self::Output {
                Deferred(Zip { a: Scalar(self), b: rhs.0, f: OpSub })
            }
        }
        impl<E: Expr<Item = $t>> Mul<Deferred<E>> for $t {
            type Output = Deferred<Zip<Scalar<$t>, E, OpMul>>;
            fn mul(self, rhs: Deferred<E>) -> Self::Output {
                Deferred(Zip { a: Scalar(self), b: rhs.0, f: OpMul })
            }
        }
        impl<E: Expr<Item = $t>> Div<Deferred<E>> for $t {
            type Output = Deferred<Zip<Scalar<$t>, E, OpDiv>>;
            fn div(self, rhs: Deferred<E>) -> Self::Output {
                Deferred(Zip { a: Scalar(self), b: rhs.0, f: OpDiv })
            }
        }
    )*};
}
scalar_left!(f32, f64, i32, i64, u8, Complex32, Complex64);

/// `-x` (wrapping for unsigned integers, as NumPy's `negative`)
#[derive(Clone, Copy, Debug)]
pub struct OpNeg;
impl<T: Numeric> UnaryFn<T> for OpNeg {
    type Out = T;
    #[inline(always)]
    fn call(&self, x: T) -> T {
        x.negative_()
    }
}

impl<A: Expr> Neg for Deferred<A>
where
    A::Item: Numeric,
{
    type Output = Deferred<Map<A, OpNeg>>;
    fn neg(self) -> Self::Output {
        Deferred(Map {
            e: self.0,
            f: OpNeg,
        })
    }
}

/// NumPy's `where(cond, a, b)`, deferred: `a` where `cond` holds, `b`
/// elsewhere; `a` and `b` may be expressions, arrays or scalars. Both are
/// evaluated for every cell, as in NumPy (so an integer division by zero
/// in the branch not taken still panics).
///
/// # Examples
///
/// ```
/// use distarray_core::deferred::where_;
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[5]).unwrap();
/// let x = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64 - 2.0);
/// let relu = where_(x.lazy().greater(0.0), &x, 0.0).eval().unwrap();
/// assert_eq!(relu.gather_all().unwrap().as_slice().unwrap(), &[0.0, 0.0, 0.0, 1.0, 2.0]);
/// ```
pub fn where_<C, T, A, B>(cond: Deferred<C>, a: A, b: B) -> Deferred<Select<C, A::Expr, B::Expr>>
where
    C: Expr<Item = bool>,
    T: Element,
    A: IntoDeferred<T>,
    B: IntoDeferred<T>,
{
    Deferred(Select {
        cond: cond.0,
        a: a.into_deferred().0,
        b: b.into_deferred().0,
    })
}

/// The [`Map`] of a closure (a ufunc method's node).
pub type MapFn<E, F> = Deferred<Map<E, Func<F>>>;
/// The [`Zip`] of a closure with another operand.
pub type ZipFn<E, R, F> = Deferred<Zip<E, R, Func<F>>>;

impl<E: Expr> Deferred<E> {
    /// `f` of every value (any closure: it is inlined into the pass).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::full(&Layout::block(&Comm::world(), &[4]).unwrap(), 3_i64);
    /// assert_eq!(a.lazy().map(|x| x * x - 1).sum().unwrap(), 32);
    /// ```
    pub fn map<U: Element, F: Fn(E::Item) -> U + Copy>(self, f: F) -> MapFn<E, F> {
        Deferred(Map {
            e: self.0,
            f: Func(f),
        })
    }

    /// `f(self, other)` cell by cell (`other`: an expression, array or scalar).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let (a, b) = (DistArray::full(&layout, 3.0_f64), DistArray::full(&layout, 4.0_f64));
    /// assert_eq!(a.lazy().zip_with(&b, f64::hypot).max().unwrap(), 5.0);
    /// ```
    pub fn zip_with<U, R, V, F>(self, other: R, f: F) -> ZipFn<E, R::Expr, F>
    where
        U: Element,
        R: IntoDeferred<U>,
        V: Element,
        F: Fn(E::Item, U) -> V + Copy,
    {
        Deferred(Zip {
            a: self.0,
            b: other.into_deferred().0,
            f: Func(f),
        })
    }

    /// Converts every value (NumPy's `astype`, Rust's `as`), e.g.
    /// `x.cast::<f32>()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::full(&Layout::block(&Comm::world(), &[4]).unwrap(), 2.7_f64);
    /// let i = a.lazy().cast::<i64>().eval().unwrap();
    /// assert_eq!(i.get(&[0]).unwrap(), 2);
    /// ```
    pub fn cast<U>(self) -> MapFn<E, impl Fn(E::Item) -> U + Copy>
    where
        U: Element,
        E::Item: AsPrimitive<U>,
    {
        self.map(|x: E::Item| x.as_())
    }
}

macro_rules! unary_methods {
    ($bound:path; $($(#[$doc:meta])* $name:ident => |$x:ident| $body:expr;)*) => {
        impl<E: Expr> Deferred<E> where E::Item: $bound {$(
            $(#[$doc])*
            pub fn $name(self) -> MapFn<E, impl Fn(E::Item) -> E::Item + Copy> {
                self.map(|$x: E::Item| $body)
            }
        )*}
    };
}

unary_methods! { Numeric;
    /// `x * x`
    square => |x| x * x;
    /// `-1`, `0` or `1` (NaN stays NaN)
    sign => |x| x.sign_();
}

unary_methods! { FloatElement;
    /// square root
    sqrt => |x| x.sqrt();
    /// `e^x`
    exp => |x| x.exp();
    /// natural logarithm
    log => |x| x.ln();
    /// base-10 logarithm
    log10 => |x| x.log10();
    /// sine
    sin => |x| x.sin();
    /// cosine
    cos => |x| x.cos();
    /// tangent
    tan => |x| x.tan();
    /// hyperbolic tangent
    tanh => |x| x.tanh();
    /// floor
    floor => |x| x.floor();
    /// ceiling
    ceil => |x| x.ceil();
    /// round to the nearest integer, ties to even (NumPy's `rint`)
    rint => |x| x.rint_();
    /// `1 / x`
    reciprocal => |x| x.recip();
}

impl<E: Expr> Deferred<E>
where
    E::Item: Numeric,
{
    /// `|x|` (real for complex values).
    pub fn abs(self) -> MapFn<E, impl Fn(E::Item) -> <E::Item as Numeric>::Real + Copy> {
        self.map(|x: E::Item| x.abs_())
    }
}

impl<E: Expr> Deferred<E>
where
    E::Item: FloatElement,
{
    /// `x^n` for an integer power (Rust's `powi`: repeated multiplication,
    /// which may differ from `powf` in the last bit).
    pub fn powi(self, n: i32) -> MapFn<E, impl Fn(E::Item) -> E::Item + Copy> {
        self.map(move |x: E::Item| x.powi(n))
    }
    /// `x^p` (NumPy's `power` with a scalar exponent).
    pub fn powf(self, p: E::Item) -> MapFn<E, impl Fn(E::Item) -> E::Item + Copy> {
        self.map(move |x: E::Item| x.powf(p))
    }
}

macro_rules! binary_methods {
    ($bound:path, $out:ty; $($(#[$doc:meta])* $name:ident => |$x:ident, $y:ident| $body:expr;)*) => {
        impl<E: Expr> Deferred<E> where E::Item: $bound {$(
            $(#[$doc])*
            pub fn $name<R: IntoDeferred<E::Item>>(self, other: R)
                -> ZipFn<E, R::Expr, impl Fn(E::Item, E::Item) -> $out + Copy> {
                self.zip_with(other, |$x: E::Item, $y: E::Item| $body)
            }
        )*}
    };
}

binary_methods! { Real, E::Item;
    /// the larger of the two (NaN propagates, as NumPy's `maximum`)
    maximum => |x, y| x.maximum_(y);
    /// the smaller of the two (NaN propagates, as NumPy's `minimum`)
    minimum => |x, y| x.minimum_(y);
    /// Python's `%`
    remainder => |x, y| x.remainder_(y);
}

binary_methods! { Element, bool;
    /// `self == other` cell by cell
    equal => |x, y| x == y;
    /// `self != other` cell by cell
    not_equal => |x, y| x != y;
}

binary_methods! { Real, bool;
    /// `self < other`
    less => |x, y| x < y;
    /// `self <= other`
    less_equal => |x, y| x <= y;
    /// `self > other`
    greater => |x, y| x > y;
    /// `self >= other`
    greater_equal => |x, y| x >= y;
}

impl<E: Expr> Deferred<E>
where
    E::Item: Real,
{
    /// Values limited to `lo ..= hi` (as the eager [`clip`](DistArrayBase::clip)).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let a = DistArray::from_fn(&Layout::block(&Comm::world(), &[5]).unwrap(), |ix: &[usize]| ix[0] as f64);
    /// assert_eq!(a.lazy().clip(1.0, 3.0).sum().unwrap(), 1.0 + 1.0 + 2.0 + 3.0 + 3.0);
    /// ```
    pub fn clip(self, lo: E::Item, hi: E::Item) -> MapFn<E, impl Fn(E::Item) -> E::Item + Copy> {
        self.map(move |x: E::Item| x.maximum_(lo).minimum_(hi))
    }
}

impl<E: Expr<Item = bool>> Deferred<E> {
    /// logical and
    pub fn logical_and<R: IntoDeferred<bool>>(
        self,
        other: R,
    ) -> ZipFn<E, R::Expr, impl Fn(bool, bool) -> bool + Copy> {
        self.zip_with(other, |x: bool, y: bool| x && y)
    }
    /// logical or
    pub fn logical_or<R: IntoDeferred<bool>>(
        self,
        other: R,
    ) -> ZipFn<E, R::Expr, impl Fn(bool, bool) -> bool + Copy> {
        self.zip_with(other, |x: bool, y: bool| x || y)
    }
    /// logical not
    pub fn logical_not(self) -> MapFn<E, impl Fn(bool) -> bool + Copy> {
        self.map(|x: bool| !x)
    }
}

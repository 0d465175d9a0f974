//! Named binary ufuncs between arrays of equal layouts (and with scalars).

use super::same_layout;
use super::unary::{Bits, FloatElement, Numeric, Real};
use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::Result;
use ndarray::{Data, Zip};

fn zip<T: Element, U: Element, V: Element, S1: Data<Elem = T>, S2: Data<Elem = U>>(
    a: &DistArrayBase<S1>,
    b: &DistArrayBase<S2>,
    what: &str,
    f: impl Fn(T, U) -> V,
) -> Result<DistArray<V>> {
    same_layout(a.layout(), b.layout(), what)?;
    let local = Zip::from(&a.local())
        .and(&b.local())
        .map_collect(|&x, &y| f(x, y));
    DistArrayBase::from_local(a.layout().clone(), local)
}

macro_rules! binary {
    ($bound:path, $out:ty; $($(#[$doc:meta])* $name:ident => $f:expr;)*) => {
        impl<T: $bound, S: Data<Elem = T>> DistArrayBase<S> {$(
            $(#[$doc])*
            pub fn $name<S2: Data<Elem = T>>(&self, other: &DistArrayBase<S2>) -> Result<DistArray<$out>> {
                zip(self, other, stringify!($name), $f)
            }
        )*}
    };
}

binary! { Numeric, T;
    /// `a + b`
    add => |x: T, y: T| x + y;
    /// `a - b`
    subtract => |x: T, y: T| x - y;
    /// `a * b`
    multiply => |x: T, y: T| x * y;
    /// `a / b`
    divide => |x: T, y: T| x / y;
    /// `a ** b`
    power => |x: T, y: T| x.power_(y);
}

binary! { Real, T;
    /// Python's `//`
    floor_divide => |x: T, y: T| x.floor_divide_(y);
    /// Python's `%` (NumPy's `remainder`, alias `mod_`)
    remainder => |x: T, y: T| x.remainder_(y);
    /// Python's `%`
    mod_ => |x: T, y: T| x.remainder_(y);
    /// C's `fmod`
    fmod => |x: T, y: T| x.fmod_(y);
    /// the larger of the two (NaN propagates)
    maximum => |x: T, y: T| x.maximum_(y);
    /// the smaller of the two (NaN propagates)
    minimum => |x: T, y: T| x.minimum_(y);
}

binary! { Real, bool;
    /// `a < b`
    less => |x: T, y: T| x < y;
    /// `a <= b`
    less_equal => |x: T, y: T| x <= y;
    /// `a > b`
    greater => |x: T, y: T| x > y;
    /// `a >= b`
    greater_equal => |x: T, y: T| x >= y;
}

binary! { Element, bool;
    /// `a == b`
    equal => |x: T, y: T| x == y;
    /// `a != b`
    not_equal => |x: T, y: T| x != y;
}

binary! { Bits, T;
    /// `a & b`
    bitwise_and => |x: T, y: T| x & y;
    /// `a | b`
    bitwise_or => |x: T, y: T| x | y;
    /// `a ^ b`
    bitwise_xor => |x: T, y: T| x ^ y;
}

binary! { FloatElement, T;
    /// `sqrt(a² + b²)` without overflow
    hypot => |x: T, y: T| x.hypot(y);
    /// the angle of `(b, a)`: `atan2(a, b)`
    arctan2 => |x: T, y: T| x.atan2(y);
}

/// Integer shifts.
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let layout = Layout::block(&Comm::world(), &[4]).unwrap();
/// let ones = DistArray::full(&layout, 1_i32);
/// let counts = DistArray::from_fn(&layout, |ix: &[usize]| [0, 3, 31, 40][ix[0]]);
/// let shifted = ones.left_shift(&counts).unwrap();
/// assert_eq!(shifted.gather_all().unwrap().into_raw_vec_and_offset().0, vec![1, 8, i32::MIN, 0]);
/// ```
pub trait Shifts:
    Element + std::ops::Shl<u32, Output = Self> + std::ops::Shr<u32, Output = Self>
{
}
impl Shifts for u8 {}
impl Shifts for i32 {}
impl Shifts for i64 {}

impl<T: Shifts + Numeric, S: Data<Elem = T>> DistArrayBase<S> {
    /// `a << b` (shift counts from `b`; counts past the width give 0, as NumPy)
    pub fn left_shift<S2: Data<Elem = T>>(&self, b: &DistArrayBase<S2>) -> Result<DistArray<T>>
    where
        T: TryInto<u32>,
    {
        let bits = (std::mem::size_of::<T>() * 8) as u32;
        zip(self, b, "left_shift", move |x: T, y: T| {
            match y.try_into() {
                Ok(k) if k < bits => x << k,
                _ => T::default(),
            }
        })
    }
    /// `a >> b` (arithmetic for signed types)
    pub fn right_shift<S2: Data<Elem = T>>(&self, b: &DistArrayBase<S2>) -> Result<DistArray<T>>
    where
        T: TryInto<u32>,
    {
        let bits = (std::mem::size_of::<T>() * 8) as u32;
        zip(self, b, "right_shift", move |x: T, y: T| {
            match y.try_into() {
                Ok(k) if k < bits => x >> k,
                _ => x >> (bits - 1),
            }
        })
    }
}

impl<S: Data<Elem = bool>> DistArrayBase<S> {
    /// logical and
    pub fn logical_and<S2: Data<Elem = bool>>(
        &self,
        b: &DistArrayBase<S2>,
    ) -> Result<DistArray<bool>> {
        zip(self, b, "logical_and", |x, y| x && y)
    }
    /// logical or
    pub fn logical_or<S2: Data<Elem = bool>>(
        &self,
        b: &DistArrayBase<S2>,
    ) -> Result<DistArray<bool>> {
        zip(self, b, "logical_or", |x, y| x || y)
    }
    /// logical exclusive or
    pub fn logical_xor<S2: Data<Elem = bool>>(
        &self,
        b: &DistArrayBase<S2>,
    ) -> Result<DistArray<bool>> {
        zip(self, b, "logical_xor", |x, y| x ^ y)
    }
}

impl<T: Real, S: Data<Elem = T>> DistArrayBase<S> {
    /// Cells limited to `lo ..= hi`.
    pub fn clip(&self, lo: T, hi: T) -> DistArray<T> {
        self.map(move |x| x.maximum_(lo).minimum_(hi))
    }
}

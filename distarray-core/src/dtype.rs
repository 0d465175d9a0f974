//! Element types a [`DistArray`](crate::DistArray) can hold.
//!
//! ```
//! use distarray_core::{DType, Element};
//! assert_eq!(f64::DTYPE, DType::F64);
//! assert_eq!(DType::F64.numpy_name(), "float64");
//! assert_eq!(DType::C128.npy_descr(), "<c16");
//! ```

use mpi::traits::Equivalence;
use num_complex::{Complex32, Complex64};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt::Debug;

/// The element types of the core, named as NumPy names them.
///
/// # Examples
///
/// ```
/// use distarray_core::DType;
/// let d = DType::from_numpy_name("complex64").unwrap();
/// assert_eq!(d, DType::C64);
/// assert_eq!((d.itemsize(), d.npy_descr()), (8, "<c8"));
/// assert_eq!(DType::I32.to_string(), "int32");
/// assert!(DType::from_numpy_name("float16").is_none());
/// assert_eq!(DType::ALL.len(), 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DType {
    /// `bool`
    Bool,
    /// `uint8`
    U8,
    /// `int32`
    I32,
    /// `int64`
    I64,
    /// `float32`
    F32,
    /// `float64`
    F64,
    /// `complex64` (two `f32`)
    C64,
    /// `complex128` (two `f64`)
    C128,
}

impl DType {
    /// All dtypes, in a fixed order.
    pub const ALL: [DType; 8] = [
        DType::Bool,
        DType::U8,
        DType::I32,
        DType::I64,
        DType::F32,
        DType::F64,
        DType::C64,
        DType::C128,
    ];

    /// NumPy's name (`float64`, `complex128`, ...).
    pub fn numpy_name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::U8 => "uint8",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::C64 => "complex64",
            DType::C128 => "complex128",
        }
    }

    /// The `.npy` header `descr` string (little-endian).
    pub fn npy_descr(self) -> &'static str {
        match self {
            DType::Bool => "|b1",
            DType::U8 => "|u1",
            DType::I32 => "<i4",
            DType::I64 => "<i8",
            DType::F32 => "<f4",
            DType::F64 => "<f8",
            DType::C64 => "<c8",
            DType::C128 => "<c16",
        }
    }

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::U8 => 1,
            DType::I32 | DType::F32 => 4,
            DType::I64 | DType::F64 | DType::C64 => 8,
            DType::C128 => 16,
        }
    }

    /// The dtype with this NumPy name, if it is one of the core's.
    pub fn from_numpy_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.numpy_name() == name)
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.numpy_name())
    }
}

/// A type that can be an element of a distributed array.
///
/// Implemented for `bool`, `u8`, `i32`, `i64`, `f32`, `f64`, `Complex32` and
/// `Complex64`. It ties the Rust type to its MPI datatype ([`Equivalence`]), its
/// NumPy dtype and its JSON form (numbers; complex numbers as `[re, im]`).
///
/// # Examples
///
/// Code generic over the element type:
///
/// ```
/// use distarray_core::{DType, Element};
/// use num_complex::Complex32;
/// fn describe<T: Element>(x: T) -> String {
///     format!("{} {}", T::DTYPE, x.to_json())
/// }
/// assert_eq!(describe(2.5_f64), "float64 2.5");
/// assert_eq!(describe(Complex32::new(1.0, -1.0)), "complex64 [1.0,-1.0]");
/// assert_eq!(i64::from_json(&serde_json::json!(7)), Some(7));
/// assert_eq!(<bool as Element>::one(), true);
///
/// let bytes = i32::le_bytes(&[1, -1]);
/// let mut back = [0_i32; 2];
/// i32::fill_from_le(&bytes, &mut back).unwrap();
/// assert_eq!(back, [1, -1]);
/// ```
pub trait Element:
    Equivalence + Copy + Default + PartialEq + Debug + Send + Sync + 'static
{
    /// The NumPy dtype of this type.
    const DTYPE: DType;
    /// The multiplicative identity (`true` for `bool`); `Default` is zero.
    fn one() -> Self;
    /// The JSON form of one element.
    fn to_json(self) -> Value;
    /// Reads one element from its JSON form (integers are accepted for floats).
    fn from_json(v: &Value) -> Option<Self>;
    /// The elements' little-endian bytes (borrowed: no copy, except `bool`).
    fn le_bytes(data: &[Self]) -> Cow<'_, [u8]>;
    /// Fills `out` from little-endian bytes (`bytes.len()` must be
    /// `out.len() * itemsize`); says what is wrong with invalid bytes.
    fn fill_from_le(bytes: &[u8], out: &mut [Self]) -> Result<(), String>;
    /// The elements' bytes, writable in place, when every byte pattern is a
    /// valid element (all types but `bool`): reads go straight into arrays.
    fn le_bytes_mut(data: &mut [Self]) -> Option<&mut [u8]>;
    /// Bytes seen as elements, when every byte pattern is a valid element
    /// and `bytes` is aligned for `Self` and a whole number of elements
    /// (`None` otherwise, and always for `bool`): plans pack straight into
    /// memory shared with other processes.
    fn from_bytes_mut(bytes: &mut [u8]) -> Option<&mut [Self]> {
        let _ = bytes;
        None
    }
}

macro_rules! pod_bytes {
    () => {
        fn le_bytes(data: &[Self]) -> Cow<'_, [u8]> {
            Cow::Borrowed(bytemuck::cast_slice(data))
        }
        fn fill_from_le(bytes: &[u8], out: &mut [Self]) -> Result<(), String> {
            bytemuck::cast_slice_mut::<Self, u8>(out).copy_from_slice(bytes);
            Ok(())
        }
        fn le_bytes_mut(data: &mut [Self]) -> Option<&mut [u8]> {
            Some(bytemuck::cast_slice_mut(data))
        }
        fn from_bytes_mut(bytes: &mut [u8]) -> Option<&mut [Self]> {
            bytemuck::try_cast_slice_mut(bytes).ok()
        }
    };
}

macro_rules! float_element {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            fn one() -> Self {
                1.0
            }
            fn to_json(self) -> Value {
                serde_json::Number::from_f64(self as f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            fn from_json(v: &Value) -> Option<Self> {
                v.as_f64().map(|x| x as $t)
            }
            pod_bytes!();
        }
    };
}
float_element!(f32, DType::F32);
float_element!(f64, DType::F64);

macro_rules! int_element {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            fn one() -> Self {
                1
            }
            fn to_json(self) -> Value {
                Value::from(self)
            }
            fn from_json(v: &Value) -> Option<Self> {
                v.as_i64().and_then(|x| <$t>::try_from(x).ok())
            }
            pod_bytes!();
        }
    };
}
int_element!(u8, DType::U8);
int_element!(i32, DType::I32);
int_element!(i64, DType::I64);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn one() -> Self {
        true
    }
    fn to_json(self) -> Value {
        Value::Bool(self)
    }
    fn from_json(v: &Value) -> Option<Self> {
        v.as_bool()
    }
    fn le_bytes(data: &[Self]) -> Cow<'_, [u8]> {
        Cow::Owned(data.iter().map(|&b| b as u8).collect())
    }
    fn fill_from_le(bytes: &[u8], out: &mut [Self]) -> Result<(), String> {
        for (i, (o, &b)) in out.iter_mut().zip(bytes).enumerate() {
            *o = match b {
                0 => false,
                1 => true,
                other => {
                    return Err(format!(
                        "byte {other} at element {i} is not a bool (0 or 1)"
                    ))
                }
            };
        }
        Ok(())
    }
    fn le_bytes_mut(_: &mut [Self]) -> Option<&mut [u8]> {
        None
    }
}

macro_rules! complex_element {
    ($t:ty, $f:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: DType = $d;
            fn one() -> Self {
                <$t>::new(1.0, 0.0)
            }
            fn to_json(self) -> Value {
                Value::Array(vec![self.re.to_json(), self.im.to_json()])
            }
            fn from_json(v: &Value) -> Option<Self> {
                match v {
                    Value::Array(p) if p.len() == 2 => {
                        Some(<$t>::new(<$f>::from_json(&p[0])?, <$f>::from_json(&p[1])?))
                    }
                    other => <$f>::from_json(other).map(|re| <$t>::new(re, 0.0)),
                }
            }
            pod_bytes!();
        }
    };
}
complex_element!(Complex32, f32, DType::C64);
complex_element!(Complex64, f64, DType::C128);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip() {
        let z = Complex64::new(1.5, -2.0);
        assert_eq!(Complex64::from_json(&z.to_json()), Some(z));
        assert_eq!(i32::from_json(&Value::from(7)), Some(7));
        assert_eq!(u8::from_json(&Value::from(300)), None);
        assert_eq!(f64::from_json(&Value::from(3)), Some(3.0));
        assert_eq!(bool::from_json(&Value::Bool(true)), Some(true));
    }

    #[test]
    fn names() {
        for d in DType::ALL {
            assert_eq!(DType::from_numpy_name(d.numpy_name()), Some(d));
        }
        assert_eq!(DType::Bool.itemsize(), 1);
    }
}

//! [`AnyDistArray`]: a distributed array whose element type is known at
//! run time only (a file loaded without naming its dtype), one variant per
//! [`DType`].
//!
//! Code that works for every element type is written once, with
//! [`any_dist_array_apply!`](crate::any_dist_array_apply): the body is
//! compiled for each variant, with the array bound to the name given.
//!
//! ```
//! use distarray_core::{any_dist_array_apply, AnyDistArray, Comm, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let a: AnyDistArray = DistArray::<u8>::zeros(&Layout::block(&comm, &[6]).unwrap()).into();
//! // one generic body instead of a match over eight dtypes
//! let cells: usize = any_dist_array_apply!(&a, |x| x.local().len());
//! assert_eq!(comm.sum_u64(cells as u64), 6);
//! ```

use super::DistArray;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::io::Order;
use crate::layout::Layout;
use num_complex::{Complex32, Complex64};
use std::any::Any;
use std::path::Path;

/// A distributed array of any element type distarray holds: one variant
/// per [`DType`]. What [`FileInfo::load`](crate::io::FileInfo::load) gives.
///
/// # Examples
///
/// ```
/// use distarray_core::{AnyDistArray, Comm, DType, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let a = AnyDistArray::from(DistArray::<i64>::zeros(&Layout::block(&comm, &[2, 3]).unwrap()));
/// assert_eq!((a.dtype(), a.shape(), a.ndim()), (DType::I64, &[2, 3][..], 2));
/// assert!(a.as_f64().is_none());
/// let typed: DistArray<i64> = a.into_i64().unwrap();
/// assert_eq!(typed.shape(), &[2, 3]);
/// ```
#[derive(Debug)]
pub enum AnyDistArray {
    /// `bool` cells.
    Bool(DistArray<bool>),
    /// `uint8` cells.
    U8(DistArray<u8>),
    /// `int32` cells.
    I32(DistArray<i32>),
    /// `int64` cells.
    I64(DistArray<i64>),
    /// `float32` cells.
    F32(DistArray<f32>),
    /// `float64` cells.
    F64(DistArray<f64>),
    /// `complex64` cells.
    C64(DistArray<Complex32>),
    /// `complex128` cells.
    C128(DistArray<Complex64>),
}

/// Evaluates an expression with the [`AnyDistArray`]'s typed array bound
/// to a name, whatever its element type: one generic body instead of a
/// match over every dtype. The body is compiled once per element type, so
/// it may call anything every `DistArray<T>` has; its value must have one
/// type for all of them. Takes the array by value, `&` or `&mut` (the name
/// is bound to a `DistArray<T>`, `&DistArray<T>` or `&mut DistArray<T>`).
///
/// # Examples
///
/// ```
/// use distarray_core::{any_dist_array_apply, io::Order, AnyDistArray, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let mut a = AnyDistArray::from(DistArray::<f32>::zeros(&Layout::block(&comm, &[4]).unwrap()));
/// any_dist_array_apply!(&mut a, |x| x.fill(Default::default()));
/// let path = std::env::temp_dir().join(format!("distarray-doc-apply-{}.npy", std::process::id()));
/// any_dist_array_apply!(&a, |x| x.save_npy(&path, Order::C)).unwrap();
/// let owned_cells = any_dist_array_apply!(a, |x| x.into_local().len());
/// assert!(owned_cells <= 4);
/// ```
#[macro_export]
macro_rules! any_dist_array_apply {
    ($array:expr, |$x:ident| $body:expr) => {
        match $array {
            $crate::AnyDistArray::Bool($x) => $body,
            $crate::AnyDistArray::U8($x) => $body,
            $crate::AnyDistArray::I32($x) => $body,
            $crate::AnyDistArray::I64($x) => $body,
            $crate::AnyDistArray::F32($x) => $body,
            $crate::AnyDistArray::F64($x) => $body,
            $crate::AnyDistArray::C64($x) => $body,
            $crate::AnyDistArray::C128($x) => $body,
        }
    };
}

/// `$T` stands for the Rust type of `$dtype` in `$body` (crate-internal
/// dispatch from a run-time dtype to generic code).
macro_rules! with_element_type {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            $crate::DType::Bool => {
                type $T = bool;
                $body
            }
            $crate::DType::U8 => {
                type $T = u8;
                $body
            }
            $crate::DType::I32 => {
                type $T = i32;
                $body
            }
            $crate::DType::I64 => {
                type $T = i64;
                $body
            }
            $crate::DType::F32 => {
                type $T = f32;
                $body
            }
            $crate::DType::F64 => {
                type $T = f64;
                $body
            }
            $crate::DType::C64 => {
                type $T = $crate::num_complex::Complex32;
                $body
            }
            $crate::DType::C128 => {
                type $T = $crate::num_complex::Complex64;
                $body
            }
        }
    };
}
pub(crate) use with_element_type;

fn wrong_dtype(expected: String, found: DType) -> Error {
    Error::DTypeMismatch {
        expected,
        found: format!("{found} (the AnyDistArray's)"),
    }
}

impl AnyDistArray {
    /// The element type.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DType, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
    /// assert_eq!(AnyDistArray::from(DistArray::<bool>::zeros(&l)).dtype(), DType::Bool);
    /// ```
    pub fn dtype(&self) -> DType {
        match self {
            AnyDistArray::Bool(_) => DType::Bool,
            AnyDistArray::U8(_) => DType::U8,
            AnyDistArray::I32(_) => DType::I32,
            AnyDistArray::I64(_) => DType::I64,
            AnyDistArray::F32(_) => DType::F32,
            AnyDistArray::F64(_) => DType::F64,
            AnyDistArray::C64(_) => DType::C64,
            AnyDistArray::C128(_) => DType::C128,
        }
    }

    /// The layout (global shape, grid, distribution).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3, 2]).unwrap();
    /// assert!(*AnyDistArray::from(DistArray::<u8>::zeros(&l)).layout() == l);
    /// ```
    pub fn layout(&self) -> &Layout {
        any_dist_array_apply!(self, |a| a.layout())
    }

    /// The global shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3, 2]).unwrap();
    /// assert_eq!(AnyDistArray::from(DistArray::<i32>::zeros(&l)).shape(), &[3, 2]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        self.layout().shape()
    }

    /// The number of axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3, 2, 2]).unwrap();
    /// assert_eq!(AnyDistArray::from(DistArray::<f32>::zeros(&l)).ndim(), 3);
    /// ```
    pub fn ndim(&self) -> usize {
        self.layout().ndim()
    }

    /// The typed array, if its element type is `T` (generic form of
    /// [`as_f64`](Self::as_f64) and the others).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let a = AnyDistArray::from(DistArray::<f64>::zeros(&l));
    /// assert!(a.typed::<f64>().is_some() && a.typed::<f32>().is_none());
    /// ```
    pub fn typed<T: Element>(&self) -> Option<&DistArray<T>> {
        any_dist_array_apply!(self, |a| (a as &dyn Any).downcast_ref())
    }

    /// The typed array, mutably, if its element type is `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let mut a = AnyDistArray::from(DistArray::<i32>::zeros(&l));
    /// a.typed_mut::<i32>().unwrap().fill(7);
    /// assert!(a.as_i32().unwrap().local().iter().all(|&x| x == 7));
    /// ```
    pub fn typed_mut<T: Element>(&mut self) -> Option<&mut DistArray<T>> {
        any_dist_array_apply!(self, |a| (a as &mut dyn Any).downcast_mut())
    }

    /// The typed array, or [`Error::DTypeMismatch`] naming both element
    /// types when it holds another one.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
    /// let err = AnyDistArray::from(DistArray::<u8>::zeros(&l)).into_typed::<f64>().unwrap_err();
    /// assert!(err.to_string().contains("expected float64, found uint8"));
    /// ```
    pub fn into_typed<T: Element>(self) -> Result<DistArray<T>> {
        let dtype = self.dtype();
        let boxed: Box<dyn Any> = any_dist_array_apply!(self, |a| Box::new(a));
        boxed.downcast().map(|a| *a).map_err(|_| {
            let expected = if T::DTYPE == dtype {
                // an Element type of the user's with a dtype of ours
                std::any::type_name::<T>().to_string()
            } else {
                T::DTYPE.to_string()
            };
            wrong_dtype(expected, dtype)
        })
    }

    /// Wraps a typed array, in generic code (where `T` is a type
    /// parameter; with a concrete type, `AnyDistArray::from` does it).
    /// Fails only for an [`Element`] type defined outside distarray.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Element, Layout};
    /// fn wrap<T: Element>(a: DistArray<T>) -> AnyDistArray {
    ///     AnyDistArray::from_typed(a).unwrap()
    /// }
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
    /// assert_eq!(wrap(DistArray::<i32>::zeros(&l)).dtype(), i32::DTYPE);
    /// ```
    pub fn from_typed<T: Element>(a: DistArray<T>) -> Result<AnyDistArray> {
        let boxed: Box<dyn Any> = Box::new(a);
        let wrapped = with_element_type!(T::DTYPE, U => boxed
            .downcast::<DistArray<U>>()
            .ok()
            .map(|a| AnyDistArray::from(*a)));
        wrapped.ok_or_else(|| Error::DTypeMismatch {
            expected: "an element type of distarray".into(),
            found: std::any::type_name::<T>().into(),
        })
    }

    /// The cells as `float64` (NumPy's `astype(float64)`): `bool` as 0 or
    /// 1, integers rounded to the nearest `f64` (exact below 2^53). Complex
    /// arrays are refused: take the real part or the modulus explicitly.
    /// Local: no communication.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[4]).unwrap();
    /// let a = AnyDistArray::from(DistArray::from_fn(&l, |ix| ix[0] as i32 - 1));
    /// let f = a.to_f64().unwrap();
    /// assert_eq!(f.gather_all().unwrap().as_slice().unwrap(), &[-1.0, 0.0, 1.0, 2.0]);
    /// ```
    pub fn to_f64(&self) -> Result<DistArray<f64>> {
        Ok(match self {
            AnyDistArray::Bool(a) => a.map(|x| f64::from(u8::from(x))),
            AnyDistArray::U8(a) => a.map(f64::from),
            AnyDistArray::I32(a) => a.map(f64::from),
            AnyDistArray::I64(a) => a.map(|x| x as f64),
            AnyDistArray::F32(a) => a.map(f64::from),
            AnyDistArray::F64(a) => a.to_owned(),
            AnyDistArray::C64(_) | AnyDistArray::C128(_) => {
                return Err(Error::DTypeMismatch {
                    expected: "a real element type (to_f64)".into(),
                    found: format!(
                        "{} (take the real part or the modulus first, e.g. with map)",
                        self.dtype()
                    ),
                })
            }
        })
    }

    /// Agrees that every rank holds the same element type before a
    /// collective whose file format depends on it.
    fn agree_dtype(&self, context: &str) -> Result<()> {
        let code = DType::ALL.iter().position(|&d| d == self.dtype());
        let words = [code.unwrap_or(usize::MAX) as u64];
        let comm = self.layout().comm();
        comm.agree_on(context, crate::comm::fingerprint(words), Ok(()))
    }

    /// Saves as one `.npy` file ([`DistArrayBase::save_npy`](crate::DistArrayBase::save_npy)).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{io, AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[5]).unwrap();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-anynpy-{}.npy", std::process::id()));
    /// AnyDistArray::from(DistArray::<i64>::zeros(&l)).save_npy(&path, io::Order::C).unwrap();
    /// assert_eq!(io::open(&path).unwrap().dtype, distarray_core::DType::I64);
    /// ```
    pub fn save_npy(&self, path: impl AsRef<Path>, order: Order) -> Result<()> {
        self.agree_dtype("AnyDistArray::save_npy (element type)")?;
        any_dist_array_apply!(self, |a| a.save_npy(path.as_ref(), order))
    }

    /// Saves as a `.dnpy` set ([`DistArrayBase::save_dnpy`](crate::DistArrayBase::save_dnpy)).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{io, AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let l = Layout::block(&comm, &[5]).unwrap();
    /// let prefix = std::env::temp_dir().join(format!("distarray-doc-anydnpy-{}", std::process::id()));
    /// AnyDistArray::from(DistArray::<bool>::zeros(&l)).save_dnpy(&prefix).unwrap();
    /// assert_eq!(io::open(&prefix).unwrap().format, io::Format::Dnpy { ranks: comm.size() });
    /// ```
    pub fn save_dnpy(&self, prefix: impl AsRef<Path>) -> Result<()> {
        self.agree_dtype("AnyDistArray::save_dnpy (element type)")?;
        any_dist_array_apply!(self, |a| a.save_dnpy(prefix.as_ref()))
    }

    /// Saves as dataset `dataset` of a new HDF5 file
    /// ([`DistArrayBase::save_hdf5`](crate::DistArrayBase::save_hdf5); feature `hdf5`).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{io, AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[5, 2]).unwrap();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-anyh5-{}.h5", std::process::id()));
    /// AnyDistArray::from(DistArray::<f32>::zeros(&l)).save_hdf5(&path, "g/u", None).unwrap();
    /// assert_eq!(io::open(&path).unwrap().format, io::Format::Hdf5 { dataset: "g/u".into() });
    /// ```
    #[cfg(feature = "hdf5")]
    pub fn save_hdf5(
        &self,
        path: impl AsRef<Path>,
        dataset: &str,
        chunk: Option<&[usize]>,
    ) -> Result<()> {
        self.agree_dtype("AnyDistArray::save_hdf5 (element type)")?;
        any_dist_array_apply!(self, |a| a.save_hdf5(path.as_ref(), dataset, chunk))
    }

    /// Saves as a Zarr v3 array
    /// ([`DistArrayBase::save_zarr`](crate::DistArrayBase::save_zarr)).
    /// Collective.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{io, AnyDistArray, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let l = Layout::block(&Comm::world(), &[4, 2]).unwrap();
    /// let path = std::env::temp_dir().join(format!("distarray-doc-anyzarr-{}.zarr", std::process::id()));
    /// let a = AnyDistArray::from(DistArray::<u8>::zeros(&l));
    /// a.save_zarr(&path, &io::ZarrOptions::default()).unwrap();
    /// let info = io::open(&path).unwrap();
    /// assert!(matches!(info.format, io::Format::Zarr { .. }));
    /// assert_eq!((info.shape, info.dtype), (vec![4, 2], distarray_core::DType::U8));
    /// ```
    #[cfg(feature = "zarr")]
    pub fn save_zarr(
        &self,
        path: impl AsRef<Path>,
        options: &crate::io::ZarrOptions,
    ) -> Result<()> {
        self.agree_dtype("AnyDistArray::save_zarr (element type)")?;
        any_dist_array_apply!(self, |a| a.save_zarr(path.as_ref(), options))
    }
}

/// The typed accessors and conversions of one variant.
macro_rules! typed_access {
    ($variant:ident, $t:ty, $as:ident, $as_mut:ident, $into:ident) => {
        impl AnyDistArray {
            #[doc = concat!("The `", stringify!($t), "` array, if that is the element type.")]
            ///
            /// # Examples
            ///
            /// ```
            /// use distarray_core::{num_complex::*, AnyDistArray, Comm, DistArray, Layout};
            /// let _u = mpi::initialize().unwrap();
            /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
            #[doc = concat!("let a = AnyDistArray::from(DistArray::<", stringify!($t), ">::zeros(&l));")]
            #[doc = concat!("assert_eq!(a.", stringify!($as), "().unwrap().shape(), &[3]);")]
            /// ```
            pub fn $as(&self) -> Option<&DistArray<$t>> {
                match self {
                    AnyDistArray::$variant(a) => Some(a),
                    _ => None,
                }
            }

            #[doc = concat!("The `", stringify!($t), "` array, mutably, if that is the element type.")]
            ///
            /// # Examples
            ///
            /// ```
            /// use distarray_core::{num_complex::*, AnyDistArray, Comm, DistArray, Layout};
            /// let _u = mpi::initialize().unwrap();
            /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
            #[doc = concat!("let mut a = AnyDistArray::from(DistArray::<", stringify!($t), ">::zeros(&l));")]
            #[doc = concat!("a.", stringify!($as_mut), "().unwrap().fill(Default::default());")]
            /// ```
            pub fn $as_mut(&mut self) -> Option<&mut DistArray<$t>> {
                match self {
                    AnyDistArray::$variant(a) => Some(a),
                    _ => None,
                }
            }

            #[doc = concat!("The `", stringify!($t), "` array, or [`Error::DTypeMismatch`] naming both")]
            /// element types when it holds another one.
            ///
            /// # Examples
            ///
            /// ```
            /// use distarray_core::{num_complex::*, AnyDistArray, Comm, DistArray, Layout};
            /// let _u = mpi::initialize().unwrap();
            /// let l = Layout::block(&Comm::world(), &[3]).unwrap();
            #[doc = concat!("let a = AnyDistArray::from(DistArray::<", stringify!($t), ">::zeros(&l));")]
            #[doc = concat!("let typed: DistArray<", stringify!($t), "> = a.", stringify!($into), "().unwrap();")]
            /// ```
            pub fn $into(self) -> Result<DistArray<$t>> {
                match self {
                    AnyDistArray::$variant(a) => Ok(a),
                    other => Err(wrong_dtype(<$t as Element>::DTYPE.to_string(), other.dtype())),
                }
            }
        }

        impl From<DistArray<$t>> for AnyDistArray {
            fn from(a: DistArray<$t>) -> AnyDistArray {
                AnyDistArray::$variant(a)
            }
        }

        impl TryFrom<AnyDistArray> for DistArray<$t> {
            type Error = Error;
            fn try_from(a: AnyDistArray) -> Result<DistArray<$t>> {
                a.$into()
            }
        }
    };
}

typed_access!(Bool, bool, as_bool, as_bool_mut, into_bool);
typed_access!(U8, u8, as_u8, as_u8_mut, into_u8);
typed_access!(I32, i32, as_i32, as_i32_mut, into_i32);
typed_access!(I64, i64, as_i64, as_i64_mut, into_i64);
typed_access!(F32, f32, as_f32, as_f32_mut, into_f32);
typed_access!(F64, f64, as_f64, as_f64_mut, into_f64);
typed_access!(C64, Complex32, as_c64, as_c64_mut, into_c64);
typed_access!(C128, Complex64, as_c128, as_c128_mut, into_c128);

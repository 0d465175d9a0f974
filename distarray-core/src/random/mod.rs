//! Random arrays, the way NumPy's `Generator` makes them, and the same on
//! any number of ranks.
//!
//! The generator is counter-based: Philox4x32-10 ([`philox`]; Salmon et
//! al., SC'11, as in Random123 and NumPy's `Philox` family). Cell values
//! depend only on the seed, on how many arrays the [`Generator`] has drawn
//! before, and on each cell's global C-order flat index. A seeded array is
//! therefore bitwise the same whatever the number of ranks and the
//! distribution (block, cyclic, block-cyclic, padded, unstructured, any
//! grid), and each rank fills its own cells without communication. The
//! arithmetic uses IEEE basic operations only (no `libm`), so the bits are
//! the same on every machine as well.
//!
//! Each array-making call of a [`Generator`] advances it: successive calls
//! give independent arrays, in the same order on every rank. The calls are
//! collective (one small agreement, [`Comm::agree_on`](crate::Comm::agree_on)): every rank checks
//! the arguments and that every rank's generator is in the same state, and
//! every rank returns the same error otherwise.
//!
//! # Examples
//!
//! ```
//! use distarray_core::{random, Comm, Layout};
//! let _u = mpi::initialize().unwrap();
//! let layout = Layout::block(&Comm::world(), &[1000]).unwrap();
//! let mut rng = random::default_rng(42);
//! let x = rng.random::<f64>(&layout).unwrap();         // uniform in [0, 1)
//! let y = rng.uniform(&layout, -1.0f32, 1.0).unwrap(); // uniform in [-1, 1)
//! let z = rng.normal(&layout, 10.0, 2.0).unwrap();     // N(10, 2^2), f64
//! let dice = rng.integers(&layout, 1i64, 7).unwrap();  // 1 ..= 6
//! assert!(dice.local().iter().all(|d| (1..7).contains(d)));
//! // a fresh generator with the same seed repeats the same arrays
//! let again = random::default_rng(42).random::<f64>(&layout).unwrap();
//! assert_eq!(x.local(), again.local());
//! ```
//!
//! Distributions: uniform floats use 53 (`f64`) or 24 (`f32`) random bits,
//! NumPy's conversions; normals the Box-Muller transform (Box and Muller,
//! Ann. Math. Statist. 1958: two normals per 128-bit block, no rejection,
//! so the loop stays branch-free), with a logarithm, sine and cosine of
//! its own; integers Lemire's unbiased multiply-and-reject method (ACM
//! TOMACS 2019), a rejected cell drawing again from a retry stream keyed by
//! its index.
//!
//! Speed: a rank fills its cells in a SIMD loop (AVX-512, AVX2, AVX or
//! SSE4.1, chosen at run time), eight Philox blocks per step. 1e8 uniform
//! `f64` on 2 ranks take 0.10-0.19 s on the shared development VMs,
//! 1.6-3.2 times the throughput of NumPy's `default_rng().random(1e8)` on
//! one process (the `random_vs_numpy` benchmark).

mod boxmuller;
mod distributions;
mod fill;
mod generator;
pub mod philox;
mod runs;

pub use generator::{default_rng, Generator};

use crate::dtype::Element;
use distributions::{Coin, IntBits, Lemire32, Normal, Uniform, Unit32, Unit64, UnitC32, UnitC64};
use fill::{Kernel, Stream};
use num_complex::{Complex32, Complex64};

/// The SplitMix64 finalizer: a fast, well-mixed bijection on `u64`. Not a
/// generator here (that is Philox): the hash behind argument fingerprints.
///
/// # Examples
///
/// ```
/// use distarray_core::random::mix64;
/// assert_ne!(mix64(1), mix64(2));
/// ```
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

mod sealed {
    use super::*;

    /// The kernel of [`RandomElement`]'s standard distribution.
    pub trait Standard: Copy + Default {
        type K: Kernel<Out = Self>;
        fn standard() -> Self::K;
    }

    /// The kernels of the float distributions.
    pub trait Floats: Standard {
        type U: Kernel<Out = Self>;
        type N: Kernel<Out = Self>;
        fn uniform(low: Self, high: Self) -> Self::U;
        fn normal(mean: f64, std: f64) -> Self::N;
        fn to_f64(self) -> f64;
        /// `high - low` is finite in this type.
        fn finite_width(low: Self, high: Self) -> bool;
    }

    /// The integers.
    pub trait Ints: Standard + IntBits {}
}

/// Element types that random arrays can hold, with their standard
/// distribution ([`Generator::random`], [`DistArray::random`](crate::DistArray::random)):
/// floats uniform in [0, 1), complex numbers with both parts so, integers
/// uniform in `0 .. 100` (use [`Generator::integers`] for any range),
/// booleans fair coins.
///
/// # Examples
///
/// ```
/// use distarray_core::{random::{Generator, RandomElement}, Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// fn draw<T: RandomElement>(layout: &Layout) -> Vec<T> {
///     Generator::new(1).random::<T>(layout).unwrap().local().iter().copied().collect()
/// }
/// let layout = Layout::block(&Comm::world(), &[50]).unwrap();
/// assert!(draw::<u8>(&layout).iter().all(|&x| x < 100));
/// let _coins: Vec<bool> = draw(&layout);
/// ```
pub trait RandomElement: Element + sealed::Standard {
    /// The value `DistArray::random(layout, seed)` holds at flat (C-order)
    /// global index `index`: one cell computed alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{random::RandomElement, Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[4, 5]).unwrap();
    /// let a = DistArray::<f32>::random(&layout, 7);
    /// assert_eq!(a.get(&[2, 3]).unwrap(), f32::random(7, 2 * 5 + 3));
    /// ```
    fn random(seed: u64, index: u64) -> Self {
        fill::cell_at(&Self::standard(), &Stream::new(seed, 0), index)
    }
}

/// Float element types (`f32`, `f64`): [`Generator::uniform`],
/// [`Generator::standard_normal`], [`Generator::normal`].
///
/// # Examples
///
/// ```
/// use distarray_core::{random::{Generator, RandomFloat}, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// fn noise<T: RandomFloat>(layout: &Layout, scale: T) -> DistArray<T> {
///     Generator::new(3).normal(layout, T::default(), scale).unwrap()
/// }
/// let layout = Layout::block(&Comm::world(), &[20]).unwrap();
/// let _small = noise(&layout, 1e-3f32);
/// ```
pub trait RandomFloat: RandomElement + sealed::Floats {}

/// Integer element types (`u8`, `i32`, `i64`): [`Generator::integers`].
///
/// # Examples
///
/// ```
/// use distarray_core::{random::{Generator, RandomInteger}, Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// fn labels<T: RandomInteger>(layout: &Layout, low: T, high: T) -> DistArray<T> {
///     Generator::new(4).integers(layout, low, high).unwrap()
/// }
/// let layout = Layout::block(&Comm::world(), &[20]).unwrap();
/// assert!(labels(&layout, 0u8, 3).local().iter().all(|&l| l < 3));
/// ```
pub trait RandomInteger: RandomElement + sealed::Ints {}

macro_rules! standard {
    ($($t:ty => $k:ty = $v:expr),*) => {$(
        impl sealed::Standard for $t {
            type K = $k;
            fn standard() -> $k {
                $v
            }
        }
        impl RandomElement for $t {}
    )*};
}
standard!(
    f64 => Unit64 = Unit64,
    f32 => Unit32 = Unit32,
    Complex64 => UnitC64 = UnitC64,
    Complex32 => UnitC32 = UnitC32,
    bool => Coin = Coin,
    u8 => Lemire32<u8> = Lemire32::new(0, 100),
    i32 => Lemire32<i32> = Lemire32::new(0, 100),
    i64 => Lemire32<i64> = Lemire32::new(0, 100)
);

macro_rules! floats {
    ($($t:ty),*) => {$(
        impl sealed::Floats for $t {
            type U = Uniform<$t>;
            type N = Normal<$t>;
            fn uniform(low: $t, high: $t) -> Uniform<$t> {
                Uniform::<$t>::new(low, high)
            }
            fn normal(mean: f64, std: f64) -> Normal<$t> {
                Normal::new(mean, std)
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn finite_width(low: $t, high: $t) -> bool {
                (high - low).is_finite()
            }
        }
        impl RandomFloat for $t {}
    )*};
}
floats!(f32, f64);

impl sealed::Ints for u8 {}
impl sealed::Ints for i32 {}
impl sealed::Ints for i64 {}
impl RandomInteger for u8 {}
impl RandomInteger for i32 {}
impl RandomInteger for i64 {}

/// Fills `local`, this rank's buffer of `layout`, with the standard
/// distribution of `T` for `seed` (the first array of a fresh generator).
/// Not collective.
pub(crate) fn fill_standard<T: RandomElement>(
    seed: u64,
    layout: &crate::Layout,
    local: ndarray::ArrayViewMutD<'_, T>,
) {
    generator::fill_array(&T::standard(), &Stream::new(seed, 0), layout, local);
}

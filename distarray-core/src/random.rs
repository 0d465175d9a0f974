//! Counter-based random numbers: a value depends only on the seed and the
//! global index, so a seeded random array is the same whatever the number of
//! ranks or the distribution.
//!
//! ```
//! use distarray_core::random::{uniform_f64, RandomElement};
//! assert_eq!(uniform_f64(7, 12345), uniform_f64(7, 12345));
//! assert!((0.0..1.0).contains(&uniform_f64(7, 12345)));
//! assert_ne!(f64::random(1, 0), f64::random(2, 0));
//! ```

use num_complex::{Complex32, Complex64};

/// The SplitMix64 finalizer: a fast, well-mixed bijection on `u64`.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 64 random bits for (`seed`, `index`, `stream`).
pub fn bits(seed: u64, index: u64, stream: u64) -> u64 {
    mix64(mix64(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93)) ^ index)
}

/// A uniform `f64` in `[0, 1)` for (`seed`, `index`).
pub fn uniform_f64(seed: u64, index: u64) -> f64 {
    (bits(seed, index, 0) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Element types that seeded random arrays can hold.
///
/// Floats are uniform in `[0, 1)`, complex numbers have both parts so,
/// integers are uniform in `0 .. 100`, booleans fair coins.
pub trait RandomElement: Sized {
    /// The value at flat global `index` for `seed`.
    fn random(seed: u64, index: u64) -> Self;
}

impl RandomElement for f64 {
    fn random(seed: u64, index: u64) -> f64 {
        uniform_f64(seed, index)
    }
}
impl RandomElement for f32 {
    fn random(seed: u64, index: u64) -> f32 {
        (bits(seed, index, 0) >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
    }
}
impl RandomElement for Complex64 {
    fn random(seed: u64, index: u64) -> Complex64 {
        let im = (bits(seed, index, 1) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        Complex64::new(uniform_f64(seed, index), im)
    }
}
impl RandomElement for Complex32 {
    fn random(seed: u64, index: u64) -> Complex32 {
        let im = (bits(seed, index, 1) >> 40) as f32 * (1.0 / (1u32 << 24) as f32);
        Complex32::new(f32::random(seed, index), im)
    }
}
macro_rules! random_int {
    ($($t:ty),*) => {$(
        impl RandomElement for $t {
            fn random(seed: u64, index: u64) -> $t {
                (bits(seed, index, 0) % 100) as $t
            }
        }
    )*};
}
random_int!(u8, i32, i64);
impl RandomElement for bool {
    fn random(seed: u64, index: u64) -> bool {
        bits(seed, index, 0) & 1 == 1
    }
}

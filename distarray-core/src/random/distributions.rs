//! The distributions: kernels that turn a Philox block into cells, and the
//! (sealed) traits that pick the kernel of each element type.
//!
//! Bits per cell: 64 for `f64` (two cells per block), 32 for `f32` (four),
//! both parts of a complex number from their type's bits, two normals per
//! block (Box-Muller on two 64-bit uniforms, also for `f32`, rounded),
//! integers 32 bits when the range has at most 2^32 values (four per
//! block), else 64 (two).

use super::boxmuller::{normal_pair, unit53};
use super::fill::Kernel;
use num_complex::{Complex32, Complex64};
use std::marker::PhantomData;

/// Two 32-bit words (in 64-bit lanes) as one 64-bit word.
#[inline(always)]
fn word64(lo: u64, hi: u64) -> u64 {
    lo | hi << 32
}

/// A uniform `f32` in [0, 1) from 32 bits: `(x >> 8) * 2^-24`.
#[inline(always)]
fn unit24(x: u64) -> f32 {
    (x >> 8) as i32 as f32 * (1.0 / (1u32 << 24) as f32)
}

/// Uniform `f64` in [0, 1): 53 bits each, two per block.
#[derive(Clone, Copy)]
pub struct Unit64;
impl Kernel for Unit64 {
    type Out = f64;
    const CELLS: usize = 2;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([f64; 4], bool) {
        let a = unit53(word64(w[0], w[1]));
        let b = unit53(word64(w[2], w[3]));
        ([a, b, 0.0, 0.0], false)
    }
}

/// Uniform `f32` in [0, 1): 24 bits each, four per block.
#[derive(Clone, Copy)]
pub struct Unit32;
impl Kernel for Unit32 {
    type Out = f32;
    const CELLS: usize = 4;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([f32; 4], bool) {
        (w.map(unit24), false)
    }
}

/// `Complex64` with both parts uniform in [0, 1): one per block.
#[derive(Clone, Copy)]
pub struct UnitC64;
impl Kernel for UnitC64 {
    type Out = Complex64;
    const CELLS: usize = 1;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([Complex64; 4], bool) {
        let (u, _) = Unit64.block(w);
        let z = Complex64::new(u[0], u[1]);
        ([z, z, z, z], false)
    }
}

/// `Complex32` with both parts uniform in [0, 1): two per block.
#[derive(Clone, Copy)]
pub struct UnitC32;
impl Kernel for UnitC32 {
    type Out = Complex32;
    const CELLS: usize = 2;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([Complex32; 4], bool) {
        let u = w.map(unit24);
        let (a, b) = (Complex32::new(u[0], u[1]), Complex32::new(u[2], u[3]));
        ([a, b, a, b], false)
    }
}

/// Fair coins: the top bit of each word, four per block.
#[derive(Clone, Copy)]
pub struct Coin;
impl Kernel for Coin {
    type Out = bool;
    const CELLS: usize = 4;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([bool; 4], bool) {
        (w.map(|x| x >> 31 & 1 == 1), false)
    }
}

/// Uniform in [low, high): `low + (high - low) u`, and the largest float
/// below `high` where rounding would reach `high`.
#[derive(Clone, Copy)]
pub struct Uniform<T> {
    low: T,
    width: T,
    high: T,
    below_high: T,
}

impl Uniform<f64> {
    /// Needs finite `low < high` with a finite width.
    pub fn new(low: f64, high: f64) -> Self {
        let below_high = f64::from_bits(if high > 0.0 {
            high.to_bits() - 1
        } else if high == 0.0 {
            0x8000_0000_0000_0001
        } else {
            high.to_bits() + 1
        });
        Uniform {
            low,
            width: high - low,
            high,
            below_high,
        }
    }
}

impl Uniform<f32> {
    /// Needs finite `low < high` with a finite width.
    pub fn new(low: f32, high: f32) -> Self {
        let below_high = f32::from_bits(if high > 0.0 {
            high.to_bits() - 1
        } else if high == 0.0 {
            0x8000_0001
        } else {
            high.to_bits() + 1
        });
        Uniform {
            low,
            width: high - low,
            high,
            below_high,
        }
    }
}

impl Kernel for Uniform<f64> {
    type Out = f64;
    const CELLS: usize = 2;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([f64; 4], bool) {
        let (u, _) = Unit64.block(w);
        let x = u.map(|u| {
            let x = self.low + self.width * u;
            if x < self.high {
                x
            } else {
                self.below_high
            }
        });
        (x, false)
    }
}

impl Kernel for Uniform<f32> {
    type Out = f32;
    const CELLS: usize = 4;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([f32; 4], bool) {
        let x = w.map(|x| {
            let x = self.low + self.width * unit24(x);
            if x < self.high {
                x
            } else {
                self.below_high
            }
        });
        (x, false)
    }
}

/// Normal with mean `mean` and standard deviation `std`: two per block
/// (Box-Muller), computed in `f64`.
#[derive(Clone, Copy)]
pub struct Normal<T> {
    mean: f64,
    std: f64,
    _t: PhantomData<T>,
}

impl<T> Normal<T> {
    /// `mean + std * z`, `z` standard normal.
    pub fn new(mean: f64, std: f64) -> Self {
        Normal {
            mean,
            std,
            _t: PhantomData,
        }
    }
}

impl Kernel for Normal<f64> {
    type Out = f64;
    const CELLS: usize = 2;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([f64; 4], bool) {
        let (a, b) = normal_pair(w);
        let (a, b) = (self.mean + self.std * a, self.mean + self.std * b);
        ([a, b, a, b], false)
    }
}

impl Kernel for Normal<f32> {
    type Out = f32;
    const CELLS: usize = 2;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([f32; 4], bool) {
        let (a, b) = normal_pair(w);
        let (a, b) = (
            (self.mean + self.std * a) as f32,
            (self.mean + self.std * b) as f32,
        );
        ([a, b, a, b], false)
    }
}

/// Integer element types, seen through 64-bit two's complement.
pub trait IntBits: Copy + Default {
    /// The value, sign-extended.
    fn to_i64(self) -> i64;
    /// The low bits of `x`.
    fn from_u64(x: u64) -> Self;
}
macro_rules! int_bits {
    ($($t:ty),*) => {$(
        impl IntBits for $t {
            fn to_i64(self) -> i64 {
                self as i64
            }
            #[inline(always)]
            fn from_u64(x: u64) -> Self {
                x as $t
            }
        }
    )*};
}
int_bits!(u8, i32, i64);

/// Uniform integers in [low, low + range) for a range of at most 2^32, by
/// Lemire's multiply-and-reject (D. Lemire, "Fast random integer generation
/// in an interval", ACM TOMACS 29(1), 2019): `(x * range) >> 32` for a
/// 32-bit `x`, rejecting the `2^32 mod range` values of the low half that
/// would bias it. Four per block.
#[derive(Clone, Copy)]
pub struct Lemire32<T> {
    low: u64,
    range: u64,
    reject_below: u32,
    _t: PhantomData<T>,
}

impl<T> Lemire32<T> {
    /// `range` in 1 ..= 2^32.
    pub fn new(low: i64, range: u64) -> Self {
        debug_assert!((1..=1 << 32).contains(&range));
        Lemire32 {
            low: low as u64,
            range,
            reject_below: ((1u64 << 32) - range).rem_euclid(range) as u32,
            _t: PhantomData,
        }
    }

    #[inline(always)]
    fn one(&self, x: u64) -> (T, bool)
    where
        T: IntBits,
    {
        let m = x * self.range;
        (
            T::from_u64(self.low.wrapping_add(m >> 32)),
            (m as u32) < self.reject_below,
        )
    }
}

impl<T: IntBits> Kernel for Lemire32<T> {
    type Out = T;
    const CELLS: usize = 4;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([T; 4], bool) {
        let v = w.map(|x| self.one(x));
        (v.map(|(x, _)| x), v[0].1 | v[1].1 | v[2].1 | v[3].1)
    }
    fn redraw(&self, w: [u64; 4], cell: usize, retry: &mut dyn FnMut(u32) -> [u64; 4]) -> T {
        let (mut v, mut rejected) = self.one(w[cell]);
        let mut attempt = 0;
        while rejected {
            attempt += 1;
            (v, rejected) = self.one(retry(attempt)[0]);
        }
        v
    }
}

/// Lemire's method with 64-bit draws, for ranges above 2^32 (`i64` only):
/// two per block.
#[derive(Clone, Copy)]
pub struct Lemire64<T> {
    low: u64,
    range: u64,
    reject_below: u64,
    _t: PhantomData<T>,
}

impl<T> Lemire64<T> {
    /// `range` at least 1.
    pub fn new(low: i64, range: u64) -> Self {
        Lemire64 {
            low: low as u64,
            range,
            reject_below: range.wrapping_neg() % range,
            _t: PhantomData,
        }
    }

    #[inline(always)]
    fn one(&self, x: u64) -> (T, bool)
    where
        T: IntBits,
    {
        let m = x as u128 * self.range as u128;
        (
            T::from_u64(self.low.wrapping_add((m >> 64) as u64)),
            (m as u64) < self.reject_below,
        )
    }
}

impl<T: IntBits> Kernel for Lemire64<T> {
    type Out = T;
    const CELLS: usize = 2;
    #[inline(always)]
    fn block(&self, w: [u64; 4]) -> ([T; 4], bool) {
        let (a, ra) = self.one(word64(w[0], w[1]));
        let (b, rb) = self.one(word64(w[2], w[3]));
        ([a, b, a, b], ra | rb)
    }
    fn redraw(&self, w: [u64; 4], cell: usize, retry: &mut dyn FnMut(u32) -> [u64; 4]) -> T {
        let (mut v, mut rejected) = self.one(word64(w[2 * cell], w[2 * cell + 1]));
        let mut attempt = 0;
        while rejected {
            attempt += 1;
            let r = retry(attempt);
            (v, rejected) = self.one(word64(r[0], r[1]));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lemire_rejects_exactly_the_biased_values() {
        // range 3 over 32 bits: 2^32 mod 3 = 1 value rejected
        let k = Lemire32::<i32>::new(10, 3);
        assert_eq!(k.reject_below, 1);
        assert_eq!(k.one(0), (10, true));
        assert_eq!(k.one(u32::MAX as u64), (12, false));
        // every 32-bit draw maps to [low, low + range)
        let k = Lemire32::<u8>::new(0, 256);
        assert_eq!(k.reject_below, 0);
        assert_eq!(k.one(u32::MAX as u64).0, 255);
        let k = Lemire64::<i64>::new(i64::MIN, u64::MAX);
        assert_eq!(k.reject_below, 1);
        assert_eq!(k.one(u64::MAX).0, i64::MAX - 1);
        assert_eq!(k.one(0), (i64::MIN, true));
    }

    #[test]
    fn uniform_stays_below_high() {
        // 1 + (2 - 1) (1 - 2^-53) rounds to 2: clamped below
        let k = Uniform::<f64>::new(1.0, 2.0);
        let (x, _) = k.block([u32::MAX as u64; 4]);
        assert_eq!(x[0], 2.0 - f64::EPSILON);
        let k = Uniform::<f32>::new(-1.0, 0.0);
        assert!(k.block([u32::MAX as u64; 4]).0.iter().all(|&x| x < 0.0));
        assert_eq!(
            Uniform::<f64>::new(-1.0, 0.0).below_high,
            -f64::from_bits(1)
        );
        assert_eq!(
            Uniform::<f64>::new(-3.0, -2.0).below_high,
            -2.0 - 2.0 * f64::EPSILON
        );
    }
}

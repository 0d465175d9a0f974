//! The total order sorting uses, per element type: integers and `bool`
//! (`false < true`) by their own order; floats by value with every NaN
//! last (`-0.0` and `0.0` equal, as in NumPy); complex numbers
//! lexicographically (real, then imaginary) with NumPy's NaN classes last:
//! `R + Rj < R + nanj < nan + Rj < nan + nanj`.

use super::radix::{self, RADIX_MIN};
use crate::dtype::Element;
use num_complex::{Complex32, Complex64};
use std::cmp::Ordering;

mod sealed {
    pub trait Sealed {}
}

/// An element type [`sort`](crate::DistArrayBase::sort) can order: every
/// [`Element`] type (sealed). NaNs sort last in both directions.
///
/// # Examples
///
/// ```
/// use distarray_core::sort::SortKey;
/// use std::cmp::Ordering;
/// assert_eq!(f64::NAN.sort_cmp(&1.0), Ordering::Greater); // NaN last
/// assert_eq!((-0.0_f64).sort_cmp(&0.0), Ordering::Equal);
/// assert_eq!(false.sort_cmp(&true), Ordering::Less);
/// assert!(f64::NAN.is_nan_key());
/// ```
pub trait SortKey: Element + sealed::Sealed {
    /// The ascending order, NaN (any NaN part) last.
    fn sort_cmp(&self, other: &Self) -> Ordering;
    /// True for NaN (a complex number with a NaN part).
    fn is_nan_key(&self) -> bool {
        false
    }
    /// Sorts ascending by [`sort_cmp`](Self::sort_cmp) or a refinement of
    /// it (floats: `-0.0` before `0.0`), unstably, the fastest way known.
    fn sort_unstable(v: &mut [Self]) {
        v.sort_unstable_by(Self::sort_cmp);
    }
}

macro_rules! ord_key {
    ($($t:ty, $bytes:expr, $key:expr);*) => {$(
        impl sealed::Sealed for $t {}
        impl SortKey for $t {
            fn sort_cmp(&self, other: &Self) -> Ordering {
                self.cmp(other)
            }
            fn sort_unstable(v: &mut [Self]) {
                if v.len() < RADIX_MIN || $bytes == 0 {
                    v.sort_unstable();
                } else {
                    radix::sort_by_key(v, $bytes, $key);
                }
            }
        }
    )*};
}
ord_key!(
    bool, 0, |x: bool| x as u64;
    u8, 1, |x: u8| x as u64;
    i32, 4, |x: i32| (x as u32 ^ 1 << 31) as u64;
    i64, 8, |x: i64| x as u64 ^ 1 << 63
);

macro_rules! float_key {
    ($($t:ty, $bytes:expr, $key:expr);*) => {$(
        impl sealed::Sealed for $t {}
        impl SortKey for $t {
            fn sort_cmp(&self, other: &Self) -> Ordering {
                match (self.is_nan(), other.is_nan()) {
                    (false, false) => self.partial_cmp(other).unwrap_or(Ordering::Equal),
                    (a, b) => a.cmp(&b),
                }
            }
            fn is_nan_key(&self) -> bool {
                self.is_nan()
            }
            fn sort_unstable(v: &mut [Self]) {
                // NaNs (of either sign) to the end, the rest in total_cmp's
                // order, which refines this one (-0.0 before 0.0)
                let mut numbers = 0;
                for i in 0..v.len() {
                    if !v[i].is_nan() {
                        v.swap(i, numbers);
                        numbers += 1;
                    }
                }
                let numbers = &mut v[..numbers];
                if numbers.len() < RADIX_MIN {
                    numbers.sort_unstable_by(<$t>::total_cmp);
                } else {
                    radix::sort_by_key(numbers, $bytes, $key);
                }
            }
        }
    )*};
}
float_key!(f32, 4, radix::f32_key; f64, 8, radix::f64_key);

macro_rules! complex_key {
    ($($t:ty),*) => {$(
        impl sealed::Sealed for $t {}
        impl SortKey for $t {
            fn sort_cmp(&self, other: &Self) -> Ordering {
                let class = |z: &Self| 2 * z.re.is_nan() as u8 + z.im.is_nan() as u8;
                class(self)
                    .cmp(&class(other))
                    .then_with(|| self.re.sort_cmp(&other.re))
                    .then_with(|| self.im.sort_cmp(&other.im))
            }
            fn is_nan_key(&self) -> bool {
                self.re.is_nan() || self.im.is_nan()
            }
        }
    )*};
}
complex_key!(Complex32, Complex64);

/// The order of one sort: ascending or descending by key, NaNs last
/// either way (in their ascending order), then, where the sort carries
/// them, by global index ascending (equal keys keep their global order).
#[derive(Clone, Copy, Debug)]
pub(super) struct Order {
    pub descending: bool,
}

impl Order {
    /// Compares two keys.
    pub fn keys<T: SortKey>(self, a: &T, b: &T) -> Ordering {
        if !self.descending {
            return a.sort_cmp(b);
        }
        match (a.is_nan_key(), b.is_nan_key()) {
            (false, false) => b.sort_cmp(a),
            (true, true) => a.sort_cmp(b),
            (a, b) => a.cmp(&b),
        }
    }

    /// Compares (key, global index) pairs; without indices, keys only.
    pub fn items<T: SortKey>(self, a: (&T, Option<i64>), b: (&T, Option<i64>)) -> Ordering {
        self.keys(a.0, b.0).then_with(|| a.1.cmp(&b.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_nan_classes_follow_numpy() {
        let n = f64::NAN;
        let mut v = [
            Complex64::new(n, n),
            Complex64::new(n, 1.0),
            Complex64::new(2.0, n),
            Complex64::new(1.0, n),
            Complex64::new(3.0, 0.0),
            Complex64::new(1.0, 5.0),
        ];
        v.sort_by(SortKey::sort_cmp);
        let show: Vec<String> = v.iter().map(|z| format!("{z}")).collect();
        assert_eq!(
            show,
            ["1+5i", "3+0i", "1+NaNi", "2+NaNi", "NaN+1i", "NaN+NaNi"]
        );
    }

    #[test]
    fn float_fast_sort_puts_every_nan_last() {
        let mut v = vec![3.0, -f64::NAN, -1.0, f64::NAN, 0.0, -0.0, 2.0];
        f64::sort_unstable(&mut v);
        assert_eq!(&v[..5], &[-1.0, -0.0, 0.0, 2.0, 3.0]);
        assert!(v[5].is_nan() && v[6].is_nan());
        assert!(v
            .windows(2)
            .all(|w| w[0].sort_cmp(&w[1]) != Ordering::Greater));
    }

    /// The radix path (RADIX_MIN elements and more) against a comparison
    /// sort by `sort_cmp`, for every key width it has: the same order, the
    /// same multiset (NaNs, signed zeros and infinities in the floats).
    #[test]
    fn radix_sorts_agree_with_the_comparison_order() {
        fn check<T: SortKey>(mut v: Vec<T>, same: impl Fn(&T, &T) -> bool) {
            assert!(v.len() >= RADIX_MIN);
            let mut want = v.clone();
            want.sort_by(SortKey::sort_cmp);
            T::sort_unstable(&mut v);
            assert!(v
                .windows(2)
                .all(|w| w[0].sort_cmp(&w[1]) != Ordering::Greater));
            assert!(v.iter().zip(&want).all(|(a, b)| same(a, b)));
        }
        let n = 3 * RADIX_MIN + 17;
        let mix = |i: usize| (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 7;
        check(
            (0..n)
                .map(|i| mix(i) as i64 - (1 << 55))
                .collect::<Vec<i64>>(),
            |a, b| a == b,
        );
        check(
            (0..n).map(|i| mix(i) as i32).collect::<Vec<i32>>(),
            |a, b| a == b,
        );
        check((0..n).map(|i| mix(i) as u8).collect::<Vec<u8>>(), |a, b| {
            a == b
        });
        let specials = [
            f64::NAN,
            -f64::NAN,
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let float = |i: usize| match i % 11 {
            k @ 0..=5 => specials[k],
            _ => (mix(i) as f64 / 1e12) - 1e5,
        };
        // -0.0 and 0.0 are equal keys (the fast path puts -0.0 first)
        let same_f64 = |a: &f64, b: &f64| (a.is_nan() && b.is_nan()) || a == b;
        check((0..n).map(float).collect::<Vec<f64>>(), same_f64);
        let same_f32 = |a: &f32, b: &f32| (a.is_nan() && b.is_nan()) || a == b;
        check(
            (0..n).map(|i| float(i) as f32).collect::<Vec<f32>>(),
            same_f32,
        );
    }

    #[test]
    fn descending_keeps_nans_last() {
        let o = Order { descending: true };
        let mut v = [1.0, f64::NAN, 3.0, 2.0];
        v.sort_by(|a, b| o.keys(a, b));
        assert_eq!(&v[..3], &[3.0, 2.0, 1.0]);
        assert!(v[3].is_nan());
    }
}

//! Normal deviates by the Box-Muller transform (G. E. P. Box and M. E.
//! Muller, "A note on the generation of random normal deviates", Ann. Math.
//! Statist. 29(2), 1958): from two uniforms `u1` in (0, 1] and `u2` in
//! [0, 1), `sqrt(-2 ln u1) (cos 2 pi u2, sin 2 pi u2)` are two independent
//! standard normals. One Philox block (128 bits) gives two 64-bit uniforms,
//! so two normals. Unlike the polar method or the ziggurat (NumPy's), it
//! never rejects: one block, two cells, a branch-free loop.
//!
//! The logarithm, sine and cosine are computed here from IEEE basic
//! operations only (polynomials after an exact argument reduction), so the
//! loop vectorizes and the bits are the same on every machine, which a
//! system `libm` would not promise. They are accurate to a few units in the
//! last place (checked against the standard library in the tests).

/// 2^52 + 2^51: adding it rounds a small float to an integer, kept in the
/// low bits of the sum.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// ln 2 in two parts (fdlibm's `ln2_hi`, `ln2_lo`): `LN2_HI` has trailing
/// zeros, so `e * LN2_HI` is exact for the exponents here.
const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

/// A uniform in [0, 1) from 64 bits: `(x >> 11) * 2^-53`, computed without
/// an integer-to-float conversion (which SIMD before AVX-512 lacks): the top
/// 52 bits as the mantissa of a float in [1, 2), minus 1, plus the 53rd bit.
#[inline(always)]
pub fn unit53(x: u64) -> f64 {
    let coarse = f64::from_bits((x >> 12) | 0x3FF0_0000_0000_0000) - 1.0;
    // 2^-53 when bit 11 is set, else 0.0
    let fine = f64::from_bits(0u64.wrapping_sub((x >> 11) & 1) & 0x3CA0_0000_0000_0000);
    coarse + fine
}

/// The natural logarithm of `u` in [2^-53, 1]: `u = m 2^e` with `m` in
/// [sqrt(1/2), sqrt(2)), `ln m = 2 atanh(s)`, `s = (m - 1) / (m + 1)`, by its
/// series (|s| <= 0.1716: ten terms reach 2^-56).
#[inline(always)]
pub fn ln(u: f64) -> f64 {
    let bits = u.to_bits();
    let biased = f64::from_bits((bits >> 52) | 0x4330_0000_0000_0000) - 4_503_599_627_370_496.0;
    let m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000);
    let big = m > std::f64::consts::SQRT_2;
    let m = if big { m * 0.5 } else { m };
    let e = biased - 1023.0 + if big { 1.0 } else { 0.0 };
    let s = (m - 1.0) / (m + 1.0);
    let z = s * s;
    let p = z
        * (1.0 / 3.0
            + z * (1.0 / 5.0
                + z * (1.0 / 7.0
                    + z * (1.0 / 9.0
                        + z * (1.0 / 11.0
                            + z * (1.0 / 13.0
                                + z * (1.0 / 15.0
                                    + z * (1.0 / 17.0 + z * (1.0 / 19.0 + z * (1.0 / 21.0))))))))));
    let ln_m = 2.0 * s + 2.0 * s * p;
    e * LN2_HI + (ln_m + e * LN2_LO)
}

/// `(cos 2 pi t, sin 2 pi t)` for `t` in [0, 1): `t = q/4 + r` with `q`
/// the nearest integer to `4 t` and |r| <= 1/8 (both exact), Taylor
/// polynomials of `2 pi r` in [-pi/4, pi/4], then a quarter turn `q` times.
#[inline(always)]
pub fn cos_sin_turns(t: f64) -> (f64, f64) {
    let rounded = 4.0 * t + ROUND;
    let q = rounded.to_bits() & 3;
    let r = t - (rounded - ROUND) * 0.25;
    let x = r * std::f64::consts::TAU;
    let z = x * x;
    // 1/k! with alternating signs
    let sin = x + x
        * z
        * (-1.0 / 6.0
            + z * (1.0 / 120.0
                + z * (-1.0 / 5040.0
                    + z * (1.0 / 362_880.0
                        + z * (-1.0 / 39_916_800.0
                            + z * (1.0 / 6_227_020_800.0
                                + z * (-1.0 / 1_307_674_368_000.0
                                    + z * (1.0 / 355_687_428_096_000.0))))))));
    let cos = 1.0
        + z * (-0.5
            + z * (1.0 / 24.0
                + z * (-1.0 / 720.0
                    + z * (1.0 / 40_320.0
                        + z * (-1.0 / 3_628_800.0
                            + z * (1.0 / 479_001_600.0
                                + z * (-1.0 / 87_178_291_200.0
                                    + z * (1.0 / 20_922_789_888_000.0))))))));
    // (cos, sin) of x + q pi/2: swap on odd q, signs by quadrant
    let odd = q & 1 == 1;
    let (c, s) = if odd { (sin, cos) } else { (cos, sin) };
    let c_sign = ((q + 1) & 2) << 62;
    let s_sign = (q & 2) << 62;
    (
        f64::from_bits(c.to_bits() ^ c_sign),
        f64::from_bits(s.to_bits() ^ s_sign),
    )
}

/// Two standard normals from one Philox block (32-bit words in 64-bit lanes).
#[inline(always)]
pub fn normal_pair(w: [u64; 4]) -> (f64, f64) {
    let x1 = w[0] | w[1] << 32;
    let x2 = w[2] | w[3] << 32;
    let u1 = unit53(x1) + f64::from_bits(0x3CA0_0000_0000_0000); // (0, 1]
    let radius = (-2.0 * ln(u1)).sqrt();
    let (c, s) = cos_sin_turns(unit53(x2));
    (radius * c, radius * s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> f64 {
        (a - b).abs() / (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE)
    }

    #[test]
    fn unit53_is_the_plain_formula() {
        let mut x = 0x0123_4567_89ab_cdefu64;
        for _ in 0..100_000 {
            x = crate::random::mix64(x);
            assert_eq!(unit53(x), (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64));
        }
        assert_eq!(unit53(0), 0.0);
        assert_eq!(unit53(u64::MAX), 1.0 - f64::EPSILON / 2.0);
    }

    #[test]
    fn ln_is_accurate() {
        let mut worst = 0.0f64;
        let mut x = 7u64;
        for i in 0..200_000u64 {
            x = crate::random::mix64(x ^ i);
            let u = unit53(x) + f64::EPSILON / 2.0;
            if u != 1.0 {
                worst = worst.max(ulps(ln(u), u.ln()));
            }
        }
        for u in [
            f64::EPSILON / 2.0,
            0.5,
            std::f64::consts::FRAC_1_SQRT_2,
            0.75,
        ] {
            worst = worst.max(ulps(ln(u), u.ln()));
        }
        assert_eq!(ln(1.0), 0.0);
        assert!(worst < 4.0, "ln off by {worst} ulps");
    }

    #[test]
    fn cos_sin_are_accurate() {
        let mut worst = 0.0f64;
        let mut x = 11u64;
        let mut ts: Vec<f64> = (0..200_000u64)
            .map(|i| {
                x = crate::random::mix64(x ^ i);
                unit53(x)
            })
            .collect();
        ts.extend((0..64).map(|k| k as f64 / 64.0));
        for t in ts {
            let (c, s) = cos_sin_turns(t);
            let a = t * std::f64::consts::TAU;
            // absolute error: near the zeros of sin and cos the reference
            // itself carries the rounding of 2 pi t
            worst = worst.max((c - a.cos()).abs()).max((s - a.sin()).abs());
            assert!(c * c + s * s - 1.0 < 4.0 * f64::EPSILON);
        }
        assert!(worst < 4.0 * f64::EPSILON, "cos/sin off by {worst:e}");
        assert_eq!(cos_sin_turns(0.0), (1.0, 0.0));
        assert_eq!(cos_sin_turns(0.5).0, -1.0);
    }
}

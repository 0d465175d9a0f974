//! LSD radix sort by an order-preserving `u64` key: the local sort of
//! numbers (floats by their bits made unsigned-ordered, integers with the
//! sign bit flipped), faster than a comparison sort on large runs.
//! Digits where every key agrees are skipped.

/// Runs shorter than this are sorted by comparison.
pub(super) const RADIX_MIN: usize = 1 << 12;

/// Bits per digit (8: measured faster than 11 on the 2-rank benchmark).
const BITS: usize = 8;
const RADIX: usize = 1 << BITS;
const MASK: u64 = RADIX as u64 - 1;

/// Sorts `v` ascending by `key(x)` (stable), over the low `bytes` bytes of
/// the key.
pub(super) fn sort_by_key<T: Copy + Default>(v: &mut [T], bytes: usize, key: impl Fn(T) -> u64) {
    let n = v.len();
    let digits = (8 * bytes).div_ceil(BITS);
    let mut counts = vec![[0usize; RADIX]; digits];
    for &x in v.iter() {
        let k = key(x);
        for (b, c) in counts.iter_mut().enumerate() {
            c[((k >> (BITS * b)) & MASK) as usize] += 1;
        }
    }
    let mut scratch = vec![T::default(); n];
    let mut in_scratch = false;
    for (b, c) in counts.iter().enumerate() {
        if c.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut at = [0usize; RADIX];
        let mut sum = 0;
        for d in 0..RADIX {
            at[d] = sum;
            sum += c[d];
        }
        let (src, dst) = if in_scratch {
            (&scratch[..], &mut v[..])
        } else {
            (&v[..], &mut scratch[..])
        };
        for &x in src {
            let d = ((key(x) >> (BITS * b)) & MASK) as usize;
            dst[at[d]] = x;
            at[d] += 1;
        }
        in_scratch = !in_scratch;
    }
    if in_scratch {
        v.copy_from_slice(&scratch);
    }
}

/// The key of a non-NaN `f64` ordering as `total_cmp` does.
pub(super) fn f64_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | 1 << 63
    }
}

/// The key of a non-NaN `f32` ordering as `total_cmp` does.
pub(super) fn f32_key(x: f32) -> u64 {
    let b = x.to_bits();
    (if b >> 31 == 1 { !b } else { b | 1 << 31 }) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_comparison_sort() {
        let mut x: u64 = 1;
        let mut v: Vec<f64> = (0..10_000)
            .map(|i| {
                x = crate::random::mix64(x + i);
                ((x >> 11) as f64 / 1e12 - 4000.0) * if i % 5 == 0 { 0.0 } else { 1.0 }
            })
            .collect();
        v.push(-0.0);
        v.push(f64::INFINITY);
        v.push(f64::NEG_INFINITY);
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        sort_by_key(&mut v, 8, f64_key);
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        let mut w: Vec<i32> = (0..5000)
            .map(|i| (crate::random::mix64(i) as i32) >> 3)
            .collect();
        let mut want = w.clone();
        want.sort();
        sort_by_key(&mut w, 4, |x| (x as u32 ^ 1 << 31) as u64);
        assert_eq!(w, want);
        let mut f: Vec<f32> = vec![3.0, -1.5, -0.0, 0.0, -7.0, 2.0];
        sort_by_key(&mut f, 4, f32_key);
        assert_eq!(f, [-7.0, -1.5, -0.0, 0.0, 2.0, 3.0]);
    }
}

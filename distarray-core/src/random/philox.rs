//! Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and
//! Shaw, "Parallel random numbers: as easy as 1, 2, 3" (SC'11), as
//! Random123 defines it: a 128-bit counter and a 64-bit key go through ten
//! rounds of two 32x32->64-bit multiplications and xors (the key bumped by
//! the Weyl constants between rounds) and come out as 128 random bits.
//! Nothing is carried from one call to the next, so any block of the stream
//! costs the same to compute: block `n` of a rank's cells needs no other.
//!
//! [`philox4x32`] computes one block; [`philox4x32_lanes`] computes
//! [`LANES`] blocks side by side, written so that the compiler keeps every
//! word in SIMD registers (the multiplications become `vpmuludq`).
//!
//! # Examples
//!
//! ```
//! use distarray_core::random::philox::philox4x32;
//! // Random123's known answer for a zero counter and key
//! assert_eq!(philox4x32([0; 4], [0; 2]), [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
//! ```

/// The multipliers of Philox4x32 (Random123's `PHILOX_M4x32_0`, `_1`).
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
/// The key's Weyl increments (golden ratio and sqrt(3) - 1, 32 bits).
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;
/// Rounds of Philox4x32-10.
const ROUNDS: usize = 10;

/// Blocks [`philox4x32_lanes`] computes in one call.
///
/// # Examples
///
/// ```
/// use distarray_core::random::philox::{philox4x32_lanes, LANES};
/// let w = philox4x32_lanes([0; LANES], [0; LANES], 0, 0, [0, 0]);
/// assert_eq!(w[0].len(), LANES);
/// ```
pub const LANES: usize = 8;

#[inline(always)]
fn mulhilo(m: u32, x: u32) -> (u32, u32) {
    let p = m as u64 * x as u64;
    ((p >> 32) as u32, p as u32)
}

/// `rounds` rounds of Philox4x32 on one block (the published generator
/// has 10; the known-answer tests also check 7).
#[inline(always)]
fn philox_rounds(mut c: [u32; 4], mut k: [u32; 2], rounds: usize) -> [u32; 4] {
    for r in 0..rounds {
        if r > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let (hi0, lo0) = mulhilo(M0, c[0]);
        let (hi1, lo1) = mulhilo(M1, c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// Philox4x32-10 of `counter` under `key`: 128 random bits as four words.
///
/// # Examples
///
/// ```
/// use distarray_core::random::philox::philox4x32;
/// let a = philox4x32([1, 0, 0, 0], [7, 0]);
/// let b = philox4x32([2, 0, 0, 0], [7, 0]);
/// assert_ne!(a, b);
/// ```
#[inline]
pub fn philox4x32(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    philox_rounds(counter, key, ROUNDS)
}

/// Philox4x32-10 of [`LANES`] counters at once: lane `i` of the result is
/// `philox4x32([c0[i], c1[i], c2, c3], key)`, returned word by word
/// (`out[w][i]` is word `w` of lane `i`), each 32-bit word held in a
/// 64-bit lane. The high counter words `c2`, `c3` are shared by the lanes:
/// they hold the stream, the low ones the block.
///
/// Every word lives in a 64-bit lane so that a round is a `vpmuludq` (32 x
/// 32 -> 64 bits, which reads the low half of each lane), a shift, a mask
/// and xors: no shuffles between 32- and 64-bit lanes.
///
/// # Examples
///
/// ```
/// use distarray_core::random::philox::{philox4x32, philox4x32_lanes, LANES};
/// let c0: [u32; LANES] = std::array::from_fn(|i| 100 + i as u32);
/// let w = philox4x32_lanes(c0, [0; LANES], 5, 0, [1, 2]);
/// assert_eq!(w[2][3], philox4x32([103, 0, 5, 0], [1, 2])[2] as u64);
/// ```
#[inline(always)]
pub fn philox4x32_lanes(
    c0: [u32; LANES],
    c1: [u32; LANES],
    c2: u32,
    c3: u32,
    key: [u32; 2],
) -> [[u64; LANES]; 4] {
    let mut x = [
        c0.map(u64::from),
        c1.map(u64::from),
        [c2 as u64; LANES],
        [c3 as u64; LANES],
    ];
    // the ten rounds written out: one basic block, where the code
    // generator sees that every word stays below 2^32
    let k = |r: u32| {
        [
            key[0].wrapping_add(W0.wrapping_mul(r)) as u64,
            key[1].wrapping_add(W1.wrapping_mul(r)) as u64,
        ]
    };
    lanes_round(&mut x, k(0));
    lanes_round(&mut x, k(1));
    lanes_round(&mut x, k(2));
    lanes_round(&mut x, k(3));
    lanes_round(&mut x, k(4));
    lanes_round(&mut x, k(5));
    lanes_round(&mut x, k(6));
    lanes_round(&mut x, k(7));
    lanes_round(&mut x, k(8));
    lanes_round(&mut x, k(9));
    x
}

/// One round on [`LANES`] blocks, words in 64-bit lanes.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lane `i` of four arrays, side by side
fn lanes_round(x: &mut [[u64; LANES]; 4], k: [u64; 2]) {
    const LOW: u64 = 0xFFFF_FFFF;
    for i in 0..LANES {
        // 32 x 32 bits: one `vpmuludq`
        let p0 = (x[0][i] & LOW) * M0 as u64;
        let p1 = (x[2][i] & LOW) * M1 as u64;
        x[0][i] = (p1 >> 32) ^ x[1][i] ^ k[0];
        x[1][i] = p1 & LOW;
        x[2][i] = (p0 >> 32) ^ x[3][i] ^ k[1];
        x[3][i] = p0 & LOW;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounds, counter, key, expected output.
    type Kat = (usize, [u32; 4], [u32; 2], [u32; 4]);

    /// Random123's `tests/kat_vectors` (D. E. Shaw Research), its six
    /// philox4x32 lines: rounds, counter (4 words), key (2 words), expected
    /// output (4 words). The same lines appear in the test vectors of
    /// several independent implementations. (NumPy's `Philox` is the 4x64
    /// variant, so it cannot serve as a reference here.)
    const KAT: [Kat; 6] = [
        (
            7,
            [0, 0, 0, 0],
            [0, 0],
            [0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48],
        ),
        (
            7,
            [u32::MAX; 4],
            [u32::MAX; 2],
            [0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662],
        ),
        (
            7,
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0],
            [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a],
        ),
        (
            10,
            [0, 0, 0, 0],
            [0, 0],
            [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
        ),
        (
            10,
            [u32::MAX; 4],
            [u32::MAX; 2],
            [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
        ),
        (
            10,
            [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
            [0xa4093822, 0x299f31d0],
            [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
        ),
    ];

    #[test]
    fn known_answers() {
        for (rounds, ctr, key, want) in KAT {
            assert_eq!(philox_rounds(ctr, key, rounds), want, "{rounds} rounds");
            if rounds == ROUNDS {
                assert_eq!(philox4x32(ctr, key), want);
                // every lane of the wide version gives the same answer
                let w = philox4x32_lanes([ctr[0]; LANES], [ctr[1]; LANES], ctr[2], ctr[3], key);
                for (i, &x) in want.iter().enumerate() {
                    assert_eq!(w[i], [x as u64; LANES]);
                }
            }
        }
    }

    #[test]
    fn lanes_match_single_blocks() {
        let c0: [u32; LANES] = std::array::from_fn(|i| (u32::MAX - 3).wrapping_add(i as u32));
        let c1: [u32; LANES] = std::array::from_fn(|i| 17 + (i as u32 >= 4) as u32);
        let w = philox4x32_lanes(c0, c1, 0xdead_beef, 42, [3, 0x8000_0000]);
        for i in 0..LANES {
            let one = philox4x32([c0[i], c1[i], 0xdead_beef, 42], [3, 0x8000_0000]);
            assert_eq!(
                [w[0][i], w[1][i], w[2][i], w[3][i]],
                one.map(u64::from),
                "lane {i}"
            );
        }
    }
}

//! Filling runs of cells from the Philox stream.
//!
//! A *kernel* turns one Philox block (four 32-bit words) into `CELLS`
//! cells (1, 2 or 4). The stream's cells come in *superblocks* of
//! [`LANES`] blocks, `LANES * CELLS` cells: cell `q` of superblock `s` is
//! part `q / LANES` of block `s * LANES + q % LANES`. So the SIMD loop
//! (`fill_supers`, [`LANES`] blocks per Philox call) stores each part of its
//! blocks as one contiguous vector, with no interleaving. A value depends
//! only on the stream and its global flat index. Strided runs (cyclic
//! layouts) compute [`LANES`] cells' blocks at once and keep each one's part.
//!
//! A kernel may reject a draw (the integers: Lemire's method rejects a few
//! values to stay unbiased). The rejected cell then draws again from its own
//! retry stream, keyed by its flat index and the attempt number, so it
//! still depends on nothing else.

use super::philox::{philox4x32, philox4x32_lanes, LANES};
use super::runs::{for_each_run, Run};
use crate::layout::Layout;

/// One array's stream: the seed as Philox key, the generator's call number
/// in the counter's high words (its top 8 bits tag retries).
#[derive(Debug, Clone, Copy)]
pub struct Stream {
    key: [u32; 2],
    c2: u32,
    c3: u32,
}

impl Stream {
    /// The stream of call `call` (below 2^56) of the generator seeded `seed`.
    pub fn new(seed: u64, call: u64) -> Stream {
        debug_assert!(call < 1 << 56);
        Stream {
            key: [seed as u32, (seed >> 32) as u32],
            c2: call as u32,
            c3: (call >> 32) as u32,
        }
    }

    /// The words of block `block` (each in a 64-bit lane).
    #[inline]
    fn words(&self, block: u64) -> [u64; 4] {
        philox4x32(
            [block as u32, (block >> 32) as u32, self.c2, self.c3],
            self.key,
        )
        .map(u64::from)
    }

    /// Fresh words for attempt `attempt` (1, 2, ...) of the cell at flat
    /// index `flat`, whose earlier draws were rejected.
    fn retry_words(&self, flat: u64, attempt: u32) -> [u64; 4] {
        let tag = (attempt & 0xff).max(1) << 24;
        philox4x32(
            [flat as u32, (flat >> 32) as u32, self.c2, self.c3 ^ tag],
            self.key,
        )
        .map(u64::from)
    }
}

/// Turns Philox blocks into cells.
pub trait Kernel: Copy {
    /// The element type.
    type Out: Copy + Default;
    /// Cells per block: 1, 2 or 4.
    const CELLS: usize;
    /// The block's cells (the first `CELLS` of the array) from its four
    /// 32-bit words (each in a 64-bit lane: the SIMD loop keeps them so),
    /// and whether any draw was rejected (then [`redraw`](Self::redraw)
    /// decides the cells).
    fn block(&self, w: [u64; 4]) -> ([Self::Out; 4], bool);
    /// Cell `cell` of a block whose first draw was rejected somewhere:
    /// the first draw if that cell's was accepted, else fresh draws from
    /// `retry(attempt)`, attempts 1, 2, ...
    fn redraw(
        &self,
        w: [u64; 4],
        cell: usize,
        retry: &mut dyn FnMut(u32) -> [u64; 4],
    ) -> Self::Out {
        let _ = retry;
        self.block(w).0[cell]
    }
}

/// Cells of a superblock: `LANES * CELLS` of them.
fn super_len<K: Kernel>() -> u64 {
    (LANES * K::CELLS) as u64
}

/// The block and part of the cell at flat index `flat`.
#[inline]
fn block_of<K: Kernel>(flat: u64) -> (u64, usize) {
    let q = flat % super_len::<K>();
    let block = flat / super_len::<K>() * LANES as u64 + q % LANES as u64;
    (block, (q / LANES as u64) as usize)
}

/// Cell `part` of a block with words `w`, for the cell at flat index `flat`.
#[inline]
fn cell_of<K: Kernel>(k: &K, s: &Stream, w: [u64; 4], part: usize, flat: u64) -> K::Out {
    let (v, rejected) = k.block(w);
    if rejected {
        k.redraw(w, part, &mut |a| s.retry_words(flat, a))
    } else {
        v[part]
    }
}

/// The cells of superblock `sb`, part by part (`out[part][lane]`; parts
/// from `CELLS` on unused).
#[inline(always)]
fn super_cells<K: Kernel>(k: &K, s: &Stream, sb: u64) -> [[K::Out; LANES]; 4] {
    let b = sb.wrapping_mul(LANES as u64);
    let c0: [u32; LANES] = std::array::from_fn(|i| b.wrapping_add(i as u64) as u32);
    let c1: [u32; LANES] = std::array::from_fn(|i| (b.wrapping_add(i as u64) >> 32) as u32);
    let w = philox4x32_lanes(c0, c1, s.c2, s.c3, s.key);
    let mut out = [[K::Out::default(); LANES]; 4];
    let mut rejected = false;
    for i in 0..LANES {
        let (v, r) = k.block([w[0][i], w[1][i], w[2][i], w[3][i]]);
        rejected |= r;
        for j in 0..K::CELLS {
            out[j][i] = v[j];
        }
    }
    if rejected {
        for i in 0..LANES {
            let words = [w[0][i], w[1][i], w[2][i], w[3][i]];
            for (j, part) in out.iter_mut().enumerate().take(K::CELLS) {
                let flat = sb * super_len::<K>() + (j * LANES + i) as u64;
                part[i] = cell_of(k, s, words, j, flat);
            }
        }
    }
    out
}

/// Fills whole superblocks `first ..` into `out` (`out.len()` a multiple
/// of `LANES * CELLS`): the loop the compiler vectorizes. Compiled for the
/// best SIMD level the processor has, chosen at run time; only IEEE basic
/// operations are used (no fused multiply-add, no library calls), so every
/// level gives the same bits.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq",
    "x86_64+avx2+fma",
    "x86_64+avx",
    "x86_64+sse4.1"
))]
fn fill_supers<K: Kernel>(k: &K, s: &Stream, first: u64, out: &mut [K::Out]) {
    for (n, chunk) in out.chunks_exact_mut(LANES * K::CELLS).enumerate() {
        // the body is already LANES wide: the opaque hint keeps the loop
        // vectorizer from widening the loop again (into scatters)
        let chunk = std::hint::black_box(chunk);
        let v = super_cells(k, s, first + n as u64);
        for (j, part) in chunk.chunks_exact_mut(LANES).enumerate() {
            part.copy_from_slice(&v[j]);
        }
    }
}

/// A strided run with a step below a superblock: each superblock it
/// crosses is computed whole (one SIMD step) and gives its cells of the
/// run. Multiversioned like `fill_supers`.
#[multiversion::multiversion(targets(
    "x86_64+avx512f+avx512vl+avx512dq",
    "x86_64+avx2+fma",
    "x86_64+avx",
    "x86_64+sse4.1"
))]
fn fill_gathered<K: Kernel>(k: &K, s: &Stream, first: u64, step: u64, out: &mut [K::Out]) {
    let sup = super_len::<K>();
    let mut flat = first;
    let mut cells = out.iter_mut().peekable();
    while cells.peek().is_some() {
        let sb = flat / sup;
        let v = super_cells(k, s, sb);
        let mut q = (flat - sb * sup) as usize;
        while q < sup as usize {
            let Some(cell) = cells.next() else { break };
            *cell = v[q / LANES][q % LANES];
            q += step as usize;
        }
        flat = sb * sup + q as u64;
    }
}

/// Copies cells `q0 .. q0 + out.len()` of superblock `sb` into `out`.
fn part_of_super<K: Kernel>(k: &K, s: &Stream, sb: u64, q0: usize, out: &mut [K::Out]) {
    let v = super_cells(k, s, sb);
    for (q, cell) in (q0..).zip(out.iter_mut()) {
        *cell = v[q / LANES][q % LANES];
    }
}

/// Fills `out` with the cells at flat indices `first + j * step`.
pub fn fill_run<K: Kernel>(k: &K, s: &Stream, first: u64, step: u64, out: &mut [K::Out]) {
    if step != 1 && out.len() > 1 {
        return if step < super_len::<K>() {
            fill_gathered(k, s, first, step, out)
        } else {
            fill_strided(k, s, first, step, out)
        };
    }
    // the head up to a superblock boundary, whole superblocks, the tail
    let sup = super_len::<K>();
    let head = (((sup - first % sup) % sup) as usize).min(out.len());
    let (head_out, rest) = out.split_at_mut(head);
    if head > 0 {
        part_of_super(k, s, first / sup, (first % sup) as usize, head_out);
    }
    let whole = rest.len() - rest.len() % sup as usize;
    let (body, tail) = rest.split_at_mut(whole);
    let first_super = (first + head as u64) / sup;
    fill_supers(k, s, first_super, body);
    if !tail.is_empty() {
        part_of_super(k, s, first_super + whole as u64 / sup, 0, tail);
    }
}

/// A run with a step of a superblock or more: [`LANES`] cells' blocks per
/// Philox call, each cell keeping its own part of its block.
fn fill_strided<K: Kernel>(k: &K, s: &Stream, first: u64, step: u64, out: &mut [K::Out]) {
    let mut flat = first;
    let mut chunks = out.chunks_exact_mut(LANES);
    for chunk in &mut chunks {
        let f: [u64; LANES] = std::array::from_fn(|i| flat + i as u64 * step);
        let bp = f.map(block_of::<K>);
        let c0 = bp.map(|(b, _)| b as u32);
        let c1 = bp.map(|(b, _)| (b >> 32) as u32);
        let w = philox4x32_lanes(c0, c1, s.c2, s.c3, s.key);
        for (i, cell) in chunk.iter_mut().enumerate() {
            let words = [w[0][i], w[1][i], w[2][i], w[3][i]];
            *cell = cell_of(k, s, words, bp[i].1, f[i]);
        }
        flat += LANES as u64 * step;
    }
    for cell in chunks.into_remainder() {
        *cell = cell_at(k, s, flat);
        flat += step;
    }
}

/// The cell at flat index `flat` of the stream.
pub fn cell_at<K: Kernel>(k: &K, s: &Stream, flat: u64) -> K::Out {
    let (block, part) = block_of::<K>(flat);
    cell_of(k, s, s.words(block), part, flat)
}

/// Fills this rank's buffer `local` (C order, the layout's local shape)
/// from the stream: each cell gets the value of its global flat index.
pub fn fill_local<K: Kernel>(k: &K, s: &Stream, layout: &Layout, local: &mut [K::Out]) {
    debug_assert_eq!(local.len(), layout.local_len());
    for_each_run(layout, |r: Run| {
        fill_run(k, s, r.first, r.step, &mut local[r.local..r.local + r.len])
    });
}

#[cfg(test)]
mod tests {
    use super::super::distributions::{Lemire32, Lemire64, Normal, Unit32, Unit64, UnitC64};
    use super::*;

    /// Every way of filling gives each flat index the same value.
    fn agrees<K: Kernel>(k: K)
    where
        K::Out: PartialEq + std::fmt::Debug,
    {
        let s = Stream::new(99, 3);
        let reference: Vec<K::Out> = (0..300).map(|f| cell_at(&k, &s, f)).collect();
        for first in [0u64, 1, 2, 3, 5, 17] {
            for len in [0usize, 1, 2, 3, 7, 8, 9, 31, 64, 65, 150] {
                let mut out = vec![K::Out::default(); len];
                fill_run(&k, &s, first, 1, &mut out);
                assert_eq!(out, reference[first as usize..first as usize + len]);
                for step in [2u64, 3, 4, 5, 8, 15, 16, 17, 33, 40] {
                    let n = len.min(((300 - first) / step) as usize);
                    let mut out = vec![K::Out::default(); n];
                    fill_run(&k, &s, first, step, &mut out);
                    let want: Vec<_> = (0..n)
                        .map(|j| reference[(first + j as u64 * step) as usize])
                        .collect();
                    assert_eq!(out, want, "first {first} step {step}");
                }
            }
        }
    }

    #[test]
    fn runs_contiguous_strided_and_single_cells_agree() {
        agrees(Unit64);
        agrees(Unit32);
        agrees(UnitC64);
        agrees(Normal::<f64>::new(1.0, 2.0));
        agrees(Lemire32::<i32>::new(-5, 1 << 31 | 1)); // about half the draws rejected
        agrees(Lemire64::<i64>::new(i64::MIN, 3 << 62));
    }

    #[test]
    fn rejected_draws_are_redrawn_in_range() {
        let k = Lemire32::<i64>::new(-5, (1 << 31) + 1);
        let s = Stream::new(1, 0);
        let mut out = vec![0i64; 10_000];
        fill_run(&k, &s, 0, 1, &mut out);
        assert!(out.iter().all(|&x| (-5..(1 << 31) - 4).contains(&x)));
        // the values spread over the whole range
        let high = out.iter().filter(|&&x| x >= (1 << 30)).count();
        assert!((4_000..6_000).contains(&high), "{high} in the upper half");
    }

    #[test]
    fn streams_differ_by_seed_and_call() {
        let a = cell_at(&Unit64, &Stream::new(1, 0), 10);
        assert_ne!(a, cell_at(&Unit64, &Stream::new(2, 0), 10));
        assert_ne!(a, cell_at(&Unit64, &Stream::new(1, 1), 10));
        assert_ne!(a, cell_at(&Unit64, &Stream::new(1, 0), 11));
    }
}

//! Which chunk shape a save uses, and which block layout writes it: a
//! layout in which every chunk lies in exactly one rank's block.

use crate::error::Result;
use crate::grid::ProcGrid;
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap};

/// The largest chunk (in bytes) a default chunk shape has when a block can
/// be split along axis 0: readers (Dask, zarr-python) work chunk by chunk.
const MAX_DEFAULT_CHUNK_BYTES: usize = 64 << 20;

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The chunk shape [`save_zarr`](crate::DistArrayBase::save_zarr) picks for
/// an array of `layout` whose elements take `itemsize` bytes: along a block
/// axis without padding, the largest length that divides every rank's
/// block (so each rank writes its own chunks, with no data moved) unless
/// that is less than half the largest block; otherwise (cyclic, padded and
/// unstructured axes too) the largest block of balanced blocks, the cells
/// moved there first. Chunks longer than 64 MiB are split along axis 0
/// when a divisor of their length allows.
///
/// # Examples
///
/// ```
/// use distarray_core::{io, Comm, Dist, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let p = comm.size();
/// let layout = Layout::with_grid(&comm, &[4 * p, 6], &[Dist::Block, Dist::Block], &[p, 1]).unwrap();
/// assert_eq!(io::default_chunk_shape(&layout, 8), [4, 6]);   // each rank's block
/// let cyclic = Layout::with_grid(&comm, &[4 * p, 6], &[Dist::Cyclic, Dist::Block], &[p, 1]).unwrap();
/// assert_eq!(io::default_chunk_shape(&cyclic, 8), [4, 6]);   // balanced blocks'
/// ```
pub fn default_chunk_shape(layout: &Layout, itemsize: usize) -> Vec<usize> {
    let grid = layout.grid().shape();
    let chunks = layout
        .maps()
        .iter()
        .zip(grid)
        .map(|(m, &g)| axis_chunk(m, g))
        .collect();
    split_first(chunks, itemsize)
}

/// The default chunk length along an axis of `g` grid positions.
fn axis_chunk(m: &AxisMap, g: usize) -> usize {
    let n = m.size();
    let balanced = n.div_ceil(g).max(1);
    match m {
        AxisMap::Block(b) if !b.is_padded() => {
            let bounds = b.bounds();
            let c = bounds
                .iter()
                .filter(|&&x| x > 0 && x < n)
                .fold(0, |c, &x| gcd(c, x));
            let c = if c == 0 { n.max(1) } else { c };
            let largest = bounds.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
            if 2 * c >= largest {
                c
            } else {
                balanced
            }
        }
        _ => balanced,
    }
}

/// Chunks of more than [`MAX_DEFAULT_CHUNK_BYTES`] split along axis 0 by
/// the largest divisor of their length that fits (it divides every block
/// the length divided), or, when that divisor is under half of what fits,
/// into even pieces that fit.
fn split_first(mut chunks: Vec<usize>, itemsize: usize) -> Vec<usize> {
    if let Some(first) = chunks.first().copied() {
        let row: usize = chunks[1..].iter().product::<usize>() * itemsize.max(1);
        if first * row > MAX_DEFAULT_CHUNK_BYTES {
            let fit = (MAX_DEFAULT_CHUNK_BYTES / row).max(1);
            let divisor = (1..=fit.min(first))
                .rev()
                .find(|d| first % d == 0)
                .unwrap_or(1);
            // a length with few divisors (a prime) would give tiny chunks:
            // then even chunks that do not divide it (the save moves the
            // cells to whole chunks once)
            chunks[0] = if 2 * divisor >= fit {
                divisor
            } else {
                first.div_ceil(first.div_ceil(fit))
            };
        }
    }
    chunks
}

/// Block bounds of `g` runs of whole chunks of length `c` over `n` cells.
fn run_bounds(n: usize, c: usize, g: usize) -> Vec<usize> {
    let count = n.div_ceil(c);
    (0..=g).map(|i| (c * (i * count / g)).min(n)).collect()
}

/// Whether every chunk of length `c` lies in one block of `m`.
fn aligned_map(m: &AxisMap, c: usize) -> bool {
    match m {
        AxisMap::Block(b) if !b.is_padded() => {
            b.bounds().iter().all(|&x| x % c == 0 || x == m.size())
        }
        _ => false,
    }
}

/// Whether every chunk of `chunks` lies in one rank's block of `layout`
/// (block axes without padding whose bounds fall on chunk boundaries).
pub(crate) fn aligned(layout: &Layout, chunks: &[usize]) -> bool {
    layout
        .maps()
        .iter()
        .zip(chunks)
        .all(|(m, &c)| aligned_map(m, c))
}

/// A block layout on `like`'s grid whose blocks are runs of whole chunks,
/// as balanced as the chunks allow.
pub(crate) fn chunk_blocks(like: &Layout, chunks: &[usize]) -> Result<Layout> {
    let grid = like.grid().shape();
    let maps = like
        .shape()
        .iter()
        .zip(chunks)
        .zip(grid)
        .map(|((&n, &c), &g)| BlockMap::irregular(run_bounds(n, c, g)).map(AxisMap::Block))
        .collect::<Result<Vec<_>>>()?;
    let comm = like.comm();
    let g = ProcGrid::new(grid, comm.size(), comm.rank())?;
    Ok(Layout::from_parts(comm.clone(), g, maps))
}

/// Block bounds, relative to `start`, of `g` runs over the `n` cells from
/// global index `start` whose inner boundaries fall on multiples of the
/// chunk length `c` (so each chunk the cells touch has one owner), as
/// balanced as the chunks allow.
pub(crate) fn region_bounds(start: usize, n: usize, c: usize, g: usize) -> Vec<usize> {
    // the cut points: the chunk boundaries strictly inside the region
    let first = (start / c + 1) * c;
    let cuts: Vec<usize> = (first..start + n)
        .step_by(c.max(1))
        .map(|b| b - start)
        .collect();
    let pieces = cuts.len() + 1;
    (0..=g)
        .map(|i| match i * pieces / g {
            0 => 0,
            k if k >= pieces => n,
            k => cuts[k - 1],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::CyclicMap;

    fn block(bounds: &[usize]) -> AxisMap {
        AxisMap::Block(BlockMap::irregular(bounds.to_vec()).unwrap())
    }

    #[test]
    fn block_axes_keep_their_blocks_others_balance() {
        // blocks 4, 4, 2: chunks of 4, each in one block
        assert_eq!(axis_chunk(&block(&[0, 4, 8, 10]), 3), 4);
        assert!(aligned_map(&block(&[0, 4, 8, 10]), 4));
        assert!(aligned_map(&block(&[0, 4, 8, 10]), 2));
        assert!(!aligned_map(&block(&[0, 4, 8, 10]), 3));
        // blocks 4, 3, 3 (NumPy's split of 10): the common divisor 1 is too
        // small, so balanced blocks of 4 (the cells move)
        assert_eq!(axis_chunk(&block(&[0, 4, 7, 10]), 3), 4);
        assert!(!aligned_map(&block(&[0, 4, 7, 10]), 4));
        // 6, 3: one chunk of 6 and a short edge chunk
        assert_eq!(axis_chunk(&block(&[0, 6, 9]), 2), 6);
        // 6, 3, 3 (divisor 3 = half the largest): kept
        assert_eq!(axis_chunk(&block(&[0, 6, 9, 12]), 3), 3);
        // empty ranks at the end, one rank, an empty axis
        assert_eq!(axis_chunk(&block(&[0, 5, 5, 5]), 3), 5);
        assert_eq!(axis_chunk(&block(&[0, 7]), 1), 7);
        assert_eq!(axis_chunk(&block(&[0, 0, 0]), 2), 1);
        let cyclic = AxisMap::Cyclic(CyclicMap::new(10, 3, 1).unwrap());
        assert_eq!(axis_chunk(&cyclic, 3), 4);
        assert!(!aligned_map(&cyclic, 4));
        let padded = AxisMap::Block(BlockMap::regular(8, 2).with_padding(1, (1, 1)).unwrap());
        assert_eq!(axis_chunk(&padded, 2), 4);
        assert!(!aligned_map(&padded, 4));
    }

    #[test]
    fn regions_cut_on_chunk_boundaries() {
        // cells 3..13 with chunks of 4: pieces 3..4, 4..8, 8..12, 12..13
        assert_eq!(region_bounds(3, 10, 4, 2), [0, 5, 10]);
        assert_eq!(region_bounds(3, 10, 4, 4), [0, 1, 5, 9, 10]);
        assert_eq!(region_bounds(0, 8, 4, 3), [0, 0, 4, 8]);
        assert_eq!(region_bounds(5, 0, 4, 2), [0, 0, 0]);
        assert_eq!(region_bounds(2, 1, 4, 1), [0, 1]);
    }

    #[test]
    fn runs_of_whole_chunks() {
        assert_eq!(run_bounds(7, 2, 4), [0, 2, 4, 6, 7]);
        assert_eq!(run_bounds(5, 2, 4), [0, 0, 2, 4, 5]);
        assert_eq!(run_bounds(10, 3, 2), [0, 6, 10]);
        assert_eq!(run_bounds(0, 1, 3), [0, 0, 0, 0]);
        for (n, c, g) in [(7, 2, 4), (100, 7, 3), (9, 9, 2)] {
            let b = run_bounds(n, c, g);
            assert!(aligned_map(&block(&b), c), "{b:?}");
        }
    }

    #[test]
    fn big_chunks_split_along_axis_0() {
        // 16 Mi f64 = 128 MiB: halves of 64 MiB
        assert_eq!(split_first(vec![16 << 20], 8), [8 << 20]);
        // 12 rows of 16 MiB: 4 rows (a divisor of 12) of 64 MiB
        assert_eq!(split_first(vec![12, 2 << 20], 8), [4, 2 << 20]);
        // a prime row count: not single rows but even pieces that fit
        // (4, 4, 4 and 1 rows)
        assert_eq!(split_first(vec![13, 2 << 20], 8), [4, 2 << 20]);
        // a prime length of cells: pieces of at most 64 MiB, not 1 cell
        assert_eq!(split_first(vec![10_000_019], 8), [5_000_010]);
        assert_eq!(split_first(vec![10, 3], 8), [10, 3]);
        assert_eq!(split_first(vec![], 8), Vec::<usize>::new());
    }
}

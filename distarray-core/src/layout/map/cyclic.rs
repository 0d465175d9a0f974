//! Cyclic and block-cyclic distribution.
//!
//! The axis is cut into blocks of `block_size` consecutive cells (the last
//! block may be shorter), dealt to grid positions 0, 1, ..., P-1, 0, 1, ...
//! A position's buffer holds its cells in increasing order. The short last
//! block belongs to whichever position it is dealt to.
//!
//! ```
//! use distarray_core::map::CyclicMap;
//! let m = CyclicMap::new(10, 2, 3).unwrap(); // blocks [0-2][3-5][6-8][9]
//! assert_eq!((m.local_len(0), m.local_len(1)), (6, 4));
//! assert_eq!(m.owner(9), (1, 3));
//! assert_eq!(m.local_to_global(0, 3), 6);
//! ```

use crate::error::{Error, Result};

/// A cyclic (block size 1) or block-cyclic distribution of one axis.
///
/// # Examples
///
/// ```
/// use distarray_core::map::CyclicMap;
/// let m = CyclicMap::new(7, 2, 2).unwrap(); // blocks [0 1][2 3][4 5][6]
/// assert_eq!(m.global_to_local(0, 5), Some(3)); // position 0 holds 0 1 4 5
/// assert_eq!(m.global_to_local(1, 5), None);
/// assert_eq!(m.local_len(1), 3); // 2 3 6: the short last block
/// assert_eq!(m.start(1), 2);
/// assert!(CyclicMap::new(7, 2, 0).is_err());
/// ```
#[derive(Debug, Clone, Copy, Eq)]
pub struct CyclicMap {
    size: usize,
    grid_size: usize,
    block_size: usize,
}

impl PartialEq for CyclicMap {
    /// Equal when they place every cell alike: on one grid position the
    /// block size does not matter.
    fn eq(&self, other: &Self) -> bool {
        self.size == other.size
            && self.grid_size == other.grid_size
            && (self.grid_size == 1 || self.block_size == other.block_size)
    }
}

impl CyclicMap {
    /// `size` cells in blocks of `block_size` dealt over `grid_size` positions.
    pub fn new(size: usize, grid_size: usize, block_size: usize) -> Result<CyclicMap> {
        if grid_size == 0 || block_size == 0 {
            return Err(Error::InvalidMap {
                dim: 0,
                reason: format!(
                    "cyclic needs grid size and block size of at least 1, got {grid_size} and {block_size}"
                ),
            });
        }
        Ok(CyclicMap {
            size,
            grid_size,
            block_size,
        })
    }

    /// Global size.
    pub fn size(&self) -> usize {
        self.size
    }
    /// Number of grid positions.
    pub fn grid_size(&self) -> usize {
        self.grid_size
    }
    /// Cells per block.
    pub fn block_size(&self) -> usize {
        self.block_size
    }
    /// The protocol's `start`: the first cell dealt to `p` (may be `>= size`).
    pub fn start(&self, p: usize) -> usize {
        p * self.block_size
    }

    /// Number of cells position `p` holds.
    pub fn local_len(&self, p: usize) -> usize {
        let b = self.block_size;
        let nblocks = self.size.div_ceil(b);
        let mine = nblocks / self.grid_size + usize::from(p < nblocks % self.grid_size);
        let mut len = mine * b;
        if nblocks > 0 && (nblocks - 1) % self.grid_size == p {
            len -= nblocks * b - self.size;
        }
        len
    }

    /// Global index of local cell `j` of position `p`.
    pub fn local_to_global(&self, p: usize, j: usize) -> usize {
        let b = self.block_size;
        (j / b * self.grid_size + p) * b + j % b
    }

    /// Owning position and local index of global cell `g`.
    pub fn owner(&self, g: usize) -> (usize, usize) {
        let b = self.block_size;
        let block = g / b;
        (block % self.grid_size, block / self.grid_size * b + g % b)
    }

    /// Local index of `g` at position `p`, if `p` holds it.
    pub fn global_to_local(&self, p: usize, g: usize) -> Option<usize> {
        let (q, j) = self.owner(g);
        (q == p && g < self.size).then_some(j)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_last_block_on_a_later_rank() {
        // The original DistArray says 7, 3 here; 6, 4 is right.
        let m = CyclicMap::new(10, 2, 3).unwrap();
        assert_eq!((m.local_len(0), m.local_len(1)), (6, 4));
        let m = CyclicMap::new(5, 3, 4).unwrap(); // blocks [0-3][4]
        assert_eq!((m.local_len(0), m.local_len(1), m.local_len(2)), (4, 1, 0));
        let m = CyclicMap::new(0, 3, 2).unwrap();
        assert_eq!(m.local_len(0), 0);
    }
}

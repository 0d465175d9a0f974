//! Block distribution: each grid position owns one contiguous range, with
//! optional padding (ghost cells) as the protocol defines it.
//!
//! Owned ranges tile `0 .. size`. Padding comes in two kinds:
//! *boundary* padding (left of grid position 0, right of the last one) is
//! made of real global cells, counted in `size`, owned by the edge position;
//! *communication* padding duplicates cells the neighbour owns. The
//! communication width is one number per interface between neighbours (the
//! right padding of `p` equals the left padding of `p + 1`).
//!
//! ```
//! use distarray_core::map::BlockMap;
//! let m = BlockMap::regular(10, 3); // balanced: 4, 3, 3
//! assert_eq!((0..3).map(|p| m.local_len(p)).collect::<Vec<_>>(), vec![4, 3, 3]);
//! assert_eq!(m.owner(5), (1, 1));
//! let halo = m.with_padding(1, (0, 0)).unwrap(); // one ghost cell between neighbours
//! assert_eq!(halo.buffer_range(1), 3..8);
//! assert_eq!(halo.padding(1), (1, 1));
//! ```

use crate::error::{Error, Result};
use std::ops::Range;
use std::sync::Arc;

/// A block distribution of one axis.
///
/// # Examples
///
/// ```
/// use distarray_core::map::BlockMap;
/// let m = BlockMap::irregular(vec![0, 2, 2, 9]).unwrap(); // position 1 owns nothing
/// assert_eq!(m.owned_range(2), 2..9);
/// assert_eq!(m.owner(4), (2, 2));
/// assert!(!m.is_regular());
///
/// // one ghost cell between neighbours: buffers overlap, ownership does not
/// let halo = BlockMap::regular(9, 3).with_padding(1, (0, 0)).unwrap();
/// assert_eq!(halo.buffer_range(1), 2..7);
/// assert_eq!(halo.owned_local_range(1), 1..4);
/// assert_eq!(halo.global_to_local(1, 2), Some(0)); // a ghost copy
/// assert_eq!(halo.owner(2), (0, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockMap {
    size: usize,
    bounds: Arc<[usize]>,
    regular: bool,
    comm_pad: Arc<[usize]>,
    boundary: (usize, usize),
    periodic: bool,
}

/// The balanced split: sizes differ by at most one, larger ones first.
fn balanced_bounds(size: usize, p: usize) -> Vec<usize> {
    let (q, r) = (size / p, size % p);
    (0..=p).map(|i| i * q + i.min(r)).collect()
}

impl BlockMap {
    /// `size` cells split over `nprocs` positions as evenly as possible
    /// (sizes differ by at most one). `nprocs` must be at least 1.
    pub fn regular(size: usize, nprocs: usize) -> BlockMap {
        assert!(nprocs >= 1, "a block map needs at least one grid position");
        BlockMap {
            size,
            bounds: balanced_bounds(size, nprocs).into(),
            regular: true,
            comm_pad: vec![0; nprocs - 1].into(),
            boundary: (0, 0),
            periodic: false,
        }
    }

    /// Irregular bounds: position `p` owns `bounds[p] .. bounds[p+1]`; the
    /// first bound must be 0, the list non-decreasing, its last entry is the size.
    pub fn irregular(bounds: Vec<usize>) -> Result<BlockMap> {
        let bad = |reason: String| Error::InvalidMap { dim: 0, reason };
        if bounds.len() < 2 || bounds[0] != 0 {
            return Err(bad(format!(
                "block bounds must start at 0 and have at least two entries, got {bounds:?}"
            )));
        }
        if let Some(w) = bounds.windows(2).find(|w| w[1] < w[0]) {
            return Err(bad(format!(
                "block bounds must not decrease, got {} then {} in {bounds:?}",
                w[0], w[1]
            )));
        }
        let p = bounds.len() - 1;
        let size = bounds[p];
        let regular = bounds == balanced_bounds(size, p);
        Ok(BlockMap {
            size,
            bounds: bounds.into(),
            regular,
            comm_pad: vec![0; p - 1].into(),
            boundary: (0, 0),
            periodic: false,
        })
    }

    /// The same ownership with `ghost_width` cells of communication padding
    /// at every interface between neighbours and `boundary_width` = (left,
    /// right) boundary padding at the edges of the axis.
    pub fn with_padding(
        &self,
        ghost_width: usize,
        boundary_width: (usize, usize),
    ) -> Result<BlockMap> {
        self.with_interface_padding(vec![ghost_width; self.grid_size() - 1], boundary_width)
    }

    /// Like [`with_padding`](Self::with_padding) with one ghost width per
    /// interface (`ghost_widths[i]` between positions `i` and `i + 1`).
    pub fn with_interface_padding(
        &self,
        ghost_widths: Vec<usize>,
        boundary: (usize, usize),
    ) -> Result<BlockMap> {
        let p = self.grid_size();
        let bad = |reason: String| Error::InvalidMap { dim: 0, reason };
        if ghost_widths.len() != p - 1 {
            return Err(bad(format!(
                "{} interface widths given for {p} grid positions",
                ghost_widths.len()
            )));
        }
        for (i, &w) in ghost_widths.iter().enumerate() {
            let room = self.owned_len(i).min(self.owned_len(i + 1));
            if w > room {
                return Err(bad(format!(
                    "communication padding {w} between positions {i} and {} exceeds the {room} cells the smaller neighbour owns",
                    i + 1
                )));
            }
        }
        if boundary.0 > self.owned_len(0)
            || boundary.1 > self.owned_len(p - 1)
            || (p == 1 && boundary.0 + boundary.1 > self.size)
        {
            return Err(bad(format!(
                "boundary padding {boundary:?} does not fit in the cells the edge positions own ({} and {})",
                self.owned_len(0),
                self.owned_len(p - 1)
            )));
        }
        Ok(BlockMap {
            comm_pad: ghost_widths.into(),
            boundary,
            ..self.clone()
        })
    }

    /// The same map with the periodic flag set (the halo exchange wraps around).
    pub fn with_periodic(&self, periodic: bool) -> BlockMap {
        BlockMap {
            periodic,
            ..self.clone()
        }
    }

    /// Global size of the axis.
    pub fn size(&self) -> usize {
        self.size
    }
    /// Number of grid positions.
    pub fn grid_size(&self) -> usize {
        self.bounds.len() - 1
    }
    /// The owned bounds (`grid_size + 1` entries).
    pub fn bounds(&self) -> &[usize] {
        &self.bounds
    }
    /// True when the bounds are the balanced split (owner lookup is arithmetic).
    pub fn is_regular(&self) -> bool {
        self.regular
    }
    /// Whether the halo exchange wraps around.
    pub fn is_periodic(&self) -> bool {
        self.periodic
    }
    /// Communication widths, one per interface.
    pub fn interface_padding(&self) -> &[usize] {
        &self.comm_pad
    }
    /// Boundary padding (left, right).
    pub fn boundary_padding(&self) -> (usize, usize) {
        self.boundary
    }
    /// True when any padding is present.
    pub fn is_padded(&self) -> bool {
        self.boundary != (0, 0) || self.comm_pad.iter().any(|&w| w > 0)
    }

    /// The global cells position `p` owns.
    pub fn owned_range(&self, p: usize) -> Range<usize> {
        self.bounds[p]..self.bounds[p + 1]
    }
    /// Number of cells position `p` owns.
    pub fn owned_len(&self, p: usize) -> usize {
        self.bounds[p + 1] - self.bounds[p]
    }

    /// Communication padding (left, right) of position `p`.
    pub fn comm_padding(&self, p: usize) -> (usize, usize) {
        let left = if p > 0 { self.comm_pad[p - 1] } else { 0 };
        let right = if p + 1 < self.grid_size() {
            self.comm_pad[p]
        } else {
            0
        };
        (left, right)
    }

    /// The protocol's `padding` of position `p` (boundary widths at the edges).
    pub fn padding(&self, p: usize) -> (usize, usize) {
        let (mut l, mut r) = self.comm_padding(p);
        if p == 0 {
            l = self.boundary.0;
        }
        if p + 1 == self.grid_size() {
            r = self.boundary.1;
        }
        (l, r)
    }

    /// The global cells in position `p`'s buffer (the protocol's `start .. stop`).
    pub fn buffer_range(&self, p: usize) -> Range<usize> {
        let (l, r) = self.comm_padding(p);
        self.bounds[p] - l..self.bounds[p + 1] + r
    }

    /// Length of position `p`'s buffer along this axis.
    pub fn local_len(&self, p: usize) -> usize {
        let r = self.buffer_range(p);
        r.end - r.start
    }

    /// The local positions of `p`'s buffer that are not communication padding.
    pub fn owned_local_range(&self, p: usize) -> Range<usize> {
        let (l, r) = self.comm_padding(p);
        l..self.local_len(p) - r
    }

    /// Global index of local position `j` of `p`'s buffer.
    pub fn local_to_global(&self, p: usize, j: usize) -> usize {
        self.buffer_range(p).start + j
    }

    /// Owning position and the local index there of global cell `g` (< size).
    pub fn owner(&self, g: usize) -> (usize, usize) {
        debug_assert!(g < self.size);
        let p = if self.regular {
            let n = self.grid_size();
            let (q, r) = (self.size / n, self.size % n);
            let big = r * (q + 1);
            if g < big {
                g / (q + 1)
            } else {
                r + (g - big) / q
            }
        } else {
            self.bounds.partition_point(|&b| b <= g) - 1
        };
        (p, g - self.buffer_range(p).start)
    }

    /// Local index of global cell `g` in `p`'s buffer, padding included.
    pub fn global_to_local(&self, p: usize, g: usize) -> Option<usize> {
        let r = self.buffer_range(p);
        r.contains(&g).then(|| g - r.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_padding_table() {
        // owned 0|5|10|15|20, padding (4,1) (1,2) (2,3) (3,0) as in the protocol's table
        let m = BlockMap::irregular(vec![0, 5, 10, 15, 20])
            .unwrap()
            .with_interface_padding(vec![1, 2, 3], (4, 0))
            .unwrap();
        let want = [
            (0, 6, (4, 1)),
            (4, 12, (1, 2)),
            (8, 18, (2, 3)),
            (12, 20, (3, 0)),
        ];
        for (p, &(start, stop, pad)) in want.iter().enumerate() {
            assert_eq!(m.buffer_range(p), start..stop);
            assert_eq!(m.padding(p), pad);
        }
        assert_eq!(m.owned_local_range(1), 1..6);
        assert_eq!(m.owner(4), (0, 4));
        assert_eq!(m.global_to_local(1, 4), Some(0));
    }

    #[test]
    fn regular_owner_matches_search() {
        for size in 0..30 {
            for p in 1..7 {
                let m = BlockMap::regular(size, p);
                let irr = BlockMap::irregular(m.bounds().to_vec()).unwrap();
                assert!(irr.is_regular());
                for g in 0..size {
                    let (q, j) = m.owner(g);
                    assert_eq!(m.local_to_global(q, j), g);
                    assert_eq!(
                        q,
                        m.bounds().partition_point(|&b| b <= g) - 1,
                        "size {size} p {p} g {g}"
                    );
                }
            }
        }
    }

    #[test]
    fn rejects_bad_bounds_and_padding() {
        assert!(BlockMap::irregular(vec![1, 3]).is_err());
        assert!(BlockMap::irregular(vec![0, 3, 2]).is_err());
        let m = BlockMap::irregular(vec![0, 1, 5]).unwrap();
        assert!(m.with_padding(2, (0, 0)).is_err());
        assert!(m.with_padding(1, (0, 0)).is_ok());
    }
}

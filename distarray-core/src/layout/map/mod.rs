//! Dimension maps: how one axis is split over the grid positions along it.
//!
//! Each kind answers the local size of a grid position, local→global, and
//! global→(owner, local). Block and cyclic answer in O(1) from any rank
//! (irregular block in O(log P)); unstructured knows its own position and
//! asks a distributed [`Directory`] for the rest. "Not distributed" is a
//! block map on one grid position, exported as the protocol's `b` with
//! `proc_grid_size` 1, as the original DistArray does.

mod block;
mod cyclic;
pub mod directory;
mod unstructured;

pub use block::BlockMap;
pub use cyclic::CyclicMap;
pub use directory::Directory;
pub use unstructured::UnstructuredMap;

use std::ops::Range;

/// The protocol's `dist_type`.
///
/// # Examples
///
/// ```
/// use distarray_core::map::{AxisMap, CyclicMap, DistType};
/// let map = AxisMap::Cyclic(CyclicMap::new(10, 2, 3).unwrap());
/// assert_eq!(map.dist_type(), DistType::Cyclic);
/// assert_eq!(map.dist_type().letter(), 'c');
/// assert_eq!(serde_json::to_string(&DistType::Block).unwrap(), "\"b\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DistType {
    /// `b`: block (regular, irregular, padded; not-distributed is a 1-position block)
    #[serde(rename = "b")]
    Block,
    /// `c`: cyclic or block-cyclic
    #[serde(rename = "c")]
    Cyclic,
    /// `u`: unstructured
    #[serde(rename = "u")]
    Unstructured,
}

impl DistType {
    /// The protocol's letter.
    pub fn letter(self) -> char {
        match self {
            DistType::Block => 'b',
            DistType::Cyclic => 'c',
            DistType::Unstructured => 'u',
        }
    }
}

/// How one axis is distributed.
///
/// Every kind answers the same questions: the buffer length of a grid
/// position, local to global, and global to (owner, local) — computed
/// locally for block and cyclic maps, through the collective
/// [`UnstructuredMap::owners`] for unstructured ones.
///
/// # Examples
///
/// ```
/// use distarray_core::map::{AxisMap, BlockMap, CyclicMap};
/// let block = AxisMap::Block(BlockMap::regular(10, 3)); // 4, 3, 3
/// let cyclic = AxisMap::Cyclic(CyclicMap::new(10, 3, 1).unwrap());
/// assert_eq!(block.owner(5), Some((1, 1)));
/// assert_eq!(cyclic.owner(5), Some((2, 1)));
/// assert_eq!(cyclic.global_indices(1), vec![1, 4, 7]);
/// assert_eq!(block.local_to_global(2, 0), 7);
/// assert_eq!((block.short_name(), cyclic.short_name()), ("b", "c"));
///
/// // an axis on one grid position is the same map whatever its kind
/// assert_eq!(AxisMap::not_distributed(10), AxisMap::Cyclic(CyclicMap::new(10, 1, 1).unwrap()));
/// ```
#[derive(Debug, Clone)]
pub enum AxisMap {
    /// Block (including not distributed: one grid position).
    Block(BlockMap),
    /// Cyclic / block-cyclic.
    Cyclic(CyclicMap),
    /// Unstructured.
    Unstructured(UnstructuredMap),
}

impl PartialEq for AxisMap {
    /// Equal when they place every cell alike: an axis on one grid position
    /// (without ghost cells) is the same whether called block or cyclic.
    fn eq(&self, other: &Self) -> bool {
        if self.is_whole() && other.is_whole() {
            return self.size() == other.size();
        }
        match (self, other) {
            (AxisMap::Block(a), AxisMap::Block(b)) => a == b,
            (AxisMap::Cyclic(a), AxisMap::Cyclic(b)) => a == b,
            (AxisMap::Unstructured(a), AxisMap::Unstructured(b)) => a == b,
            _ => false,
        }
    }
}

impl AxisMap {
    /// An axis of `size` held whole by a single grid position.
    pub fn not_distributed(size: usize) -> AxisMap {
        AxisMap::Block(BlockMap::regular(size, 1))
    }

    /// The axis is held whole by one grid position without ghost cells
    /// (then its kind does not matter: equal to any other such axis).
    fn is_whole(&self) -> bool {
        match self {
            AxisMap::Block(b) => b.grid_size() == 1 && !b.is_padded(),
            AxisMap::Cyclic(c) => c.grid_size() == 1,
            AxisMap::Unstructured(_) => false,
        }
    }

    /// Words that describe how the axis is split, equal for equal maps (an
    /// axis held whole gives the same words whatever its kind): part of a
    /// layout's fingerprint.
    pub(crate) fn fingerprint_words(&self) -> Vec<u64> {
        let n = self.size() as u64;
        match self {
            _ if self.is_whole() => vec![0, n],
            AxisMap::Block(b) => {
                let (left, right) = b.boundary_padding();
                let mut w = vec![1, n, left as u64, right as u64, b.is_periodic() as u64];
                w.extend(b.bounds().iter().map(|&x| x as u64));
                w.extend(b.interface_padding().iter().map(|&x| x as u64 | 1 << 63));
                w
            }
            AxisMap::Cyclic(c) => vec![2, n, c.grid_size() as u64, c.block_size() as u64],
            AxisMap::Unstructured(u) => vec![
                3,
                n,
                u.grid_size() as u64,
                u.is_one_to_one() as u64,
                u.fingerprint(),
            ],
        }
    }

    /// The protocol's `dist_type`.
    pub fn dist_type(&self) -> DistType {
        match self {
            AxisMap::Block(_) => DistType::Block,
            AxisMap::Cyclic(_) => DistType::Cyclic,
            AxisMap::Unstructured(_) => DistType::Unstructured,
        }
    }

    /// A short description: `n` (not distributed), `b`, `c`, `bc` (block-cyclic), `u`.
    pub fn short_name(&self) -> &'static str {
        match self {
            AxisMap::Block(m) if m.grid_size() == 1 && !m.is_padded() => "n",
            AxisMap::Block(_) => "b",
            AxisMap::Cyclic(m) if m.block_size() > 1 => "bc",
            AxisMap::Cyclic(_) => "c",
            AxisMap::Unstructured(_) => "u",
        }
    }

    /// Global size of the axis.
    pub fn size(&self) -> usize {
        match self {
            AxisMap::Block(m) => m.size(),
            AxisMap::Cyclic(m) => m.size(),
            AxisMap::Unstructured(m) => m.size(),
        }
    }

    /// Number of grid positions along the axis.
    pub fn grid_size(&self) -> usize {
        match self {
            AxisMap::Block(m) => m.grid_size(),
            AxisMap::Cyclic(m) => m.grid_size(),
            AxisMap::Unstructured(m) => m.grid_size(),
        }
    }

    /// True when every global cell is held by exactly one position (ignoring
    /// communication padding, which holds copies).
    pub fn is_one_to_one(&self) -> bool {
        match self {
            AxisMap::Unstructured(m) => m.is_one_to_one(),
            _ => true,
        }
    }

    /// Buffer length of position `p` along this axis (padding included).
    pub fn local_len(&self, p: usize) -> usize {
        match self {
            AxisMap::Block(m) => m.local_len(p),
            AxisMap::Cyclic(m) => m.local_len(p),
            AxisMap::Unstructured(m) => m.local_len(p),
        }
    }

    /// The local positions of `p` that hold owned cells (not communication padding).
    pub fn owned_local_range(&self, p: usize) -> Range<usize> {
        match self {
            AxisMap::Block(m) => m.owned_local_range(p),
            _ => 0..self.local_len(p),
        }
    }

    /// Global index of local position `j` at grid position `p`.
    ///
    /// # Panics
    /// For an unstructured map, when `p` is not this rank's position (only
    /// the directory knows other positions' indices).
    pub fn local_to_global(&self, p: usize, j: usize) -> usize {
        match self {
            AxisMap::Block(m) => m.local_to_global(p, j),
            AxisMap::Cyclic(m) => m.local_to_global(p, j),
            AxisMap::Unstructured(m) => {
                assert_eq!(
                    p,
                    m.my_position(),
                    "unstructured maps know only their own position"
                );
                m.indices()[j]
            }
        }
    }

    /// All global indices of position `p`'s buffer, in buffer order.
    pub fn global_indices(&self, p: usize) -> Vec<usize> {
        match self {
            AxisMap::Block(m) => m.buffer_range(p).collect(),
            AxisMap::Unstructured(m) => {
                assert_eq!(
                    p,
                    m.my_position(),
                    "unstructured maps know only their own position"
                );
                m.indices().to_vec()
            }
            _ => (0..self.local_len(p))
                .map(|j| self.local_to_global(p, j))
                .collect(),
        }
    }

    /// Owning position and local index of `g`, computed locally. `None` for
    /// unstructured maps (use the collective [`UnstructuredMap::owners`]).
    pub fn owner(&self, g: usize) -> Option<(usize, usize)> {
        match self {
            AxisMap::Block(m) => Some(m.owner(g)),
            AxisMap::Cyclic(m) => Some(m.owner(g)),
            AxisMap::Unstructured(_) => None,
        }
    }

    /// Local index of `g` in position `p`'s buffer (a padding copy counts),
    /// if `p` holds it. For unstructured maps `p` must be this rank's position.
    pub fn global_to_local(&self, p: usize, g: usize) -> Option<usize> {
        match self {
            AxisMap::Block(m) => m.global_to_local(p, g),
            AxisMap::Cyclic(m) => m.global_to_local(p, g),
            AxisMap::Unstructured(m) => {
                assert_eq!(
                    p,
                    m.my_position(),
                    "unstructured maps know only their own position"
                );
                m.my_local(g)
            }
        }
    }
}

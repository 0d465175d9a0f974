//! Unstructured distribution: each grid position holds an arbitrary list of
//! global indices, in the order its buffer stores them.
//!
//! A rank knows its own position's indices (and every position's count);
//! who holds any other index is answered by a distributed [`Directory`]
//! built once with the map. With `one_to_one` every index is held by exactly
//! one position; without it an index may be replicated.

use super::directory::Directory;
use crate::comm::Comm;
use crate::error::{Error, Result, Rule};
use crate::grid::ProcGrid;
use crate::random::mix64;
use std::collections::HashMap;
use std::sync::Arc;

/// An unstructured distribution of one axis, seen from one rank.
///
/// Usually made by [`Layout::with_grid`](crate::Layout::with_grid) from a
/// [`Dist::Unstructured`](crate::Dist::Unstructured) axis; its owner
/// lookups are collective.
///
/// # Examples
///
/// ```
/// use distarray_core::map::{AxisMap, UnstructuredMap};
/// use distarray_core::{Comm, ProcGrid};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let (rank, nprocs) = (comm.rank(), comm.size());
/// let grid = ProcGrid::new(&[nprocs], nprocs, rank).unwrap();
/// // rank r holds the indices g with g % P == r, largest first
/// let mine: Vec<usize> = (0..10).rev().filter(|g| g % nprocs == rank).collect();
/// let map = UnstructuredMap::build(&comm, &grid, 0, 10, mine.clone(), true).unwrap();
/// assert_eq!(map.indices(), &mine[..]);
/// assert_eq!(map.my_local(mine[0]), Some(0));
///
/// // who holds 3 and 9: one collective lookup, answered by a directory
/// let owners = map.owners(&comm, &[3, 9]);
/// assert_eq!(owners[0].map(|(p, _)| p), Some(3 % nprocs));
/// assert_eq!(AxisMap::Unstructured(map).owner(3), None); // not known locally
/// ```
#[derive(Debug, Clone)]
pub struct UnstructuredMap {
    size: usize,
    my_pos: usize,
    indices: Arc<[usize]>,
    lookup: Arc<HashMap<usize, usize>>,
    counts: Arc<[usize]>,
    one_to_one: bool,
    fingerprint: u64,
    directory: Arc<Directory>,
}

impl PartialEq for UnstructuredMap {
    /// Compares the global description (every rank reaches the same verdict).
    fn eq(&self, other: &Self) -> bool {
        self.size == other.size
            && self.one_to_one == other.one_to_one
            && self.counts == other.counts
            && self.fingerprint == other.fingerprint
    }
}

fn hash_position(pos: usize, indices: &[usize]) -> u64 {
    indices
        .iter()
        .fold(mix64(pos as u64 ^ 0x5151), |h, &g| mix64(h ^ g as u64))
}

impl UnstructuredMap {
    /// Builds the map for axis `axis` of `grid` collectively: `indices` are
    /// the global indices of this rank's grid position along that axis
    /// (every rank at that position must pass the same list).
    ///
    /// Checks, with the same verdict on every rank: indices in `0 .. size`,
    /// no repeats on a rank, ranks at one position agree, every index held
    /// somewhere, and with `one_to_one` no index held twice.
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] naming the broken rule, on every rank.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::map::UnstructuredMap;
    /// use distarray_core::{Comm, ProcGrid, Rule};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let grid = ProcGrid::new(&[comm.size()], comm.size(), comm.rank()).unwrap();
    /// // index 4 of a 4-cell axis does not exist
    /// let err = UnstructuredMap::build(&comm, &grid, 0, 4, vec![4], true).unwrap_err();
    /// assert_eq!(err.rule(), Some(Rule::IndicesOutOfRange));
    /// ```
    pub fn build(
        comm: &Comm,
        grid: &ProcGrid,
        axis: usize,
        size: usize,
        indices: Vec<usize>,
        one_to_one: bool,
    ) -> Result<UnstructuredMap> {
        let rank = comm.rank();
        let my_pos = grid.coords()[axis];
        let grid_size = grid.shape()[axis];
        let mut lookup = HashMap::with_capacity(indices.len());
        let local = (|| {
            for (j, &g) in indices.iter().enumerate() {
                if g >= size {
                    return Err(Error::protocol(
                        Rule::IndicesOutOfRange,
                        Some(rank),
                        Some(axis),
                        format!("index {g} at position {j} is not below the size {size}"),
                    ));
                }
                if lookup.insert(g, j).is_some() {
                    return Err(Error::protocol(
                        Rule::IndicesNotLocallyUnique,
                        Some(rank),
                        Some(axis),
                        format!("global index {g} appears more than once"),
                    ));
                }
            }
            Ok(())
        })();
        comm.agree(local)?;

        // every rank's (position, count, hash): counts per position and agreement
        let mine = [
            my_pos as u64,
            indices.len() as u64,
            hash_position(my_pos, &indices),
        ];
        let (all, _) = comm.all_gather_varcount(&mine[..]);
        let mut counts = vec![usize::MAX; grid_size];
        let mut hashes = vec![0u64; grid_size];
        let mut fingerprint = 0u64;
        for (r, t) in all.chunks_exact(3).enumerate() {
            let pos = t[0] as usize;
            if counts[pos] == usize::MAX {
                counts[pos] = t[1] as usize;
                hashes[pos] = t[2];
                fingerprint = fingerprint.wrapping_add(t[2]);
            } else if counts[pos] != t[1] as usize || hashes[pos] != t[2] {
                return Err(Error::protocol(
                    Rule::SamePositionDisagree,
                    Some(r),
                    Some(axis),
                    format!(
                        "rank {r} lists other indices than the first rank at grid position {pos}"
                    ),
                ));
            }
        }

        // the positions together list fewer indices than the axis has cells:
        // some cell is held nowhere. Said before the directory is built,
        // which would allocate in proportion to a declared size no data
        // backs (a crafted description of size 1e15)
        let listed: usize = counts
            .iter()
            .filter(|&&c| c != usize::MAX)
            .fold(0usize, |acc, &c| acc.saturating_add(c));
        if listed < size {
            return Err(Error::protocol(
                Rule::IndicesDoNotCover,
                None,
                Some(axis),
                format!("the positions list {listed} indices for an axis of {size} cells"),
            ));
        }

        // one rank per position contributes: the one whose other coordinates are 0
        let contributes = grid
            .coords()
            .iter()
            .enumerate()
            .all(|(b, &c)| b == axis || c == 0);
        let triples: Vec<(usize, usize, usize)> = if contributes {
            indices
                .iter()
                .enumerate()
                .map(|(j, &g)| (g, my_pos, j))
                .collect()
        } else {
            Vec::new()
        };
        let directory = Directory::build(comm, size, &triples);
        let (missing, repeated) = directory.local_coverage();
        let verdict = match (missing, repeated) {
            (Some(g), _) => Err(Error::protocol(
                Rule::IndicesDoNotCover,
                None,
                Some(axis),
                format!("global index {g} is held by no grid position"),
            )),
            (None, Some(g)) if one_to_one => Err(Error::protocol(
                Rule::IndicesNotOneToOne,
                None,
                Some(axis),
                format!(
                    "one_to_one is true but global index {g} is held by several grid positions"
                ),
            )),
            _ => Ok(()),
        };
        comm.agree(verdict)?;
        Ok(UnstructuredMap {
            size,
            my_pos,
            indices: indices.into(),
            lookup: Arc::new(lookup),
            counts: counts.into(),
            one_to_one,
            fingerprint,
            directory: Arc::new(directory),
        })
    }

    /// Global size.
    pub fn size(&self) -> usize {
        self.size
    }
    /// A hash of every position's indices (the same on every rank).
    pub(crate) fn fingerprint(&self) -> u64 {
        self.fingerprint
    }
    /// Number of grid positions.
    pub fn grid_size(&self) -> usize {
        self.counts.len()
    }
    /// This rank's grid position along the axis.
    pub fn my_position(&self) -> usize {
        self.my_pos
    }
    /// This position's global indices, in buffer order.
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }
    /// Whether every index is held by exactly one position.
    pub fn is_one_to_one(&self) -> bool {
        self.one_to_one
    }
    /// Number of indices position `p` holds.
    pub fn local_len(&self, p: usize) -> usize {
        self.counts[p]
    }
    /// Local index of `g` on this rank's position.
    pub fn my_local(&self, g: usize) -> Option<usize> {
        self.lookup.get(&g).copied()
    }
    /// The distributed directory of this axis.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }
    /// Collective: (position, local index) of the lowest holder of each query.
    pub fn owners(&self, comm: &Comm, queries: &[usize]) -> Vec<Option<(usize, usize)>> {
        self.directory.lookup(comm, queries)
    }
}

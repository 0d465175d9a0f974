//! Process grids: the communicator's ranks arranged as an N-d grid in C order.
//!
//! Coordinate `(i, j)` on an `M`-wide grid is rank `i*M + j` (the protocol's
//! rule; the last axis varies fastest).
//!
//! ```
//! use distarray_core::grid::{coords_of, rank_of, default_grid_shape};
//! assert_eq!(rank_of(&[2, 3], &[1, 2]), 5);
//! assert_eq!(coords_of(&[2, 3], 5), vec![1, 2]);
//! // a tall array gets its ranks along the rows
//! assert_eq!(default_grid_shape(&[1000, 10], &[true, true], 4), vec![4, 1]);
//! // a square one a square grid
//! assert_eq!(default_grid_shape(&[100, 100], &[true, true], 4), vec![2, 2]);
//! ```

use crate::error::{Error, Result};
use crate::layout::Dist;

/// The rank at grid coordinates `coords` of a grid of `shape` (C order).
pub fn rank_of(shape: &[usize], coords: &[usize]) -> usize {
    shape
        .iter()
        .zip(coords)
        .fold(0, |acc, (&s, &c)| acc * s + c)
}

/// The grid coordinates of `rank` on a grid of `shape` (C order).
pub fn coords_of(shape: &[usize], mut rank: usize) -> Vec<usize> {
    let mut c = vec![0; shape.len()];
    for (i, &s) in shape.iter().enumerate().rev() {
        c[i] = rank % s;
        rank /= s;
    }
    c
}

/// A process grid and this rank's place on it.
///
/// # Examples
///
/// ```
/// use distarray_core::ProcGrid;
/// // 6 processes as 2 x 3, seen from rank 4
/// let grid = ProcGrid::new(&[2, 3], 6, 4).unwrap();
/// assert_eq!(grid.coords(), &[1, 1]);
/// assert_eq!(grid.rank_at(&[0, 2]), 2);
/// assert_eq!(grid.coords_of(5), vec![1, 2]);
/// assert!(ProcGrid::new(&[2, 2], 6, 0).is_err()); // 4 positions for 6 processes
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcGrid {
    shape: Vec<usize>,
    rank: usize,
    coords: Vec<usize>,
}

impl ProcGrid {
    /// The grid of `shape` seen from `rank`. The product of `shape` must be
    /// `nprocs` (for a 0-d grid, 1).
    pub fn new(shape: &[usize], nprocs: usize, rank: usize) -> Result<ProcGrid> {
        let product: usize = shape.iter().product();
        if shape.contains(&0) || product != nprocs {
            return Err(Error::InvalidGrid {
                grid: shape.to_vec(),
                nprocs,
                reason: format!("the grid holds {product} processes"),
            });
        }
        if rank >= nprocs {
            return Err(Error::InvalidRank { rank, size: nprocs });
        }
        Ok(ProcGrid {
            shape: shape.to_vec(),
            rank,
            coords: coords_of(shape, rank),
        })
    }

    /// The grid's shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.rank
    }
    /// This process's grid coordinates.
    pub fn coords(&self) -> &[usize] {
        &self.coords
    }
    /// Number of processes on the grid.
    pub fn nprocs(&self) -> usize {
        self.shape.iter().product()
    }
    /// The rank at `coords`.
    pub fn rank_at(&self, coords: &[usize]) -> usize {
        rank_of(&self.shape, coords)
    }
    /// The grid coordinates of `rank`.
    pub fn coords_of(&self, rank: usize) -> Vec<usize> {
        coords_of(&self.shape, rank)
    }
}

/// Chooses a grid shape for an array of `shape` on `nprocs` processes.
///
/// Axes with `distributable[i] == false` get grid size 1. Among all ways to
/// factor `nprocs` over the other axes it picks the one that (1) leaves no
/// rank empty when that can be avoided, (2) gives the smallest largest local
/// block, (3) has the least halo surface per rank (faces shared with
/// neighbours: one per cut axis on a 2-wide grid axis, two when wider), and (4) puts ranks
/// on earlier axes first (rows stay contiguous).
pub fn default_grid_shape(shape: &[usize], distributable: &[bool], nprocs: usize) -> Vec<usize> {
    let axes: Vec<usize> = (0..shape.len()).filter(|&i| distributable[i]).collect();
    let mut best: Option<((u8, u128, u128), Vec<usize>)> = None;
    let mut current = vec![1usize; shape.len()];
    if axes.is_empty() {
        return current;
    }
    factorizations(nprocs, &axes, 0, &mut current, &mut |grid| {
        let empty = shape.iter().zip(grid).any(|(&n, &p)| p > n.max(1)) as u8;
        let local: Vec<u128> = shape
            .iter()
            .zip(grid)
            .map(|(&n, &p)| n.div_ceil(p).max(1) as u128)
            .collect();
        let volume: u128 = local.iter().product();
        let surface: u128 = (0..shape.len())
            .filter(|&i| grid[i] > 1)
            .map(|i| volume / local[i] * if grid[i] == 2 { 1 } else { 2 })
            .sum();
        let key = (empty, volume, surface);
        // strict `<` keeps the first found, which enumerates earlier axes' large factors first
        if best.as_ref().is_none_or(|(k, _)| key < *k) {
            best = Some((key, grid.to_vec()));
        }
    });
    best.map(|(_, g)| g).unwrap_or(current)
}

fn factorizations(
    n: usize,
    axes: &[usize],
    at: usize,
    current: &mut Vec<usize>,
    visit: &mut dyn FnMut(&[usize]),
) {
    if at + 1 == axes.len() {
        current[axes[at]] = n;
        visit(current);
        return;
    }
    let mut divisors: Vec<usize> = (1..=n).filter(|d| n % d == 0).collect();
    divisors.reverse();
    for d in divisors {
        current[axes[at]] = d;
        factorizations(n / d, axes, at + 1, current, visit);
    }
    current[axes[at]] = 1;
}

/// Grid shape for `dists` on `nprocs` processes: fixed sizes where the
/// distribution fixes them, the rest chosen by [`default_grid_shape`].
pub(crate) fn choose_grid(nprocs: usize, shape: &[usize], dists: &[Dist]) -> Result<Vec<usize>> {
    if dists.len() != shape.len() {
        return Err(Error::InvalidArgument(format!(
            "shape {shape:?} has {} axes but {} distributions were given",
            shape.len(),
            dists.len()
        )));
    }
    let fixed: usize = dists.iter().filter_map(Dist::fixed_grid_size).product();
    let free: Vec<bool> = dists
        .iter()
        .map(|d| d.fixed_grid_size().is_none())
        .collect();
    let bad = |reason: String| Error::InvalidGrid {
        grid: dists
            .iter()
            .map(|d| d.fixed_grid_size().unwrap_or(0))
            .collect(),
        nprocs,
        reason,
    };
    if fixed == 0 || nprocs % fixed != 0 {
        return Err(bad(format!(
            "the fixed grid sizes multiply to {fixed}, which does not divide {nprocs}"
        )));
    }
    if !free.iter().any(|&f| f) && fixed != nprocs {
        return Err(bad(format!(
            "every axis has a fixed grid size and they multiply to {fixed}, not {nprocs}"
        )));
    }
    let mut grid = default_grid_shape(shape, &free, nprocs / fixed);
    for (g, d) in grid.iter_mut().zip(dists) {
        if let Some(f) = d.fixed_grid_size() {
            *g = f;
        }
    }
    Ok(grid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_order() {
        let g = ProcGrid::new(&[2, 2, 2], 8, 5).unwrap();
        assert_eq!(g.coords(), &[1, 0, 1]);
        for r in 0..8 {
            assert_eq!(g.rank_at(&g.coords_of(r)), r);
        }
    }

    #[test]
    fn bad_grid() {
        assert!(matches!(
            ProcGrid::new(&[3], 2, 0),
            Err(Error::InvalidGrid { .. })
        ));
        assert!(ProcGrid::new(&[], 1, 0).is_ok());
    }

    #[test]
    fn defaults() {
        assert_eq!(default_grid_shape(&[10], &[true], 3), vec![3]);
        // 7x3 on 3 ranks: 7x1 columns (7 cells each) beat 3x3 row blocks (9, 9, 3)
        assert_eq!(default_grid_shape(&[7, 3], &[true, true], 3), vec![1, 3]);
        assert_eq!(default_grid_shape(&[3, 7], &[true, true], 3), vec![3, 1]);
        assert_eq!(default_grid_shape(&[4, 5], &[false, true], 2), vec![1, 2]);
        assert_eq!(default_grid_shape(&[2, 1000], &[true, true], 4), vec![1, 4]);
        assert_eq!(default_grid_shape(&[8, 8, 8], &[true; 3], 8), vec![2, 2, 2]);
        // equal volume and surface: earlier axes first
        assert_eq!(default_grid_shape(&[10, 10], &[true; 2], 2), vec![2, 1]);
        assert_eq!(default_grid_shape(&[], &[], 1), Vec::<usize>::new());
        // more ranks than cells: some empty ranks cannot be avoided
        assert_eq!(default_grid_shape(&[2], &[true], 4), vec![4]);
    }

    #[test]
    fn grid_choice_respects_fixed_axes() {
        let g = choose_grid(4, &[10, 10], &[Dist::NotDistributed, Dist::Block]).unwrap();
        assert_eq!(g, vec![1, 4]);
        let g = choose_grid(
            4,
            &[10, 10],
            &[Dist::BlockBounds(vec![0, 5, 10]), Dist::Cyclic],
        )
        .unwrap();
        assert_eq!(g, vec![2, 2]);
        assert!(choose_grid(3, &[10], &[Dist::BlockBounds(vec![0, 5, 10])]).is_err());
        assert!(choose_grid(2, &[10], &[Dist::NotDistributed]).is_err());
    }
}

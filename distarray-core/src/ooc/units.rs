//! The units of out-of-core work: the chunks of a grid, a run of them per
//! rank, and how many fit in the budget at once.

use crate::error::{Error, Result};

/// One chunk of the grid an operation walks: its index in the chunk grid,
/// the global index of its first cell, and its shape (cut to the array).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The chunk's index in the chunk grid.
    pub key: Vec<u64>,
    /// The global index of the chunk's first cell.
    pub start: Vec<usize>,
    /// The chunk's shape, cut to the array at its edges.
    pub shape: Vec<usize>,
}

impl Unit {
    /// The number of cells.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
}

/// The chunks of `shape` in chunks of `chunks` that rank `rank` of `size`
/// works on: an even run of the chunk grid in C order, each made when it
/// is needed (nothing kept per chunk, whatever their number).
#[derive(Debug, Clone)]
pub(crate) struct Units {
    shape: Vec<usize>,
    chunks: Vec<usize>,
    grid: Vec<usize>,
    lo: usize,
    hi: usize,
}

impl Units {
    pub(crate) fn mine(shape: &[usize], chunks: &[usize], rank: usize, size: usize) -> Units {
        let grid: Vec<usize> = shape
            .iter()
            .zip(chunks)
            .map(|(&n, &c)| n.div_ceil(c))
            .collect();
        let count: usize = grid.iter().product();
        Units {
            shape: shape.to_vec(),
            chunks: chunks.to_vec(),
            grid,
            lo: rank * count / size,
            hi: (rank + 1) * count / size,
        }
    }

    /// How many units this rank has.
    pub(crate) fn len(&self) -> usize {
        self.hi - self.lo
    }

    /// The `i`-th unit of this rank's run.
    pub(crate) fn get(&self, i: usize) -> Unit {
        let mut rest = self.lo + i;
        let mut key = vec![0u64; self.grid.len()];
        for a in (0..self.grid.len()).rev() {
            key[a] = (rest % self.grid[a]) as u64;
            rest /= self.grid[a];
        }
        let start: Vec<usize> = key
            .iter()
            .zip(&self.chunks)
            .map(|(&k, &c)| k as usize * c)
            .collect();
        let shape = (0..self.grid.len())
            .map(|a| self.chunks[a].min(self.shape[a] - start[a]))
            .collect();
        Unit { key, start, shape }
    }

    /// Every unit of the run, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Unit> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The cells of the run.
    pub(crate) fn cells(&self) -> usize {
        self.iter().map(|u| u.len()).sum()
    }
}

/// The most units in flight at once: read, compute and write each hold
/// one and more are handed over; a few more let the reader run ahead when
/// the disk's speed swings.
const MAX_IN_FLIGHT: usize = 8;

/// How many units fit in `budget` bytes at once when each takes
/// `unit_bytes` (every input's and the output's chunk), at most
/// [`MAX_IN_FLIGHT`]; an error when not even one does. `what` names the
/// operation.
pub(crate) fn in_flight(what: &str, budget: usize, unit_bytes: usize) -> Result<usize> {
    let fit = budget.checked_div(unit_bytes).unwrap_or(MAX_IN_FLIGHT);
    if fit == 0 {
        return Err(Error::InvalidArgument(format!(
            "{what}: one chunk of every array takes {unit_bytes} bytes, more than the budget of \
             {budget} bytes per rank: raise OocOptions::budget, or rechunk the arrays into \
             smaller chunks (DiskArray::rechunk_to)"
        )));
    }
    Ok(fit.min(MAX_IN_FLIGHT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_chunks_per_rank_cover_the_grid_once() {
        let shape = [10, 7];
        let chunks = [4, 3];
        let all: Vec<Unit> = (0..3)
            .flat_map(|r| {
                Units::mine(&shape, &chunks, r, 3)
                    .iter()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(all.len(), 9);
        assert_eq!(all.iter().map(Unit::len).sum::<usize>(), 70);
        assert_eq!(all[0].start, [0, 0]);
        assert_eq!(all[8].start, [8, 6]);
        assert_eq!(all[8].shape, [2, 1]);
        assert_eq!(all[5].key, [1, 2]);
        // more ranks than chunks: some get none
        assert_eq!(Units::mine(&[3], &[3], 1, 4).len(), 0);
        assert_eq!(
            (0..4)
                .map(|r| Units::mine(&[3], &[3], r, 4).len())
                .sum::<usize>(),
            1
        );
        assert_eq!(Units::mine(&[0, 5], &[1, 5], 0, 1).len(), 0);
        // rank 1 of 3: chunks 3, 4, 5 of the 3 x 3 grid
        assert_eq!(Units::mine(&shape, &chunks, 1, 3).cells(), 12 + 12 + 4);
    }

    #[test]
    fn the_budget_bounds_the_chunks_in_flight() {
        assert_eq!(in_flight("t", 100, 30).unwrap(), 3);
        assert_eq!(in_flight("t", 1000, 30).unwrap(), MAX_IN_FLIGHT);
        assert_eq!(in_flight("t", 100, 20).unwrap(), 5);
        assert_eq!(in_flight("t", 30, 30).unwrap(), 1);
        assert!(in_flight("t", 29, 30)
            .unwrap_err()
            .to_string()
            .contains("rechunk"));
        assert_eq!(in_flight("t", 0, 0).unwrap(), MAX_IN_FLIGHT);
    }
}

//! A distributed directory: who holds global index `g` of an unstructured axis.
//!
//! The index space `0 .. size` is block-split over all ranks of the
//! communicator; directory rank `d` records, for each `g` in its range, the
//! lowest grid position that holds `g`, the local index there and how many
//! positions hold it. A lookup sends each query to exactly one directory
//! rank (one all-to-all), never to every rank. This is how Tpetra's
//! `Directory` answers `getRemoteIndexList`.

use crate::comm::Comm;

const NONE: u64 = u64::MAX;

/// The directory rank responsible for `g`.
fn directory_rank(g: usize, size: usize, nprocs: usize) -> usize {
    ((g as u128 * nprocs as u128) / size.max(1) as u128) as usize
}

/// The range of indices directory rank `r` is responsible for.
fn directory_range(r: usize, size: usize, nprocs: usize) -> (usize, usize) {
    let lo = ((r as u128 * size as u128).div_ceil(nprocs as u128)) as usize;
    let hi = (((r + 1) as u128 * size as u128).div_ceil(nprocs as u128)) as usize;
    (lo, hi)
}

/// This rank's slice of the directory of one axis.
///
/// # Examples
///
/// ```
/// use distarray_core::map::Directory;
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// // every rank holds index `rank` of a P-cell axis, at local index 0
/// let p = comm.size();
/// let directory = Directory::build(&comm, p, &[(comm.rank(), comm.rank(), 0)]);
/// assert_eq!(directory.local_coverage(), (None, None)); // each held once
/// let last = directory.lookup(&comm, &[p - 1]);
/// assert_eq!(last, vec![Some((p - 1, 0))]);
/// ```
#[derive(Debug)]
pub struct Directory {
    size: usize,
    lo: usize,
    /// (grid position, local index) of the lowest holder, per g in lo..hi
    owner: Vec<(u64, u64)>,
    /// number of grid positions holding each g in lo..hi
    holders: Vec<u32>,
}

impl Directory {
    /// Builds the directory collectively. Each rank passes the
    /// `(global index, grid position, local index)` triples it contributes
    /// (ranks that share a grid position should contribute once).
    pub fn build(comm: &Comm, size: usize, contributions: &[(usize, usize, usize)]) -> Directory {
        let n = comm.size();
        let mut send: Vec<Vec<u64>> = vec![Vec::new(); n];
        for &(g, pos, j) in contributions {
            send[directory_rank(g, size, n)].extend([g as u64, pos as u64, j as u64]);
        }
        let recv = comm.all_to_all_varcount(&send);
        let (lo, hi) = directory_range(comm.rank(), size, n);
        let mut owner = vec![(NONE, NONE); hi - lo];
        let mut holders = vec![0u32; hi - lo];
        for triple in recv.iter().flat_map(|v| v.chunks_exact(3)) {
            let k = triple[0] as usize - lo;
            holders[k] += 1;
            if triple[1] < owner[k].0 {
                owner[k] = (triple[1], triple[2]);
            }
        }
        Directory {
            size,
            lo,
            owner,
            holders,
        }
    }

    /// True on this rank when every index in its range has exactly one holder
    /// (`max_holders == 1`) and none has zero. Returns (uncovered, repeated) counts.
    pub fn local_coverage(&self) -> (Option<usize>, Option<usize>) {
        let missing = self
            .holders
            .iter()
            .position(|&h| h == 0)
            .map(|k| k + self.lo);
        let repeated = self
            .holders
            .iter()
            .position(|&h| h > 1)
            .map(|k| k + self.lo);
        (missing, repeated)
    }

    /// Collective lookup: for each queried global index, the lowest grid
    /// position holding it and the local index there (`None` if nobody does).
    pub fn lookup(&self, comm: &Comm, queries: &[usize]) -> Vec<Option<(usize, usize)>> {
        let n = comm.size();
        let mut send: Vec<Vec<u64>> = vec![Vec::new(); n];
        let mut origin: Vec<(usize, usize)> = Vec::with_capacity(queries.len());
        for &g in queries {
            let d = directory_rank(g, self.size, n);
            origin.push((d, send[d].len()));
            send[d].push(g as u64);
        }
        let asked = comm.all_to_all_varcount(&send);
        let answers: Vec<Vec<u64>> = asked
            .iter()
            .map(|qs| {
                qs.iter()
                    .flat_map(|&g| {
                        let (p, j) = self.owner[g as usize - self.lo];
                        [p, j]
                    })
                    .collect()
            })
            .collect();
        let replies = comm.all_to_all_varcount(&answers);
        origin
            .iter()
            .map(|&(d, k)| {
                let (p, j) = (replies[d][2 * k], replies[d][2 * k + 1]);
                (p != NONE).then_some((p as usize, j as usize))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_and_match_rank_function() {
        for size in 0..40 {
            for n in 1..9 {
                let mut next = 0;
                for r in 0..n {
                    let (lo, hi) = directory_range(r, size, n);
                    assert_eq!(lo, next);
                    for g in lo..hi {
                        assert_eq!(directory_rank(g, size, n), r, "size {size} n {n} g {g}");
                    }
                    next = hi;
                }
                assert_eq!(next, size);
            }
        }
    }
}

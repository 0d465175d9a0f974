//! Redistribution: move an array to any other layout — plan once, execute
//! many times (the model of Tpetra's Import/Export and PETSc's VecScatter).
//!
//! Any distribution kind to any other, in N dimensions, between different
//! process grids of the same communicator (and, through [`CrossPlan`],
//! between layouts on different sub-communicators of one parent); axis permutations (the pencil
//! transposes of FFT codes) and reshapes (a new global shape with the same
//! cells in C order) are redistributions too. Target ghost cells (padding)
//! are filled along with the owned ones.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! use distarray_core::redistribute::Plan;
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let rows = Layout::new(&comm, &[6, 4], &[Dist::Block, Dist::NotDistributed]).unwrap();
//! let cols = Layout::new(&comm, &[6, 4], &[Dist::NotDistributed, Dist::Block]).unwrap();
//! let a = DistArray::from_fn(&rows, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
//! // one line ...
//! let b = a.redistribute(&cols).unwrap();
//! // ... or a reusable plan for repeated exchanges
//! let mut plan = Plan::new(&rows, &cols).unwrap();
//! let mut c = DistArray::zeros(&cols);
//! plan.execute(&a, &mut c).unwrap();
//! assert_eq!(b.local(), c.local());
//! ```

mod build;
mod cross;
mod plan;
pub(crate) mod segment;
mod shared;

pub use cross::CrossPlan;
pub use plan::Plan;

pub(crate) use build::{
    exchange_requests as schedule_for, product_requests as requests_for, Entry as HaloEntry,
};

/// Entries of a mapped plan (slicing): see `build::mapped_entries`.
pub(crate) fn mapped_entries_for(
    comm: &crate::comm::Comm,
    src: &Layout,
    dst: &Layout,
    perm: &[Option<usize>],
    map: &dyn Fn(usize, usize) -> Option<usize>,
) -> Vec<Vec<build::Entry>> {
    build::mapped_entries(comm, src, dst, perm, map)
}

/// Entries from explicit per-axis (target position, source index) lists.
pub(crate) fn entries_for_lists(
    comm: &crate::comm::Comm,
    src: &Layout,
    perm: &[Option<usize>],
    lists: &[Vec<(usize, usize)>],
) -> Vec<Vec<build::Entry>> {
    build::entries_for_lists(comm, src, perm, lists)
}

/// Requests of a mapped plan (slicing): see `build::mapped_requests`.
pub(crate) fn mapped_requests_for(
    src: &Layout,
    perm: &[Option<usize>],
    fixed: &[(usize, usize, usize)],
    entries: &[Vec<build::Entry>],
) -> build::Requests {
    build::mapped_requests(src, perm, fixed, entries, |_| true)
}

use crate::array::{DistArray, DistArrayBase};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::AxisMap;
use build::{exchange_requests, product_requests, redistribution_entries};
use ndarray::Data;
use segment::Segment;

fn same_comm(src: &Layout, dst: &Layout, what: &str) -> Result<()> {
    if !src.comm().congruent(dst.comm()) {
        return Err(Error::LayoutMismatch {
            context: what.into(),
            detail: "the layouts live on different communicators; use CrossPlan with their parent \
                     communicator (or build both layouts on one communicator)"
                .into(),
        });
    }
    Ok(())
}

impl<T: Element> Plan<T> {
    /// A plan from `src` to `dst` (same global shape, same communicator).
    /// Collective.
    pub fn new(src: &Layout, dst: &Layout) -> Result<Plan<T>> {
        let perm: Vec<usize> = (0..src.ndim()).collect();
        Self::permuted(src, dst, &perm, "Plan::new")
    }

    /// A plan that also permutes axes: target axis `a` is source axis
    /// `perm[a]` (so `dst.shape()[a] == src.shape()[perm[a]]`). Collective.
    pub fn transpose(src: &Layout, dst: &Layout, perm: &[usize]) -> Result<Plan<T>> {
        Self::permuted(src, dst, perm, "Plan::transpose")
    }

    fn permuted(src: &Layout, dst: &Layout, perm: &[usize], what: &str) -> Result<Plan<T>> {
        same_comm(src, dst, what)?;
        let mut sorted = perm.to_vec();
        sorted.sort_unstable();
        if sorted != (0..src.ndim()).collect::<Vec<_>>() || dst.ndim() != src.ndim() {
            return Err(Error::InvalidArgument(format!(
                "{what}: {perm:?} is not a permutation of the {} axes",
                src.ndim()
            )));
        }
        let want: Vec<usize> = perm.iter().map(|&p| src.shape()[p]).collect();
        if dst.shape() != want.as_slice() {
            return Err(Error::ShapeMismatch {
                context: format!("{what}: target shape"),
                expected: want,
                found: dst.shape().to_vec(),
            });
        }
        let comm = dst.comm();
        let entries = redistribution_entries(comm, src, dst, perm);
        let requests = product_requests(src, perm, &entries, |_| true);
        Ok(Plan::from_schedule(
            src,
            dst,
            exchange_requests(comm, requests),
        ))
    }

    /// A plan to a new global shape with the same number of cells, matched
    /// in C order (NumPy's `reshape`). Costs O(local elements) to build.
    /// Collective.
    pub fn reshape(src: &Layout, dst: &Layout) -> Result<Plan<T>> {
        same_comm(src, dst, "Plan::reshape")?;
        if src.global_len() != dst.global_len() {
            return Err(Error::ShapeMismatch {
                context: format!(
                    "reshape to {:?} needs {} cells",
                    dst.shape(),
                    src.global_len()
                ),
                expected: src.shape().to_vec(),
                found: dst.shape().to_vec(),
            });
        }
        let comm = dst.comm();
        // every local target cell (C order): its source multi-index
        let mut src_index: Vec<Vec<usize>> = vec![Vec::with_capacity(dst.local_len()); src.ndim()];
        let src_strides = segment::c_strides(src.shape());
        let dst_strides = segment::c_strides(dst.shape());
        crate::array::for_each_global(dst, |g, _| {
            let mut flat: usize = g.iter().zip(&dst_strides).map(|(i, s)| i * s).sum();
            for (a, &s) in src_strides.iter().enumerate() {
                src_index[a].push(flat / s);
                flat %= s;
            }
        });
        // per axis: owner position and local index (directory for unstructured)
        let owners: Vec<Vec<(usize, usize)>> = (0..src.ndim())
            .map(|a| match src.map(a) {
                AxisMap::Unstructured(u) => u
                    .owners(comm, &src_index[a])
                    .into_iter()
                    .map(|o| o.expect("validated unstructured axes cover every index"))
                    .collect(),
                m => src_index[a]
                    .iter()
                    .map(|&g| m.owner(g).expect("structured"))
                    .collect(),
            })
            .collect();
        let mut per_rank: Vec<(Vec<usize>, Vec<usize>)> =
            vec![(Vec::new(), Vec::new()); comm.size()];
        let shapes: Vec<Vec<usize>> = (0..comm.size()).map(|r| src.local_shape_of(r)).collect();
        let mut coords = vec![0; src.ndim()];
        #[allow(clippy::needless_range_loop)] // `cell` indexes one list per axis
        for cell in 0..dst.local_len() {
            let mut offset = 0;
            for a in 0..src.ndim() {
                coords[a] = owners[a][cell].0;
            }
            let rank = src.grid().rank_at(&coords);
            for a in 0..src.ndim() {
                offset = offset * shapes[rank][a] + owners[a][cell].1;
            }
            per_rank[rank].0.push(offset);
            per_rank[rank].1.push(cell);
        }
        let requests = per_rank
            .into_iter()
            .enumerate()
            .filter(|(_, (s, _))| !s.is_empty())
            .map(|(r, (s, d))| (r, Segment::Flat(s), Segment::Flat(d)))
            .collect();
        Ok(Plan::from_schedule(
            src,
            dst,
            exchange_requests(comm, requests),
        ))
    }
}

impl<T: Element, S: Data<Elem = T>> DistArrayBase<S> {
    /// A copy of this array in another layout of the same shape. Collective.
    /// For repeated moves build a [`Plan`] once instead.
    pub fn redistribute(&self, target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::new(self.layout(), target)?.execute(self, &mut out)?;
        Ok(out)
    }

    /// The array with its axes permuted (target axis `a` is axis `perm[a]`
    /// of this one), in `target`'s layout. Collective.
    pub fn transpose_into(&self, perm: &[usize], target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::transpose(self.layout(), target, perm)?.execute(self, &mut out)?;
        Ok(out)
    }

    /// The same cells in C order under a new global shape, in `target`'s
    /// layout (the original DistArray's `distribute_as` with a new shape).
    /// Collective.
    pub fn reshape_into(&self, target: &Layout) -> Result<DistArray<T>> {
        let mut out = DistArray::zeros(target);
        Plan::reshape(self.layout(), target)?.execute(self, &mut out)?;
        Ok(out)
    }
}

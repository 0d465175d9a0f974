//! The exchange engine: which cells move from where to where, planned once
//! and executed many times.
//!
//! Every module that needs cells from other ranks (redistribution plans,
//! transposes, reshapes, halos, slicing, fancy indexing, broadcasting,
//! gathers and scatters, the bridges' plans) describes them to one
//! `Builder` and executes what it returns; none builds requests or
//! schedules itself. The pipeline, one file each (all but [`scale`] and
//! [`PlanOptions`] are internal to the crate):
//!
//! - `build`: per target axis, where each target position's value comes
//!   from (*entries*: source grid position and local index, found by
//!   interval arithmetic or one directory lookup per unstructured axis);
//!   entries combine into one product `Segment` per source rank
//!   (*requests*); one all-to-all tells every source rank what to send
//!   (the *schedule*);
//! - `segment`: the cells one message covers, as runs per buffer axis;
//!   `pack`: packing, unpacking and copying them, with streaming stores
//!   for large targets;
//! - `transport`: the executable `Exchange` — a pairwise schedule of
//!   point-to-point messages, whole, chunked, or through node shared
//!   memory (`shared`), chosen by [`PlanOptions`];
//! - `across`: exchanges between layouts on different sub-communicators
//!   of one parent (owners found through a distributed directory);
//! - `routed`: send-driven exchanges, for records whose receivers cannot
//!   know in advance what arrives (a sparse-matrix builder's entries for
//!   rows other ranks own): the senders' block sizes, one all-to-all, and
//!   an ordinary `Exchange` of contiguous blocks;
//! - [`scale`]: one rank's plan for a virtual world of any size, built
//!   without MPI, to show how plans scale.
//!
//! Building is receive-driven: each rank works out its own target cells'
//! sources, so the cost is O(local extents + peers), never O(global size).

mod across;
pub(crate) mod build;
mod direct;
mod options;
pub(crate) mod pack;
pub(crate) mod requests;
mod routed;
pub mod scale;
pub(crate) mod segment;
mod shared;
pub(crate) mod split;
mod steps;
pub(crate) mod transport;

pub(crate) use across::across;
pub(crate) use build::Entry;
pub use options::{PlanOptions, Transport, DEFAULT_CHUNK_BYTES, DEFAULT_STREAM_MIN_BYTES};
pub(crate) use routed::to_owners;
pub(crate) use steps::Side;
pub(crate) use transport::Exchange;

use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use build::{exchange_requests, mapped_groups, mapped_requests, Requests, Schedule};

/// How target cells map to source cells.
pub(crate) enum Cells<'a> {
    /// Target axis `a` is source axis `perm[a]`, at the same global index
    /// (the identity permutation for a plain redistribution).
    Permuted(&'a [usize]),
    /// Per-axis selections (slicing, steps, fancy indexing): target axis
    /// `a`'s global index `g` reads index `map(a, g)` of source axis
    /// `perm[a]` (`None`: the cell is not written); a target axis with no
    /// source axis (`perm[a] == None`, a new axis) reads position 0;
    /// `fixed` holds source axes at one index, as (source axis, grid
    /// position, local index).
    Selected {
        perm: &'a [Option<usize>],
        fixed: &'a [(usize, usize, usize)],
        map: &'a dyn Fn(usize, usize) -> Option<usize>,
    },
    /// Explicit per-axis lists of (target buffer position, source global
    /// index): broadcasting, where a target position may repeat a source.
    Listed {
        perm: &'a [Option<usize>],
        lists: &'a [Vec<(usize, usize)>],
    },
    /// Per-axis entries already resolved to their owners, with a filter on
    /// which combinations of halo flags move: halo exchanges.
    Resolved {
        entries: &'a [Vec<Entry>],
        keep: &'a dyn Fn(&[bool]) -> bool,
    },
    /// The same cells in C order under a new global shape (reshape).
    Reshaped,
}

/// The one way to ask for data movement between two layouts on one
/// communicator: what moves ([`Cells`]), into what (the target layout's
/// local part, or a plain buffer of another shape), and how
/// ([`PlanOptions`]). Made only through [`Builder::new`], which agrees the
/// call's arguments on every rank first.
pub(crate) struct Builder<'a> {
    pub(crate) src: &'a Layout,
    pub(crate) dst: &'a Layout,
    dst_shape: Option<&'a [usize]>,
    options: PlanOptions,
}

impl<'a> Builder<'a> {
    /// Data movement from `src` to `dst` for the call `what`, with options
    /// from the environment ([`PlanOptions::from_env`]). Collective: this
    /// is where the call's verdict is agreed, before anything depends on
    /// it — every rank's local checks (`local`), that the two layouts share
    /// a communicator, and that every rank passed the same layouts and the
    /// same `args` (the call's other arguments that must match: axes,
    /// selections, ...), in one small allreduce ([`crate::comm::Comm::agree_on`]). No
    /// rank gets a builder unless every rank does, so no data movement can
    /// start on some ranks only.
    pub(crate) fn new(
        what: &str,
        src: &'a Layout,
        dst: &'a Layout,
        args: &[u64],
        local: Result<()>,
    ) -> Result<Builder<'a>> {
        let same_comm = if src.comm().congruent(dst.comm()) {
            Ok(())
        } else {
            Err(Error::LayoutMismatch {
                context: what.into(),
                detail: "the layouts live on different communicators; use Plan::across with \
                         their parent communicator (or build both layouts on one communicator)"
                    .into(),
            })
        };
        let words = [src.fingerprint(), dst.fingerprint()];
        let fingerprint = crate::comm::fingerprint(words.into_iter().chain(args.iter().copied()));
        dst.comm()
            .agree_on(what, fingerprint, same_comm.and(local))?;
        Ok(Builder {
            src,
            dst,
            dst_shape: None,
            options: PlanOptions::from_env(),
        })
    }

    /// With these options instead.
    pub(crate) fn options(mut self, options: &PlanOptions) -> Builder<'a> {
        self.options = options.clone();
        self
    }

    /// Into a plain C-order buffer of `shape` on every rank rather than
    /// `dst`'s local part (`dst` only supplies the communicator):
    /// broadcasting imports.
    pub(crate) fn into_buffer(mut self, shape: &'a [usize]) -> Builder<'a> {
        self.dst_shape = Some(shape);
        self
    }

    /// The schedule: what this rank copies, sends and receives. Collective.
    pub(crate) fn schedule(&self, cells: Cells<'_>) -> Schedule {
        let (src, dst) = (self.src, self.dst);
        let comm = dst.comm();
        let requests: Requests = match cells {
            Cells::Permuted(perm) => {
                let perm: Vec<Option<usize>> = perm.iter().map(|&p| Some(p)).collect();
                let groups = mapped_groups(src, dst, &perm, &|_, g| Some(g));
                mapped_requests(src, &perm, &[], &groups, |_| true)
            }
            Cells::Selected { perm, fixed, map } => {
                let groups = mapped_groups(src, dst, perm, map);
                mapped_requests(src, perm, fixed, &groups, |_| true)
            }
            Cells::Listed { perm, lists } => {
                let groups = build::listed_groups(src, perm, lists);
                mapped_requests(src, perm, &[], &groups, |_| true)
            }
            Cells::Resolved { entries, keep } => {
                let perm: Vec<Option<usize>> = (0..src.ndim()).map(Some).collect();
                mapped_requests(src, &perm, &[], &build::entry_groups(entries), keep)
            }
            Cells::Reshaped => build::reshape_requests(comm, src, dst),
        };
        exchange_requests(comm, requests)
    }

    /// The executable exchange between the two local buffers. Collective.
    pub(crate) fn build<T: Element>(self, cells: Cells<'_>) -> Exchange<T> {
        let schedule = self.schedule(cells);
        let dst_shape = self.dst_shape.unwrap_or(self.dst.local_shape());
        Exchange::new(
            self.dst.comm(),
            self.src.local_shape(),
            dst_shape,
            schedule,
            &self.options,
        )
    }
}

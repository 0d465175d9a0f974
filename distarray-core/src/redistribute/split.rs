//! Split-phase execution of a plan: [`Plan::begin`] starts the transfer,
//! [`PendingPlan::finish`] ends it (PETSc's `VecScatterBegin` /
//! `VecScatterEnd`), so a program computes while the data moves.

use super::plan::{check_built_with, not_contiguous};
use super::Plan;
use crate::array::DistArrayBase;
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::exchange::split::{self, InFlight, Split};
use crate::layout::Layout;
use mpi::request::LocalScope;
use ndarray::{Data, DataMut};

impl<T: Element> Plan<T> {
    /// Starts moving `src`'s data: packs what other ranks need and posts
    /// every send and receive, then returns at once; other work (on other
    /// arrays, or reading `src`) goes on until [`PendingPlan::finish`]
    /// writes the target. Collective. The same shape as
    /// [`Halo::begin`](crate::halo::Halo::begin): both live in an MPI scope
    /// ([`crate::halo::scope`]), which must not end before `finish`.
    ///
    /// While the transfer is in flight `src` is borrowed (messages may be
    /// sent straight out of it) and so is the plan: neither can be written
    /// or reused until the scope ends. Steady state allocates nothing (the
    /// plan keeps its buffers from the first `begin`).
    ///
    /// A split-phase transfer always goes as non-blocking point-to-point
    /// messages, one per peer, whatever [`Plan::transport`] chose for
    /// [`Plan::execute`]: the shared-memory and direct-write ways move data
    /// in rounds both sides take part in, which a split phase cannot have.
    /// Every received message lands in a buffer of the plan's and is copied
    /// into the target by `finish`, together with the cells that stay on
    /// this rank. Plans across communicators ([`Plan::across`]) on a rank
    /// that holds only one side cannot be split: use
    /// [`Plan::execute_parts`].
    ///
    /// # Errors
    /// A source of another layout than the plan's, or whose local buffer is
    /// not C-contiguous, or a rank without both layouts, on any rank: the
    /// same error on every rank, and nothing is sent.
    ///
    /// # Examples
    ///
    /// Moving rows to columns while computing on something else:
    ///
    /// ```
    /// use distarray_core::redistribute::Plan;
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let rows = Layout::new(&comm, &[8, 6], &[Dist::Block, Dist::NotDistributed]).unwrap();
    /// let cols = Layout::new(&comm, &[8, 6], &[Dist::NotDistributed, Dist::Block]).unwrap();
    /// let mut plan = Plan::new(&rows, &cols).unwrap();
    /// let a = DistArray::from_fn(&rows, |ix: &[usize]| (ix[0] * 6 + ix[1]) as f64);
    /// let mut b = DistArray::<f64>::zeros(&cols);
    /// let mut other = DistArray::<f64>::zeros(&rows);
    /// distarray_core::halo::scope(|s| {
    ///     let pending = plan.begin(s, &a).unwrap();
    ///     other.fill(2.0); // work that needs neither `b` nor the plan
    ///     pending.finish(&mut b).unwrap();
    /// });
    /// assert_eq!(b.get(&[7, 5]).unwrap(), 47.0);
    /// ```
    ///
    /// The source cannot be written while its data is in flight:
    ///
    /// ```compile_fail,E0502
    /// use distarray_core::redistribute::Plan;
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let block = Layout::block(&comm, &[12]).unwrap();
    /// let cyclic = Layout::new(&comm, &[12], &[Dist::Cyclic]).unwrap();
    /// let mut plan = Plan::<f64>::new(&block, &cyclic).unwrap();
    /// let mut a = DistArray::<f64>::ones(&block);
    /// let mut b = DistArray::<f64>::zeros(&cyclic);
    /// distarray_core::halo::scope(|s| {
    ///     let pending = plan.begin(s, &a).unwrap();
    ///     a.fill(3.0); // error[E0502]: `a` is borrowed by the transfer
    ///     pending.finish(&mut b).unwrap();
    /// });
    /// ```
    pub fn begin<'a, 's, S: Data<Elem = T>>(
        &'a mut self,
        scope: &'s LocalScope<'a>,
        src: &'a DistArrayBase<S>,
    ) -> Result<PendingPlan<'a, 's, T>> {
        let rank = self.comm.rank();
        let checked = check_built_with(Some(src.layout()), self.src.as_ref(), || {
            format!("Plan::begin source on rank {rank}")
        })
        .and_then(|()| match &self.dst {
            Some(_) => Ok(()),
            None => Err(Error::InvalidArgument(format!(
                "Plan::begin: rank {rank} holds no target layout; a plan across \
                 communicators executes with execute_parts"
            ))),
        })
        .and_then(|()| match src.local().is_standard_layout() {
            true => Ok(()),
            false => Err(Error::InvalidArgument(
                "Plan::begin needs a C-contiguous source (messages leave from it)".into(),
            )),
        });
        self.comm.agree(checked)?;
        let buf: &'a [T] = src.local().to_slice().expect("agreed contiguous above");
        let Plan {
            comm,
            dst,
            exchange,
            split: kept,
            ..
        } = self;
        let kept = match kept {
            Some(s) => s,
            None => kept.insert(Split::new(exchange)),
        };
        Ok(PendingPlan {
            comm,
            dst: dst.as_ref().expect("agreed above"),
            flight: split::begin(exchange, kept, scope, buf),
        })
    }
}

/// A plan's transfer in flight (see [`Plan::begin`]). It must be finished
/// before its scope ends (an unfinished transfer aborts the program, as
/// any MPI request left in a scope does).
///
/// # Examples
///
/// Block to cyclic, with the source read (not written) in between:
///
/// ```
/// use distarray_core::redistribute::Plan;
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let block = Layout::block(&comm, &[12]).unwrap();
/// let cyclic = Layout::new(&comm, &[12], &[Dist::Cyclic]).unwrap();
/// let mut plan = Plan::<i64>::new(&block, &cyclic).unwrap();
/// let a = DistArray::from_fn(&block, |ix: &[usize]| ix[0] as i64);
/// let mut b = DistArray::zeros(&cyclic);
/// let mut mine = 0;
/// distarray_core::halo::scope(|s| {
///     let pending = plan.begin(s, &a).unwrap();
///     mine = a.local().sum();
///     pending.finish(&mut b).unwrap();
/// });
/// assert_eq!(b.get(&[11]).unwrap(), 11);
/// assert!(mine >= 0);
/// ```
pub struct PendingPlan<'a, 's, T> {
    comm: &'a Comm,
    dst: &'a Layout,
    flight: InFlight<'a, 's, T>,
}

impl<T: Element> PendingPlan<'_, '_, T> {
    /// Lets MPI move the messages along (a test of each one still in
    /// flight): call it now and then during long work between `begin` and
    /// `finish` when messages are large (they travel by rendezvous, which
    /// progresses only inside MPI calls). Returns whether every message of
    /// this rank's is done. Not collective.
    pub fn progress(&mut self) -> bool {
        self.flight.progress()
    }

    /// Waits for the transfer and writes `dst` (every target cell, ghost
    /// copies included, as [`Plan::execute`] does). Collective.
    ///
    /// # Errors
    /// A target of another layout than the plan's, or whose local buffer is
    /// not C-contiguous, on any rank: the same error on every rank; the
    /// messages still complete (no rank is left waiting) and no target cell
    /// is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::redistribute::Plan;
    /// use distarray_core::{Comm, Dist, DistArray, Error, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let block = Layout::block(&comm, &[6]).unwrap();
    /// let cyclic = Layout::new(&comm, &[6], &[Dist::Cyclic]).unwrap();
    /// let mut plan = Plan::<f64>::new(&block, &cyclic).unwrap();
    /// let a = DistArray::<f64>::ones(&block);
    /// let mut wrong = DistArray::<f64>::zeros(&Layout::block(&comm, &[7]).unwrap());
    /// distarray_core::halo::scope(|s| {
    ///     let pending = plan.begin(s, &a).unwrap();
    ///     let err = pending.finish(&mut wrong).unwrap_err();
    ///     assert!(matches!(err, Error::LayoutMismatch { .. }));
    /// });
    /// ```
    pub fn finish<D: DataMut<Elem = T>>(self, dst: &mut DistArrayBase<D>) -> Result<()> {
        let rank = self.comm.rank();
        let checked = check_built_with(Some(dst.layout()), Some(self.dst), || {
            format!("PendingPlan::finish target on rank {rank}")
        })
        .and_then(|()| match dst.local().is_standard_layout() {
            true => Ok(()),
            false => Err(not_contiguous()),
        });
        if let Err(e) = self.comm.agree(checked) {
            self.flight.abandon();
            return Err(e);
        }
        let mut view = dst.local_mut();
        let buf = view.as_slice_mut().expect("agreed contiguous above");
        self.flight.finish(buf);
        Ok(())
    }
}

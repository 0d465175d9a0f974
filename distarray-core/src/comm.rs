//! The communicator an array lives on, and the small collectives distarray
//! builds on (agreement on errors, byte gathers).
//!
//! A [`Comm`] owns a *duplicate* of the communicator it was made from, so the
//! library's messages never mix with the user's. It is cheap to clone (an
//! `Rc`: MPI handles stay on their thread). Like every MPI object it must be dropped before MPI is finalized
//! (before rsmpi's `Universe` goes out of scope).

use crate::error::{Error, Result};
use mpi::collective::SystemOperation;
use mpi::datatype::{Partition, PartitionMut};
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::*;
use mpi::Count;
use std::rc::Rc;

mod panic_hook;

use panic_hook::install_panic_hook;
pub use panic_hook::{abort_on_panic, keep_panics_local};

/// Largest piece of a message, in elements (MPI counts are 32-bit).
const PIECE: usize = 1 << 30;

/// A communicator shared by layouts and arrays.
///
/// # Examples
///
/// ```
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world(); // the library's messages never mix with yours
/// assert!(comm.rank() < comm.size());
/// assert!(comm.clone().congruent(&comm)); // clones share the communicator
///
/// // the small collectives distarray is built on
/// let p = comm.size() as u64;
/// assert_eq!(comm.sum_u64(1), p);
/// assert_eq!(comm.all_gather_u64(comm.rank() as u64), (0..p).collect::<Vec<_>>());
/// assert_eq!(comm.min_max_u64(comm.rank() as u64), (0, p - 1));
/// assert_eq!(comm.broadcast_bytes(0, b"from rank 0".to_vec()), b"from rank 0");
/// assert!(comm.all(true) && comm.same_on_all(42));
/// ```
#[derive(Clone)]
pub struct Comm(Rc<SimpleCommunicator>);

impl std::fmt::Debug for Comm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Comm(rank {} of {})", self.rank(), self.size())
    }
}

impl Comm {
    /// A duplicate of `MPI_COMM_WORLD`. Collective over the world.
    pub fn world() -> Comm {
        Comm::duplicate_of(&SimpleCommunicator::world())
    }

    /// A duplicate of any communicator (e.g. a sub-communicator made with
    /// `split_by_color`). Collective over that communicator.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::Comm;
    /// use mpi::topology::{Color, Communicator, SimpleCommunicator};
    /// let _u = mpi::initialize().unwrap();
    /// let world = SimpleCommunicator::world();
    /// let half = world.split_by_color(Color::with_value(world.rank() % 2)).unwrap();
    /// let comm = Comm::duplicate_of(&half);
    /// assert_eq!(comm.size(), half.size() as usize);
    /// ```
    pub fn duplicate_of<C: Communicator>(c: &C) -> Comm {
        install_panic_hook();
        Comm(Rc::new(c.duplicate()))
    }

    /// Takes ownership of a communicator the library just made (no
    /// duplicate: nothing else holds it).
    pub(crate) fn from_raw(c: SimpleCommunicator) -> Comm {
        Comm(Rc::new(c))
    }

    /// A new communicator of the ranks that pass `member == true`, in
    /// rank order; `None` on the others. Collective.
    ///
    /// ```
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let world = Comm::world();
    /// let evens = world.subset(world.rank() % 2 == 0);
    /// assert_eq!(evens.is_some(), world.rank() % 2 == 0);
    /// ```
    pub fn subset(&self, member: bool) -> Option<Comm> {
        let color = if member {
            mpi::topology::Color::with_value(0)
        } else {
            mpi::topology::Color::undefined()
        };
        self.0.split_by_color(color).map(|c| Comm(Rc::new(c)))
    }

    /// The underlying rsmpi communicator, for user code and bridges.
    pub fn raw(&self) -> &SimpleCommunicator {
        &self.0
    }

    /// This process's rank.
    pub fn rank(&self) -> usize {
        self.0.rank() as usize
    }

    /// Number of processes.
    pub fn size(&self) -> usize {
        self.0.size() as usize
    }

    /// True when both communicators hold the same processes in the same
    /// order (MPI's IDENT or CONGRUENT). A local operation.
    pub fn congruent(&self, other: &Comm) -> bool {
        use mpi::topology::CommunicatorRelation::{Congruent, Identical};
        Rc::ptr_eq(&self.0, &other.0) || matches!(self.0.compare(&*other.0), Identical | Congruent)
    }

    /// True on every rank when every rank passed the same value.
    pub fn same_on_all(&self, x: u64) -> bool {
        let mine = [x, !x];
        let mut out = [0u64; 2];
        self.0
            .all_reduce_into(&mine[..], &mut out[..], SystemOperation::min());
        out[0] == x && !out[1] == x
    }

    /// Makes every rank return the same verdict on a collective call:
    /// each rank's local checks (`local`) and a fingerprint of the
    /// arguments that must be the same on every rank ([`fingerprint`] of
    /// the shapes, axes, root, index, layouts, ...), in ONE small allreduce
    /// (three words) when all is well — the cost of [`Comm::agree`]. If a
    /// rank failed, every rank gets the lowest failing rank's error; if the
    /// fingerprints differ, every rank gets [`Error::ArgumentsDiffer`]
    /// naming the lowest rank whose arguments differ from rank 0's (two
    /// more small collectives, on that path only). Call it before any
    /// communication that depends on the arguments.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::comm::{fingerprint, Comm};
    /// use distarray_core::Error;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let root = 0usize;
    /// let ok = comm.agree_on("gather", fingerprint([root as u64]), Ok(()));
    /// assert!(ok.is_ok());
    ///
    /// // odd ranks pass another root: every rank learns it, none hangs
    /// let root = comm.rank() % 2;
    /// let verdict = comm.agree_on("gather", fingerprint([root as u64]), Ok(()));
    /// if comm.size() > 1 {
    ///     assert!(matches!(verdict, Err(Error::ArgumentsDiffer { rank: 1, .. })));
    /// }
    /// ```
    pub fn agree_on<T>(&self, context: &str, fingerprint: u64, local: Result<T>) -> Result<T> {
        let size = self.size() as u64;
        let failed = if local.is_err() {
            self.rank() as u64
        } else {
            size
        };
        let mine = [failed, fingerprint, !fingerprint];
        let mut least = [0u64; 3];
        self.0
            .all_reduce_into(&mine[..], &mut least[..], SystemOperation::min());
        if least[0] < size {
            return self.agree(local);
        }
        if least[1] == fingerprint && !least[2] == fingerprint {
            return local;
        }
        // the fingerprints differ somewhere: name the lowest rank that
        // differs from rank 0
        let first = u64::from_le_bytes(
            self.broadcast_bytes(0, fingerprint.to_le_bytes().to_vec())[..8]
                .try_into()
                .expect("8 bytes"),
        );
        let differs = if fingerprint != first {
            self.rank() as u64
        } else {
            size
        };
        let mut rank = size;
        self.0
            .all_reduce_into(&differs, &mut rank, SystemOperation::min());
        Err(Error::ArgumentsDiffer {
            context: context.into(),
            rank: rank as usize,
        })
    }

    /// Makes every rank return the same verdict.
    ///
    /// Each rank passes its local result. If every rank succeeded, each gets
    /// its own value back. If any failed, *every* rank gets the error of the
    /// lowest failing rank (sent to the others), so that no rank goes on into
    /// a collective the others have left. Costs one small allreduce when all
    /// is well.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Error};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// // a check only the last rank fails (a file it cannot read, say)
    /// let last = comm.rank() + 1 == comm.size();
    /// let local = if last { Err(Error::InvalidArgument("no such file".into())) } else { Ok(1) };
    /// // every rank gets that error, and all return before the next collective
    /// let verdict = comm.agree(local);
    /// assert_eq!(verdict, Err(Error::InvalidArgument("no such file".into())));
    ///
    /// assert_eq!(comm.agree(Ok(comm.rank())), Ok(comm.rank())); // each its own value
    /// ```
    pub fn agree<T>(&self, local: Result<T>) -> Result<T> {
        let size = self.size() as u64;
        let mine = if local.is_err() {
            self.rank() as u64
        } else {
            size
        };
        let mut first = size;
        self.0
            .all_reduce_into(&mine, &mut first, SystemOperation::min());
        if first == size {
            return local;
        }
        let root = first as usize;
        let bytes = if self.rank() == root {
            match &local {
                Err(e) => serde_json::to_vec(e).unwrap_or_default(),
                Ok(_) => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let bytes = self.broadcast_bytes(root, bytes);
        match serde_json::from_slice::<Error>(&bytes) {
            Ok(e) => Err(e),
            Err(_) => Err(Error::InvalidArgument(format!(
                "rank {root} failed with an error that could not be transmitted"
            ))),
        }
    }

    /// True on every rank when `flag` is true on every rank.
    pub fn all(&self, flag: bool) -> bool {
        let mine = flag as u8;
        let mut out = 0u8;
        self.0
            .all_reduce_into(&mine, &mut out, SystemOperation::min());
        out == 1
    }

    /// The least and the greatest of a `u64` over all ranks (one reduction).
    pub fn min_max_u64(&self, x: u64) -> (u64, u64) {
        // max of !x is !(min of x)
        let mine = [x, !x];
        let mut out = [0u64; 2];
        self.0
            .all_reduce_into(&mine[..], &mut out[..], SystemOperation::max());
        (!out[1], out[0])
    }

    /// Sum of a `u64` over all ranks.
    pub fn sum_u64(&self, x: u64) -> u64 {
        let mut out = 0u64;
        self.0.all_reduce_into(&x, &mut out, SystemOperation::sum());
        out
    }

    /// Broadcasts a byte string from `root` (the others' input is ignored).
    pub fn broadcast_bytes(&self, root: usize, mut bytes: Vec<u8>) -> Vec<u8> {
        let p = self.0.process_at_rank(root as i32);
        let mut len = bytes.len() as u64;
        p.broadcast_into(&mut len);
        bytes.resize(len as usize, 0);
        if len > 0 {
            p.broadcast_into(&mut bytes[..]);
        }
        bytes
    }

    /// Every rank's `u64`, in rank order.
    pub fn all_gather_u64(&self, x: u64) -> Vec<u64> {
        let mut out = vec![0u64; self.size()];
        self.0.all_gather_into(&x, &mut out[..]);
        out
    }

    /// Every rank's slice, concatenated in rank order, with the per-rank
    /// counts. Any sizes: past MPI's 32-bit counts, each rank's part is
    /// broadcast from it in pieces.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let mine = vec![comm.rank() as i64; comm.rank() + 1]; // rank r gives r + 1 values
    /// let (all, counts) = comm.all_gather_varcount(&mine);
    /// assert_eq!(counts, (1..=comm.size()).collect::<Vec<_>>());
    /// assert_eq!(all[0], 0);
    /// assert_eq!(all.len(), counts.iter().sum::<usize>());
    /// ```
    pub fn all_gather_varcount<T: Equivalence + Copy + Default>(
        &self,
        mine: &[T],
    ) -> (Vec<T>, Vec<usize>) {
        self.all_gather_varcount_past(mine, i32::MAX as usize)
    }

    /// [`Comm::all_gather_varcount`], taking the piecewise way when the
    /// total exceeds `limit` elements. Public for the tests only (which
    /// take that way with small data).
    #[doc(hidden)]
    pub fn all_gather_varcount_past<T: Equivalence + Copy + Default>(
        &self,
        mine: &[T],
        limit: usize,
    ) -> (Vec<T>, Vec<usize>) {
        let counts: Vec<usize> = self
            .all_gather_u64(mine.len() as u64)
            .into_iter()
            .map(|c| c as usize)
            .collect();
        let mut out = vec![T::default(); counts.iter().sum()];
        if out.is_empty() {
            return (out, counts); // every rank knows the total: all skip alike
        }
        if out.len() > limit {
            // past MPI's 32-bit displacements (every rank knows the counts,
            // so all take this way): each rank's part is broadcast from it,
            // in pieces of at most 2^30 elements
            let mut at = 0;
            for (r, &c) in counts.iter().enumerate() {
                let slot = &mut out[at..at + c];
                if r == self.rank() {
                    slot.copy_from_slice(mine);
                }
                for piece in slot.chunks_mut(PIECE) {
                    self.0.process_at_rank(r as i32).broadcast_into(piece);
                }
                at += c;
            }
            return (out, counts);
        }
        let (c32, d32) = counts_displs(&counts);
        let spare = [T::default()];
        let mine = if mine.is_empty() { &spare[..0] } else { mine };
        {
            let mut part = PartitionMut::new(&mut out[..], c32, d32);
            self.0.all_gather_varcount_into(mine, &mut part);
        }
        (out, counts)
    }

    /// Every rank's byte string, in rank order.
    pub fn all_gather_bytes(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        let (flat, counts) = self.all_gather_varcount(mine);
        split_by_counts(&flat, &counts)
    }

    /// [`Comm::all_to_all_varcount`] past MPI's 32-bit counts: every
    /// non-empty part goes point to point, in pieces of at most 2^30
    /// elements. `recv_counts[r]` is what rank `r` sends here. Public for
    /// the tests only (the way small exchanges also take there).
    #[doc(hidden)]
    pub fn exchange_in_pieces<T: Equivalence + Copy + Default>(
        &self,
        send: &[Vec<T>],
        recv_counts: &[usize],
    ) -> Vec<Vec<T>> {
        const TAG: i32 = 0x0a2a;
        let mut recv: Vec<Vec<T>> = recv_counts.iter().map(|&n| vec![T::default(); n]).collect();
        mpi::request::scope(|scope| {
            let mut pending = Vec::new();
            for (peer, part) in recv.iter_mut().enumerate() {
                for piece in part.chunks_mut(PIECE) {
                    let p = self.0.process_at_rank(peer as i32);
                    pending.push(p.immediate_receive_into_with_tag(scope, piece, TAG));
                }
            }
            let mut sends = Vec::new();
            for (peer, part) in send.iter().enumerate() {
                for piece in part.chunks(PIECE) {
                    let p = self.0.process_at_rank(peer as i32);
                    sends.push(p.immediate_send_with_tag(scope, piece, TAG));
                }
            }
            for r in pending {
                r.wait_without_status();
            }
            for r in sends {
                r.wait_without_status();
            }
        });
        recv
    }

    /// Sends `send[r]` to rank `r` for every `r` and returns what each rank
    /// sent here. Any sizes: past MPI's 32-bit counts on any rank, the parts
    /// go point to point in pieces.
    ///
    /// # Panics
    ///
    /// When `send` does not have one list per rank.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// // rank r sends r + 1 copies of its rank to every rank
    /// let send: Vec<Vec<u32>> = (0..comm.size()).map(|_| vec![comm.rank() as u32; comm.rank() + 1]).collect();
    /// let received = comm.all_to_all_varcount(&send);
    /// for (r, part) in received.iter().enumerate() {
    ///     assert_eq!(part, &vec![r as u32; r + 1]);
    /// }
    /// ```
    pub fn all_to_all_varcount<T: Equivalence + Copy + Default>(
        &self,
        send: &[Vec<T>],
    ) -> Vec<Vec<T>> {
        assert_eq!(send.len(), self.size(), "one send list per rank");
        let send_counts: Vec<u64> = send.iter().map(|v| v.len() as u64).collect();
        let mut recv_counts = vec![0u64; self.size()];
        self.0
            .all_to_all_into(&send_counts[..], &mut recv_counts[..]);
        let sc: Vec<usize> = send_counts.iter().map(|&c| c as usize).collect();
        let rc: Vec<usize> = recv_counts.iter().map(|&c| c as usize).collect();
        // MPI_Alltoallv counts and displacements are 32-bit: past that on
        // any rank (agreed), every rank exchanges point to point, in pieces
        let limit = i32::MAX as u64;
        let mine = (sc.iter().sum::<usize>() as u64).max(rc.iter().sum::<usize>() as u64);
        if self.min_max_u64(mine).1 > limit {
            return self.exchange_in_pieces(send, &rc);
        }
        let flat: Vec<T> = send.iter().flatten().copied().collect();
        let mut recv = vec![T::default(); rc.iter().sum()];
        // empty buffers share one dangling address, which MPI takes for an
        // illegal aliasing of send and receive buffers: give them distinct
        // ones (and for 1-byte types that address is 1, Open MPI's
        // MPI_IN_PLACE: an empty receive buffer gets a real one too)
        let spare = [T::default()];
        let mut spare_recv = [T::default()];
        let flat: &[T] = if flat.is_empty() { &spare[..0] } else { &flat };
        let into: &mut [T] = if recv.is_empty() {
            &mut spare_recv[..0]
        } else {
            &mut recv[..]
        };
        {
            let (s32, sd32) = counts_displs(&sc);
            let (r32, rd32) = counts_displs(&rc);
            let part = Partition::new(flat, s32, sd32);
            let mut rpart = PartitionMut::new(into, r32, rd32);
            self.0.all_to_all_varcount_into(&part, &mut rpart);
        }
        split_by_counts(&recv, &rc)
    }

    /// Gathers every rank's slice on `root` (others get `None`). Any sizes:
    /// the slices travel point to point in pieces of at most 2^30 elements.
    pub fn gather_varcount<T: Equivalence + Copy + Default>(
        &self,
        root: usize,
        mine: &[T],
    ) -> Option<(Vec<T>, Vec<usize>)> {
        const TAG: i32 = 0x0a2b;
        let p = self.0.process_at_rank(root as i32);
        let n = mine.len() as u64;
        if self.rank() != root {
            p.gather_into(&n);
            mpi::request::scope(|scope| {
                let sends: Vec<_> = mine
                    .chunks(PIECE)
                    .map(|piece| p.immediate_send_with_tag(scope, piece, TAG))
                    .collect();
                for r in sends {
                    r.wait_without_status();
                }
            });
            return None;
        }
        let mut counts = vec![0u64; self.size()];
        p.gather_into_root(&n, &mut counts[..]);
        let counts: Vec<usize> = counts.into_iter().map(|c| c as usize).collect();
        let mut out = vec![T::default(); counts.iter().sum()];
        let mut rest = &mut out[..];
        mpi::request::scope(|scope| {
            let mut recvs = Vec::new();
            for (r, &c) in counts.iter().enumerate() {
                let (slot, tail) = std::mem::take(&mut rest).split_at_mut(c);
                rest = tail;
                if r == root {
                    slot.copy_from_slice(mine);
                    continue;
                }
                let from = self.0.process_at_rank(r as i32);
                for piece in slot.chunks_mut(PIECE) {
                    recvs.push(from.immediate_receive_into_with_tag(scope, piece, TAG));
                }
            }
            for r in recvs {
                r.wait_without_status();
            }
        });
        Some((out, counts))
    }

    /// Scatters `parts[r]` (given on `root`) to every rank `r`. Any sizes:
    /// the parts travel point to point in pieces of at most 2^30 elements.
    ///
    /// # Examples
    ///
    /// A scatter from rank 0 and the gather back ([`Comm::gather_varcount`]):
    ///
    /// ```
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let parts: Vec<Vec<u8>> = (0..comm.size()).map(|r| vec![r as u8; r % 3]).collect();
    /// let given = (comm.rank() == 0).then_some(&parts[..]);
    /// let mine = comm.scatter_varcount(0, given);
    /// assert_eq!(mine, parts[comm.rank()]);
    ///
    /// if let Some((all, counts)) = comm.gather_varcount(0, &mine) {
    ///     assert_eq!(all, parts.concat()); // only on rank 0
    ///     assert_eq!(counts, parts.iter().map(Vec::len).collect::<Vec<_>>());
    /// }
    /// ```
    pub fn scatter_varcount<T: Equivalence + Copy + Default>(
        &self,
        root: usize,
        parts: Option<&[Vec<T>]>,
    ) -> Vec<T> {
        const TAG: i32 = 0x0a2c;
        let p = self.0.process_at_rank(root as i32);
        let mut n = 0u64;
        if self.rank() != root {
            p.scatter_into(&mut n);
            let mut out = vec![T::default(); n as usize];
            mpi::request::scope(|scope| {
                let recvs: Vec<_> = out
                    .chunks_mut(PIECE)
                    .map(|piece| p.immediate_receive_into_with_tag(scope, piece, TAG))
                    .collect();
                for r in recvs {
                    r.wait_without_status();
                }
            });
            return out;
        }
        let parts = parts.expect("scatter root must supply the parts");
        let counts: Vec<u64> = parts.iter().map(|v| v.len() as u64).collect();
        p.scatter_into_root(&counts[..], &mut n);
        mpi::request::scope(|scope| {
            let mut sends = Vec::new();
            for (r, part) in parts.iter().enumerate().filter(|&(r, _)| r != root) {
                let to = self.0.process_at_rank(r as i32);
                for piece in part.chunks(PIECE) {
                    sends.push(to.immediate_send_with_tag(scope, piece, TAG));
                }
            }
            for r in sends {
                r.wait_without_status();
            }
        });
        parts[root].clone()
    }

    /// Barrier.
    pub fn barrier(&self) {
        self.0.barrier();
    }
}

/// A fingerprint of a call's arguments (for [`Comm::agree_on`]): a hash of
/// the words, in order.
///
/// # Examples
///
/// ```
/// use distarray_core::comm::fingerprint;
/// assert_eq!(fingerprint([3, 1]), fingerprint([3, 1]));
/// assert_ne!(fingerprint([3, 1]), fingerprint([1, 3]));
/// ```
pub fn fingerprint(words: impl IntoIterator<Item = u64>) -> u64 {
    words
        .into_iter()
        .fold(0x243f_6a88_85a3_08d3, |h, w| crate::random::mix64(h ^ w))
}

/// MPI counts and displacements (as `Count`) for per-rank element counts.
///
/// Panics with a clear message when a count exceeds MPI's 32-bit limit.
pub(crate) fn counts_displs(counts: &[usize]) -> (Vec<Count>, Vec<Count>) {
    let mut displs = Vec::with_capacity(counts.len());
    let mut at = 0usize;
    for &c in counts {
        displs.push(Count::try_from(at).expect("message larger than MPI's 2^31 element limit"));
        at += c;
    }
    let c: Vec<Count> = counts
        .iter()
        .map(|&c| Count::try_from(c).expect("message larger than MPI's 2^31 element limit"))
        .collect();
    (c, displs)
}

fn split_by_counts<T: Copy>(flat: &[T], counts: &[usize]) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(counts.len());
    let mut at = 0;
    for &c in counts {
        out.push(flat[at..at + c].to_vec());
        at += c;
    }
    out
}

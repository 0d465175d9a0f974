//! The transport of a plan: what one rank copies, sends and receives
//! between two plain C-order buffers, and how it moves them.
//!
//! A pairwise-exchange schedule of point-to-point messages (at step `k`
//! each rank sends to `rank + k` and receives from `rank - k`, skipping
//! pairs with nothing to exchange), sent straight from the source buffer
//! and received straight into the target buffer whenever the cells are one
//! contiguous block. Other cells are packed, and a large packed message
//! goes one of three ways ([`Transport`]): packed whole into a plan-owned
//! buffer, one message; in chunks through MPI, each packed just before the
//! peer's MPI copies it out of cache; or, between ranks of one node, in
//! chunks through two slots of shared memory the peer copies out of with
//! streaming stores (see the `shared` module). Which is fastest depends on
//! the machine (on the development VMs it changes from minute to minute
//! with where the two vCPUs sit), so with [`Transport::Auto`] a plan's
//! first executions warm up and time each way, the same on every rank, and
//! keep the fastest. Cells that stay on a rank are copied directly,
//! without MPI; large local copies use streaming stores. Why: only ranks
//! that exchange data talk; the schedule needs no request arrays, so
//! execution allocates nothing (a rank that receives by direct writes
//! allocates the list of its offers); and on the benchmark (2 ranks, shared
//! memory) it beat `MPI_Alltoallw` with subarray datatypes (see
//! `scripts/bench`), which packs inside MPI and involves every rank.

use super::build::Schedule;
use super::direct::{direct_step, Direct, Eligible, DIRECT_MIN_BYTES, TAG_OFFER};
use super::options::{PlanOptions, Transport, DEFAULT_STREAM_MIN_BYTES};
use super::pack::{copy, pack_all, unpack_all, Stores};
use super::shared::{Link, SharedRoute, TAG_DONE, TAG_READY};
use super::steps::{packed_lens, Arranged, Side, Step, MAX_PIECE};
use crate::comm::Comm;
use crate::dtype::Element;
use mpi::request::Request;
use mpi::traits::*;
use std::sync::atomic::{fence, Ordering};

/// Tag of redistribution messages (halo exchanges use another).
const TAG: i32 = 0x0d15;
/// A way packed sends can go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Everything for a peer packed at once, one message.
    Whole = 0,
    /// Chunk by chunk, each packed just before the peer's MPI copies it.
    Chunked = 1,
    /// Chunk by chunk through shared memory on the node (see `shared`);
    /// steps whose peer is elsewhere go chunk by chunk through MPI.
    Shared = 2,
}

impl Way {
    const ALL: [Way; 3] = [Way::Whole, Way::Chunked, Way::Shared];

    /// The way a requested transport fixes (`None`: timed).
    fn of(transport: Transport) -> Option<Way> {
        match transport {
            Transport::Whole => Some(Way::Whole),
            Transport::Chunked => Some(Way::Chunked),
            Transport::SharedMemory => Some(Way::Shared),
            _ => None,
        }
    }

    /// The public name of this way.
    fn transport(self) -> Transport {
        match self {
            Way::Whole => Transport::Whole,
            Way::Chunked => Transport::Chunked,
            Way::Shared => Transport::SharedMemory,
        }
    }
}

/// The way `requested` fixes, if every rank of `comm` requested the same
/// (options often come from the environment, which MPI launchers do not
/// always pass to every node); otherwise none, on every rank, and rank 0
/// says so (once a process). Collective.
fn forced_way(comm: &Comm, requested: Transport) -> Option<Way> {
    let mine = Way::of(requested).map_or(0, |w| w as u64 + 1);
    let (least, most) = comm.min_max_u64(mine);
    if least != most {
        static SAID: std::sync::Once = std::sync::Once::new();
        if comm.rank() == 0 {
            SAID.call_once(|| {
                eprintln!(
                    "distarray: ranks asked for different plan transports \
                     (DISTARRAY_PLAN_TRANSPORT differs, or is unset on some); ignored: \
                     plans time their transports"
                )
            });
        }
        return None;
    }
    Way::ALL.into_iter().find(|&w| w as u64 + 1 == mine)
}

/// The shared-memory route of a plan, set up at the first execution that
/// takes the shared way (the same execution on every rank).
#[derive(Debug)]
enum Route {
    Unbuilt,
    Built(SharedRoute),
    /// no step of any rank can use shared memory, or another way was chosen
    Off,
}

/// How packed sends go out: decided by timing the first executions.
#[derive(Debug, Clone, Copy)]
enum Choice {
    /// Executions so far and the slowest rank's best time of each way
    /// (ways not offered stay infinite).
    Measuring {
        runs: usize,
        offered: [bool; 3],
        best: [f64; 3],
    },
    Chosen(Way),
}

/// Executions timed per offered way (after one warm-up execution of each)
/// before the choice is fixed.
const TIMED_RUNS_PER_WAY: usize = 2;

/// The transport of a plan, free of layouts: what this rank copies, sends
/// and receives, between two plain C-order buffers (ranks of a plan
/// across communicators may hold no layout at all).
#[derive(Debug)]
pub(crate) struct Exchange<T> {
    comm: Comm,
    /// the local copies and the steps
    arranged: Arranged,
    send_buf: Vec<T>,
    recv_buf: Vec<T>,
    /// walking scratch, sized at build time
    pos: Vec<usize>,
    transport: Choice,
    /// whether this rank may use node shared memory
    node_shared_memory: bool,
    /// the same-node shared-memory way's slots
    route: Route,
    /// which steps go by direct write (agreed at the first execution)
    direct: Option<Direct>,
    /// how the local copies, the packing of whole messages and the
    /// unpacking of received data write
    local_stores: Stores,
    pack_stores: Stores,
    unpack_stores: Stores,
}

impl<T: Element> Exchange<T> {
    /// The transport on `comm` between local buffers of the given shapes.
    pub(crate) fn new(
        comm: &Comm,
        src_shape: &[usize],
        dst_shape: &[usize],
        schedule: Schedule,
        options: &PlanOptions,
    ) -> Exchange<T> {
        let comm = comm.clone();
        let chunk_cells = (options.chunk_bytes / std::mem::size_of::<T>().max(1)).max(1);
        let arranged = Arranged::new(
            comm.rank(),
            comm.size(),
            src_shape,
            dst_shape,
            schedule,
            chunk_cells,
        );
        let (steps, local) = (&arranged.steps, &arranged.local);
        let (send_len, recv_len) = (arranged.send_len, arranged.recv_len);
        let packed = |pick: fn(&Step) -> &Option<Side>| packed_lens(steps, pick);
        // Packing a large send chunk by chunk lets the peer copy each chunk
        // out of cache (rows -> columns of 5e7 f64 on 2 ranks: 1.35x the copy
        // time instead of 1.75x), but on these VMs the machine is sometimes
        // in a state where every message costs ~0.7 ms and one big message
        // wins by 2x; through node shared memory it is faster again where
        // the two cores share a cache, and 2x slower where they do not.
        // None of this is known in advance, so the first executions time
        // every way (the same choice on every rank) and keep the fastest.
        let chunkable = steps
            .iter()
            .filter_map(|s| s.send.as_ref())
            .any(|side| side.in_place.is_none() && side.chunks.len() > 1);
        // on any rank: all measure
        let chunkable = !comm.all(!chunkable);
        // The shared-memory way, for element types that are plain bytes
        // (asked of 16 bytes aligned as the slots are: on 8 bytes at least);
        // its slots are set up at its first execution, so plans executed
        // once (array.redistribute) never pay for them.
        let offered = [true, chunkable, chunkable && plain::<T>()];
        let transport = match forced_way(&comm, options.transport) {
            Some(way) if offered[way as usize] => Choice::Chosen(way),
            _ if chunkable => Choice::Measuring {
                runs: 0,
                offered,
                best: [f64::INFINITY; 3],
            },
            _ => Choice::Chosen(Way::Whole),
        };
        // a threshold other than the default also sets the shortest run that
        // streams (tests use 0 to stream every run of small arrays)
        let threshold = options.stream_min_bytes;
        let stores = |cells: usize| match cells * std::mem::size_of::<T>() >= threshold {
            false => Stores::Cached,
            true if threshold == DEFAULT_STREAM_MIN_BYTES => Stores::STREAMING,
            true => Stores::Streaming { min_run: threshold },
        };
        let local_stores = stores(local.iter().map(|(s, _)| s.len()).sum());
        let pack_stores = stores(send_len);
        let unpack_stores = stores(packed(|s| &s.recv).sum());
        Exchange {
            comm,
            arranged,
            send_buf: vec![T::default(); send_len],
            recv_buf: vec![T::default(); recv_len],
            pos: Vec::with_capacity(src_shape.len().max(dst_shape.len())),
            transport,
            node_shared_memory: options.node_shared_memory,
            route: Route::Unbuilt,
            direct: None,
            local_stores,
            pack_stores,
            unpack_stores,
        }
    }

    /// Number of ranks this rank sends to and receives from.
    pub(crate) fn peers(&self) -> (usize, usize) {
        self.arranged.peers()
    }
    /// Elements this rank sends to other ranks, receives from them, and copies locally.
    pub(crate) fn volume(&self) -> (usize, usize, usize) {
        self.arranged.volume()
    }

    /// How large packed sends go out: the chosen way, or
    /// [`Transport::Auto`] while the first executions are still timed.
    pub(crate) fn transport(&self) -> Transport {
        match self.transport {
            Choice::Measuring { .. } => Transport::Auto,
            Choice::Chosen(way) => way.transport(),
        }
    }

    /// Steps of this rank's schedule whose send, and whose receive, go
    /// through node shared memory (zero until the shared way has run).
    pub(crate) fn shared_memory_steps(&self) -> (usize, usize) {
        match &self.route {
            Route::Built(route) => route.steps_shared(),
            _ => (0, 0),
        }
    }

    /// This rank's schedule.
    pub(super) fn arranged(&self) -> &Arranged {
        &self.arranged
    }

    /// What a split-phase execution (`split`) works with: the
    /// communicator, the schedule, the walking scratch, and how local
    /// copies, packing and unpacking store.
    pub(super) fn split_parts(
        &mut self,
    ) -> (&Comm, &Arranged, &mut Vec<usize>, (Stores, Stores, Stores)) {
        let stores = (self.local_stores, self.pack_stores, self.unpack_stores);
        (&self.comm, &self.arranged, &mut self.pos, stores)
    }

    /// The exchange between two plain C-order buffers of the exchange's shapes.
    pub(crate) fn run(&mut self, src_buf: &[T], dst_buf: &mut [T]) {
        if self.direct.is_none() {
            let (_, received, local) = self.volume();
            let load = received + local;
            self.direct = Some(Direct::agree(&self.comm, &self.eligible(), load));
        }
        match self.transport {
            Choice::Chosen(way) => {
                self.run_with(src_buf, dst_buf, way);
                if way == Way::Shared && matches!(self.route, Route::Off) {
                    // no step of any rank could share memory (agreed):
                    // what ran was the chunked way, and is called so
                    self.transport = Choice::Chosen(Way::Chunked);
                }
            }
            Choice::Measuring {
                runs,
                mut offered,
                mut best,
            } => {
                // the offered ways in turn (the same on every rank)
                let ways = offered.iter().filter(|&&o| o).count();
                let way = Way::ALL
                    .into_iter()
                    .filter(|w| offered[*w as usize])
                    .nth(runs % ways)
                    .expect("whole messages are always offered");
                let start = std::time::Instant::now();
                self.run_with(src_buf, dst_buf, way);
                let mine = start.elapsed().as_secs_f64();
                let mut slowest = 0.0f64;
                self.comm.raw().all_reduce_into(
                    &mine,
                    &mut slowest,
                    mpi::collective::SystemOperation::max(),
                );
                // the first round warms each way up (its buffers' first
                // touch costs page faults: ~300 ms for 100 MB here)
                if runs >= ways {
                    best[way as usize] = best[way as usize].min(slowest);
                }
                if matches!(self.route, Route::Off) {
                    // the slots could not be set up (agreed on every rank):
                    // the shared way is the chunked one, not offered again
                    offered[Way::Shared as usize] = false;
                    best[Way::Shared as usize] = f64::INFINITY;
                }
                self.transport = if runs + 1 < (1 + TIMED_RUNS_PER_WAY) * ways {
                    Choice::Measuring {
                        runs: runs + 1,
                        offered,
                        best,
                    }
                } else {
                    let fastest = Way::ALL
                        .into_iter()
                        .min_by(|a, b| best[*a as usize].total_cmp(&best[*b as usize]))
                        .expect("three ways");
                    if fastest != Way::Shared {
                        // unmapped here and by the peers alike (the choice is
                        // the same everywhere; unmapping involves no peer)
                        self.route = Route::Off;
                    }
                    Choice::Chosen(fastest)
                };
            }
        }
    }

    /// Sets up the shared-memory route. Collective: every rank calls it
    /// at the same execution (the first to take the shared way).
    fn build_route(&mut self) {
        let links: Vec<Link> = self
            .arranged
            .steps
            .iter()
            .map(|s| Link {
                send: s.send.as_ref().map(|x| (x.rank, x.in_place.is_none())),
                recv: s.recv.as_ref().map(|x| x.rank),
            })
            .collect();
        let slot_cells = self
            .arranged
            .steps
            .iter()
            .filter_map(|s| s.send.as_ref())
            .filter(|side| side.in_place.is_none())
            .flat_map(|side| side.chunks.iter().map(|(_, cells)| *cells))
            .max()
            .unwrap_or(0);
        let slot_bytes = slot_cells * std::mem::size_of::<T>();
        self.route = match SharedRoute::new(&self.comm, &links, slot_bytes, self.node_shared_memory)
        {
            Some(route) => Route::Built(route),
            None => Route::Off,
        };
    }

    /// Per step, whether each side could go by direct write: one block of
    /// plain elements, large, on a rank that allows node shared memory.
    fn eligible(&self) -> Vec<Eligible> {
        let ok = |side: &Side| {
            self.node_shared_memory
                && plain::<T>()
                && side.in_place.is_some()
                && side.len * std::mem::size_of::<T>() >= DIRECT_MIN_BYTES
        };
        self.arranged
            .steps
            .iter()
            .map(|s| Eligible {
                send: s.send.as_ref().map(|x| (x.rank, ok(x), x.len)),
                recv: s.recv.as_ref().map(|x| (x.rank, ok(x), x.len)),
            })
            .collect()
    }

    /// Steps of this rank's schedule whose send, and whose receive, are
    /// written directly into the receiver (zero before the first execution).
    pub(crate) fn direct_write_steps(&self) -> (usize, usize) {
        self.direct.as_ref().map_or((0, 0), Direct::counts)
    }

    fn run_with(&mut self, src_buf: &[T], dst_buf: &mut [T], way: Way) {
        if way == Way::Shared && matches!(self.route, Route::Unbuilt) {
            self.build_route();
        }
        let Exchange {
            comm,
            arranged: Arranged { local, steps, .. },
            send_buf,
            recv_buf,
            pos,
            route,
            local_stores,
            pack_stores,
            unpack_stores,
            direct,
            ..
        } = self;
        let raw = comm.raw();
        // direct writes: the offers go out before the local copies, so the
        // peers write while this rank copies
        let offers: Vec<(usize, [u64; 6])> = match direct.as_ref() {
            None => Vec::new(),
            Some(d) => steps
                .iter()
                .zip(&d.recv)
                .filter(|&(_, &on)| on)
                .map(|(step, _)| {
                    let side = step.recv.as_ref().expect("a direct receive has a side");
                    let range = side.in_place.clone().expect("direct receives are in place");
                    let target = T::le_bytes_mut(&mut dst_buf[range]).expect("plain elements");
                    (side.rank, d.offer(target))
                })
                .collect(),
        };
        mpi::request::scope(|offer_scope| {
            let offered: Vec<_> = offers
                .iter()
                .map(|(peer, offer)| {
                    raw.process_at_rank(*peer as i32).immediate_send_with_tag(
                        offer_scope,
                        &offer[..],
                        TAG_OFFER,
                    )
                })
                .collect();
            for (s, d) in local.iter() {
                copy(s, src_buf, d, dst_buf, pos, *local_stores);
            }
            let chunked = way != Way::Whole;
            let mut route = match route {
                Route::Built(r) if way == Way::Shared => Some(r),
                _ => None,
            };
            for (index, step) in steps.iter().enumerate() {
                let shared_send = route.as_ref().is_some_and(|r| r.sends_shared(index));
                let shared_recv = route.as_ref().is_some_and(|r| r.receives_shared(index));
                let (sent_directly, got_directly) =
                    direct_step(raw, direct.as_mut(), index, step, src_buf);
                let recv_data: &mut [T] = match &step.recv {
                    None => &mut [],
                    Some(_) if got_directly => &mut [],
                    Some(side) => match &side.in_place {
                        Some(r) => &mut dst_buf[r.clone()],
                        None => &mut recv_buf[..side.len],
                    },
                };
                // Lockstep: in round i this rank packs and sends its message i
                // and receives the peer's next message (whose size it reads from
                // the status: the peer cuts its messages its own way). Both
                // sides post their send before receiving, so no round waits on
                // a send that is not posted; a chunk is packed just before the
                // peer copies it, out of cache. (Measured on 2 ranks, rows ->
                // columns of 5e7 f64: 1.35x the copy time against 1.75x for one
                // packed message; sending every chunk as soon as it is packed
                // and taking in whatever has arrived, with probes, was slower
                // again, 1.9-2.2x, in the same machine state; so was packing one
                // chunk ahead into fresh parts of a full-size buffer, 1.6-1.8x:
                // the one small buffer reused here stays in cache.) Through
                // shared memory a round announces a packed slot (READY, its cell
                // count) and frees the peer's slot after copying it (DONE, an
                // empty message whose receive the sender posted with its READY,
                // so neither side ever waits on an unposted receive).
                let sends = step
                    .send
                    .as_ref()
                    .filter(|_| !sent_directly)
                    .map_or(0, |side| match shared_send {
                        true => side.chunks.len(),
                        false => side.message_count(chunked),
                    });
                let mut got = 0;
                let mut round = 0;
                let mut received = 0; // chunks taken from the peer's slots
                mpi::request::scope(|step_scope| {
                    // the DONE receives of the chunks in the two slots
                    let mut freed = [None, None];
                    while round < sends || got < recv_data.len() {
                        let mut ready = 0u64;
                        let send_data: &[T] = match step.send.as_ref().filter(|_| round < sends) {
                            None => &[],
                            Some(side) if shared_send => {
                                if let Some(done) = freed[round % 2].take() {
                                    // the peer has copied chunk round - 2 out of this slot
                                    let done: Request<'_, [u8], _> = done;
                                    done.wait_without_status();
                                    fence(Ordering::Acquire);
                                }
                                let (segs, cells) = &side.chunks[round];
                                let route = route.as_mut().expect("shared sends have a route");
                                let bytes = route.slot_mut(round, cells * std::mem::size_of::<T>());
                                let slot = T::from_bytes_mut(bytes).expect("plain, aligned slots");
                                let segments = &side.segments[segs.clone()];
                                pack_all(segments, src_buf, slot, pos, Stores::Cached);
                                fence(Ordering::Release);
                                let empty: &'static mut [u8] = &mut [];
                                freed[round % 2] = Some(
                                    raw.process_at_rank(side.rank as i32)
                                        .immediate_receive_into_with_tag(
                                            step_scope, empty, TAG_DONE,
                                        ),
                                );
                                ready = *cells as u64;
                                &[]
                            }
                            Some(side) => match &side.in_place {
                                Some(r) => piece(&src_buf[r.clone()], round),
                                None if !chunked => {
                                    if round == 0 {
                                        pack_all(
                                            &side.segments,
                                            src_buf,
                                            send_buf,
                                            pos,
                                            *pack_stores,
                                        );
                                    }
                                    piece(&send_buf[..side.len], round)
                                }
                                None => {
                                    let (segs, cells) = &side.chunks[round];
                                    // the peer copies the chunk out of cache
                                    let segments = &side.segments[segs.clone()];
                                    pack_all(segments, src_buf, send_buf, pos, Stores::Cached);
                                    &send_buf[..*cells]
                                }
                            },
                        };
                        mpi::request::scope(|scope| {
                            let to = step.send.as_ref().filter(|_| round < sends);
                            let to = to.map(|side| raw.process_at_rank(side.rank as i32));
                            let rreq = to
                                .filter(|_| shared_send)
                                .map(|peer| peer.immediate_send_with_tag(scope, &ready, TAG_READY));
                            let sreq = to
                                .filter(|_| !send_data.is_empty())
                                .map(|peer| peer.immediate_send_with_tag(scope, send_data, TAG));
                            if let Some(side) = step.recv.as_ref().filter(|_| got < recv_data.len())
                            {
                                let peer = raw.process_at_rank(side.rank as i32);
                                if shared_recv {
                                    let route =
                                        route.as_ref().expect("shared receives have a route");
                                    let mut cells = 0u64;
                                    peer.receive_into_with_tag(&mut cells, TAG_READY);
                                    fence(Ordering::Acquire);
                                    let cells = (cells as usize).min(recv_data.len() - got);
                                    let out = &mut recv_data[got..got + cells];
                                    let bytes = T::le_bytes_mut(out).expect("plain element bytes");
                                    route.copy_from_peer(index, received, bytes);
                                    received += 1;
                                    got += cells;
                                    fence(Ordering::Release);
                                    // its receive is posted: this completes at once
                                    peer.send_with_tag(&[] as &[u8], TAG_DONE);
                                } else {
                                    let cap = (recv_data.len() - got).min(MAX_PIECE);
                                    let status = peer
                                        .receive_into_with_tag(&mut recv_data[got..got + cap], TAG);
                                    got += status.count(T::equivalent_datatype()) as usize;
                                }
                            }
                            if let Some(r) = sreq {
                                r.wait_without_status();
                            }
                            if let Some(r) = rreq {
                                r.wait_without_status();
                            }
                        });
                        round += 1;
                    }
                    // nothing may rewrite the slots before the peer has copied them
                    for done in freed.iter_mut().filter_map(Option::take) {
                        done.wait_without_status();
                    }
                });
                if let Some(side) = &step.recv {
                    if side.in_place.is_none() {
                        unpack_all(&side.segments, recv_buf, dst_buf, pos, *unpack_stores);
                    }
                }
            }
            for r in offered {
                r.wait_without_status();
            }
        });
    }
}

/// Whether `T`'s cells are plain bytes that can be viewed as such (asked of
/// 16 bytes aligned as shared slots are, on 8 bytes at least): the shared
/// and direct ways need it; `bool` has no such view.
fn plain<T: Element>() -> bool {
    T::from_bytes_mut(bytemuck::cast_slice_mut(&mut [0u64; 2])).is_some()
}

/// The `p`-th piece (of at most `MAX_PIECE` elements) of a message.
fn piece<T>(data: &[T], p: usize) -> &[T] {
    let start = (p * MAX_PIECE).min(data.len());
    &data[start..(start + MAX_PIECE).min(data.len())]
}

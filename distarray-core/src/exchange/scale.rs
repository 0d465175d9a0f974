//! Scale on paper: one rank's plan for a virtual world of any size, built
//! without MPI.
//!
//! Users run on 10,000+ ranks; the development machines have two cores.
//! Maps are pure functions of (size, grid position, grid size), so the
//! schedule builder (the crate's `exchange::build`) can be asked, for ONE
//! chosen rank of a world of `P` ranks, exactly what that rank would
//! compute on a real machine: its entries, its requests, and (as the
//! receive side of the reverse movement, or of its neighbours for a halo)
//! what it sends. The result is arranged into steps by the same code a
//! real plan uses, and its memory is counted.
//!
//! What this shows: a rank's plan memory and build time grow with the
//! number of peers it really talks to, never with the global size or with
//! `P^2`. The halo's rank keeps its 8 neighbours at any `P`; rows ->
//! columns talks to every rank (it must: every row block meets every
//! column block), so its memory grows as `P`, by one segment per peer.
//! What it does not show: the cost of the one all-to-all that tells
//! senders what to send (O(P) counts per rank, as any `MPI_Alltoallv`),
//! nor the distributed directory's lookups (modelled here by a pure owner
//! function; the directory holds O(size / P) entries per rank).
//!
//! ```
//! use distarray_core::exchange::scale::{footprint, Case};
//! let small = footprint(Case::Halo, 16, 5);
//! let large = footprint(Case::Halo, 100_000, 50_001);
//! assert_eq!(small.peers, large.peers); // 8 neighbours at any size
//! assert!(large.plan_bytes < 2 * small.plan_bytes);
//! ```

use super::build::{entry_groups, mapped_groups, mapped_requests, Geometry, Requests, Schedule};
use super::steps::Arranged;
use super::{Builder, Cells};
use crate::comm::Comm;
use crate::grid::ProcGrid;
use crate::halo::halo_entries;
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap, CyclicMap, UnstructuredMap};
use std::time::Instant;

/// A data movement whose plan is simulated.
///
/// # Examples
///
/// ```
/// use distarray_core::exchange::scale::{footprint, Case};
/// for case in Case::ALL {
///     let f = footprint(case, 64, 17); // rank 17 of 64, without MPI
///     assert!(f.peers < 64, "{}: {} peers", case.name(), f.peers);
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// 1-D, 4096 cells per rank: block -> cyclic.
    BlockToCyclic,
    /// 2-D `[8 P, 131072]` (1 Mi cells per rank either way): row blocks
    /// (grid `[P, 1]`) -> column blocks (grid `[1, P]`).
    RowsToColumns,
    /// 3-D, about 2^18 cells per rank: x-pencils (grid `[1, p1, p2]`) ->
    /// y-pencils (grid `[p1, 1, p2]`), FFT codes' transpose.
    PencilTranspose,
    /// 2-D, 512 x 512 cells per rank on a `p1 x p2` grid, one ghost cell,
    /// periodic, box stencil: the halo exchange.
    Halo,
    /// 1-D, 4096 cells per rank: an unstructured source (each position holds
    /// a scattered set of indices, a fixed permutation of the axis) -> block.
    UnstructuredToBlock,
}

impl Case {
    /// Every case.
    pub const ALL: [Case; 5] = [
        Case::BlockToCyclic,
        Case::RowsToColumns,
        Case::PencilTranspose,
        Case::Halo,
        Case::UnstructuredToBlock,
    ];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Case::BlockToCyclic => "block_to_cyclic",
            Case::RowsToColumns => "rows_to_columns",
            Case::PencilTranspose => "pencil_transpose",
            Case::Halo => "halo",
            Case::UnstructuredToBlock => "unstructured_to_block",
        }
    }
}

/// What one rank's plan costs.
///
/// # Examples
///
/// The simulation agrees with the plan built for real (here on the
/// communicator's ranks):
///
/// ```
/// use distarray_core::exchange::scale::{footprint, measured, Case};
/// use distarray_core::Comm;
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let real = measured(Case::BlockToCyclic, &comm);
/// let simulated = footprint(Case::BlockToCyclic, comm.size(), comm.rank());
/// assert_eq!((real.peers, real.volume), (simulated.peers, simulated.volume));
/// assert_eq!(real.ranks, comm.size());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Footprint {
    /// Ranks in the virtual world.
    pub ranks: usize,
    /// Ranks this rank sends to or receives from (the larger count).
    pub peers: usize,
    /// Cells this rank sends, receives and copies locally.
    pub volume: (usize, usize, usize),
    /// Heap bytes the plan keeps (segments, steps, packing buffers of f64).
    pub plan_bytes: usize,
    /// Heap bytes of the two layouts' maps on this rank.
    pub layout_bytes: usize,
    /// Seconds to build this rank's schedule and arrange it.
    pub build_seconds: f64,
}

/// One rank's plan of `case` in a world of `ranks` ranks, built without
/// MPI. `rank` must be below `ranks`.
pub fn footprint(case: Case, ranks: usize, rank: usize) -> Footprint {
    assert!(rank < ranks, "rank {rank} of a world of {ranks}");
    let start = Instant::now();
    let (src, dst, schedule) = match case {
        Case::Halo => {
            let (layout, _, _) = halo_layout(ranks, rank);
            let schedule = halo_schedule(&layout);
            (layout.clone(), layout, schedule)
        }
        _ => {
            let (src, dst, perm) = movement(case, ranks, rank);
            let schedule = permuted_schedule(&src, &dst, &perm);
            (src, dst, schedule)
        }
    };
    let arranged = Arranged::new(
        rank,
        ranks,
        &src.local_shape(),
        &dst.local_shape(),
        schedule,
        super::DEFAULT_CHUNK_BYTES / 8,
    );
    let build_seconds = start.elapsed().as_secs_f64();
    summarize(
        &arranged,
        ranks,
        src.heap_bytes() + dst.heap_bytes(),
        build_seconds,
    )
}

/// The plan of `case` built for real on `comm` (every rank of it, P =
/// its size): the real layouts and the real schedule from the exchange
/// builder, arranged and counted as the simulation arranges and counts
/// (for the halo, as a plan would arrange it: a `Halo` keeps the same
/// segments but never cuts sends into chunks). What the simulation must
/// match. Collective.
pub fn measured(case: Case, comm: &Comm) -> Footprint {
    let (ranks, rank) = (comm.size(), comm.rank());
    let start = Instant::now();
    let real = |v: &Virtual| -> Layout {
        let maps = v
            .axes
            .iter()
            .enumerate()
            .map(|(a, axis)| match axis {
                VirtualAxis::Map(m) => m.clone(),
                VirtualAxis::Shuffled { size, .. } => AxisMap::Unstructured(
                    UnstructuredMap::build(comm, &v.grid, a, *size, v.global_indices(a), true)
                        .expect("a permutation covers its axis once"),
                ),
            })
            .collect();
        Layout::from_parts(comm.clone(), v.grid.clone(), maps)
    };
    let (src, dst, schedule) = match case {
        Case::Halo => {
            let (virt, _, _) = halo_layout(ranks, rank);
            let layout = real(&virt);
            let entries = halo_entries(layout.grid().coords(), layout.maps()).expect("valid halo");
            let keep = |h: &[bool]| h.iter().any(|&x| x);
            let schedule = Builder::new("scale", &layout, &layout, &[], Ok(()))
                .expect("a valid case")
                .schedule(Cells::Resolved {
                    entries: &entries,
                    keep: &keep,
                });
            (layout.clone(), layout, schedule)
        }
        _ => {
            let (src, dst, perm) = movement(case, ranks, rank);
            let (src, dst) = (real(&src), real(&dst));
            let schedule = Builder::new("scale", &src, &dst, &[], Ok(()))
                .expect("a valid case")
                .schedule(Cells::Permuted(&perm));
            (src, dst, schedule)
        }
    };
    let arranged = Arranged::new(
        rank,
        ranks,
        src.local_shape(),
        dst.local_shape(),
        schedule,
        super::DEFAULT_CHUNK_BYTES / 8,
    );
    let build_seconds = start.elapsed().as_secs_f64();
    summarize(&arranged, ranks, 0, build_seconds)
}

fn summarize(
    arranged: &Arranged,
    ranks: usize,
    layout_bytes: usize,
    build_seconds: f64,
) -> Footprint {
    let (sends, receives) = arranged.peers();
    Footprint {
        ranks,
        peers: sends.max(receives),
        volume: arranged.volume(),
        plan_bytes: arranged.heap_bytes(8),
        layout_bytes,
        build_seconds,
    }
}

/// The halo case's virtual layout (with its grid shape).
fn halo_layout(ranks: usize, rank: usize) -> (Virtual, usize, usize) {
    let (p1, p2) = two_factors(ranks);
    let padded = |n: usize, p: usize| {
        AxisMap::Block(
            BlockMap::regular(n, p)
                .with_padding(1, (1, 1))
                .expect("one ghost fits 512 cells")
                .with_periodic(true),
        )
    };
    let maps = vec![padded(512 * p1 + 2, p1), padded(512 * p2 + 2, p2)];
    (Virtual::new(&[p1, p2], maps, rank), p1, p2)
}

/// `n = a * b` with `a <= b` as close as the divisors allow.
fn two_factors(n: usize) -> (usize, usize) {
    let mut a = (n as f64).sqrt() as usize;
    while a > 1 && n % a != 0 {
        a -= 1;
    }
    (a.max(1), n / a.max(1))
}

/// Source and target virtual layouts of a permuting movement, and the
/// permutation (target axis `a` is source axis `perm[a]`).
fn movement(case: Case, ranks: usize, rank: usize) -> (Virtual, Virtual, Vec<usize>) {
    let p = ranks;
    let block = |n: usize, g: usize| AxisMap::Block(BlockMap::regular(n, g));
    let whole = AxisMap::not_distributed;
    match case {
        Case::BlockToCyclic => {
            let n = 4096 * p;
            let cyclic = AxisMap::Cyclic(CyclicMap::new(n, p, 1).expect("cyclic map"));
            (
                Virtual::new(&[p], vec![block(n, p)], rank),
                Virtual::new(&[p], vec![cyclic], rank),
                vec![0],
            )
        }
        Case::RowsToColumns => {
            let (rows, cols) = (8 * p, 131_072);
            (
                Virtual::new(&[p, 1], vec![block(rows, p), whole(cols)], rank),
                Virtual::new(&[1, p], vec![whole(rows), block(cols, p)], rank),
                vec![0, 1],
            )
        }
        Case::PencilTranspose => {
            let (p1, p2) = two_factors(p);
            let n = ((p as f64) * 262_144.0).cbrt().round() as usize;
            (
                Virtual::new(
                    &[1, p1, p2],
                    vec![whole(n), block(n, p1), block(n, p2)],
                    rank,
                ),
                Virtual::new(
                    &[p1, 1, p2],
                    vec![block(n, p1), whole(n), block(n, p2)],
                    rank,
                ),
                vec![0, 1, 2],
            )
        }
        Case::UnstructuredToBlock => {
            let per = 4096;
            let n = per * p;
            let shuffled = VirtualAxis::shuffled(n, per);
            let mut src = Virtual::new(&[p], vec![block(n, p)], rank);
            src.axes[0] = shuffled;
            (src, Virtual::new(&[p], vec![block(n, p)], rank), vec![0])
        }
        Case::Halo => unreachable!("halos are not permutations"),
    }
}

/// The schedule of a permuting movement for the virtual rank: its
/// requests (what it receives), and as what it sends the requests of the
/// reverse movement, which asks for exactly the cells this rank owns that
/// other ranks' targets hold (every source cell has one owner).
fn permuted_schedule(src: &Virtual, dst: &Virtual, perm: &[usize]) -> Schedule {
    let forward = permuted_requests(src, dst, perm);
    let mut inverse = vec![0; perm.len()];
    for (a, &p) in perm.iter().enumerate() {
        inverse[p] = a;
    }
    let backward = permuted_requests(dst, src, &inverse);
    let me = src.grid.rank();
    let mut schedule = Schedule {
        local: Vec::new(),
        send: vec![Vec::new(); src.grid.nprocs()],
        recv: vec![Vec::new(); src.grid.nprocs()],
    };
    for (rank, s, d) in forward {
        if rank == me {
            schedule.local.push((s, d));
        } else if s.len() > 0 {
            schedule.recv[rank].push(d);
        }
    }
    for (rank, _, mine) in backward {
        if rank != me && mine.len() > 0 {
            schedule.send[rank].push(mine);
        }
    }
    schedule
}

fn permuted_requests(src: &Virtual, dst: &Virtual, perm: &[usize]) -> Requests {
    let perm: Vec<Option<usize>> = perm.iter().map(|&p| Some(p)).collect();
    let groups = mapped_groups(src, dst, &perm, &|_, g| Some(g));
    mapped_requests(src, &perm, &[], &groups, |_| true)
}

/// The halo schedule of the virtual rank: its own requests for ghost
/// cells, and as sends the requests of the ranks around it that name it.
fn halo_schedule(layout: &Virtual) -> Schedule {
    let me = layout.grid.rank();
    let requests_of = |rank: usize| -> Requests {
        let at = layout.at(rank);
        let entries = halo_entries(at.grid.coords(), &at.maps()).expect("valid halo");
        let perm: Vec<Option<usize>> = (0..at.ndim()).map(Some).collect();
        mapped_requests(&at, &perm, &[], &entry_groups(&entries), |h: &[bool]| {
            h.iter().any(|&x| x)
        })
    };
    let mut schedule = Schedule {
        local: Vec::new(),
        send: vec![Vec::new(); layout.grid.nprocs()],
        recv: vec![Vec::new(); layout.grid.nprocs()],
    };
    for (rank, s, d) in requests_of(me) {
        if rank == me {
            schedule.local.push((s, d));
        } else {
            schedule.recv[rank].push(d);
        }
    }
    // the ranks whose ghosts can reach this rank's cells: the grid
    // neighbours (one ghost cell, wrapping around)
    let coords = layout.grid.coords().to_vec();
    let shape = layout.grid.shape().to_vec();
    let mut around = Vec::new();
    for di in [shape[0] - 1, 0, 1] {
        for dj in [shape[1] - 1, 0, 1] {
            let c = [(coords[0] + di) % shape[0], (coords[1] + dj) % shape[1]];
            let r = layout.grid.rank_at(&c);
            if r != me && !around.contains(&r) {
                around.push(r);
            }
        }
    }
    for q in around {
        for (rank, s, _) in requests_of(q) {
            if rank == me {
                schedule.send[q].push(s);
            }
        }
    }
    schedule
}

/// One axis of a virtual layout.
#[derive(Clone)]
enum VirtualAxis {
    /// A structured map (a pure function of size, position and grid size).
    Map(AxisMap),
    /// Unstructured: position `p` holds `sigma(p * per + i)` for `i < per`,
    /// `sigma(g) = (mult * g + 1) mod size` with `mult` prime to `size`.
    Shuffled {
        size: usize,
        per: usize,
        mult: usize,
        /// `mult`'s inverse modulo `size`
        inverse: usize,
    },
}

impl VirtualAxis {
    fn shuffled(size: usize, per: usize) -> VirtualAxis {
        // an odd multiplier prime to size (size = 4096 P is even)
        let mut mult = (2_654_435_761 % size) | 1;
        while gcd(mult, size) != 1 {
            mult += 2;
        }
        VirtualAxis::Shuffled {
            size,
            per,
            mult,
            inverse: mod_inverse(mult, size),
        }
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

fn mod_inverse(a: usize, m: usize) -> usize {
    // extended Euclid over i128
    let (mut t, mut new_t, mut r, mut new_r) = (0i128, 1i128, m as i128, a as i128);
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    t.rem_euclid(m as i128) as usize
}

fn mul_mod(a: usize, b: usize, m: usize) -> usize {
    ((a as u128 * b as u128) % m as u128) as usize
}

/// A layout of a virtual world, seen from one rank.
#[derive(Clone)]
struct Virtual {
    shape: Vec<usize>,
    grid: ProcGrid,
    axes: Vec<VirtualAxis>,
}

impl Virtual {
    fn new(grid: &[usize], maps: Vec<AxisMap>, rank: usize) -> Virtual {
        let nprocs = grid.iter().product();
        Virtual {
            shape: maps.iter().map(AxisMap::size).collect(),
            grid: ProcGrid::new(grid, nprocs, rank).expect("a valid virtual grid"),
            axes: maps.into_iter().map(VirtualAxis::Map).collect(),
        }
    }

    /// The same layout seen from another rank.
    fn at(&self, rank: usize) -> Virtual {
        Virtual {
            grid: ProcGrid::new(self.grid.shape(), self.grid.nprocs(), rank)
                .expect("a rank of the grid"),
            ..self.clone()
        }
    }

    fn maps(&self) -> Vec<AxisMap> {
        self.axes
            .iter()
            .map(|a| match a {
                VirtualAxis::Map(m) => m.clone(),
                VirtualAxis::Shuffled { .. } => unreachable!("halo layouts are structured"),
            })
            .collect()
    }

    fn local_len(&self, axis: usize) -> usize {
        let p = self.grid.coords()[axis];
        match &self.axes[axis] {
            VirtualAxis::Map(m) => m.local_len(p),
            VirtualAxis::Shuffled { per, .. } => *per,
        }
    }

    fn local_shape(&self) -> Vec<usize> {
        (0..self.shape.len()).map(|a| self.local_len(a)).collect()
    }

    /// Heap bytes of the maps (block bounds are O(P) per axis).
    fn heap_bytes(&self) -> usize {
        self.axes
            .iter()
            .map(|a| match a {
                VirtualAxis::Map(AxisMap::Block(b)) => {
                    (b.bounds().len() + b.interface_padding().len()) * std::mem::size_of::<usize>()
                }
                _ => 0,
            })
            .sum()
    }
}

impl Virtual {
    /// This rank's global indices along `axis`, in buffer order.
    fn global_indices(&self, axis: usize) -> Vec<usize> {
        (0..self.local_len(axis))
            .map(|k| self.global_index(axis, k))
            .collect()
    }
}

impl Geometry for Virtual {
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn grid(&self) -> &ProcGrid {
        &self.grid
    }
    fn local_len(&self, axis: usize) -> usize {
        Virtual::local_len(self, axis)
    }
    fn global_index(&self, axis: usize, k: usize) -> usize {
        let p = self.grid.coords()[axis];
        match &self.axes[axis] {
            VirtualAxis::Map(m) => m.local_to_global(p, k),
            &VirtualAxis::Shuffled {
                size, per, mult, ..
            } => (mul_mod(mult, p * per + k, size) + 1) % size,
        }
    }
    fn each_owner(
        &self,
        axis: usize,
        picked: &mut dyn Iterator<Item = (usize, usize)>,
        f: &mut dyn FnMut(usize, usize, usize),
    ) {
        for (k, g) in picked {
            let (pos, j) = match &self.axes[axis] {
                VirtualAxis::Map(m) => m.owner(g).expect("structured maps know owners"),
                &VirtualAxis::Shuffled {
                    size, per, inverse, ..
                } => {
                    let q = mul_mod(inverse, (g + size - 1) % size, size);
                    (q / per, q % per)
                }
            };
            f(k, pos, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// From 1,000 to 20,000 ranks a rank's plan grows no faster than the
    /// number of ranks it talks to (the benchmark goes to 100,000), and
    /// its build time stays far below linear in the world's global size.
    #[test]
    fn plans_grow_with_peers_not_with_the_world() {
        for case in Case::ALL {
            let small = footprint(case, 1_000, 517);
            let large = footprint(case, 20_000, 10_517);
            let per_peer = |f: &Footprint| f.plan_bytes as f64 / f.peers.max(1) as f64;
            assert!(
                per_peer(&large) <= 2.0 * per_peer(&small),
                "{}: {small:?} -> {large:?}",
                case.name()
            );
            if case == Case::Halo {
                assert_eq!((small.peers, large.peers), (8, 8));
                assert!(large.plan_bytes <= 2 * small.plan_bytes);
            }
        }
    }

    #[test]
    fn shuffled_axes_are_permutations() {
        let v = VirtualAxis::shuffled(4096 * 6, 4096);
        let layout = Virtual {
            shape: vec![4096 * 6],
            grid: ProcGrid::new(&[6], 6, 2).unwrap(),
            axes: vec![v],
        };
        let mut picked = layout.global_indices(0).into_iter().enumerate();
        let mut seen = 0;
        layout.each_owner(0, &mut picked, &mut |k, p, j| {
            assert_eq!((p, j), (2, k));
            seen += 1;
        });
        assert_eq!(seen, 4096);
    }
}

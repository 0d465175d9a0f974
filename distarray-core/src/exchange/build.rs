//! Building exchange schedules: which cells each rank receives from which.
//!
//! Plans are *receive-driven*: every rank works out, for the cells of its
//! own target buffer, which source rank holds each one and where. Along each
//! axis this is an interval/stride computation (or one directory lookup for
//! unstructured sources), so the cost is O(sum of local extents + ranks),
//! not a lookup per element. The per-axis answers combine into one product
//! [`Segment`] per source rank; one all-to-all of those descriptions tells
//! every source rank what to send. Reshape, whose cells do not factor per
//! axis, uses flat offset lists instead (O(local elements)).

use super::segment::{c_strides, Run, Segment};
use crate::comm::Comm;
use crate::grid::ProcGrid;
use crate::layout::Layout;
use crate::map::AxisMap;
use std::collections::HashMap;

/// What building a schedule asks of a layout: its shape and grid, this
/// rank's global indices per axis, and who owns given global indices. Real
/// layouts answer owner questions for unstructured axes through their
/// distributed directory (collectively); the virtual layouts of the scale
/// simulation ([`super::scale`]) answer every question as a pure function,
/// so one rank's plan can be built for a world of any size without MPI.
pub(crate) trait Geometry {
    /// Global shape.
    fn shape(&self) -> &[usize];
    /// The process grid, as seen from this (possibly virtual) rank.
    fn grid(&self) -> &ProcGrid;
    /// This rank's buffer length along `axis`.
    fn local_len(&self, axis: usize) -> usize;
    /// The global index of buffer position `k` along `axis`.
    fn global_index(&self, axis: usize, k: usize) -> usize;
    /// Calls `f(k, grid position, local index)` with the owner of every
    /// `(k, global index)` pair, in order: one at a time for structured
    /// axes (O(1) memory), in one batch for the unstructured axes of a
    /// real layout (a directory lookup, collective).
    fn each_owner(
        &self,
        axis: usize,
        picked: &mut dyn Iterator<Item = (usize, usize)>,
        f: &mut dyn FnMut(usize, usize, usize),
    );
    /// Number of axes.
    fn ndim(&self) -> usize {
        self.shape().len()
    }
}

impl Geometry for Layout {
    fn shape(&self) -> &[usize] {
        Layout::shape(self)
    }
    fn grid(&self) -> &ProcGrid {
        Layout::grid(self)
    }
    fn local_len(&self, axis: usize) -> usize {
        self.local_shape()[axis]
    }
    fn global_index(&self, axis: usize, k: usize) -> usize {
        self.map(axis)
            .local_to_global(self.grid().coords()[axis], k)
    }
    fn each_owner(
        &self,
        axis: usize,
        picked: &mut dyn Iterator<Item = (usize, usize)>,
        f: &mut dyn FnMut(usize, usize, usize),
    ) {
        match self.map(axis) {
            AxisMap::Unstructured(u) => {
                let (ks, globals): (Vec<usize>, Vec<usize>) = picked.unzip();
                let owners = u.owners(self.comm(), &globals);
                for (k, o) in ks.into_iter().zip(owners) {
                    let (pos, j) = o.expect("a validated unstructured axis covers every index");
                    f(k, pos, j);
                }
            }
            m => {
                for (k, g) in picked {
                    let (pos, j) = m.owner(g).expect("structured maps know owners");
                    f(k, pos, j);
                }
            }
        }
    }
}

/// One target position along one axis: where its value comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    /// position in the target buffer along this axis
    pub k: usize,
    /// source grid position along the matching source axis
    pub src_pos: usize,
    /// position in that source buffer along that axis
    pub j: usize,
    /// a halo (ghost) entry rather than an interior one
    pub halo: bool,
}

/// Target positions along one axis that share a source position and kind,
/// and their source positions, as runs collected as they come (an
/// arithmetic progression costs O(1) memory however long it is).
pub(crate) struct Group {
    src_pos: usize,
    halo: bool,
    ks: Run,
    js: Run,
}

/// The groups of one axis, keyed by (source position, halo flag) in order
/// of first appearance.
#[derive(Default)]
struct Grouping {
    groups: Vec<Group>,
    at: HashMap<(usize, bool), usize>,
    /// the key of the last entry (runs of entries share one)
    last: Option<((usize, bool), usize)>,
}

impl Grouping {
    fn add(&mut self, src_pos: usize, halo: bool, k: usize, j: usize) {
        let key = (src_pos, halo);
        let i = match self.last {
            Some((last, i)) if last == key => i,
            _ => {
                let groups = &mut self.groups;
                let i = *self.at.entry(key).or_insert_with(|| {
                    groups.push(Group {
                        src_pos,
                        halo,
                        ks: Run::empty(),
                        js: Run::empty(),
                    });
                    groups.len() - 1
                });
                self.last = Some((key, i));
                i
            }
        };
        self.groups[i].ks.push(k);
        self.groups[i].js.push(j);
    }
}

/// Requests of one rank: (source rank, source segment, target segment).
pub(crate) type Requests = Vec<(usize, Segment, Segment)>;

/// What one rank exchanges with the others.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    /// (source segment, target segment) pairs that stay on this rank
    pub local: Vec<(Segment, Segment)>,
    /// per peer rank: segments this rank sends (source terms)
    pub send: Vec<Vec<Segment>>,
    /// per peer rank: segments this rank receives (target terms)
    pub recv: Vec<Vec<Segment>>,
}

/// Per target axis, the groups of its positions by source position: target
/// axis `a`'s global index `g` takes source index `map(a, g)` on source
/// axis `perm[a]` (`None`: the cell is not written). Target axes without a
/// source axis (`perm[a] == None`) get groups for the cells `map` accepts.
/// O(runs) memory per axis for structured layouts (positions are streamed,
/// never listed). Collective (one directory lookup per unstructured source
/// axis).
pub(crate) fn mapped_groups(
    src: &impl Geometry,
    dst: &impl Geometry,
    perm: &[Option<usize>],
    map: &dyn Fn(usize, usize) -> Option<usize>,
) -> Vec<Vec<Group>> {
    (0..dst.ndim())
        .map(|a| {
            let mut picked = (0..dst.local_len(a))
                .filter_map(|k| map(a, dst.global_index(a, k)).map(|s| (k, s)));
            axis_groups(src, perm[a], &mut picked)
        })
        .collect()
}

/// Groups from explicit per-axis lists of (target position, source global
/// index). Collective (one directory lookup per unstructured source axis).
pub(crate) fn listed_groups(
    src: &impl Geometry,
    perm: &[Option<usize>],
    lists: &[Vec<(usize, usize)>],
) -> Vec<Vec<Group>> {
    lists
        .iter()
        .zip(perm)
        .map(|(list, &axis)| axis_groups(src, axis, &mut list.iter().copied()))
        .collect()
}

/// Groups from entries already resolved to their owners (halos).
pub(crate) fn entry_groups(entries: &[Vec<Entry>]) -> Vec<Vec<Group>> {
    entries
        .iter()
        .map(|axis| {
            let mut g = Grouping::default();
            for e in axis {
                g.add(e.src_pos, e.halo, e.k, e.j);
            }
            g.groups
        })
        .collect()
}

fn axis_groups(
    src: &impl Geometry,
    src_axis: Option<usize>,
    picked: &mut dyn Iterator<Item = (usize, usize)>,
) -> Vec<Group> {
    let mut g = Grouping::default();
    match src_axis {
        None => picked.for_each(|(k, _)| g.add(0, false, k, 0)),
        Some(axis) => src.each_owner(axis, picked, &mut |k, pos, j| g.add(pos, false, k, j)),
    }
    g.groups
}

/// Combines per-axis groups into requests: one product segment per
/// combination of (source position, halo flag) groups that `keep` accepts.
/// `perm[a]` may be `None` (a target axis no source axis feeds), and
/// `fixed` lists source axes held at one index, as (source axis, grid
/// position, local index).
pub(crate) fn mapped_requests(
    src: &impl Geometry,
    perm: &[Option<usize>],
    fixed: &[(usize, usize, usize)],
    groups: &[Vec<Group>],
    keep: impl Fn(&[bool]) -> bool,
) -> Requests {
    let d = groups.len();
    let sd = src.ndim();
    let order: Vec<usize> = fixed
        .iter()
        .map(|f| f.0)
        .chain(perm.iter().flatten().copied())
        .collect();
    let mut out = Vec::new();
    if groups.iter().any(Vec::is_empty) && d > 0 {
        return out;
    }
    let mut pick = vec![0usize; d];
    loop {
        let halo: Vec<bool> = (0..d).map(|a| groups[a][pick[a]].halo).collect();
        if keep(&halo) {
            let mut src_coords = vec![0; sd];
            let mut src_runs = vec![Run::from_positions(&[]); sd];
            for &(axis, pos, j) in fixed {
                src_coords[axis] = pos;
                src_runs[axis] = Run::from_positions(&[j]);
            }
            let mut dst_runs = Vec::with_capacity(d);
            for a in 0..d {
                let g = &groups[a][pick[a]];
                if let Some(sa) = perm[a] {
                    src_coords[sa] = g.src_pos;
                    src_runs[sa] = g.js.clone();
                }
                dst_runs.push(g.ks.clone());
            }
            let rank = src.grid().rank_at(&src_coords);
            out.push((
                rank,
                Segment::Product {
                    runs: src_runs,
                    order: order.clone(),
                },
                Segment::Product {
                    runs: dst_runs,
                    order: (0..d).collect(),
                },
            ));
        }
        let mut a = d;
        loop {
            if a == 0 {
                return out;
            }
            a -= 1;
            pick[a] += 1;
            if pick[a] < groups[a].len() {
                break;
            }
            pick[a] = 0;
        }
    }
}

/// Requests of a reshape: every local target cell (C order) reads the
/// source cell with the same C-order position under the source's shape.
/// O(local elements). Collective (directory lookups for unstructured
/// source axes).
pub(crate) fn reshape_requests(comm: &Comm, src: &Layout, dst: &Layout) -> Requests {
    let mut src_index: Vec<Vec<usize>> = vec![Vec::with_capacity(dst.local_len()); src.ndim()];
    let src_strides = c_strides(src.shape());
    let dst_strides = c_strides(dst.shape());
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
    let mut per_rank: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new()); comm.size()];
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
    per_rank
        .into_iter()
        .enumerate()
        .filter(|(_, (s, _))| !s.is_empty())
        .map(|(r, (s, d))| (r, Segment::Flat(s), Segment::Flat(d)))
        .collect()
}

/// Tells every source rank what to send. Collective.
pub(crate) fn exchange_requests(comm: &Comm, requests: Requests) -> Schedule {
    let n = comm.size();
    let me = comm.rank();
    let mut schedule = Schedule {
        local: Vec::new(),
        send: vec![Vec::new(); n],
        recv: vec![Vec::new(); n],
    };
    let mut outgoing: Vec<Vec<u64>> = vec![Vec::new(); n];
    for (rank, src_seg, dst_seg) in requests {
        if src_seg.len() == 0 {
            continue;
        }
        if rank == me {
            schedule.local.push((src_seg, dst_seg));
        } else {
            src_seg.encode(&mut outgoing[rank]);
            schedule.recv[rank].push(dst_seg);
        }
    }
    let incoming = comm.all_to_all_varcount(&outgoing);
    for (peer, words) in incoming.into_iter().enumerate() {
        let mut it = words.into_iter().peekable();
        while it.peek().is_some() {
            schedule.send[peer].push(Segment::decode(&mut it));
        }
    }
    schedule
}

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

use super::segment::{Run, Segment};
use crate::comm::Comm;
use crate::layout::Layout;
use crate::map::AxisMap;

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

/// Target positions along one axis that share a source position and kind.
struct Group {
    src_pos: usize,
    halo: bool,
    ks: Vec<usize>,
    js: Vec<usize>,
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

/// Entries of every target position of every axis, for a plan from `src` to
/// `dst` where target axis `a` is source axis `perm[a]`. Collective (one
/// directory lookup per unstructured source axis).
pub(crate) fn redistribution_entries(
    comm: &Comm,
    src: &Layout,
    dst: &Layout,
    perm: &[usize],
) -> Vec<Vec<Entry>> {
    (0..dst.ndim())
        .map(|a| {
            let globals = dst.global_indices(a);
            let src_map = src.map(perm[a]);
            let owners: Vec<(usize, usize)> = match src_map {
                AxisMap::Unstructured(u) => u
                    .owners(comm, &globals)
                    .into_iter()
                    .map(|o| o.expect("a validated unstructured axis covers every index"))
                    .collect(),
                m => globals
                    .iter()
                    .map(|&g| m.owner(g).expect("structured maps know owners"))
                    .collect(),
            };
            owners
                .into_iter()
                .enumerate()
                .map(|(k, (src_pos, j))| Entry {
                    k,
                    src_pos,
                    j,
                    halo: false,
                })
                .collect()
        })
        .collect()
}

/// Combines per-axis entries into requests: one product segment per
/// combination of (source position, halo flag) groups that `keep` accepts.
pub(crate) fn product_requests(
    src: &Layout,
    perm: &[usize],
    entries: &[Vec<Entry>],
    keep: impl Fn(&[bool]) -> bool,
) -> Requests {
    let d = entries.len();
    // per axis: groups keyed by (src_pos, halo), in order of first appearance
    let groups: Vec<Vec<Group>> = entries
        .iter()
        .map(|axis| {
            let mut g: Vec<Group> = Vec::new();
            for e in axis {
                match g
                    .iter_mut()
                    .find(|x| x.src_pos == e.src_pos && x.halo == e.halo)
                {
                    Some(x) => {
                        x.ks.push(e.k);
                        x.js.push(e.j);
                    }
                    None => g.push(Group {
                        src_pos: e.src_pos,
                        halo: e.halo,
                        ks: vec![e.k],
                        js: vec![e.j],
                    }),
                }
            }
            g
        })
        .collect();
    let mut out = Vec::new();
    if groups.iter().any(Vec::is_empty) && d > 0 {
        return out;
    }
    let mut pick = vec![0usize; d];
    loop {
        let halo: Vec<bool> = (0..d).map(|a| groups[a][pick[a]].halo).collect();
        if keep(&halo) {
            let mut src_coords = vec![0; d];
            let mut src_runs = vec![Run::from_positions(&[]); d];
            let mut dst_runs = Vec::with_capacity(d);
            for a in 0..d {
                let g = &groups[a][pick[a]];
                src_coords[perm[a]] = g.src_pos;
                src_runs[perm[a]] = Run::from_positions(&g.js);
                dst_runs.push(Run::from_positions(&g.ks));
            }
            let rank = src.grid().rank_at(&src_coords);
            out.push((
                rank,
                Segment::Product {
                    runs: src_runs,
                    order: perm.to_vec(),
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

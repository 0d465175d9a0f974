//! Exchanges between layouts on *different* communicators, both inside
//! one parent communicator the messages travel on (a solver on a subset of
//! the ranks reading its input from a layout on another subset, the
//! original DistArray's "redistribute between contexts").
//!
//! Building costs O(local cells) plus one all-to-all on the parent: each
//! cell's owner is found through a directory spread over the parent's
//! ranks, so any kind of source distribution (unstructured included) works.

use super::build::{exchange_requests, Requests};
use super::options::PlanOptions;
use super::segment::Segment;
use super::transport::Exchange;
use crate::array::{c_strides, for_each_global, for_each_in_box};
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::Directory;

/// The shape a rank reports for one side: `None` when it is not a member.
fn encode_shape(layout: Option<&Layout>) -> Vec<u8> {
    match layout {
        None => Vec::new(),
        Some(l) => {
            let mut v = vec![1u8];
            v.extend((l.comm().size() as u64).to_le_bytes());
            for &d in l.shape() {
                v.extend((d as u64).to_le_bytes());
            }
            v
        }
    }
}

/// (communicator size, shape) of one side, from every rank's report; the
/// same verdict on every rank.
fn side_of(reports: &[Vec<u8>], what: &str) -> Result<(usize, Vec<usize>)> {
    let decode = |b: &Vec<u8>| -> Vec<usize> {
        b[1..]
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")) as usize)
            .collect()
    };
    let members: Vec<Vec<usize>> = reports
        .iter()
        .filter(|b| !b.is_empty())
        .map(decode)
        .collect();
    let first = members.first().ok_or_else(|| {
        Error::InvalidArgument(format!(
            "Plan::across: no rank of the parent communicator passed a {what} layout"
        ))
    })?;
    if let Some(other) = members.iter().find(|m| *m != first) {
        return Err(Error::LayoutMismatch {
            context: format!("Plan::across {what}"),
            detail: format!(
                "the {what} ranks disagree: (communicator size, shape) {:?} vs {:?}",
                first, other
            ),
        });
    }
    if first[0] != members.len() {
        return Err(Error::LayoutMismatch {
            context: format!("Plan::across {what}"),
            detail: format!(
                "the {what} layout's communicator has {} ranks but {} ranks of the parent passed it; \
                 every member (and only members) must pass the layout",
                first[0],
                members.len()
            ),
        });
    }
    Ok((first[0], first[1..].to_vec()))
}

/// The exchange from `src` (on the ranks that hold it, `None` elsewhere)
/// to `dst` (likewise) over `parent`. Collective over `parent`; every rank
/// gets the same error when the input is wrong.
pub(crate) fn across<T: Element>(
    parent: &Comm,
    src: Option<&Layout>,
    dst: Option<&Layout>,
    options: &PlanOptions,
) -> Result<Exchange<T>> {
    let src_reports = parent.all_gather_bytes(&encode_shape(src));
    let dst_reports = parent.all_gather_bytes(&encode_shape(dst));
    let (_, src_shape) = side_of(&src_reports, "source")?;
    let (_, dst_shape) = side_of(&dst_reports, "target")?;
    if src_shape != dst_shape {
        return Err(Error::ShapeMismatch {
            context: "Plan::across target shape".into(),
            expected: src_shape,
            found: dst_shape,
        });
    }
    let len: usize = src_shape.iter().product();
    let n = parent.size();
    let strides = c_strides(&src_shape);

    // 1. owners publish (flat index, parent rank, local offset) to a
    //    directory spread over the parent (lowest parent rank wins for
    //    replicated cells)
    let mut owned_cells: Vec<(usize, usize, usize)> = Vec::new();
    if let Some(l) = src {
        let me = parent.rank();
        let positions: Vec<Vec<usize>> = l
            .owned_local_ranges()
            .into_iter()
            .map(|r| r.collect())
            .collect();
        let globals: Vec<Vec<usize>> = (0..l.ndim()).map(|a| l.global_indices(a)).collect();
        let local_strides = c_strides(l.local_shape());
        owned_cells.reserve(positions.iter().map(Vec::len).product());
        for_each_in_box(&positions, |lp, _| {
            let (mut f, mut off) = (0, 0);
            for a in 0..lp.len() {
                f += globals[a][lp[a]] * strides[a];
                off += lp[a] * local_strides[a];
            }
            owned_cells.push((f, me, off));
        });
    }
    let directory = Directory::build(parent, len, &owned_cells);
    drop(owned_cells);

    // 2. target ranks ask who owns each of their cells (local C order)
    let mut wanted: Vec<usize> = Vec::with_capacity(dst.map_or(0, Layout::local_len));
    if let Some(l) = dst {
        for_each_global(l, |g, _| {
            wanted.push(g.iter().zip(&strides).map(|(i, s)| i * s).sum());
        });
    }
    let owners = directory.lookup(parent, &wanted);

    // 3. requests per owning rank, then the usual schedule on the parent
    let mut per_owner: Vec<(Vec<usize>, Vec<usize>)> = vec![(Vec::new(), Vec::new()); n];
    let mut missing = false;
    for (k, owner) in owners.into_iter().enumerate() {
        match owner {
            Some((rank, off)) => {
                per_owner[rank].0.push(off);
                per_owner[rank].1.push(k);
            }
            None => missing = true,
        }
    }
    if !parent.all(!missing) {
        return Err(Error::InvalidArgument(
            "Plan::across: some target cells have no owner in the source layout".into(),
        ));
    }
    let requests: Requests = per_owner
        .into_iter()
        .enumerate()
        .filter(|(_, (s, _))| !s.is_empty())
        .map(|(r, (s, d))| (r, Segment::Flat(s), Segment::Flat(d)))
        .collect();
    let schedule = exchange_requests(parent, requests);
    let empty: [usize; 1] = [0];
    let src_local = src.map_or(&empty[..], |l| l.local_shape());
    let dst_local = dst.map_or(&empty[..], |l| l.local_shape());
    Ok(Exchange::new(
        parent, src_local, dst_local, schedule, options,
    ))
}

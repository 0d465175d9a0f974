//! Plans between layouts on *different* communicators: a solver on a subset
//! of the ranks reading its input from a layout on another subset (or on all
//! of them), the original DistArray's "redistribute between contexts".
//!
//! Both communicators must be subsets of one parent communicator, which the
//! plan's messages travel on. Ranks outside a side pass `None` for it; every
//! rank of the parent calls [`CrossPlan::new`] and [`CrossPlan::execute`].
//!
//! Building costs O(local cells) plus one all-to-all on the parent: each
//! cell's owner is found through a directory spread over the parent's
//! ranks, so any kind of source distribution (unstructured included) works.
//! Executing runs the same pairwise transport as [`super::Plan`] and
//! allocates nothing.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! use distarray_core::redistribute::CrossPlan;
//! let _u = mpi::initialize().unwrap();
//! let world = Comm::world();
//! // the first rank alone holds the input; every rank works on the result
//! let first = world.subset(world.rank() == 0);
//! let src = first
//!     .as_ref()
//!     .map(|c| Layout::block(c, &[8]).unwrap());
//! let dst = Layout::new(&world, &[8], &[Dist::Cyclic]).unwrap();
//! let a = src.as_ref().map(|l| DistArray::from_fn(l, |ix: &[usize]| ix[0] as f64));
//! let mut plan = CrossPlan::<f64>::new(&world, src.as_ref(), Some(&dst)).unwrap();
//! let mut b = DistArray::zeros(&dst);
//! plan.execute(a.as_ref(), Some(&mut b)).unwrap();
//! assert_eq!(b.get(&[5]).unwrap(), 5.0);
//! ```

use super::build::Requests;
use super::plan::{check_built_with, not_contiguous, Exchange};
use super::segment::Segment;
use crate::array::{for_each_global, for_each_in_box, DistArrayBase};
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::map::Directory;
use ndarray::{Data, DataMut};

/// A reusable plan from a layout on one sub-communicator to a layout on
/// another, both inside `parent`. See the [module docs](self).
#[derive(Debug)]
pub struct CrossPlan<T> {
    parent: Comm,
    src: Option<Layout>,
    dst: Option<Layout>,
    exchange: Exchange<T>,
}

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
            "CrossPlan: no rank of the parent communicator passed a {what} layout"
        ))
    })?;
    if let Some(other) = members.iter().find(|m| *m != first) {
        return Err(Error::LayoutMismatch {
            context: format!("CrossPlan {what}"),
            detail: format!(
                "the {what} ranks disagree: (communicator size, shape) {:?} vs {:?}",
                first, other
            ),
        });
    }
    if first[0] != members.len() {
        return Err(Error::LayoutMismatch {
            context: format!("CrossPlan {what}"),
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

impl<T: Element> CrossPlan<T> {
    /// A plan from `src` (on the ranks that hold it, `None` elsewhere) to
    /// `dst` (likewise). Both layouts' communicators must consist of ranks
    /// of `parent`, and the global shapes must match. Collective over
    /// `parent`; every rank gets the same error when the input is wrong.
    pub fn new(parent: &Comm, src: Option<&Layout>, dst: Option<&Layout>) -> Result<CrossPlan<T>> {
        let src_reports = parent.all_gather_bytes(&encode_shape(src));
        let dst_reports = parent.all_gather_bytes(&encode_shape(dst));
        let (_, src_shape) = side_of(&src_reports, "source")?;
        let (_, dst_shape) = side_of(&dst_reports, "target")?;
        if src_shape != dst_shape {
            return Err(Error::ShapeMismatch {
                context: "CrossPlan target shape".into(),
                expected: src_shape,
                found: dst_shape,
            });
        }
        let len: usize = src_shape.iter().product();
        let n = parent.size();
        let strides = crate::array::c_strides(&src_shape);

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
            let local_strides = crate::array::c_strides(l.local_shape());
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
                "CrossPlan: some target cells have no owner in the source layout".into(),
            ));
        }
        let requests: Requests = per_owner
            .into_iter()
            .enumerate()
            .filter(|(_, (s, _))| !s.is_empty())
            .map(|(r, (s, d))| (r, Segment::Flat(s), Segment::Flat(d)))
            .collect();
        let schedule = super::build::exchange_requests(parent, requests);
        let empty: [usize; 1] = [0];
        let src_local = src.map_or(&empty[..], |l| l.local_shape());
        let dst_local = dst.map_or(&empty[..], |l| l.local_shape());
        Ok(CrossPlan {
            parent: parent.clone(),
            src: src.cloned(),
            dst: dst.cloned(),
            exchange: Exchange::new(parent, src_local, dst_local, schedule),
        })
    }

    /// The source layout, on the ranks that hold it.
    pub fn source(&self) -> Option<&Layout> {
        self.src.as_ref()
    }
    /// The target layout, on the ranks that hold it.
    pub fn target(&self) -> Option<&Layout> {
        self.dst.as_ref()
    }
    /// Elements this rank sends to other ranks, receives from them, and copies locally.
    pub fn volume(&self) -> (usize, usize, usize) {
        self.exchange.volume()
    }

    /// Moves the source array's data into the target array. Source members
    /// pass `Some(source)`, target members `Some(target)`, others `None`.
    /// Collective over the parent; a wrong argument on any rank is an error
    /// on every rank (checked before any data moves).
    pub fn execute<S, D>(
        &mut self,
        src: Option<&DistArrayBase<S>>,
        dst: Option<&mut DistArrayBase<D>>,
    ) -> Result<()>
    where
        S: Data<Elem = T>,
        D: DataMut<Elem = T>,
    {
        let rank = self.parent.rank();
        let local = check_built_with(src.map(|a| a.layout()), self.src.as_ref(), || {
            format!("CrossPlan::execute source on parent rank {rank}")
        })
        .and_then(|_| {
            check_built_with(dst.as_ref().map(|a| a.layout()), self.dst.as_ref(), || {
                format!("CrossPlan::execute target on parent rank {rank}")
            })
        })
        .and_then(|_| match &dst {
            Some(d) if !d.local().is_standard_layout() => Err(not_contiguous()),
            _ => Ok(()),
        });
        self.parent.agree(local)?;
        // borrowed, not copied, when the source is C-contiguous (always, for
        // arrays distarray creates)
        let src_view = src.map(|a| a.local());
        let src_std = src_view.as_ref().map(|v| v.as_standard_layout());
        let src_buf: &[T] = src_std.as_ref().map_or(&[], |l| {
            l.as_slice().expect("standard layout is contiguous")
        });
        match dst {
            Some(d) => {
                let mut view = d.local_mut();
                let buf = view.as_slice_mut().expect("checked contiguous above");
                self.exchange.run(src_buf, buf);
            }
            None => self.exchange.run(src_buf, &mut []),
        }
        Ok(())
    }
}

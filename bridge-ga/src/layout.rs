//! Our layouts as GA distributions and back (the skeleton's `layout`):
//! what GA can hold is described to GA exactly; anything else goes through
//! an explicit [`to_native_plan`].
//!
//! GA distributes an N-d array as a grid of blocks (`nblock[a]` along axis
//! `a`, block starts in `map`), block `(b0, b1, ...)` on process
//! `b0 * nblock[1] * ... + b1 * ... + ...` — C order, the order of
//! distarray's process grids (checked after every creation against
//! `NGA_Distribution`, so a GA that reordered processes is an error, not a
//! silent mismatch). Ghost cells in GA surround every block on every side
//! and `GA_Update_ghosts` fills them periodically, corners included; in the
//! Distributed Array Protocol that is communication padding `w` at every
//! interface plus boundary padding `(w, w)` counted in the global shape, on
//! a periodic axis.

use distarray_core::bridge::NativePlan;
use distarray_core::map::AxisMap;
use distarray_core::{BlockMap, Element, Error, Layout, Result};

/// A GA distribution: extents, blocks per axis, block starts, ghost widths
/// (an irregular GA), or extents, block sizes and process grid (a
/// ScaLAPACK-style block-cyclic GA, `block_cyclic` set, `map` empty).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GaDistribution {
    pub dims: Vec<i64>,
    pub nblock: Vec<i64>,
    pub map: Vec<i64>,
    pub width: Vec<i64>,
    /// block sizes of a block-cyclic GA (its process grid is `nblock`)
    pub block_cyclic: Option<Vec<i64>>,
}

impl GaDistribution {
    pub fn has_ghosts(&self) -> bool {
        self.width.iter().any(|&w| w > 0)
    }
}

/// A layout whose every axis is cyclic or block-cyclic (or held whole) is a
/// ScaLAPACK-style block-cyclic GA (`GA_Set_block_cyclic_proc_grid`): block
/// `k` of an axis on grid position `k % P`, the grid in C order, each
/// process' blocks stored as one dense C-order local array in global order
/// — distarray's block-cyclic local buffer exactly.
fn describe_block_cyclic(layout: &Layout) -> Option<GaDistribution> {
    let mut any_cyclic = false;
    let mut d = GaDistribution {
        dims: vec![],
        nblock: vec![],
        map: vec![],
        width: vec![],
        block_cyclic: Some(vec![]),
    };
    for m in layout.maps() {
        let (size, block, grid) = match m {
            AxisMap::Cyclic(c) => {
                any_cyclic |= c.grid_size() > 1;
                (c.size(), c.block_size(), c.grid_size())
            }
            AxisMap::Block(b) if b.grid_size() == 1 && !b.is_padded() => {
                (b.size(), b.size().max(1), 1)
            }
            _ => return None,
        };
        d.dims.push(size as i64);
        d.nblock.push(grid as i64);
        d.width.push(0);
        d.block_cyclic.as_mut().unwrap().push(block as i64);
    }
    any_cyclic.then_some(d)
}

fn mismatch(axis: usize, detail: String) -> Error {
    Error::LayoutMismatch {
        context: "Global Arrays".into(),
        detail: format!("axis {axis}: {detail}"),
    }
}

/// Block starts along one axis, checked against what GA accepts.
fn block_starts(axis: usize, lens: &[usize], width: usize) -> Result<Vec<i64>> {
    let n: usize = lens.iter().sum();
    if n == 0 {
        return Err(mismatch(axis, "GA cannot hold an axis of length 0".into()));
    }
    if lens.len() > n {
        return Err(mismatch(
            axis,
            format!(
                "{} blocks for {n} cells; GA needs at most one block per cell (use to_native_plan for a layout with fewer blocks)",
                lens.len()
            ),
        ));
    }
    if width > 0 {
        if let Some((p, &l)) = lens.iter().enumerate().find(|(_, &l)| l < width) {
            return Err(mismatch(
                axis,
                format!("block {p} holds {l} cells, fewer than the ghost width {width}"),
            ));
        }
    }
    let mut starts = Vec::with_capacity(lens.len());
    let mut at = 0usize;
    for &l in lens {
        starts.push(at as i64);
        at += l;
    }
    Ok(starts)
}

/// The GA distribution of `layout`, or why GA cannot hold it.
pub(crate) fn describe(layout: &Layout) -> Result<GaDistribution> {
    let mut d = GaDistribution {
        dims: vec![],
        nblock: vec![],
        map: vec![],
        width: vec![],
        block_cyclic: None,
    };
    if layout.ndim() == 0 {
        return Err(Error::LayoutMismatch {
            context: "Global Arrays".into(),
            detail: "GA arrays have at least one axis".into(),
        });
    }
    if let Some(bc) = describe_block_cyclic(layout) {
        if let Some(a) = bc.dims.iter().position(|&n| n == 0) {
            return Err(mismatch(a, "GA cannot hold an axis of length 0".into()));
        }
        return Ok(bc);
    }
    for (a, m) in layout.maps().iter().enumerate() {
        let (lens, width) = match m {
            AxisMap::Cyclic(c) if c.grid_size() == 1 => (vec![c.size()], 0),
            AxisMap::Block(b) if !b.is_padded() => (
                (0..b.grid_size()).map(|p| b.owned_len(p)).collect(),
                0,
            ),
            AxisMap::Block(b) => {
                let w = b.boundary_padding().0;
                let ga_style = b.boundary_padding() == (w, w)
                    && b.interface_padding().iter().all(|&x| x == w)
                    && b.is_periodic();
                if !ga_style {
                    return Err(mismatch(
                        a,
                        format!(
                            "GA ghost cells are the same width w on every side of every block and wrap around: \
                             communication padding w, boundary padding (w, w), periodic; this axis has \
                             communication padding {:?}, boundary padding {:?}, periodic {} (see ghost_layout)",
                            b.interface_padding(),
                            b.boundary_padding(),
                            b.is_periodic()
                        ),
                    ));
                }
                let p = b.grid_size();
                let lens = (0..p)
                    .map(|q| {
                        let edge = usize::from(q == 0) * w + usize::from(q + 1 == p) * w;
                        b.owned_len(q) - edge
                    })
                    .collect();
                (lens, w)
            }
            other => {
                return Err(mismatch(
                    a,
                    format!(
                        "GA holds block axes, or cyclic/block-cyclic ones when every axis is; this one is {} \
                         (use to_native_plan for an explicit redistribution)",
                        match other.short_name() {
                            "c" => "cyclic among block axes",
                            "bc" => "block-cyclic among block axes",
                            _ => "unstructured",
                        }
                    ),
                ))
            }
        };
        let starts = block_starts(a, &lens, width)?;
        d.dims.push(lens.iter().sum::<usize>() as i64);
        d.nblock.push(starts.len() as i64);
        d.map.extend(starts);
        d.width.push(width as i64);
    }
    Ok(d)
}

/// The padded layout of a GA with ghost cells of `width[a]` along axis `a`
/// over the blocks of `interior` (block or not-distributed axes, no
/// padding): each axis grows by `2 * width[a]` cells of boundary padding,
/// every interface gets communication padding `width[a]`, and the axis is
/// periodic, as GA's ghost update is. GA's index `i` is index `i + width[a]`
/// of the padded layout. Not collective.
///
/// ```
/// # let _u = mpi::initialize().unwrap();
/// use distarray_core::{Comm, Layout};
/// let comm = Comm::world();
/// let interior = Layout::block(&comm, &[100, 80]).unwrap();
/// let padded = bridge_ga::ghost_layout(&interior, &[1, 1]).unwrap();
/// assert_eq!(padded.shape(), &[102, 82]);
/// ```
pub fn ghost_layout(interior: &Layout, width: &[usize]) -> Result<Layout> {
    if width.len() != interior.ndim() {
        return Err(Error::InvalidArgument(format!(
            "{} ghost widths for a {}-d layout",
            width.len(),
            interior.ndim()
        )));
    }
    let maps = interior
        .maps()
        .iter()
        .zip(width)
        .enumerate()
        .map(|(a, (m, &w))| {
            let b = match m {
                AxisMap::Block(b) if !b.is_padded() => b.clone(),
                AxisMap::Cyclic(c) if c.grid_size() == 1 => BlockMap::regular(c.size(), 1),
                _ => {
                    return Err(mismatch(
                        a,
                        format!("ghost_layout needs block axes without padding, got {:?}", m),
                    ))
                }
            };
            if w == 0 {
                return Ok(AxisMap::Block(b));
            }
            let bounds = b.bounds();
            let p = bounds.len() - 1;
            let shifted: Vec<usize> = bounds
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    if i == 0 {
                        0
                    } else if i == p {
                        x + 2 * w
                    } else {
                        x + w
                    }
                })
                .collect();
            let padded = BlockMap::irregular(shifted)
                .and_then(|m| m.with_padding(w, (w, w)))
                .map_err(|e| mismatch(a, e.to_string()))?;
            Ok(AxisMap::Block(padded.with_periodic(true)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Layout::from_parts(
        interior.comm().clone(),
        interior.grid().clone(),
        maps,
    ))
}

/// For a layout GA cannot hold (unstructured axes, or cyclic axes mixed
/// with distributed block axes): the balanced block layout of the same
/// shape and the plans there and back ([`NativePlan`]). Explicit and
/// reusable: build once, execute per transfer. Collective.
///
/// # Examples
///
/// ```
/// use bridge_ga::{to_native_plan, Ga, GlobalArray};
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let ga = Ga::init().unwrap();
/// let comm = Comm::world();
/// let mine: Vec<usize> = (0..64).rev().filter(|i| i % comm.size() == comm.rank()).collect();
/// let u = distarray_core::Dist::Unstructured { indices: mine, one_to_one: true };
/// let scattered = Layout::with_grid(&comm, &[64], &[u], &[comm.size()]).unwrap();
/// let a = DistArray::from_fn(&scattered, |ix: &[usize]| ix[0] as f64);
/// let mut plan = to_native_plan::<f64>(&scattered).unwrap();
/// let mut block = DistArray::zeros(&plan.native);
/// plan.to_native.execute(&a, &mut block).unwrap(); // the explicit copy
/// let g = GlobalArray::from_array_copy(&ga, &block).unwrap();
/// assert_eq!(g.get(&[40], &[41]).unwrap()[[0]], 40.0);
/// ```
pub fn to_native_plan<T: Element>(layout: &Layout) -> Result<NativePlan<T>> {
    let block = Layout::block(layout.comm(), layout.shape())?;
    layout.comm().agree(describe(&block).map(|_| ()))?;
    NativePlan::new(layout, &block)
}

/// The layout of a GA distribution read back from GA: `bounds[a]` are the
/// block bounds along axis `a` (in GA's coordinates), `width` the ghost widths.
pub(crate) fn layout_from_bounds(
    comm: &distarray_core::Comm,
    bounds: Vec<Vec<usize>>,
    width: &[usize],
) -> Result<Layout> {
    let grid: Vec<usize> = bounds.iter().map(|b| b.len() - 1).collect();
    let shape: Vec<usize> = bounds.iter().map(|b| *b.last().unwrap()).collect();
    let dists: Vec<distarray_core::Dist> = bounds
        .into_iter()
        .map(distarray_core::Dist::BlockBounds)
        .collect();
    let interior = Layout::with_grid(comm, &shape, &dists, &grid)?;
    if width.iter().all(|&w| w == 0) {
        Ok(interior)
    } else {
        ghost_layout(&interior, width)
    }
}

//! Importing protocol descriptions as distributed arrays (collective).

use super::json::parse_rank;
use super::{check_array, check_rank, DimDict};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::grid::ProcGrid;
use crate::layout::Layout;
use crate::map::{AxisMap, BlockMap, CyclicMap, DistType, UnstructuredMap};
use ndarray::ArrayD;
use serde_json::Value;

impl<T: Element> DistArray<T> {
    /// Imports every rank's description (collective over `comm`: rank `r`
    /// passes the description of rank `r`). Every protocol rule is checked;
    /// if any rank's description breaks one, every rank returns the same
    /// error naming the rule, the rank and the dimension.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout, Rule};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let layout = Layout::new(&comm, &[7], &[Dist::Cyclic]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
    /// let dap = a.to_dap();
    /// let b = DistArray::from_dap(&comm, &dap.dim_data, dap.buffer.to_owned()).unwrap();
    /// assert_eq!(b.layout(), &layout);
    ///
    /// // a description that breaks a rule is refused, the rule named
    /// let mut dims = dap.dim_data.clone();
    /// dims[0].start = Some(dims[0].start.unwrap() + 1);
    /// let err = DistArray::from_dap(&comm, &dims, dap.buffer.to_owned()).unwrap_err();
    /// assert_eq!(err.rule(), Some(Rule::CyclicStartMismatch));
    /// ```
    pub fn from_dap(comm: &Comm, dim_data: &[DimDict], buffer: ArrayD<T>) -> Result<DistArray<T>> {
        let layout = import_layout(comm, dim_data, buffer.shape())?;
        DistArrayBase::from_local(layout, buffer)
    }

    /// Imports every rank's description in its JSON form (see
    /// [`DapExport::to_json`](super::DapExport::to_json)). Collective.
    ///
    /// # Examples
    ///
    /// A description written by hand (or by Python): rank `r` holds cells
    /// `2r` and `2r + 1`.
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Rule};
    /// use serde_json::json;
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let (r, p) = (comm.rank(), comm.size());
    /// let mut description = json!({
    ///     "__version__": "0.10.0",
    ///     "buffer": [2 * r, 2 * r + 1],
    ///     "dim_data": [{"dist_type": "b", "size": 2 * p, "proc_grid_rank": r,
    ///                   "proc_grid_size": p, "start": 2 * r, "stop": 2 * r + 2}],
    /// });
    /// let a = DistArray::<i64>::from_dap_json(&comm, &description).unwrap();
    /// assert_eq!(a.get(&[2 * p - 1]).unwrap(), (2 * p - 1) as i64);
    ///
    /// description["dim_data"][0]["dist_type"] = json!("x");
    /// let err = DistArray::<i64>::from_dap_json(&comm, &description).unwrap_err();
    /// assert_eq!(err.rule(), Some(Rule::DistTypeInvalid));
    /// ```
    pub fn from_dap_json(comm: &Comm, description: &Value) -> Result<DistArray<T>> {
        let parsed = comm.agree(parse_rank::<T>(description, comm.rank()))?;
        Self::from_dap(comm, &parsed.dim_data, parsed.buffer)
    }
}

/// Builds (and fully validates) the layout that rank descriptions describe.
/// Collective over `comm`.
pub fn import_layout(comm: &Comm, dim_data: &[DimDict], buffer_shape: &[usize]) -> Result<Layout> {
    let rank = comm.rank();
    comm.agree(check_rank(dim_data, buffer_shape, rank))?;
    let summary: Vec<DimDict> = dim_data.iter().map(DimDict::without_indices).collect();
    let bytes = serde_json::to_vec(&summary).expect("dimension dictionaries serialize");
    let ranks: Vec<Vec<DimDict>> = comm
        .all_gather_bytes(&bytes)
        .iter()
        .map(|b| serde_json::from_slice(b).expect("ranks exchange valid summaries"))
        .collect();
    comm.agree(check_array(&ranks))?;
    let grid_shape: Vec<usize> = dim_data.iter().map(|d| d.proc_grid_size).collect();
    let grid = ProcGrid::new(&grid_shape, comm.size(), rank)?;
    let mut maps = Vec::with_capacity(dim_data.len());
    for (a, d) in dim_data.iter().enumerate() {
        maps.push(match d.dist_type {
            DistType::Block => AxisMap::Block(block_map(&ranks, &grid, a)?),
            DistType::Cyclic => AxisMap::Cyclic(CyclicMap::new(
                d.size,
                d.proc_grid_size,
                d.block_size_or_one(),
            )?),
            DistType::Unstructured => AxisMap::Unstructured(UnstructuredMap::build(
                comm,
                &grid,
                a,
                d.size,
                d.indices.clone().unwrap_or_default(),
                d.one_to_one.unwrap_or(false),
            )?),
        });
    }
    let layout = Layout::from_parts(comm.clone(), grid, maps);
    if layout.local_shape() != buffer_shape {
        return Err(Error::ShapeMismatch {
            context: format!("imported buffer on rank {rank}"),
            expected: layout.local_shape().to_vec(),
            found: buffer_shape.to_vec(),
        });
    }
    Ok(layout)
}

/// The block map of axis `a` from every position's (checked) dictionary.
fn block_map(ranks: &[Vec<DimDict>], grid: &ProcGrid, a: usize) -> Result<BlockMap> {
    let p = grid.shape()[a];
    let at = |i: usize| {
        let mut coords = vec![0; grid.shape().len()];
        coords[a] = i;
        &ranks[grid.rank_at(&coords)][a]
    };
    let mut bounds = Vec::with_capacity(p + 1);
    let mut interfaces = Vec::with_capacity(p.saturating_sub(1));
    for i in 0..p {
        let d = at(i);
        let (l, r) = d.padding_or_zero();
        bounds.push(d.start.unwrap_or(0) + if i > 0 { l } else { 0 });
        if i + 1 < p {
            interfaces.push(r);
        }
    }
    bounds.push(at(0).size);
    let boundary = (at(0).padding_or_zero().0, at(p - 1).padding_or_zero().1);
    let map = BlockMap::irregular(bounds)
        .and_then(|m| m.with_interface_padding(interfaces, boundary))
        .map_err(|e| match e {
            Error::InvalidMap { reason, .. } => Error::InvalidMap { dim: a, reason },
            other => other,
        })?;
    Ok(map.with_periodic(at(0).periodic.unwrap_or(false)))
}

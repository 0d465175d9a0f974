//! The protocol's semantic rules: those one rank's description must obey on
//! its own ([`check_rank`]), and those only the set of all ranks'
//! descriptions can break ([`check_array`]). Both are pure functions, usable
//! without MPI (a command-line validator uses them on files).

use super::DimDict;
use crate::error::{Error, Result, Rule};
use crate::grid::coords_of;
use crate::map::{CyclicMap, DistType};
use std::collections::HashSet;

/// Checks one rank's dimension dictionaries against its buffer's shape.
///
/// # Examples
///
/// ```
/// use distarray_core::protocol::{check_rank, DimDict};
/// use distarray_core::Rule;
/// use serde_json::json;
/// let d: DimDict = serde_json::from_value(json!({"dist_type": "b", "size": 10,
///     "proc_grid_rank": 0, "proc_grid_size": 2, "start": 0, "stop": 5})).unwrap();
/// assert!(check_rank(&[d.clone()], &[5], 0).is_ok());
/// let err = check_rank(&[d], &[4], 0).unwrap_err(); // 5 cells described, 4 held
/// assert_eq!(err.rule(), Some(Rule::BufferExtentNeStopMinusStart));
/// ```
pub fn check_rank(dims: &[DimDict], buffer_shape: &[usize], rank: usize) -> Result<()> {
    let err = |rule, dim, detail: String| Err(Error::protocol(rule, Some(rank), dim, detail));
    for (a, d) in dims.iter().enumerate() {
        if d.proc_grid_size < 1 {
            return err(
                Rule::ProcGridSizeLt1,
                Some(a),
                format!("proc_grid_size is {}", d.proc_grid_size),
            );
        }
        if d.proc_grid_rank >= d.proc_grid_size {
            return err(
                Rule::ProcGridRankOutOfRange,
                Some(a),
                format!(
                    "proc_grid_rank {} is not in 0..{}",
                    d.proc_grid_rank, d.proc_grid_size
                ),
            );
        }
        let needs: &[(&str, bool)] = match d.dist_type {
            DistType::Block => &[("start", d.start.is_some()), ("stop", d.stop.is_some())],
            DistType::Cyclic => &[("start", d.start.is_some())],
            DistType::Unstructured => &[("indices", d.indices.is_some())],
        };
        if let Some((key, _)) = needs.iter().find(|(_, present)| !present) {
            return err(
                Rule::MissingDimKeys,
                Some(a),
                format!("missing [\"{key}\"]"),
            );
        }
        match d.dist_type {
            DistType::Block => {
                let (start, stop) = (d.start.unwrap_or(0), d.stop.unwrap_or(0));
                if stop < start {
                    return err(
                        Rule::StopLtStart,
                        Some(a),
                        format!("stop {stop} is below start {start}"),
                    );
                }
                if stop > d.size {
                    return err(
                        Rule::StopGtSize,
                        Some(a),
                        format!("stop {stop} exceeds size {}", d.size),
                    );
                }
                let (l, r) = d.padding_or_zero();
                if l + r > stop - start {
                    return err(
                        Rule::PaddingNotPairOfInts,
                        Some(a),
                        format!(
                            "padding ({l}, {r}) is wider than the {} cells of start..stop",
                            stop - start
                        ),
                    );
                }
            }
            DistType::Cyclic => {
                let b = d.block_size_or_one();
                if b < 1 {
                    return err(Rule::BlockSizeLt1, Some(a), format!("block_size is {b}"));
                }
                let want = d.proc_grid_rank * b;
                if d.start != Some(want) {
                    return err(
                        Rule::CyclicStartMismatch,
                        Some(a),
                        format!(
                            "start is {:?} but proc_grid_rank * block_size is {want}",
                            d.start
                        ),
                    );
                }
            }
            DistType::Unstructured => {
                let ix = d.indices.as_deref().unwrap_or(&[]);
                if let Some(&g) = ix.iter().find(|&&g| g >= d.size) {
                    return err(
                        Rule::IndicesOutOfRange,
                        Some(a),
                        format!("index {g} is not below size {}", d.size),
                    );
                }
                let mut seen = HashSet::with_capacity(ix.len());
                if let Some(&g) = ix.iter().find(|&&g| !seen.insert(g)) {
                    return err(
                        Rule::IndicesNotLocallyUnique,
                        Some(a),
                        format!("global index {g} appears more than once"),
                    );
                }
            }
        }
    }
    if buffer_shape.len() != dims.len() {
        return err(
            Rule::BufferNdimNeDimData,
            None,
            format!(
                "the buffer has {} axes ({buffer_shape:?}) but dim_data has {} entries (an empty multi-axis buffer needs buffer_shape)",
                buffer_shape.len(),
                dims.len()
            ),
        );
    }
    for (a, (d, &n)) in dims.iter().zip(buffer_shape).enumerate() {
        let (want, rule) = match d.dist_type {
            DistType::Block => (
                d.stop.unwrap_or(0) - d.start.unwrap_or(0),
                Rule::BufferExtentNeStopMinusStart,
            ),
            DistType::Cyclic => (
                CyclicMap::new(d.size, d.proc_grid_size, d.block_size_or_one())?
                    .local_len(d.proc_grid_rank),
                Rule::BufferExtentNeCyclicCount,
            ),
            DistType::Unstructured => (
                d.indices.as_ref().map_or(0, Vec::len),
                Rule::BufferExtentNeIndicesLen,
            ),
        };
        if want != n {
            return err(
                rule,
                Some(a),
                format!("the buffer has {n} cells along this axis, the description implies {want}"),
            );
        }
    }
    Ok(())
}

/// Checks the rules that involve every rank: `ranks[r]` is rank `r`'s
/// `dim_data` (each already passed [`check_rank`]). Where unstructured
/// axes carry their `indices` (the offline check of a file set), the rules
/// across positions are checked too: ranks at one position list the same
/// indices, every index `0 .. size` is held somewhere, and none is held
/// twice when `one_to_one` says so. Without indices (a summary, as imports
/// exchange) those rules are left to the axis' directory.
///
/// # Examples
///
/// ```
/// use distarray_core::protocol::{check_array, DimDict};
/// use distarray_core::Rule;
/// use serde_json::json;
/// let block = |rank: usize, start: usize, stop: usize| -> DimDict {
///     serde_json::from_value(json!({"dist_type": "b", "size": 10, "proc_grid_rank": rank,
///         "proc_grid_size": 2, "start": start, "stop": stop})).unwrap()
/// };
/// assert!(check_array(&[vec![block(0, 0, 5)], vec![block(1, 5, 10)]]).is_ok());
/// // cell 5 is held by nobody
/// let gap = check_array(&[vec![block(0, 0, 5)], vec![block(1, 6, 10)]]).unwrap_err();
/// assert_eq!(gap.rule(), Some(Rule::BlockRangesDoNotTile));
/// ```
pub fn check_array(ranks: &[Vec<DimDict>]) -> Result<()> {
    let nprocs = ranks.len();
    let Some(first) = ranks.first() else {
        return Err(Error::InvalidArgument("no rank descriptions".into()));
    };
    let ndim = first.len();
    let err = |rule, rank, dim, detail: String| Err(Error::protocol(rule, rank, dim, detail));
    for (r, dims) in ranks.iter().enumerate() {
        if dims.len() != ndim {
            return err(
                Rule::DimDataDisagree,
                Some(r),
                None,
                format!("{} dimensions where rank 0 has {ndim}", dims.len()),
            );
        }
        for (a, (d, d0)) in dims.iter().zip(first).enumerate() {
            let key = |d: &DimDict| {
                (
                    d.dist_type,
                    d.size,
                    d.proc_grid_size,
                    d.block_size_or_one(),
                    d.periodic.unwrap_or(false),
                )
            };
            if key(d) != key(d0) {
                return err(
                    Rule::DimDataDisagree,
                    Some(r),
                    Some(a),
                    format!("(dist_type, size, proc_grid_size, block_size, periodic) is {:?} here, {:?} on rank 0", key(d), key(d0)),
                );
            }
        }
    }
    let grid: Vec<usize> = first.iter().map(|d| d.proc_grid_size).collect();
    let product: usize = grid.iter().product();
    if product != nprocs {
        return err(
            Rule::GridProductNeNprocs,
            None,
            None,
            format!("the grid {grid:?} holds {product} processes but there are {nprocs}"),
        );
    }
    // per axis, the description of each grid position (first rank seen there)
    for a in 0..ndim {
        let mut at_pos: Vec<Option<DimDict>> = vec![None; grid[a]];
        let mut indices_at: Vec<Option<&Vec<usize>>> = vec![None; grid[a]];
        for (r, dims) in ranks.iter().enumerate() {
            let coords = coords_of(&grid, r);
            let d = &dims[a];
            if d.proc_grid_rank != coords[a] {
                return err(
                    Rule::GridCoordsNotCOrder,
                    Some(r),
                    Some(a),
                    format!(
                        "proc_grid_rank is {} but rank {r} sits at C-order coordinates {coords:?}",
                        d.proc_grid_rank
                    ),
                );
            }
            let norm = d.without_indices().normalized();
            match &at_pos[coords[a]] {
                None => at_pos[coords[a]] = Some(norm),
                Some(seen) if *seen != norm => {
                    return err(
                        Rule::SamePositionDisagree,
                        Some(r),
                        Some(a),
                        format!(
                        "{norm:?} differs from {seen:?} given by another rank at grid position {}",
                        coords[a]
                    ),
                    )
                }
                Some(_) => {}
            }
            if let Some(ix) = &d.indices {
                match indices_at[coords[a]] {
                    None => indices_at[coords[a]] = Some(ix),
                    Some(seen) if seen != ix => {
                        return err(
                            Rule::SamePositionDisagree,
                            Some(r),
                            Some(a),
                            format!(
                            "rank {r} lists other indices than another rank at grid position {}",
                            coords[a]
                        ),
                        )
                    }
                    Some(_) => {}
                }
            }
        }
        let at_pos: Vec<DimDict> = at_pos
            .into_iter()
            .map(|d| d.expect("every position has a rank"))
            .collect();
        if at_pos[0].dist_type == DistType::Block {
            check_block_axis(&at_pos, a)?;
        }
        if at_pos[0].dist_type == DistType::Unstructured {
            let lists: Option<Vec<&Vec<usize>>> = indices_at.into_iter().collect();
            if let Some(lists) = lists {
                check_unstructured_axis(&lists, &at_pos[0], a)?;
            }
        }
    }
    Ok(())
}

/// The positions' index lists cover `0 .. size`, each index once when
/// `one_to_one`. Costs O(indices listed), never O(declared size): a size
/// no file backs allocates nothing.
fn check_unstructured_axis(lists: &[&Vec<usize>], d: &DimDict, a: usize) -> Result<()> {
    let err = |rule, detail: String| Err(Error::protocol(rule, None, Some(a), detail));
    let mut all: Vec<usize> = lists.iter().flat_map(|l| l.iter().copied()).collect();
    all.sort_unstable();
    if d.one_to_one.unwrap_or(false) {
        if let Some(w) = all.windows(2).find(|w| w[0] == w[1]) {
            return err(
                Rule::IndicesNotOneToOne,
                format!(
                    "one_to_one is true but global index {} is held by several grid positions",
                    w[0]
                ),
            );
        }
    }
    all.dedup();
    // indices are below the size (checked per rank): as many distinct ones
    // as the size means every index is there
    if all.len() != d.size {
        let missing = all
            .iter()
            .enumerate()
            .find(|&(k, &g)| k != g)
            .map_or(all.len(), |(k, _)| k);
        return err(
            Rule::IndicesDoNotCover,
            format!("global index {missing} is held by no grid position"),
        );
    }
    Ok(())
}

/// Owned ranges tile the axis; communication paddings match and fit.
fn check_block_axis(pos: &[DimDict], a: usize) -> Result<()> {
    let p = pos.len();
    let size = pos[0].size;
    let err = |rule, detail: String| Err(Error::protocol(rule, None, Some(a), detail));
    for i in 0..p.saturating_sub(1) {
        let (right, left) = (pos[i].padding_or_zero().1, pos[i + 1].padding_or_zero().0);
        if right != left {
            return err(
                Rule::CommPaddingMismatchWithNeighbour,
                format!("grid position {i} has right padding {right} but position {} has left padding {left}", i + 1),
            );
        }
    }
    let owned: Vec<(usize, usize)> = pos
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let (l, r) = d.padding_or_zero();
            let lo = d.start.unwrap_or(0) + if i > 0 { l } else { 0 };
            let hi = d.stop.unwrap_or(0) - if i + 1 < p { r } else { 0 };
            (lo, hi)
        })
        .collect();
    let mut next = 0;
    for (i, &(lo, hi)) in owned.iter().enumerate() {
        if lo != next || hi < lo {
            return err(
                Rule::BlockRangesDoNotTile,
                format!(
                    "grid position {i} owns {lo}..{hi} but the previous positions end at {next}"
                ),
            );
        }
        next = hi;
    }
    if next != size {
        return err(
            Rule::BlockRangesDoNotTile,
            format!("the owned ranges end at {next}, not at size {size}"),
        );
    }
    for i in 0..p.saturating_sub(1) {
        let w = pos[i].padding_or_zero().1;
        let room = (owned[i].1 - owned[i].0).min(owned[i + 1].1 - owned[i + 1].0);
        if w > room {
            return err(
                Rule::CommPaddingExceedsNeighbour,
                format!("communication padding {w} between positions {i} and {} exceeds the {room} cells owned", i + 1),
            );
        }
    }
    Ok(())
}

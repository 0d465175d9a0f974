//! The protocol's dimension dictionary, typed.

use crate::map::{AxisMap, DistType};
use serde::{Deserialize, Serialize};

/// One dimension dictionary of `dim_data`, with exactly the protocol's keys.
///
/// Optional keys are `None` when absent and are then not written. Export
/// follows the original DistArray: `padding` only when not `[0, 0]`,
/// `periodic` only when true, `block_size` only when greater than 1,
/// `one_to_one` only when true.
///
/// # Examples
///
/// ```
/// use distarray_core::map::{AxisMap, CyclicMap};
/// use distarray_core::protocol::DimDict;
/// use serde_json::json;
/// let map = AxisMap::Cyclic(CyclicMap::new(10, 2, 3).unwrap());
/// let d = DimDict::of_map(&map, 1);
/// assert_eq!((d.start, d.block_size), (Some(3), Some(3)));
/// let written = serde_json::to_value(&d).unwrap();
/// assert_eq!(written, json!({"dist_type": "c", "size": 10, "proc_grid_rank": 1,
///                            "proc_grid_size": 2, "start": 3, "block_size": 3}));
///
/// // read back; defaults written out normalize away
/// let read: DimDict = serde_json::from_value(json!({"dist_type": "b", "size": 4,
///     "proc_grid_rank": 0, "proc_grid_size": 1, "start": 0, "stop": 4, "padding": [0, 0]})).unwrap();
/// assert_eq!(read.normalized().padding, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DimDict {
    /// `b`, `c` or `u`.
    pub dist_type: DistType,
    /// Global size of the axis.
    pub size: usize,
    /// This rank's grid coordinate along the axis.
    pub proc_grid_rank: usize,
    /// Number of grid positions along the axis.
    pub proc_grid_size: usize,
    /// Block: first global index in the buffer. Cyclic: first index dealt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    /// Block: one past the last global index in the buffer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<usize>,
    /// Block: (left, right) padding widths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub padding: Option<[usize; 2]>,
    /// Block: whether the axis wraps around.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periodic: Option<bool>,
    /// Cyclic: cells per block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_size: Option<usize>,
    /// Unstructured: the buffer's global indices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indices: Option<Vec<usize>>,
    /// Unstructured: every index held by exactly one position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_to_one: Option<bool>,
}

impl DimDict {
    /// The description of `map` at grid position `p`.
    ///
    /// # Panics
    /// For an unstructured map, when `p` is not this rank's position.
    pub fn of_map(map: &AxisMap, p: usize) -> DimDict {
        let mut d = DimDict {
            dist_type: map.dist_type(),
            size: map.size(),
            proc_grid_rank: p,
            proc_grid_size: map.grid_size(),
            start: None,
            stop: None,
            padding: None,
            periodic: None,
            block_size: None,
            indices: None,
            one_to_one: None,
        };
        match map {
            AxisMap::Block(m) => {
                let r = m.buffer_range(p);
                d.start = Some(r.start);
                d.stop = Some(r.end);
                let (l, rt) = m.padding(p);
                d.padding = ((l, rt) != (0, 0)).then_some([l, rt]);
                d.periodic = m.is_periodic().then_some(true);
            }
            AxisMap::Cyclic(m) => {
                d.start = Some(m.start(p));
                d.block_size = (m.block_size() > 1).then_some(m.block_size());
            }
            AxisMap::Unstructured(m) => {
                assert_eq!(
                    p,
                    m.my_position(),
                    "unstructured maps know only their own position"
                );
                d.indices = Some(m.indices().to_vec());
                d.one_to_one = m.is_one_to_one().then_some(true);
            }
        }
        d
    }

    /// The dictionary with optional keys at their protocol defaults removed
    /// (`padding [0,0]`, `periodic false`, `block_size 1`, `one_to_one
    /// false`): two descriptions of the same layout normalize equal.
    pub fn normalized(&self) -> DimDict {
        let mut d = self.clone();
        if d.padding == Some([0, 0]) {
            d.padding = None;
        }
        if d.periodic == Some(false) {
            d.periodic = None;
        }
        if d.block_size == Some(1) {
            d.block_size = None;
        }
        if d.one_to_one == Some(false) {
            d.one_to_one = None;
        }
        d
    }

    /// `padding` with its default.
    pub fn padding_or_zero(&self) -> (usize, usize) {
        self.padding.map_or((0, 0), |[l, r]| (l, r))
    }

    /// `block_size` with its default.
    pub fn block_size_or_one(&self) -> usize {
        self.block_size.unwrap_or(1)
    }

    /// The same dictionary without `indices` (for cross-rank summaries).
    pub fn without_indices(&self) -> DimDict {
        DimDict {
            indices: None,
            ..self.clone()
        }
    }
}

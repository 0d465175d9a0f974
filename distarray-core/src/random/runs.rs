//! A rank's buffer as runs of global flat indices: stretches of consecutive
//! local cells (C order) whose global C-order flat indices are `first,
//! first + step, first + 2 step, ...`. The generators fill a run with a
//! counter increment per cell and no other index arithmetic.
//!
//! Along the last axis a block map gives one run of step 1, a cyclic map one
//! run of step P, a block-cyclic map one run of step 1 per block, an
//! unstructured map a run per stretch of evenly spaced indices. When the
//! last axes are held whole (in order), rows follow each other in the
//! global order too, and their runs are merged with the axis before: a
//! block distribution of the first axis is one run per rank.

use crate::array::for_each_in_box;
use crate::layout::Layout;
use crate::map::AxisMap;

/// Local cells `local .. local + len` hold global flat indices `first +
/// k * step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// First local (C-order) position.
    pub local: usize,
    /// Global flat index of the first cell.
    pub first: u64,
    /// Global flat distance between consecutive cells (at least 1).
    pub step: u64,
    /// Number of cells.
    pub len: usize,
}

/// Runs of evenly spaced, increasing global indices of one axis, in local
/// order.
fn axis_runs(ix: &[usize]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ix.len() {
        let start = i;
        i += 1;
        let step = match ix.get(i) {
            Some(&next) if next > ix[start] => next - ix[start],
            _ => 1,
        };
        while i < ix.len() && ix[i] > ix[i - 1] && ix[i] - ix[i - 1] == step {
            i += 1;
        }
        out.push(Run {
            local: start,
            first: ix[start] as u64,
            step: step as u64,
            len: i - start,
        });
    }
    out
}

/// The runs of this rank's buffer along `axis`, from the map's formula
/// (block and cyclic maps never list their indices).
fn map_runs(layout: &Layout, axis: usize) -> Vec<Run> {
    let p = layout.grid().coords()[axis];
    match layout.map(axis) {
        AxisMap::Block(m) => {
            let r = m.buffer_range(p);
            vec![Run {
                local: 0,
                first: r.start as u64,
                step: 1,
                len: r.len(),
            }]
        }
        AxisMap::Cyclic(m) if m.block_size() == 1 => vec![Run {
            local: 0,
            first: p as u64,
            step: m.grid_size() as u64,
            len: m.local_len(p),
        }],
        AxisMap::Cyclic(m) => {
            let (b, n) = (m.block_size(), m.local_len(p));
            (0..n.div_ceil(b))
                .map(|j| Run {
                    local: j * b,
                    first: m.local_to_global(p, j * b) as u64,
                    step: 1,
                    len: b.min(n - j * b),
                })
                .collect()
        }
        AxisMap::Unstructured(_) => axis_runs(&layout.global_indices(axis)),
    }
}

/// Calls `f` with the runs that cover this rank's buffer, in local order.
pub fn for_each_run(layout: &Layout, mut f: impl FnMut(Run)) {
    if layout.local_len() == 0 {
        return;
    }
    let shape = layout.shape();
    let d = shape.len();
    if d == 0 {
        return f(Run {
            local: 0,
            first: 0,
            step: 1,
            len: 1,
        });
    }
    // the innermost axes merged while they are held whole and in order:
    // `inner` covers axes `k ..` (`extent` global cells per index of the
    // axes before)
    let mut k = d - 1;
    let mut extent = shape[k] as u64;
    let mut inner = map_runs(layout, k);
    while k > 0 && inner.len() == 1 && inner[0].step == 1 && inner[0].len as u64 == extent {
        k -= 1;
        let mut merged = Vec::new();
        for r in map_runs(layout, k) {
            let span = inner[0].len;
            if r.step == 1 {
                merged.push(Run {
                    local: r.local * span,
                    first: r.first * extent,
                    step: 1,
                    len: r.len * span,
                });
            } else {
                merged.extend((0..r.len).map(|j| Run {
                    local: (r.local + j) * span,
                    first: (r.first + j as u64 * r.step) * extent,
                    step: 1,
                    len: span,
                }));
            }
        }
        inner = merged;
        extent *= shape[k] as u64;
    }
    let inner_local: usize = layout.local_shape()[k..].iter().product();
    let outer: Vec<Vec<usize>> = (0..k).map(|a| layout.global_indices(a)).collect();
    let strides = crate::array::c_strides(shape);
    for_each_in_box(&outer, |g, pos| {
        let base: u64 = g.iter().zip(&strides).map(|(&i, &s)| (i * s) as u64).sum();
        for r in &inner {
            f(Run {
                local: pos * inner_local + r.local,
                first: base + r.first,
                ..*r
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_runs_split_at_changes_of_step() {
        let r = axis_runs(&[0, 1, 2, 6, 7, 8, 12]);
        let firsts: Vec<_> = r
            .iter()
            .map(|r| (r.local, r.first, r.step, r.len))
            .collect();
        assert_eq!(firsts, vec![(0, 0, 1, 3), (3, 6, 1, 3), (6, 12, 1, 1)]);
        let r = axis_runs(&[1, 4, 7, 10]);
        assert_eq!(
            r,
            vec![Run {
                local: 0,
                first: 1,
                step: 3,
                len: 4
            }]
        );
        // decreasing indices: one run per cell
        let r = axis_runs(&[5, 3, 1]);
        assert_eq!(r.len(), 3);
        assert!(r.iter().all(|r| r.len == 1));
        assert!(axis_runs(&[]).is_empty());
    }
}

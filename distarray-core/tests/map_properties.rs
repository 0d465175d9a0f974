//! Property tests of the structured dimension maps: local→global→local round
//! trips, every global index owned exactly once, local sizes summing to the
//! global size, for random sizes, block sizes and grid sizes.

use distarray_core::grid::{coords_of, default_grid_shape, rank_of};
use distarray_core::map::{AxisMap, BlockMap, CyclicMap};
use proptest::prelude::*;

/// Checks the laws every one-to-one map obeys.
fn check_map(m: &AxisMap) -> Result<(), TestCaseError> {
    let size = m.size();
    let p = m.grid_size();
    let mut owned_total = 0;
    let mut seen = vec![0u32; size];
    for pos in 0..p {
        let owned = m.owned_local_range(pos);
        owned_total += owned.len();
        for j in 0..m.local_len(pos) {
            let g = m.local_to_global(pos, j);
            prop_assert!(g < size);
            prop_assert_eq!(m.global_to_local(pos, g), Some(j));
            if owned.contains(&j) {
                seen[g] += 1;
                prop_assert_eq!(m.owner(g), Some((pos, j)));
            }
        }
    }
    prop_assert_eq!(owned_total, size);
    prop_assert!(
        seen.iter().all(|&c| c == 1),
        "every index owned exactly once"
    );
    for g in 0..size {
        let (pos, j) = m.owner(g).unwrap();
        prop_assert_eq!(m.local_to_global(pos, j), g);
    }
    Ok(())
}

fn bounds_strategy() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..20, 1..8).prop_map(|lens| {
        let mut b = vec![0];
        for l in lens {
            b.push(b.last().unwrap() + l);
        }
        b
    })
}

proptest! {
    #[test]
    fn regular_block(size in 0usize..400, p in 1usize..10) {
        let m = BlockMap::regular(size, p);
        let lens: Vec<usize> = (0..p).map(|q| m.local_len(q)).collect();
        prop_assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1, "balanced: {:?}", lens);
        check_map(&AxisMap::Block(m))?;
    }

    #[test]
    fn irregular_block(bounds in bounds_strategy()) {
        check_map(&AxisMap::Block(BlockMap::irregular(bounds).unwrap()))?;
    }

    #[test]
    fn padded_block(size in 1usize..200, p in 1usize..8, w in 0usize..4, l in 0usize..3, r in 0usize..3, periodic: bool) {
        let base = BlockMap::regular(size, p);
        if let Ok(m) = base.with_padding(w, (l, r)) {
            let m = m.with_periodic(periodic);
            for q in 0..p {
                let (pl, pr) = m.padding(q);
                let range = m.buffer_range(q);
                prop_assert_eq!(range.end - range.start, m.local_len(q));
                prop_assert!(pl + pr <= m.local_len(q));
                if q + 1 < p {
                    prop_assert_eq!(pr, m.padding(q + 1).0, "neighbours agree");
                }
            }
            check_map(&AxisMap::Block(m))?;
        } else {
            // refused only when some padding cannot fit
            let min_owned = (0..p).map(|q| base.owned_len(q)).min().unwrap();
            prop_assert!(w > min_owned || l > base.owned_len(0) || r > base.owned_len(p - 1) || (p == 1 && l + r > size));
        }
    }

    #[test]
    fn cyclic_and_block_cyclic(size in 0usize..400, p in 1usize..10, b in 1usize..12) {
        let m = CyclicMap::new(size, p, b).unwrap();
        for q in 0..p {
            // a rank's cells are increasing, and start where the protocol says
            let cells: Vec<usize> = (0..m.local_len(q)).map(|j| m.local_to_global(q, j)).collect();
            prop_assert!(cells.windows(2).all(|w| w[0] < w[1]));
            if let Some(&first) = cells.first() {
                prop_assert_eq!(first, m.start(q));
            }
        }
        check_map(&AxisMap::Cyclic(m))?;
    }

    #[test]
    fn grids(shape in prop::collection::vec(0usize..50, 0..4), nprocs in 1usize..13) {
        let dist = vec![true; shape.len()];
        let g = default_grid_shape(&shape, &dist, nprocs);
        if shape.is_empty() {
            prop_assert!(g.is_empty());
        } else {
            prop_assert_eq!(g.iter().product::<usize>(), nprocs);
            for r in 0..nprocs {
                prop_assert_eq!(rank_of(&g, &coords_of(&g, r)), r);
            }
        }
    }
}

//! Communication hidden behind computation, on 1-4 ranks: the overlapped
//! stencil sweep (`Halo::apply`) against a halo update followed by a plain
//! loop over the cells (1-D, 2-D, 3-D; star and box; periodic or not;
//! uneven and irregular splits; row, column and 2-D process grids), bit for
//! bit; split-phase plans (`Plan::begin` / `finish`) against
//! `Plan::execute`, with other work in between; the same error on every
//! rank for bad arguments on one; and no allocation in steady-state loops
//! of either.

mod harness;

use distarray::halo::{scope, Halo, Neighbourhood, Stencil};
use distarray::map::{AxisMap, BlockMap};
use distarray::random::mix64;
use distarray::redistribute::Plan;
use distarray::{Comm, Dist, DistArray, Error, Layout, ProcGrid};
use harness::Check;

#[global_allocator]
static GLOBAL: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

static CHECKS: &[Check] = &[
    check!(overlapped_stencil_equals_blocking_1d),
    check!(overlapped_stencil_equals_blocking_2d),
    check!(overlapped_stencil_equals_blocking_3d),
    check!(stencil_on_irregular_split_and_cyclic_axis),
    check!(split_plan_equals_execute),
    check!(bad_arguments_are_the_same_error_on_every_rank),
    check!(steady_state_loops_allocate_nothing),
];

fn main() {
    harness::main("mpi_overlap", CHECKS, &[1, 2, 3, 4]);
}

/// A value that differs from cell to cell (and is not a small integer, so
/// that any change of summation order shows in the bits).
fn value(ix: &[usize]) -> f64 {
    let flat = ix.iter().fold(0u64, |h, &i| mix64(h ^ i as u64));
    (mix64(flat) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// The stencil's reach: the layout's widest padding (block axes).
fn reach(layout: &Layout) -> usize {
    layout
        .maps()
        .iter()
        .filter_map(|m| match m {
            AxisMap::Block(b) => {
                let (l, r) = b.boundary_padding();
                b.interface_padding().iter().copied().chain([l, r]).max()
            }
            _ => None,
        })
        .max()
        .unwrap_or(0)
}

/// Every offset of the stencil within `r` (per axis, 0 along non-block
/// axes), with a weight each.
fn offsets<const N: usize>(layout: &Layout, stencil: Stencil) -> Vec<([isize; N], f64)> {
    let r = reach(layout) as isize;
    let reach_of = |a: usize| match layout.map(a) {
        AxisMap::Block(_) => r,
        _ => 0,
    };
    let mut all = vec![[0isize; N]];
    for a in 0..N {
        let ra = reach_of(a);
        all = all
            .into_iter()
            .flat_map(|o| {
                (-ra..=ra).map(move |d| {
                    let mut o = o;
                    o[a] = d;
                    o
                })
            })
            .collect();
    }
    all.retain(|o| stencil == Stencil::Box || o.iter().filter(|&&d| d != 0).count() <= 1);
    all.iter()
        .enumerate()
        .map(|(k, &o)| (o, 0.25 + 0.37 * k as f64))
        .collect()
}

/// The stencil the checks apply: a weighted sum over the offsets, then a
/// non-linear touch (every offset matters, in a fixed order).
fn kernel<const N: usize>(offs: &[([isize; N], f64)], nb: &Neighbourhood<'_, f64>) -> f64 {
    let s = offs.iter().fold(0.0, |acc, (o, w)| acc + w * nb[*o]);
    s * (1.0 + 0.125 * nb.centre())
}

/// The blocking reference: a halo update, then a loop over every local
/// cell that computes the cells whose neighbourhood lies inside the array
/// (and that are owned, and not boundary padding).
fn blocking<const N: usize>(
    halo: &mut Halo<f64>,
    u: &mut DistArray<f64>,
    out: &mut DistArray<f64>,
    offs: &[([isize; N], f64)],
) {
    halo.update(u).unwrap();
    let layout = u.layout().clone();
    let r = reach(&layout);
    let owned = layout.owned_local_ranges();
    let globals: Vec<Vec<usize>> = (0..N).map(|a| layout.global_indices(a)).collect();
    let computed = |a: usize, k: usize| {
        let g = globals[a][k];
        match layout.map(a) {
            AxisMap::Block(b) => {
                let (bl, br) = b.boundary_padding();
                owned[a].contains(&k) && g >= bl.max(r) && g + br.max(r) < b.size()
            }
            _ => true,
        }
    };
    let src = u.local().to_owned();
    let shape = layout.local_shape().to_vec();
    let mut dst = out.local_mut();
    for (flat, slot) in dst.iter_mut().enumerate() {
        let mut ix = [0usize; N];
        let mut rest = flat;
        for a in (0..N).rev() {
            ix[a] = rest % shape[a];
            rest /= shape[a];
        }
        if !(0..N).all(|a| computed(a, ix[a])) {
            continue;
        }
        let at = |o: [isize; N]| {
            let j: Vec<usize> = (0..N).map(|a| (ix[a] as isize + o[a]) as usize).collect();
            src[&j[..]]
        };
        let s = offs.iter().fold(0.0, |acc, (o, w)| acc + w * at(*o));
        *slot = s * (1.0 + 0.125 * at([0; N]));
    }
}

/// Applies the overlapped sweep three times (the result fed back, so the
/// ghosts it leaves matter) and checks each step, and the ghosts of the
/// input, against the blocking reference, bit for bit.
fn same_as_blocking<const N: usize>(layout: &Layout, stencil: Stencil) {
    let offs = offsets::<N>(layout, stencil);
    // the reach given: on one process a layout without boundary padding
    // has no padding to take it from
    let mut halo = Halo::new(layout, stencil)
        .unwrap()
        .with_reach(reach(layout));
    let mut u = DistArray::from_fn(layout, value);
    let mut out = DistArray::from_fn(layout, |ix: &[usize]| -value(ix));
    let initial_out = out.to_owned();
    let (mut u_ref, mut out_ref) = (u.to_owned(), out.to_owned());
    let mut changed = 0;
    for step in 0..3 {
        halo.apply(&mut u, &mut out, |nb| kernel(&offs, nb))
            .unwrap();
        if step == 0 {
            // cells the first step wrote
            changed = out
                .local()
                .iter()
                .zip(initial_out.local().iter())
                .filter(|(a, b)| a.to_bits() != b.to_bits())
                .count();
        }
        blocking(&mut halo, &mut u_ref, &mut out_ref, &offs);
        let bits = |a: &DistArray<f64>| a.local().iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&out),
            bits(&out_ref),
            "step {step}, {stencil:?}, layout {layout:?}"
        );
        assert_eq!(bits(&u), bits(&u_ref), "ghosts of the input, step {step}");
        std::mem::swap(&mut u, &mut out);
        std::mem::swap(&mut u_ref, &mut out_ref);
    }
    // something was computed somewhere (the cases are not all boundary)
    let total = layout
        .comm()
        .all_gather_u64(changed as u64)
        .iter()
        .sum::<u64>();
    assert!(total > 0, "no cell computed on {layout:?}");
}

fn padded(ghost: usize, boundary: (usize, usize), periodic: bool) -> Dist {
    Dist::BlockPadded {
        ghost_width: ghost,
        boundary_width: boundary,
        periodic,
    }
}

/// The paddings every dimension runs with: (ghost, boundary, periodic).
const PADDINGS: [(usize, (usize, usize), bool); 4] = [
    (1, (0, 0), false),
    (1, (1, 1), false),
    (1, (1, 1), true),
    (2, (2, 2), true),
];

fn overlapped_stencil_equals_blocking_1d(comm: &Comm) {
    for (g, b, periodic) in PADDINGS {
        for n in [13, 40] {
            let layout = Layout::new(comm, &[n], &[padded(g, b, periodic)]).unwrap();
            for stencil in [Stencil::Star, Stencil::Box] {
                same_as_blocking::<1>(&layout, stencil);
            }
        }
    }
}

fn overlapped_stencil_equals_blocking_2d(comm: &Comm) {
    let p = comm.size();
    let mut grids = vec![vec![p, 1], vec![1, p]];
    if p == 4 {
        grids.push(vec![2, 2]);
    }
    for (g, b, periodic) in PADDINGS {
        let d = padded(g, b, periodic);
        for grid in &grids {
            let layout = Layout::with_grid(comm, &[11, 9], &[d.clone(), d.clone()], grid).unwrap();
            for stencil in [Stencil::Star, Stencil::Box] {
                same_as_blocking::<2>(&layout, stencil);
            }
        }
        // periodic along one axis only
        // (a periodic axis needs boundary padding as wide as the reach)
        let other = match periodic {
            true => padded(g, b, false),
            false => padded(g, (g.max(b.0), g.max(b.1)), true),
        };
        let layout = Layout::new(comm, &[10, 12], &[d.clone(), other]).unwrap();
        same_as_blocking::<2>(&layout, Stencil::Box);
    }
}

fn overlapped_stencil_equals_blocking_3d(comm: &Comm) {
    for (g, b, periodic) in PADDINGS {
        let d = padded(g, b, periodic);
        let layout = Layout::new(comm, &[9, 7, 8], &[d.clone(), d.clone(), d]).unwrap();
        for stencil in [Stencil::Star, Stencil::Box] {
            same_as_blocking::<3>(&layout, stencil);
        }
    }
}

fn stencil_on_irregular_split_and_cyclic_axis(comm: &Comm) {
    let p = comm.size();
    // rows split unevenly (the first rank twice the others), two ghost rows
    let mut bounds = vec![0, 6];
    for r in 1..p {
        bounds.push(6 + 3 * r);
    }
    let rows = BlockMap::irregular(bounds)
        .unwrap()
        .with_padding(2, (2, 2))
        .unwrap();
    let n = rows.size();
    let grid = ProcGrid::new(&[p, 1], p, comm.rank()).unwrap();
    let cols = AxisMap::Block(BlockMap::regular(7, 1).with_padding(0, (1, 1)).unwrap());
    let layout = Layout::from_parts(comm.clone(), grid, vec![AxisMap::Block(rows), cols]);
    assert_eq!(layout.shape(), &[n, 7]);
    same_as_blocking::<2>(&layout, Stencil::Box);
    same_as_blocking::<2>(&layout, Stencil::Star);
    // a cyclic axis: the stencil reaches along the padded axis only
    let d = padded(1, (1, 1), false);
    let layout = Layout::new(comm, &[12, 2 * p + 1], &[d, Dist::Cyclic]).unwrap();
    same_as_blocking::<2>(&layout, Stencil::Star);
}

/// Begin, other work, finish: the same target as `execute`, twice.
fn split_same_as_execute(plan: &mut Plan<f64>, src: &Layout, dst: &Layout) {
    let mut expected = DistArray::<f64>::zeros(dst);
    let mut got = DistArray::from_fn(dst, |ix: &[usize]| -value(ix));
    let mut other = DistArray::<f64>::zeros(src);
    for round in 0..2 {
        let a = DistArray::from_fn(src, |ix: &[usize]| value(ix) + round as f64);
        plan.execute(&a, &mut expected).unwrap();
        let mut read = 0.0;
        scope(|s| {
            let mut pending = plan.begin(s, &a).unwrap();
            other.fill(round as f64); // work on other data
            read = a.local().iter().sum::<f64>(); // reading the source is fine
            pending.progress();
            pending.finish(&mut got).unwrap();
        });
        assert_eq!(read, a.local().iter().sum::<f64>());
        let bits = |x: &DistArray<f64>| x.local().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&got),
            bits(&expected),
            "round {round}: {src:?} -> {dst:?}"
        );
        assert!(other.local().iter().all(|&x| x == round as f64));
    }
}

fn split_plan_equals_execute(comm: &Comm) {
    let p = comm.size();
    let block = Layout::block(comm, &[23]).unwrap();
    let cyclic = Layout::new(comm, &[23], &[Dist::Cyclic]).unwrap();
    split_same_as_execute(&mut Plan::new(&block, &cyclic).unwrap(), &block, &cyclic);
    split_same_as_execute(&mut Plan::new(&cyclic, &block).unwrap(), &cyclic, &block);
    // rows on a p x 1 grid to columns on a 1 x p grid
    let d = [Dist::Block, Dist::Block];
    let rows = Layout::with_grid(comm, &[9, 10], &d, &[p, 1]).unwrap();
    let cols = Layout::with_grid(comm, &[9, 10], &d, &[1, p]).unwrap();
    split_same_as_execute(&mut Plan::new(&rows, &cols).unwrap(), &rows, &cols);
    // 2-D blocks to block-cyclic, into a padded target (ghost copies filled)
    let bc = [Dist::BlockCyclic(2), Dist::BlockCyclic(3)];
    let blocks = Layout::block(comm, &[9, 10]).unwrap();
    let cyc = Layout::new(comm, &[9, 10], &bc).unwrap();
    split_same_as_execute(&mut Plan::new(&blocks, &cyc).unwrap(), &blocks, &cyc);
    let ghosts = padded(1, (0, 0), false);
    let halo = Layout::new(comm, &[9, 10], &[ghosts.clone(), ghosts]).unwrap();
    split_same_as_execute(&mut Plan::new(&cyc, &halo).unwrap(), &cyc, &halo);
    // a transpose
    let t = Layout::block(comm, &[10, 9]).unwrap();
    let mut plan = Plan::transpose(&blocks, &t, &[1, 0]).unwrap();
    split_same_as_execute(&mut plan, &blocks, &t);
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    let (rank, p) = (comm.rank(), comm.size());
    let last = rank + 1 == p;
    let block = Layout::block(comm, &[12]).unwrap();
    let cyclic = Layout::new(comm, &[12], &[Dist::Cyclic]).unwrap();
    let mut plan = Plan::<f64>::new(&block, &cyclic).unwrap();
    let a = DistArray::from_fn(&block, value);
    let elsewhere = Layout::block(comm, &[13]).unwrap();
    let wrong_src = DistArray::<f64>::zeros(&elsewhere);
    let mut b = DistArray::<f64>::zeros(&cyclic);
    let mut wrong_dst = DistArray::<f64>::zeros(&elsewhere);
    // the last rank passes a source of another layout
    scope(|s| {
        let src = if last { &wrong_src } else { &a };
        let err = plan.begin(s, src).err();
        assert!(matches!(err, Some(Error::LayoutMismatch { .. })), "{err:?}");
    });
    // the last rank finishes into an array of the wrong layout: every rank
    // fails, the messages complete, and the plan works afterwards
    scope(|s| {
        let pending = plan.begin(s, &a).unwrap();
        let err = match last {
            true => pending.finish(&mut wrong_dst),
            false => pending.finish(&mut b),
        };
        assert!(matches!(err, Err(Error::LayoutMismatch { .. })), "{err:?}");
    });
    let mut expected = DistArray::<f64>::zeros(&cyclic);
    plan.execute(&a, &mut expected).unwrap();
    scope(|s| plan.begin(s, &a).unwrap().finish(&mut b).unwrap());
    assert_eq!(b.local(), expected.local());

    // an overlapped sweep whose target has another layout on the last rank
    let d = padded(1, (1, 1), false);
    let layout = Layout::new(comm, &[10, 8], &[d.clone(), d]).unwrap();
    let other = Layout::new(comm, &[10, 9], &[Dist::Block, Dist::Block]).unwrap();
    let mut halo = Halo::new(&layout, Stencil::Star).unwrap();
    let mut u = DistArray::from_fn(&layout, value);
    let mut out = DistArray::<f64>::zeros(&layout);
    let mut stray = DistArray::<f64>::zeros(&other);
    let before = out.local().to_owned();
    let err = match last {
        true => halo.apply(&mut u, &mut stray, |nb| nb.centre()),
        false => halo.apply(&mut u, &mut out, |nb| nb.centre()),
    };
    assert!(matches!(err, Err(Error::LayoutMismatch { .. })), "{err:?}");
    assert_eq!(out.local(), before.view(), "nothing written after an error");
    halo.apply(&mut u, &mut out, |nb| nb[[1, 0]]).unwrap();

    // ghost widths narrower than the boundary padding: the stencil would
    // reach past the ghosts (only with more than one rank along the axis)
    let rows = BlockMap::regular(12, p).with_padding(1, (2, 0)).unwrap();
    let grid = ProcGrid::new(&[p], p, rank).unwrap();
    let narrow = Layout::from_parts(comm.clone(), grid, vec![AxisMap::Block(rows)]);
    let mut halo = Halo::new(&narrow, Stencil::Star).unwrap();
    let mut u = DistArray::from_fn(&narrow, value);
    let mut out = DistArray::<f64>::zeros(&narrow);
    let res = halo.apply(&mut u, &mut out, |nb| nb.centre());
    if p > 1 {
        assert!(
            matches!(res, Err(Error::InvalidArgument(ref m)) if m.contains("ghost width")),
            "{res:?}"
        );
    } else {
        res.unwrap();
    }

    // a periodic axis whose boundary padding is narrower than the reach
    // would leave interior cells next to it uncomputed: refused
    let layout = Layout::new(comm, &[13], &[padded(2, (2, 1), true)]).unwrap();
    let mut halo = Halo::new(&layout, Stencil::Star).unwrap();
    let mut u = DistArray::from_fn(&layout, value);
    let mut out = DistArray::<f64>::zeros(&layout);
    let res = halo.apply(&mut u, &mut out, |nb| nb.centre());
    assert!(
        matches!(res, Err(Error::InvalidArgument(ref m)) if m.contains("periodic axis 0")),
        "{res:?}"
    );

    // no padding at all (one process, no boundary padding) and no reach
    // given: an error, not a panic in the stencil
    let layout = Layout::new(comm, &[12], &[padded(1, (0, 0), false)]).unwrap();
    let mut halo = Halo::new(&layout, Stencil::Star).unwrap();
    let mut u = DistArray::from_fn(&layout, value);
    let mut out = DistArray::<f64>::zeros(&layout);
    let res = halo.apply(&mut u, &mut out, |nb| nb[[-1]] + nb[[1]]);
    if p == 1 {
        assert!(
            matches!(res, Err(Error::InvalidArgument(ref m)) if m.contains("with_reach")),
            "{res:?}"
        );
    } else {
        res.unwrap();
    }
}

fn steady_state_loops_allocate_nothing(comm: &Comm) {
    let d = padded(1, (1, 1), false);
    let layout = Layout::new(comm, &[64, 48], &[d.clone(), d]).unwrap();
    let mut halo = Halo::new(&layout, Stencil::Box).unwrap();
    let mut u = DistArray::from_fn(&layout, value);
    let mut next = u.to_owned();
    let step = |halo: &mut Halo<f64>, u: &mut DistArray<f64>, next: &mut DistArray<f64>| {
        halo.apply(u, next, |nb| {
            0.25 * (nb[[-1, 0]] + nb[[1, 0]] + nb[[0, -1]] + nb[[0, 1]])
        })
        .unwrap();
        std::mem::swap(u, next);
    };
    for _ in 0..2 {
        step(&mut halo, &mut u, &mut next); // warm-up
    }
    let allocations = distarray_bench_like_count(|| {
        for _ in 0..10 {
            step(&mut halo, &mut u, &mut next);
        }
    });
    assert_eq!(allocations, 0, "stencil loop allocated");

    let rows = Layout::new(comm, &[40, 30], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let cols = Layout::new(comm, &[40, 30], &[Dist::NotDistributed, Dist::Block]).unwrap();
    let mut plan = Plan::<f64>::new(&rows, &cols).unwrap();
    let a = DistArray::from_fn(&rows, value);
    let mut b = DistArray::<f64>::zeros(&cols);
    let mut run = |plan: &mut Plan<f64>| {
        scope(|s| {
            let pending = plan.begin(s, &a).unwrap();
            pending.finish(&mut b).unwrap();
        })
    };
    run(&mut plan); // the first begin makes the plan's buffers
    let allocations = distarray_bench_like_count(|| {
        for _ in 0..10 {
            run(&mut plan);
        }
    });
    assert_eq!(allocations, 0, "plan begin/finish loop allocated");
    assert_eq!(b.gather_all().unwrap(), a.gather_all().unwrap());
}

/// Allocations (and reallocations) `f` makes in this process.
fn distarray_bench_like_count(f: impl FnOnce()) -> usize {
    let region = stats_alloc::Region::new(GLOBAL);
    f();
    let c = region.change();
    c.allocations + c.reallocations
}

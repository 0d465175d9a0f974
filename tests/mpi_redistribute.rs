//! Redistribution, transpose, reshape and halo exchange on 1-4 ranks: every
//! pair of distribution kinds in 1-D, 2-D and 3-D with uneven sizes and
//! empty local parts; there-and-back is the identity; plan reuse; ghost
//! cells after a halo update, star and box, widths 1 and 2, periodic.

mod harness;

use distarray::halo::{Halo, Stencil};
use distarray::ndarray::{ArrayD, Dimension, IxDyn};
use distarray::num_complex::Complex64;
use distarray::redistribute::{Plan, PlanOptions, Transport};
use distarray::{s, Comm, Dist, DistArray, Element, Error, Layout};
use harness::Check;

static CHECKS: &[Check] = &[
    check!(every_pair_of_kinds_1d),
    check!(every_pair_of_kinds_2d),
    check!(every_pair_of_kinds_3d),
    check!(plans_are_reusable),
    check!(packed_sends_in_every_transport),
    check!(transposes),
    check!(reshapes),
    check!(plan_misuse_is_an_error),
    check!(cross_communicator_plans),
    check!(cross_communicator_misuse_is_an_error),
    check!(explicit_plan_options),
    check!(simulated_plans_match_real_ones),
    check!(large_contiguous_messages_are_written_directly),
    check!(one_rank_with_other_arguments_is_an_error_everywhere),
    check!(halo_star_and_box),
    check!(halo_overlapping_form),
];

fn main() {
    harness::main("mpi_redistribute", CHECKS, &[1, 2, 3, 4]);
}

fn flat(shape: &[usize], ix: &[usize]) -> usize {
    ix.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}

fn arange(shape: &[usize]) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |ix| flat(shape, ix.slice()) as f64)
}

fn unstructured(comm: &Comm, n: usize, p: usize, pos: usize) -> Dist {
    let _ = comm;
    let mut indices: Vec<usize> = (0..n)
        .filter(|&g| (distarray::random::mix64(g as u64 + 7) % p as u64) as usize == pos)
        .collect();
    indices.reverse();
    Dist::Unstructured {
        indices,
        one_to_one: true,
    }
}

/// 1-D layouts of every kind for an axis of `n`.
fn kinds_1d(comm: &Comm, n: usize) -> Vec<Layout> {
    let p = comm.size();
    let mut bounds: Vec<usize> = (0..p).map(|i| (i * i).min(n)).collect();
    bounds.push(n);
    vec![
        Layout::block(comm, &[n]).unwrap(),
        Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockCyclic(3)]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockBounds(bounds)]).unwrap(),
        Layout::with_grid(comm, &[n], &[unstructured(comm, n, p, comm.rank())], &[p]).unwrap(),
    ]
}

/// Checks a redistribution from `src` to `dst` and back.
fn there_and_back(src: &Layout, dst: &Layout) {
    let shape = src.shape().to_vec();
    let a = DistArray::from_fn(src, |ix: &[usize]| flat(&shape, ix) as f64);
    let b = a
        .redistribute(dst)
        .unwrap_or_else(|e| panic!("{src:?} -> {dst:?}: {e}"));
    // every target cell, ghost copies included, holds its own global value
    let want = DistArray::from_fn(dst, |ix: &[usize]| flat(&shape, ix) as f64);
    assert_eq!(b.local(), want.local(), "{src:?} -> {dst:?}");
    assert_eq!(b.gather_all().unwrap(), arange(&shape));
    let back = b.redistribute(src).unwrap();
    assert_eq!(
        back.local(),
        a.local(),
        "there and back: {src:?} <-> {dst:?}"
    );
}

fn every_pair_of_kinds_1d(comm: &Comm) {
    for n in [0, 2, 13] {
        let layouts = kinds_1d(comm, n);
        for s in &layouts {
            for d in &layouts {
                there_and_back(s, d);
            }
        }
    }
    // unstructured ownership in stretches of consecutive indices (lists that
    // copy stretch by stretch), against every other kind
    let p = comm.size();
    let chunked: Vec<usize> = (0..103)
        .filter(|g| (distarray::random::mix64((g / 6) as u64) % p as u64) as usize == comm.rank())
        .collect();
    let stretches = Layout::with_grid(
        comm,
        &[103],
        &[Dist::Unstructured {
            indices: chunked,
            one_to_one: true,
        }],
        &[p],
    )
    .unwrap();
    for other in kinds_1d(comm, 103) {
        there_and_back(&stretches, &other);
    }
    let two_d = Layout::with_grid(
        comm,
        &[4, 103],
        &[
            Dist::NotDistributed,
            Dist::Unstructured {
                indices: stretches.global_indices(0),
                one_to_one: true,
            },
        ],
        &[1, p],
    )
    .unwrap();
    there_and_back(&two_d, &Layout::block(comm, &[4, 103]).unwrap());
    // padded targets and sources
    let padded = Layout::new(
        comm,
        &[13],
        &[Dist::BlockPadded {
            ghost_width: 1,
            boundary_width: (0, 0),
            periodic: false,
        }],
    )
    .unwrap();
    for other in kinds_1d(comm, 13) {
        there_and_back(&padded, &other);
        there_and_back(&other, &padded);
    }
}

fn layouts_2d(comm: &Comm, shape: [usize; 2]) -> Vec<Layout> {
    let p = comm.size();
    let grid = if p % 2 == 0 { [2, p / 2] } else { [p, 1] };
    let coords = distarray::grid::coords_of(&grid, comm.rank());
    vec![
        Layout::block(comm, &shape).unwrap(),
        Layout::with_grid(comm, &shape, &[Dist::Block, Dist::Block], &[1, p]).unwrap(),
        Layout::new(comm, &shape, &[Dist::Cyclic, Dist::BlockCyclic(2)]).unwrap(),
        Layout::new(comm, &shape, &[Dist::NotDistributed, Dist::Cyclic]).unwrap(),
        Layout::with_grid(
            comm,
            &shape,
            &[
                Dist::Block,
                unstructured(comm, shape[1], grid[1], coords[1]),
            ],
            &grid,
        )
        .unwrap(),
        Layout::new(
            comm,
            &shape,
            &[
                Dist::BlockPadded {
                    ghost_width: 1,
                    boundary_width: (1, 0),
                    periodic: false,
                },
                Dist::Block,
            ],
        )
        .unwrap(),
    ]
}

/// Packed sends cut into many chunks (tiny chunks forced through
/// DISTARRAY_PLAN_CHUNK_BYTES) deliver every cell in every transport: the
/// first executions try all at once, chunk by chunk through MPI and chunk
/// by chunk through shared memory in turn (timing them), later ones use the
/// fastest; every execution must be exact. Every local copy and unpack
/// writes with streaming stores (DISTARRAY_PLAN_STREAM_BYTES = 0 streams
/// runs of any length; large plans stream long runs only). Complex and
/// 32-bit elements take the same paths; `bool` has no shared-memory way.
fn packed_sends_in_every_transport(comm: &Comm) {
    std::env::set_var("DISTARRAY_PLAN_CHUNK_BYTES", "48");
    std::env::set_var("DISTARRAY_PLAN_STREAM_BYTES", "0");
    let p = comm.size();
    let cases: Vec<(Layout, Layout)> = vec![
        (
            Layout::with_grid(
                comm,
                &[23, 31],
                &[Dist::Block, Dist::NotDistributed],
                &[p, 1],
            )
            .unwrap(),
            Layout::with_grid(
                comm,
                &[23, 31],
                &[Dist::NotDistributed, Dist::Block],
                &[1, p],
            )
            .unwrap(),
        ),
        (
            Layout::block(comm, &[301]).unwrap(),
            Layout::new(comm, &[301], &[Dist::BlockCyclic(2)]).unwrap(),
        ),
        (
            Layout::with_grid(
                comm,
                &[300],
                &[unstructured(comm, 300, p, comm.rank())],
                &[p],
            )
            .unwrap(),
            Layout::new(comm, &[300], &[Dist::Cyclic]).unwrap(),
        ),
        (
            Layout::block(comm, &[6, 7, 9]).unwrap(),
            Layout::new(
                comm,
                &[6, 7, 9],
                &[Dist::Cyclic, Dist::Block, Dist::NotDistributed],
            )
            .unwrap(),
        ),
    ];
    for (src, dst) in &cases {
        exact_in_every_run(src, dst, |i| i as f64);
    }
    for (src, dst) in [&cases[0], &cases[3]] {
        exact_in_every_run(src, dst, |i| Complex64::new(i as f64, -(i as f64)));
        exact_in_every_run(src, dst, |i| i as i32 * 3);
        exact_in_every_run(src, dst, |i| i % 3 == 1);
    }
    // a wrong array on one rank only is the same error everywhere, not a
    // rank left waiting for messages or behind in a collective: while the
    // first executions are timed (each reduces over the ranks) and after
    // (on one rank the two layouts of case 0 coincide)
    if p > 1 {
        let (src, dst) = &cases[0];
        let mut plan = Plan::<f64>::new(src, dst).unwrap();
        let a = DistArray::<f64>::zeros(src);
        let wrong = DistArray::<f64>::zeros(dst);
        let mut b = DistArray::<f64>::zeros(dst);
        for run in 0..12 {
            if run % 5 == 0 {
                let given = if comm.rank() == run % p { &wrong } else { &a };
                let err = plan
                    .execute(given, &mut b)
                    .expect_err("one rank passed the wrong source");
                harness::assert_same_everywhere(comm, &err);
            }
            plan.execute(&a, &mut b).unwrap();
        }
    }
    // the shared way forced: every step of rows -> columns goes through
    // node shared memory (all ranks of this test share a node), exactly
    std::env::set_var("DISTARRAY_PLAN_TRANSPORT", "shared");
    for (k, (src, dst)) in cases.iter().enumerate() {
        let plan = exact_in_every_run(src, dst, |i| i as f64 - 0.25);
        if k == 0 && p > 1 {
            assert_eq!(plan.transport(), Transport::SharedMemory);
            assert_eq!(plan.shared_memory_steps(), (p - 1, p - 1));
        }
    }
    // shared memory refused by rank 0 only: its steps use MPI, the other
    // ranks' steps between themselves shared memory (on 3-4 ranks a step
    // then sends one way and receives the other); refused everywhere: the
    // shared way is the chunked one and says so
    let (src, dst) = &cases[0];
    for refusing in [vec![0], (0..p).collect::<Vec<_>>()] {
        if refusing.contains(&comm.rank()) {
            std::env::set_var("DISTARRAY_NODE_SHM", "off");
        }
        let plan = exact_in_every_run(src, dst, |i| i as f64 * 0.5);
        std::env::remove_var("DISTARRAY_NODE_SHM");
        if p > 1 {
            let (sends, receives) = plan.shared_memory_steps();
            let expect = match (refusing.len(), comm.rank()) {
                (1, 0) => (0, 0),
                (1, _) => (p - 2, p - 2),
                _ => (0, 0),
            };
            assert_eq!((sends, receives), expect, "refusing {refusing:?}");
            let way = if refusing.len() == p || p == 2 {
                Transport::Chunked
            } else {
                Transport::SharedMemory
            };
            assert_eq!(plan.transport(), way, "refusing {refusing:?}");
        }
    }
    // set on one rank only: ignored everywhere (the ranks would otherwise
    // disagree on timing the transports, each timing a reduction)
    if comm.rank() != 0 {
        std::env::remove_var("DISTARRAY_PLAN_TRANSPORT");
    }
    let (src, dst) = &cases[0];
    let mut plan = exact_in_every_run(src, dst, |i| i as f64);
    assert_ne!(
        plan.transport(),
        Transport::Auto,
        "chosen after the timing phase"
    );
    if p > 1 {
        let mut again = Plan::<f64>::new(src, dst).unwrap();
        let a = DistArray::<f64>::zeros(src);
        let mut b = DistArray::<f64>::zeros(dst);
        again.execute(&a, &mut b).unwrap();
        assert_eq!(again.transport(), Transport::Auto, "still timing");
        plan.execute(&a, &mut b).unwrap();
    }
    std::env::remove_var("DISTARRAY_PLAN_TRANSPORT");
    std::env::remove_var("DISTARRAY_PLAN_CHUNK_BYTES");
    std::env::remove_var("DISTARRAY_PLAN_STREAM_BYTES");
}

/// Twelve executions of one plan (past its timing phase: a warm-up and two
/// timed runs of each of up to three transports), each exact; the plan.
fn exact_in_every_run<T: Element>(
    src: &Layout,
    dst: &Layout,
    value: impl Fn(usize) -> T,
) -> Plan<T> {
    let shape = src.shape().to_vec();
    let a = DistArray::from_fn(src, |ix: &[usize]| value(flat(&shape, ix)));
    let want = DistArray::from_fn(dst, |ix: &[usize]| value(flat(&shape, ix)));
    let mut plan = Plan::<T>::new(src, dst).unwrap();
    for run in 0..12 {
        let mut b = DistArray::<T>::zeros(dst);
        plan.execute(&a, &mut b).unwrap();
        assert_eq!(b.local(), want.local(), "run {run}: {src:?} -> {dst:?}");
    }
    plan
}

fn every_pair_of_kinds_2d(comm: &Comm) {
    for shape in [[7, 5], [3, 2]] {
        let layouts = layouts_2d(comm, shape);
        for s in &layouts {
            for d in &layouts {
                there_and_back(s, d);
            }
        }
    }
}

fn every_pair_of_kinds_3d(comm: &Comm) {
    let shape = [4, 5, 3];
    let layouts = vec![
        Layout::block(comm, &shape).unwrap(),
        Layout::new(
            comm,
            &shape,
            &[Dist::Cyclic, Dist::NotDistributed, Dist::Block],
        )
        .unwrap(),
        Layout::new(
            comm,
            &shape,
            &[Dist::NotDistributed, Dist::BlockCyclic(2), Dist::Cyclic],
        )
        .unwrap(),
        Layout::with_grid(
            comm,
            &shape,
            &[Dist::NotDistributed, Dist::NotDistributed, Dist::Block],
            &[1, 1, comm.size()],
        )
        .unwrap(),
    ];
    for s in &layouts {
        for d in &layouts {
            there_and_back(s, d);
        }
    }
}

fn plans_are_reusable(comm: &Comm) {
    let src = Layout::new(comm, &[9, 8], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let dst = Layout::new(comm, &[9, 8], &[Dist::Cyclic, Dist::BlockCyclic(3)]).unwrap();
    let mut plan = Plan::<f64>::new(&src, &dst).unwrap();
    let mut out = DistArray::zeros(&dst);
    for seed in 0..3 {
        let a = DistArray::<f64>::random(&src, seed);
        plan.execute(&a, &mut out).unwrap();
        assert_eq!(out.local(), DistArray::<f64>::random(&dst, seed).local());
        plan.execute(&a, &mut out).unwrap();
        assert_eq!(
            out.local(),
            DistArray::<f64>::random(&dst, seed).local(),
            "same again"
        );
    }
    let (s, r, l) = plan.volume();
    assert_eq!(
        comm.sum_u64((r + l) as u64),
        72,
        "every target cell arrives once"
    );
    assert_eq!(comm.sum_u64(s as u64), comm.sum_u64(r as u64));
}

fn transposes(comm: &Comm) {
    let a_layout = Layout::new(comm, &[5, 7], &[Dist::Block, Dist::Cyclic]).unwrap();
    let a = DistArray::from_fn(&a_layout, |ix: &[usize]| flat(&[5, 7], ix) as f64);
    for dists in [
        [Dist::Block, Dist::NotDistributed],
        [Dist::Cyclic, Dist::Block],
    ] {
        let t_layout = Layout::new(comm, &[7, 5], &dists).unwrap();
        let t = a.transpose_in(&[1, 0], &t_layout).unwrap();
        let want = arange(&[5, 7]).permuted_axes(IxDyn(&[1, 0])).to_owned();
        assert_eq!(t.gather_all().unwrap(), want);
    }
    // 3-D pencil rotation
    let src = Layout::new(
        comm,
        &[3, 4, 5],
        &[Dist::Block, Dist::Block, Dist::NotDistributed],
    )
    .unwrap();
    let dst = Layout::new(
        comm,
        &[5, 3, 4],
        &[Dist::Block, Dist::NotDistributed, Dist::Block],
    )
    .unwrap();
    let a = DistArray::from_fn(&src, |ix: &[usize]| flat(&[3, 4, 5], ix) as f64);
    let t = a.transpose_in(&[2, 0, 1], &dst).unwrap();
    let want = arange(&[3, 4, 5])
        .permuted_axes(IxDyn(&[2, 0, 1]))
        .to_owned();
    assert_eq!(t.gather_all().unwrap(), want);
    let err = a.transpose_in(&[0, 0, 1], &dst).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

fn reshapes(comm: &Comm) {
    let src = Layout::new(comm, &[6, 10], &[Dist::Cyclic, Dist::Block]).unwrap();
    let a = DistArray::from_fn(&src, |ix: &[usize]| flat(&[6, 10], ix) as f64);
    let p = comm.size();
    let targets = vec![
        Layout::new(comm, &[4, 15], &[Dist::Block, Dist::BlockCyclic(4)]).unwrap(),
        Layout::block(comm, &[60]).unwrap(),
        Layout::new(
            comm,
            &[3, 4, 5],
            &[Dist::NotDistributed, Dist::Cyclic, Dist::Block],
        )
        .unwrap(),
        Layout::with_grid(comm, &[60], &[unstructured(comm, 60, p, comm.rank())], &[p]).unwrap(),
    ];
    for t in targets {
        let r = a.reshape_in(&t).unwrap();
        let want = arange(t.shape());
        assert_eq!(r.gather_all().unwrap(), want, "{t:?}");
        let back = r.reshape_in(&src).unwrap();
        assert_eq!(back.local(), a.local());
    }
    let bad = Layout::block(comm, &[61]).unwrap();
    assert!(matches!(
        a.reshape_in(&bad),
        Err(Error::ShapeMismatch { .. })
    ));
}

fn plan_misuse_is_an_error(comm: &Comm) {
    let a = Layout::block(comm, &[10]).unwrap();
    let b = Layout::new(comm, &[10], &[Dist::Cyclic]).unwrap();
    let c = Layout::block(comm, &[11]).unwrap();
    assert!(matches!(
        Plan::<f64>::new(&a, &c),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut plan = Plan::<f64>::new(&a, &b).unwrap();
    let x = DistArray::<f64>::zeros(&c);
    let mut y = DistArray::<f64>::zeros(&b);
    assert!(matches!(
        plan.execute(&x, &mut y),
        Err(Error::LayoutMismatch { .. })
    ));
}

/// Expected ghost-filled value of local cell `local` of `layout`, or None
/// when a star stencil leaves it alone.
fn expected_after_halo(layout: &Layout, local: &[usize], stencil: Stencil) -> Option<f64> {
    let shape = layout.shape();
    let mut halo_axes = 0;
    let mut src = Vec::new();
    for (axis, &k) in local.iter().enumerate() {
        let p = layout.grid().coords()[axis];
        let g = layout.global_indices(axis)[k];
        let m = layout.map(axis);
        let owned = m.owned_local_range(p).contains(&k);
        let mut gs = g;
        if let distarray::AxisMap::Block(b) = m {
            let (bl, br) = b.boundary_padding();
            let period = b.size() - bl - br;
            if b.is_periodic() && g < bl {
                gs = g + period;
            } else if b.is_periodic() && g >= b.size() - br {
                gs = g - period;
            }
            if !owned || gs != g {
                halo_axes += 1;
            }
        }
        src.push(gs);
    }
    match (halo_axes, stencil) {
        (0, _) => Some(flat(shape, &src) as f64),
        (1, _) | (_, Stencil::Box) => Some(flat(shape, &src) as f64),
        _ => None,
    }
}

/// An array with owned interior values and -1 in every ghost cell.
fn ghosted(layout: &Layout) -> DistArray<f64> {
    let mut a = DistArray::from_fn(layout, |ix: &[usize]| flat(layout.shape(), ix) as f64);
    let mut local = a.local_mut();
    for (ix, v) in local.indexed_iter_mut() {
        if expected_after_halo(layout, ix.slice(), Stencil::Star).is_none()
            || (0..layout.ndim()).any(|a| is_ghost(layout, a, ix[a]))
        {
            *v = -1.0;
        }
    }
    a
}

fn is_ghost(layout: &Layout, axis: usize, k: usize) -> bool {
    let p = layout.grid().coords()[axis];
    match layout.map(axis) {
        distarray::AxisMap::Block(b) => {
            let g = layout.global_indices(axis)[k];
            let (bl, br) = b.boundary_padding();
            !b.owned_local_range(p).contains(&k)
                || (b.is_periodic() && (g < bl || g >= b.size() - br))
        }
        _ => false,
    }
}

fn halo_layouts(comm: &Comm) -> Vec<Layout> {
    let mut out = Vec::new();
    for width in [1, 2] {
        for periodic in [false, true] {
            let d = Dist::BlockPadded {
                ghost_width: width,
                boundary_width: (width, width),
                periodic,
            };
            out.push(Layout::new(comm, &[5 * comm.size() + 4], std::slice::from_ref(&d)).unwrap());
            out.push(Layout::new(comm, &[9, 11], &[d.clone(), d.clone()]).unwrap());
            out.push(
                Layout::with_grid(
                    comm,
                    &[12, 7],
                    &[d.clone(), Dist::Cyclic],
                    &[comm.size(), 1],
                )
                .unwrap(),
            );
            out.push(Layout::new(comm, &[6, 7, 8], &[d.clone(), d.clone(), d.clone()]).unwrap());
        }
    }
    out
}

fn halo_star_and_box(comm: &Comm) {
    for layout in halo_layouts(comm) {
        for stencil in [Stencil::Star, Stencil::Box] {
            let mut a = ghosted(&layout);
            let mut halo = Halo::new(&layout, stencil).unwrap();
            for _ in 0..2 {
                halo.update(&mut a).unwrap();
                for (ix, &v) in a.local().indexed_iter() {
                    let want = expected_after_halo(&layout, ix.slice(), stencil).unwrap_or(-1.0);
                    assert_eq!(v, want, "{layout:?} {stencil:?} at local {:?}", ix.slice());
                }
            }
            assert!(halo.neighbours().len() <= comm.size());
        }
    }
}

fn halo_overlapping_form(comm: &Comm) {
    let d = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (1, 1),
        periodic: true,
    };
    let layout = Layout::new(comm, &[10, 9], &[d.clone(), d]).unwrap();
    let mut a = ghosted(&layout);
    let mut halo = Halo::new(&layout, Stencil::Box).unwrap();
    distarray::halo::scope(|s| {
        let pending = halo.begin(s, &a).unwrap();
        // interior work while messages fly: read owned cells
        let owned_sum: f64 = a.local().iter().filter(|&&v| v >= 0.0).sum();
        assert!(owned_sum >= 0.0);
        pending.finish(&mut a).unwrap();
    });
    for (ix, &v) in a.local().indexed_iter() {
        assert_eq!(
            Some(v),
            expected_after_halo(&layout, ix.slice(), Stencil::Box)
        );
    }
}

/// Checks `out` (on the ranks holding `layout`) against `value` at every local cell.
fn assert_filled(out: Option<&DistArray<f64>>, value: impl Fn(&[usize]) -> f64) {
    if let Some(out) = out {
        let want = DistArray::from_fn(out.layout(), |ix: &[usize]| value(ix));
        assert_eq!(out.local(), want.local());
    }
}

fn cross_communicator_plans(comm: &Comm) {
    let n = comm.size();
    let half = n.div_ceil(2);
    let value = |seed: f64| move |ix: &[usize]| seed * 1000.0 + flat(&[7, 5], ix) as f64;
    // (source ranks, target ranks): a subset feeding everyone, everyone
    // feeding a subset, and two disjoint subsets (overlapping on 1 rank)
    type Members = Box<dyn Fn(usize) -> bool>;
    let cases: [(Members, Members); 3] = [
        (Box::new(move |r| r < half), Box::new(|_| true)),
        (Box::new(|_| true), Box::new(move |r| r + half >= n)),
        (Box::new(|r| r == 0), Box::new(move |r| r > 0 || n == 1)),
    ];
    for (in_src, in_dst) in &cases {
        let src_comm = comm.subset(in_src(comm.rank()));
        let dst_comm = comm.subset(in_dst(comm.rank()));
        let src = src_comm
            .as_ref()
            .map(|c| Layout::new(c, &[7, 5], &[Dist::Block, Dist::Cyclic]).unwrap());
        let dst = dst_comm
            .as_ref()
            .map(|c| Layout::new(c, &[7, 5], &[Dist::Cyclic, Dist::BlockCyclic(2)]).unwrap());
        let mut plan = Plan::<f64>::across(comm, src.as_ref(), dst.as_ref()).unwrap();
        let mut out = dst.as_ref().map(DistArray::<f64>::zeros);
        for seed in [1.0, 2.0] {
            let a = src.as_ref().map(|l| DistArray::from_fn(l, value(seed)));
            plan.execute_parts(a.as_ref(), out.as_mut()).unwrap();
            assert_filled(out.as_ref(), value(seed));
        }
        let (s, r, l) = plan.volume();
        assert_eq!(
            comm.sum_u64((r + l) as u64),
            comm.sum_u64(dst.as_ref().map_or(0, |d| d.local_len()) as u64),
            "every target cell arrives once"
        );
        assert_eq!(comm.sum_u64(s as u64), comm.sum_u64(r as u64));
    }
    // an unstructured source on a subset, read by everyone
    let sub = comm.subset(comm.rank() < half);
    if let Some(c) = &sub {
        assert_eq!(c.size(), half);
    }
    let src = sub
        .as_ref()
        .map(|c| Layout::new(c, &[29], &[unstructured(c, 29, c.size(), c.rank())]).unwrap());
    let dst = Layout::new(comm, &[29], &[Dist::BlockCyclic(4)]).unwrap();
    let a = src
        .as_ref()
        .map(|l| DistArray::from_fn(l, |ix: &[usize]| ix[0] as f64 * 0.5));
    let mut plan = Plan::<f64>::across(comm, src.as_ref(), Some(&dst)).unwrap();
    let mut out = DistArray::<f64>::zeros(&dst);
    plan.execute_parts(a.as_ref(), Some(&mut out)).unwrap();
    assert_filled(Some(&out), |ix: &[usize]| ix[0] as f64 * 0.5);
    // ghost cells of the target are filled too
    let src = Layout::new(comm, &[7, 5], &[Dist::Cyclic, Dist::Block]).unwrap();
    let sub = comm.subset(comm.rank() + 1 == n);
    let dst = sub
        .as_ref()
        .map(|c| Layout::new(c, &[7, 5], &[Dist::Block, Dist::NotDistributed]).unwrap());
    let a = DistArray::from_fn(&src, value(3.0));
    let mut plan = Plan::<f64>::across(comm, Some(&src), dst.as_ref()).unwrap();
    let mut out = dst.as_ref().map(DistArray::<f64>::zeros);
    plan.execute_parts(Some(&a), out.as_mut()).unwrap();
    assert_filled(out.as_ref(), value(3.0));
}

/// Options given explicitly (no environment): every transport, tiny
/// chunks and streaming stores for every run deliver every cell, and the
/// plan reports the transport it was given; ranks that ask for different
/// transports get the timed choice, the same on every rank.
fn explicit_plan_options(comm: &Comm) {
    let p = comm.size();
    let src = Layout::with_grid(
        comm,
        &[19, 13],
        &[Dist::Block, Dist::NotDistributed],
        &[p, 1],
    )
    .unwrap();
    let dst = Layout::with_grid(
        comm,
        &[19, 13],
        &[Dist::NotDistributed, Dist::Block],
        &[1, p],
    )
    .unwrap();
    let a = DistArray::from_fn(&src, |ix: &[usize]| (ix[0] * 13 + ix[1]) as f64);
    let want = a.gather_all().unwrap();
    for transport in [
        Transport::Auto,
        Transport::Whole,
        Transport::Chunked,
        Transport::SharedMemory,
    ] {
        let options = PlanOptions::default()
            .with_transport(transport)
            .with_chunk_bytes(40)
            .with_stream_min_bytes(0);
        let mut plan = Plan::<f64>::with_options(&src, &dst, &options).unwrap();
        let mut b = DistArray::zeros(&dst);
        for _ in 0..10 {
            b.fill(-1.0);
            plan.execute(&a, &mut b).unwrap();
            assert_eq!(b.gather_all().unwrap(), want, "{transport:?}");
        }
        if p > 1 && transport != Transport::Auto {
            assert_eq!(plan.transport(), transport);
        }
        assert_ne!(plan.transport(), Transport::Auto, "chosen after ten runs");
    }
    // different transports on different ranks: timed, never a hang
    let mine = if comm.rank() == 0 {
        Transport::Whole
    } else {
        Transport::Chunked
    };
    let options = PlanOptions::default()
        .with_transport(mine)
        .with_chunk_bytes(40);
    let mut plan = Plan::<f64>::with_options(&src, &dst, &options).unwrap();
    let mut b = DistArray::zeros(&dst);
    plan.execute(&a, &mut b).unwrap();
    if p > 1 {
        assert_eq!(plan.transport(), Transport::Auto, "ranks disagreed: timed");
    }
    assert_eq!(b.gather_all().unwrap(), want);
}

fn cross_communicator_misuse_is_an_error(comm: &Comm) {
    let first = comm.subset(comm.rank() == 0);
    let src = first.as_ref().map(|c| Layout::block(c, &[6]).unwrap());
    let wrong = Layout::block(comm, &[7]).unwrap();
    // shapes differ: the same error on every rank, no hang
    assert!(matches!(
        Plan::<f64>::across(comm, src.as_ref(), Some(&wrong)),
        Err(Error::ShapeMismatch { .. })
    ));
    // nobody holds a target
    assert!(matches!(
        Plan::<f64>::across(comm, src.as_ref(), None),
        Err(Error::InvalidArgument(_))
    ));
    // a layout passed on ranks outside its communicator
    let everyone = Layout::block(comm, &[6]).unwrap();
    if comm.size() > 1 {
        let claimed = if comm.rank() == 0 {
            src.clone()
        } else {
            Some(everyone.clone())
        };
        assert!(Plan::<f64>::across(comm, claimed.as_ref(), Some(&everyone)).is_err());
    }
    // executing with an array the plan was not built for fails on every rank
    let mut plan = Plan::<f64>::across(comm, src.as_ref(), Some(&everyone)).unwrap();
    let mut out = DistArray::<f64>::zeros(&everyone);
    let stray = DistArray::<f64>::zeros(&wrong);
    let given = if comm.rank() + 1 == comm.size() {
        Some(&stray)
    } else {
        None
    };
    let given = if comm.rank() == 0 && comm.size() > 1 {
        None
    } else {
        given
    };
    assert!(matches!(
        plan.execute_parts(given, Some(&mut out)),
        Err(Error::LayoutMismatch { .. })
    ));
}

/// The scale simulation builds one rank's plan as that rank would: on 1-4
/// real ranks, each case's simulated plan has the real one's peers and
/// volumes, and about its memory (send segments are counted from the
/// reverse movement, so their runs may be cut differently).
fn simulated_plans_match_real_ones(comm: &Comm) {
    use distarray::exchange::scale::{footprint, measured, Case};
    for case in Case::ALL {
        let real = measured(case, comm);
        let sim = footprint(case, comm.size(), comm.rank());
        assert_eq!(real.peers, sim.peers, "{}", case.name());
        assert_eq!(real.volume, sim.volume, "{}", case.name());
        let ratio = sim.plan_bytes as f64 / real.plan_bytes.max(1) as f64;
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{}: {sim:?} vs {real:?}",
            case.name()
        );
    }
}

/// A gather's large contiguous messages are written by their senders into
/// the root's buffer (same node; the root has more to copy than they do),
/// exactly, at every execution; a rank that keeps out of node shared
/// memory keeps its steps on MPI; `bool` has no byte form to write.
fn large_contiguous_messages_are_written_directly(comm: &Comm) {
    let p = comm.size();
    let (rows, cols) = (2048, 1024); // 16 MiB of f64: >= 4 MiB from every rank
    let src = Layout::with_grid(
        comm,
        &[rows, cols],
        &[Dist::Block, Dist::NotDistributed],
        &[p, 1],
    )
    .unwrap();
    let bounds: Vec<usize> = (0..=p).map(|i| if i == 0 { 0 } else { rows }).collect();
    let root = Layout::with_grid(
        comm,
        &[rows, cols],
        &[Dist::BlockBounds(bounds), Dist::NotDistributed],
        &[p, 1],
    )
    .unwrap();
    let a = DistArray::from_fn(&src, |ix: &[usize]| (ix[0] * cols + ix[1]) as f64);
    // the kernel lets a process write into a sibling only without Yama's
    // ptrace restriction; with it, every write is refused and the messages
    // go through MPI (exactly, still)
    let may_trace = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .map_or(true, |s| s.trim() == "0");
    for refusing in [None, Some(0)] {
        let options = PlanOptions::default().with_node_shared_memory(refusing != Some(comm.rank()));
        let mut plan = Plan::<f64>::with_options(&src, &root, &options).unwrap();
        for run in 0..3 {
            let mut b = DistArray::<f64>::zeros(&root);
            b.fill(-1.0);
            plan.execute(&a, &mut b).unwrap();
            if comm.rank() == 0 {
                let local = b.local();
                let cells = local.as_slice().unwrap();
                assert!(
                    cells.iter().enumerate().all(|(k, &v)| v == k as f64),
                    "run {run}, refusing {refusing:?}"
                );
            }
            let want = match (refusing, comm.rank()) {
                _ if p == 1 || !may_trace => (0, 0),
                (Some(_), _) => (0, 0),
                (None, 0) => (0, p - 1),
                (None, _) => (1, 0),
            };
            assert_eq!(plan.direct_write_steps(), want, "refusing {refusing:?}");
        }
    }
    // a scatter from an uneven split: a receiver holding one row more
    // than the root still copies for itself (the root would take on a copy
    // as large as its own)
    let odd_rows = Layout::new(comm, &[2049, cols], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let last = comm.size() - 1;
    let root_odd = Layout::with_grid(
        comm,
        &[2049, cols],
        &[
            Dist::BlockBounds((0..=p).map(|i| if i <= last { 0 } else { 2049 }).collect()),
            Dist::NotDistributed,
        ],
        &[p, 1],
    )
    .unwrap();
    let whole_odd = DistArray::from_fn(&root_odd, |ix: &[usize]| (ix[0] * cols + ix[1]) as f64);
    let mut scatter = Plan::<f64>::new(&root_odd, &odd_rows).unwrap();
    let mut parts = DistArray::<f64>::zeros(&odd_rows);
    scatter.execute(&whole_odd, &mut parts).unwrap();
    assert_eq!(scatter.direct_write_steps(), (0, 0));
    let want = DistArray::from_fn(&odd_rows, |ix: &[usize]| (ix[0] * cols + ix[1]) as f64);
    assert_eq!(parts.local(), want.local());
    // the reverse (a scatter): the root copies as much as each receiver,
    // so the receivers copy for themselves, through MPI
    let mut back = Plan::<f64>::new(&root, &src).unwrap();
    let mut whole = DistArray::<f64>::zeros(&root);
    Plan::<f64>::new(&src, &root)
        .unwrap()
        .execute(&a, &mut whole)
        .unwrap();
    let mut c = DistArray::<f64>::zeros(&src);
    back.execute(&whole, &mut c).unwrap();
    assert_eq!(c.local(), a.local());
    assert_eq!(back.direct_write_steps(), (0, 0));
    // bool cells have no byte form: through MPI, exactly
    let flags = DistArray::from_fn(&src, |ix: &[usize]| (ix[0] + ix[1]) % 3 == 0);
    let mut plan = Plan::<bool>::new(&src, &root).unwrap();
    let mut out = DistArray::<bool>::zeros(&root);
    plan.execute(&flags, &mut out).unwrap();
    assert_eq!(plan.direct_write_steps(), (0, 0));
    if comm.rank() == 0 {
        let local = out.local();
        for (k, &v) in local.as_slice().unwrap().iter().enumerate() {
            assert_eq!(v, (k / cols + k % cols) % 3 == 0);
        }
    }
}

/// Every data movement agrees its arguments before moving anything: one
/// rank passing another target shape, a non-permutation, another reshape
/// length, another layout, another slice, another root or another stencil
/// gets every rank the same error (naming the rank that differed), never
/// a hang. The last rank is the odd one out.
fn one_rank_with_other_arguments_is_an_error_everywhere(comm: &Comm) {
    let odd = comm.rank() + 1 == comm.size();
    let rows = Layout::new(comm, &[6, 4], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let cols = Layout::new(comm, &[6, 4], &[Dist::NotDistributed, Dist::Block]).unwrap();
    let other = Layout::new(comm, &[4, 6], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let cyclic = Layout::new(comm, &[6, 4], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
    let flat = Layout::block(comm, &[24]).unwrap();
    let wrong_flat = Layout::block(comm, &[25]).unwrap();
    let expect_error = |r: Result<(), Error>, what: &str| {
        let err = r.expect_err(what);
        harness::assert_same_everywhere(comm, &err);
        err
    };
    // another target shape on one rank
    let target = if odd { &other } else { &cols };
    expect_error(Plan::<f64>::new(&rows, target).map(|_| ()), "Plan::new");
    // a non-permutation on one rank
    let perm: &[usize] = if odd { &[0, 0] } else { &[1, 0] };
    expect_error(
        Plan::<f64>::transpose(&rows, &other, perm).map(|_| ()),
        "transpose",
    );
    // another (valid) layout on one rank: the arguments differ
    let target = if odd { &cyclic } else { &cols };
    if comm.size() > 1 {
        let err = expect_error(
            Plan::<f64>::new(&rows, target).map(|_| ()),
            "layouts differ",
        );
        assert_eq!(
            err,
            Error::ArgumentsDiffer {
                context: "Plan::new".into(),
                rank: comm.size() - 1
            }
        );
    }
    // a reshape to a wrong length on one rank
    let target = if odd { &wrong_flat } else { &flat };
    expect_error(Plan::<f64>::reshape(&rows, target).map(|_| ()), "reshape");
    // another slice on one rank
    let a = DistArray::from_fn(&rows, |ix: &[usize]| (ix[0] * 4 + ix[1]) as f64);
    let lo = usize::from(odd);
    let two = Layout::block(comm, &[2, 4]).unwrap();
    if comm.size() > 1 {
        expect_error(a.slice_in(s![lo..lo + 2, ..], &two).map(|_| ()), "slice");
    }
    // another root on one rank, for a gather and a scatter
    if comm.size() > 1 {
        let root = if odd { 1 } else { 0 };
        expect_error(a.gather(root).map(|_| ()), "gather root");
        let whole = a.gather_all().unwrap();
        expect_error(
            DistArray::from_global(&rows, root, (comm.rank() == root).then(|| whole.view()))
                .map(|_| ()),
            "scatter root",
        );
    }
    // another stencil on one rank; then a halo update of an array of
    // another layout, or of a buffer that is not C-contiguous, on one rank;
    // begin/finish likewise
    if comm.size() > 1 {
        let ghosts = Dist::BlockPadded {
            ghost_width: 1,
            boundary_width: (1, 1),
            periodic: true,
        };
        let padded = Layout::new(comm, &[8, 8], &[ghosts.clone(), ghosts]).unwrap();
        let stencil = if odd { Stencil::Box } else { Stencil::Star };
        expect_error(Halo::<f64>::new(&padded, stencil).map(|_| ()), "stencil");
        let plain = Layout::new(comm, &[8, 8], &[Dist::Block, Dist::Block]).unwrap();
        let mut halo = Halo::<f64>::new(&padded, Stencil::Box).unwrap();
        let mut good = DistArray::<f64>::zeros(&padded);
        let mut wrong = DistArray::<f64>::zeros(&plain);
        let err = if odd {
            halo.update(&mut wrong)
        } else {
            halo.update(&mut good)
        };
        expect_error(err, "halo update of another layout");
        // the same cells, transposed in memory on one rank
        let shape = padded.local_shape().to_vec();
        let mut t = ArrayD::<f64>::zeros(IxDyn(&[shape[1], shape[0]]));
        let mut view =
            distarray::DistArrayViewMut::from_local(padded.clone(), t.view_mut().reversed_axes())
                .unwrap();
        let err = if odd {
            halo.update(&mut view)
        } else {
            halo.update(&mut good)
        };
        expect_error(err, "halo update of a transposed buffer");
        // begin with the right array everywhere, finish with a wrong one on one rank
        let mut other = DistArray::<f64>::zeros(&padded);
        let err = distarray::halo::scope(|s| {
            let pending = halo.begin(s, &good).unwrap();
            if odd {
                pending.finish(&mut view)
            } else {
                pending.finish(&mut other)
            }
        });
        expect_error(err, "halo finish with a transposed buffer");
        halo.update(&mut good).unwrap();
    }
    // and afterwards everything still works
    let mut plan = Plan::<f64>::new(&rows, &cols).unwrap();
    let mut b = DistArray::zeros(&cols);
    plan.execute(&a, &mut b).unwrap();
    assert_eq!(b.gather_all().unwrap(), a.gather_all().unwrap());
}

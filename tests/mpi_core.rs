//! Multi-rank checks of the core: layouts of every kind, creation, gather,
//! scatter, element access, seeded random arrays, sub-communicators, and
//! errors that every rank agrees on. Runs on 1, 2, 3 and 4 ranks.

mod harness;

use distarray::map::AxisMap;
use distarray::ndarray::{ArrayD, IxDyn};
use distarray::num_complex::Complex64;
use distarray::random::RandomElement;
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::{assert_same_everywhere, Check};

static CHECKS: &[Check] = &[
    check!(every_kind_gathers_to_the_global_array),
    check!(get_and_set_by_global_index),
    check!(scatter_from_root_and_gather_back),
    check!(gathers_and_scatters_at_every_root_and_edge),
    check!(declared_sizes_no_data_backs_allocate_nothing),
    check!(all_to_all_in_pieces_matches_alltoallv),
    check!(random_arrays_do_not_depend_on_layout),
    check!(constructors_fill_every_cell),
    check!(unstructured_directory_finds_owners),
    check!(empty_local_parts),
    check!(arrays_on_a_sub_communicator),
    check!(bad_input_on_one_rank_gives_every_rank_the_same_error),
    check!(layouts_compare_by_value),
    check!(every_dtype_round_trips),
];

fn main() {
    harness::main("mpi_core", CHECKS, &[1, 2, 3, 4]);
}

/// Global array whose cell holds its flat C-order index.
fn arange(shape: &[usize]) -> ArrayD<f64> {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|k| k as f64).collect()).unwrap()
}

fn flat(shape: &[usize], ix: &[usize]) -> usize {
    ix.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i)
}

/// Which grid position holds `g` in the test's unstructured distributions.
fn scatter_pos(g: usize, p: usize) -> usize {
    (distarray::random::mix64(g as u64) % p as u64) as usize
}

/// Indices of position `pos` of `p` for an axis of `n`, in a scrambled order.
fn unstructured_indices(n: usize, p: usize, pos: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).filter(|&g| scatter_pos(g, p) == pos).collect();
    v.reverse();
    v
}

/// A variety of layouts covering every kind, on `comm`.
fn layouts(comm: &Comm) -> Vec<Layout> {
    let n = comm.size();
    let mut out = vec![
        Layout::block(comm, &[13]).unwrap(),
        Layout::new(comm, &[11], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[10], &[Dist::BlockCyclic(3)]).unwrap(),
        Layout::new(comm, &[7, 5], &[Dist::Block, Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[6, 9], &[Dist::NotDistributed, Dist::BlockCyclic(2)]).unwrap(),
        Layout::new(
            comm,
            &[5, 4, 3],
            &[Dist::Block, Dist::NotDistributed, Dist::Cyclic],
        )
        .unwrap(),
        Layout::new(
            comm,
            &[4, 6, 5],
            &[Dist::Cyclic, Dist::Block, Dist::BlockCyclic(2)],
        )
        .unwrap(),
        Layout::new(
            comm,
            &[12, 5],
            &[
                Dist::BlockPadded {
                    ghost_width: 1,
                    boundary_width: (1, 1),
                    periodic: true,
                },
                Dist::NotDistributed,
            ],
        )
        .unwrap(),
    ];
    // irregular bounds: everything on the last rank but one cell per other rank
    let mut bounds: Vec<usize> = (0..n).collect();
    bounds.push(9 + n);
    out.push(Layout::new(comm, &[9 + n], &[Dist::BlockBounds(bounds)]).unwrap());
    // unstructured, 1-d and crossed with block on a 2-d grid
    let u = Dist::Unstructured {
        indices: unstructured_indices(17, n, comm.rank()),
        one_to_one: true,
    };
    out.push(Layout::with_grid(comm, &[17], &[u], &[n]).unwrap());
    let grid = if n % 2 == 0 { [2, n / 2] } else { [1, n] };
    let coords = distarray::grid::coords_of(&grid, comm.rank());
    let u2 = Dist::Unstructured {
        indices: unstructured_indices(8, grid[1], coords[1]),
        one_to_one: true,
    };
    out.push(Layout::with_grid(comm, &[5, 8], &[Dist::Block, u2], &grid).unwrap());
    out
}

fn every_kind_gathers_to_the_global_array(comm: &Comm) {
    for layout in layouts(comm) {
        let shape = layout.shape().to_vec();
        let a = DistArray::from_fn(&layout, |ix: &[usize]| flat(&shape, ix) as f64);
        // each local cell holds the value of the global index the maps say
        for (k, &v) in a.local().iter().enumerate() {
            let _ = k;
            assert!(v >= 0.0 && (v as usize) < layout.global_len());
        }
        let want = arange(&shape);
        assert_eq!(a.gather_all().unwrap(), want, "{layout:?}");
        let on_root = a.gather(comm.size() - 1).unwrap();
        assert_eq!(on_root.is_some(), comm.rank() == comm.size() - 1);
        if let Some(g) = on_root {
            assert_eq!(g, want);
        }
        // owned cells over all ranks add up to the global size
        let owned: usize = layout
            .owned_local_ranges()
            .iter()
            .map(|r| r.len())
            .product();
        assert_eq!(
            comm.sum_u64(owned as u64) as usize,
            layout.global_len(),
            "{layout:?}"
        );
        // local -> global -> local round trip on every axis
        for (axis, m) in layout.maps().iter().enumerate() {
            let p = layout.grid().coords()[axis];
            assert_eq!(
                layout.first_global_index(axis),
                layout.global_indices(axis).first().copied(),
                "first index of {layout:?} on axis {axis}"
            );
            for (j, g) in layout.global_indices(axis).into_iter().enumerate() {
                assert_eq!(m.global_to_local(p, g), Some(j));
                if let Some((q, jj)) = m.owner(g) {
                    if m.owned_local_range(p).contains(&j) {
                        assert_eq!((q, jj), (p, j));
                    }
                }
            }
        }
    }
}

fn get_and_set_by_global_index(comm: &Comm) {
    for layout in layouts(comm) {
        let shape = layout.shape().to_vec();
        let mut a = DistArray::from_fn(&layout, |ix: &[usize]| flat(&shape, ix) as f64);
        let total = layout.global_len();
        for k in (0..total).step_by(3) {
            let ix = unflat(&shape, k);
            assert_eq!(a.get(&ix).unwrap(), k as f64, "{layout:?} at {ix:?}");
        }
        let ix = unflat(&shape, total - 1);
        let wrote = a.set(&ix, -5.0).unwrap();
        assert!(
            comm.sum_u64(wrote as u64) >= 1,
            "somebody holds the last cell"
        );
        assert_eq!(a.get(&ix).unwrap(), -5.0);
        let gathered = a.gather_all().unwrap();
        assert_eq!(gathered[IxDyn(&ix)], -5.0);
        // out of bounds: the same error everywhere
        let mut bad = shape.clone();
        bad[0] += 1;
        assert!(matches!(a.get(&bad), Err(Error::IndexOutOfBounds { .. })));
        assert!(a.set(&bad, 1.0).is_err());
    }
}

fn unflat(shape: &[usize], mut k: usize) -> Vec<usize> {
    let mut ix = vec![0; shape.len()];
    for a in (0..shape.len()).rev() {
        ix[a] = k % shape[a];
        k /= shape[a];
    }
    ix
}

fn scatter_from_root_and_gather_back(comm: &Comm) {
    for layout in layouts(comm) {
        let root = comm.size() / 2;
        let global = arange(layout.shape());
        let mine = (comm.rank() == root).then(|| global.view());
        let a = DistArray::from_global(&layout, root, mine).unwrap();
        let shape = layout.shape().to_vec();
        let b = DistArray::from_fn(&layout, |ix: &[usize]| flat(&shape, ix) as f64);
        assert_eq!(
            a.local(),
            b.local(),
            "scatter fills padding too: {layout:?}"
        );
        assert_eq!(a.gather_all().unwrap(), global);
    }
}

/// Gathers and scatters go through plans: every root, 0-d and empty
/// arrays, a root array in Fortran order, padded targets, complex values.
fn gathers_and_scatters_at_every_root_and_edge(comm: &Comm) {
    let layout = Layout::new(comm, &[7, 3], &[Dist::Cyclic, Dist::Block]).unwrap();
    let global = arange(&[7, 3]);
    for root in 0..comm.size() {
        let a = DistArray::from_global(&layout, root, (comm.rank() == root).then(|| global.view()))
            .unwrap();
        let back = a.gather(root).unwrap();
        assert_eq!(back.is_some(), comm.rank() == root);
        if let Some(g) = back {
            assert_eq!(g, global, "root {root}");
        }
    }
    // the root's array in Fortran order: the values, not the memory order, count
    let fortran = arange(&[3, 7]).reversed_axes();
    let want = fortran.as_standard_layout().into_owned();
    let a = DistArray::from_global(&layout, 0, (comm.rank() == 0).then(|| fortran.view())).unwrap();
    assert_eq!(a.gather_all().unwrap(), want);
    // a 0-d array (a layout only a one-rank communicator can have)
    if let Some(one) = comm.subset(comm.rank() == 0) {
        let scalar = Layout::new(&one, &[], &[]).unwrap();
        let g0 = ArrayD::from_elem(IxDyn(&[]), 2.5f64);
        let s = DistArray::from_global(&scalar, 0, Some(g0.view())).unwrap();
        assert_eq!(s.local()[IxDyn(&[])], 2.5);
        assert_eq!(s.gather(0).unwrap(), Some(g0));
    }
    // an empty axis
    let empty = Layout::new(comm, &[0, 4], &[Dist::Block, Dist::Block]).unwrap();
    let e = DistArray::<f64>::zeros(&empty);
    if let Some(g) = e.gather(0).unwrap() {
        assert_eq!(g.shape(), &[0, 4]);
    }
    // padded targets get their ghost cells too; complex values travel whole
    let ghosts = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (0, 0),
        periodic: false,
    };
    let padded = Layout::new(comm, &[9], &[ghosts]).unwrap();
    let gc = ArrayD::from_shape_fn(IxDyn(&[9]), |ix| Complex64::new(ix[0] as f64, -1.0));
    let c = DistArray::from_global(&padded, 0, (comm.rank() == 0).then(|| gc.view())).unwrap();
    let idx = padded.global_indices(0);
    for (k, &g) in idx.iter().enumerate() {
        assert_eq!(c.local()[IxDyn(&[k])], gc[IxDyn(&[g])]);
    }
    if let Some(g) = c.gather(0).unwrap() {
        assert_eq!(g, gc);
    }
}

fn random_arrays_do_not_depend_on_layout(comm: &Comm) {
    let shape = [9, 7];
    let want = ArrayD::from_shape_fn(IxDyn(&shape), |ix| {
        f64::random(2024, (ix[0] * 7 + ix[1]) as u64)
    });
    for dists in [
        [Dist::Block, Dist::Block],
        [Dist::Cyclic, Dist::BlockCyclic(2)],
        [Dist::NotDistributed, Dist::Cyclic],
    ] {
        let layout = Layout::new(comm, &shape, &dists).unwrap();
        let a = DistArray::<f64>::random(&layout, 2024);
        assert_eq!(a.gather_all().unwrap(), want);
        let b = DistArray::<f64>::random(&layout, 2025);
        assert_ne!(b.gather_all().unwrap(), want, "the seed matters");
    }
    let layout = Layout::block(comm, &[1000]).unwrap();
    let r = DistArray::<f64>::random(&layout, 1).gather_all().unwrap();
    let mean = r.sum() / 1000.0;
    assert!(r.iter().all(|&x| (0.0..1.0).contains(&x)));
    assert!((mean - 0.5).abs() < 0.05, "uniform mean {mean}");
}

fn constructors_fill_every_cell(comm: &Comm) {
    let layout = Layout::new(comm, &[6, 5], &[Dist::Block, Dist::Cyclic]).unwrap();
    let n = layout.local_len();
    assert!(DistArray::<f64>::zeros(&layout)
        .local()
        .iter()
        .all(|&x| x == 0.0));
    assert!(DistArray::<f64>::empty(&layout).local().len() == n);
    assert!(DistArray::<i64>::ones(&layout)
        .local()
        .iter()
        .all(|&x| x == 1));
    assert!(DistArray::<bool>::ones(&layout).local().iter().all(|&x| x));
    let mut a = DistArray::full(&layout, Complex64::new(1.0, 2.0));
    assert!(a.local().iter().all(|&x| x == Complex64::new(1.0, 2.0)));
    a.fill(Complex64::new(0.0, -1.0));
    assert_eq!(a.gather_all().unwrap().len(), 30);
    assert!(a
        .gather_all()
        .unwrap()
        .iter()
        .all(|&x| x == Complex64::new(0.0, -1.0)));
    assert_eq!(a.local().shape(), layout.local_shape());
}

fn unstructured_directory_finds_owners(comm: &Comm) {
    let n = comm.size();
    let size = 23;
    let layout = Layout::with_grid(
        comm,
        &[size],
        &[Dist::Unstructured {
            indices: unstructured_indices(size, n, comm.rank()),
            one_to_one: true,
        }],
        &[n],
    )
    .unwrap();
    let AxisMap::Unstructured(m) = layout.map(0) else {
        panic!("unstructured layout expected")
    };
    // each rank asks about a different subset, including indices it holds
    let queries: Vec<usize> = (0..size).filter(|g| g % n != comm.rank() % 2).collect();
    let answers = m.owners(comm, &queries);
    for (&g, ans) in queries.iter().zip(answers) {
        let pos = scatter_pos(g, n);
        let local = unstructured_indices(size, n, pos)
            .iter()
            .position(|&x| x == g);
        assert_eq!(ans, Some((pos, local.unwrap())), "owner of {g}");
    }
    // replicated (not one-to-one) indices: the lowest holder answers
    let mut ix = unstructured_indices(size, n, comm.rank());
    if !ix.contains(&0) {
        ix.push(0);
    }
    let layout = Layout::with_grid(
        comm,
        &[size],
        &[Dist::Unstructured {
            indices: ix,
            one_to_one: false,
        }],
        &[n],
    )
    .unwrap();
    let AxisMap::Unstructured(m) = layout.map(0) else {
        panic!()
    };
    assert_eq!(m.owners(comm, &[0])[0].map(|(p, _)| p), Some(0));
    let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i64);
    assert_eq!(a.get(&[0]).unwrap(), 0);
    assert_eq!(
        a.gather_all().unwrap().iter().copied().collect::<Vec<_>>(),
        (0..size as i64).collect::<Vec<_>>()
    );
}

fn empty_local_parts(comm: &Comm) {
    // fewer cells than ranks: some ranks hold nothing, and everything still works
    for dists in [[Dist::Block], [Dist::Cyclic], [Dist::BlockCyclic(2)]] {
        let layout = Layout::new(comm, &[2], &dists).unwrap();
        let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as i32 + 1);
        assert_eq!(a.gather_all().unwrap().as_slice().unwrap(), &[1, 2]);
        assert_eq!(a.get(&[1]).unwrap(), 2);
    }
    let layout = Layout::block(comm, &[0, 3]).unwrap();
    let a = DistArray::<f64>::zeros(&layout);
    assert_eq!(a.gather_all().unwrap().shape(), &[0, 3]);
    assert_eq!(a.local().len(), 0);
}

fn arrays_on_a_sub_communicator(comm: &Comm) {
    use distarray::mpi::topology::{Color, Communicator};
    let color = Color::with_value((comm.rank() % 2) as i32);
    let sub = comm
        .raw()
        .split_by_color(color)
        .expect("every rank has a color");
    let sub = Comm::duplicate_of(&sub);
    let layout = Layout::new(&sub, &[10, 3], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
    let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 3 + ix[1]) as f64);
    assert_eq!(a.gather_all().unwrap(), arange(&[10, 3]));
    assert_eq!(layout.grid().nprocs(), sub.size());
    assert_eq!(sub.size(), (comm.size() + 1 - comm.rank() % 2) / 2);
}

fn bad_input_on_one_rank_gives_every_rank_the_same_error(comm: &Comm) {
    let layout = Layout::block(comm, &[5, 5]).unwrap();
    // the root passes a global array of the wrong shape
    let wrong = arange(&[5, 4]);
    let root = comm.size() - 1;
    let err = DistArray::from_global(&layout, root, (comm.rank() == root).then(|| wrong.view()))
        .unwrap_err();
    assert!(
        matches!(&err, Error::ShapeMismatch { found, .. } if found == &vec![5, 4]),
        "{err}"
    );
    assert_same_everywhere(comm, &err);
    // one rank passes other layout arguments
    let shape = if comm.rank() == root && comm.size() > 1 {
        [5, 6]
    } else {
        [5, 5]
    };
    let r = Layout::block(comm, &shape);
    if comm.size() > 1 {
        let err = r.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert_same_everywhere(comm, &err);
    }
    // an impossible distribution on one rank only
    let d = if comm.rank() == 0 {
        Dist::BlockCyclic(0)
    } else {
        Dist::BlockCyclic(1)
    };
    let err = Layout::with_grid(comm, &[5], &[d], &[comm.size()]).unwrap_err();
    assert_same_everywhere(comm, &err);
    // a grid that does not match the communicator
    let err = Layout::with_grid(comm, &[5], &[Dist::Block], &[comm.size() + 1]).unwrap_err();
    assert!(matches!(err, Error::InvalidGrid { .. }), "{err}");
    // unstructured indices out of range on the last rank
    let mut ix = unstructured_indices(6, comm.size(), comm.rank());
    if comm.rank() == root {
        ix.push(99);
    }
    let err = Layout::with_grid(
        comm,
        &[6],
        &[Dist::Unstructured {
            indices: ix,
            one_to_one: true,
        }],
        &[comm.size()],
    )
    .unwrap_err();
    assert_eq!(
        err.rule(),
        Some(distarray::Rule::IndicesOutOfRange),
        "{err}"
    );
    assert_same_everywhere(comm, &err);
}

fn layouts_compare_by_value(comm: &Comm) {
    let a = Layout::new(comm, &[8, 8], &[Dist::Block, Dist::Cyclic]).unwrap();
    let b = Layout::new(comm, &[8, 8], &[Dist::Block, Dist::Cyclic]).unwrap();
    let c = Layout::new(comm, &[8, 8], &[Dist::Block, Dist::BlockCyclic(2)]).unwrap();
    assert!(a == b && !a.ptr_eq(&b));
    assert_eq!(a == c, comm.size() == 1 || a.grid().shape()[1] == 1);
    let other_comm = Comm::world();
    let d = Layout::new(&other_comm, &[8, 8], &[Dist::Block, Dist::Cyclic]).unwrap();
    assert!(a == d, "congruent communicators compare equal");
}

fn every_dtype_round_trips(comm: &Comm) {
    fn one<T: distarray::Element + RandomElement>(comm: &Comm) {
        let layout = Layout::new(comm, &[7, 3], &[Dist::Cyclic, Dist::Block]).unwrap();
        let a = DistArray::<T>::random(&layout, 9);
        let g = a.gather_all().unwrap();
        let b = DistArray::from_global(&layout, 0, (comm.rank() == 0).then(|| g.view())).unwrap();
        assert_eq!(a.local(), b.local(), "{:?}", T::DTYPE);
        assert_eq!(a.get(&[6, 2]).unwrap(), g[[6, 2]]);
    }
    one::<bool>(comm);
    one::<u8>(comm);
    one::<i32>(comm);
    one::<i64>(comm);
    one::<f32>(comm);
    one::<f64>(comm);
    one::<distarray::num_complex::Complex32>(comm);
    one::<Complex64>(comm);
}

/// An unstructured axis that declares 10^15 cells but lists a handful is
/// refused (its indices cannot cover it) on every rank before anything is
/// allocated in proportion to the declared size.
fn declared_sizes_no_data_backs_allocate_nothing(comm: &Comm) {
    let d = Dist::Unstructured {
        indices: vec![comm.rank()],
        one_to_one: true,
    };
    let err = Layout::with_grid(comm, &[1_000_000_000_000_000], &[d], &[comm.size()])
        .expect_err("a size no index backs");
    assert_eq!(
        err.rule().map(|r| r.id()).as_deref(),
        Some("indices_do_not_cover"),
        "{err}"
    );
    assert_same_everywhere(comm, &err);
}

/// The point-to-point exchange that takes over past MPI's 32-bit counts
/// delivers what MPI_Alltoallv delivers (uneven and empty parts).
fn all_to_all_in_pieces_matches_alltoallv(comm: &Comm) {
    let me = comm.rank();
    let send: Vec<Vec<u64>> = (0..comm.size())
        .map(|to| {
            (0..(me * 3 + to) % 5)
                .map(|i| (me * 1000 + to * 10 + i) as u64)
                .collect()
        })
        .collect();
    let by_mpi = comm.all_to_all_varcount(&send);
    let counts: Vec<usize> = by_mpi.iter().map(Vec::len).collect();
    let by_pieces = comm.exchange_in_pieces(&send, &counts);
    assert_eq!(by_mpi, by_pieces);
    for (from, part) in by_pieces.iter().enumerate() {
        assert_eq!(part.len(), (from * 3 + me) % 5);
    }
    // gathers and scatters of uneven parts (point to point, in pieces)
    for root in 0..comm.size() {
        let mine: Vec<u64> = (0..me * 2 + 1).map(|i| (me * 100 + i) as u64).collect();
        let gathered = comm.gather_varcount(root, &mine);
        assert_eq!(gathered.is_some(), me == root);
        let parts: Option<Vec<Vec<u64>>> = gathered.map(|(flat, counts)| {
            let mut at = 0;
            counts
                .iter()
                .map(|&c| {
                    at += c;
                    flat[at - c..at].to_vec()
                })
                .collect()
        });
        let back = comm.scatter_varcount(root, parts.as_deref());
        assert_eq!(back, mine, "root {root}");
        let (all, counts) = comm.all_gather_varcount(&mine);
        assert_eq!(counts.iter().sum::<usize>(), all.len());
        // the way taken past 2^31 elements, taken here with a tiny limit
        assert_eq!(comm.all_gather_varcount_past(&mine, 3), (all, counts));
    }
}

//! The Global Arrays bridge on 1-4 ranks: block layouts (regular,
//! irregular, any grid, N-d) and block-cyclic layouts become Global Arrays
//! with the same distribution; GA's memory is a distributed array (a write
//! on one side is seen on the other); GAs made by other code are adopted
//! with their distribution; GA's ghost update and distarray's halo update
//! agree cell for cell; one-sided get/put/acc work from any rank for every
//! element type; what GA cannot hold is an error on every rank or an
//! explicit plan. (Built with `--features ga`; scripts/test enables it when
//! GA is installed.)

mod harness;
#[path = "ga/lifetime.rs"]
mod lifetime;

use distarray::ga::{ghost_layout, to_native_plan, Ga, GaElement, GlobalArray};
use distarray::halo::{Halo, Stencil};
use distarray::ndarray::{ArrayD, Dimension, IxDyn};
use distarray::num_complex::{Complex32, Complex64};
use distarray::{Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use lifetime::ga_terminates_with_the_last_handle_of_any_thread;
use std::cell::RefCell;

static CHECKS: &[Check] = &[
    check!(block_layouts_become_global_arrays),
    check!(ga_memory_is_the_arrays_memory),
    check!(block_cyclic_layouts_match_ga_block_cyclic),
    check!(adopted_global_arrays_bring_their_layout),
    check!(ghost_update_agrees_with_halo),
    check!(one_sided_patches_from_any_rank),
    check!(every_element_type_round_trips),
    check!(what_ga_cannot_hold_is_an_error_everywhere),
    check!(other_layouts_go_through_an_explicit_plan),
    check!(ga_init_twice_is_one_ga),
    check!(ga_terminates_with_the_last_handle_of_any_thread),
];

fn main() {
    harness::main("mpi_ga", CHECKS, &[1, 2, 3, 4]);
}

thread_local! {
    static GA: RefCell<Option<Ga>> = const { RefCell::new(None) };
}

/// Runs `f` with GA initialized (once per job: GA can not be initialized
/// again after GA_Terminate, so the last check terminates it).
fn with_ga<R>(f: impl FnOnce(&Ga) -> R) -> R {
    GA.with(|g| {
        let mut slot = g.borrow_mut();
        if slot.is_none() {
            *slot = Some(Ga::init().expect("GA initializes"));
        }
        f(slot.as_ref().unwrap())
    })
}

fn value(ix: &[usize]) -> f64 {
    ix.iter().fold(0.0, |v, &i| v * 100.0 + i as f64 + 1.0)
}

fn block_layouts(comm: &Comm) -> Vec<Layout> {
    let p = comm.size();
    let mut bounds: Vec<usize> = (0..p).map(|r| r * (r + 1)).collect();
    bounds.push(p * (p + 1) + 3);
    vec![
        Layout::block(comm, &[17]).unwrap(),
        Layout::new(comm, &[p * (p + 1) + 3], &[Dist::BlockBounds(bounds)]).unwrap(),
        Layout::block(comm, &[9, 7]).unwrap(),
        Layout::with_grid(comm, &[5, 11], &[Dist::Block, Dist::Block], &[1, p]).unwrap(),
        Layout::with_grid(comm, &[11, 5], &[Dist::Block, Dist::Block], &[p, 1]).unwrap(),
        Layout::new(
            comm,
            &[6, 5, 4],
            &[Dist::Block, Dist::NotDistributed, Dist::Block],
        )
        .unwrap(),
        Layout::block(comm, &[4, 3, 5]).unwrap(),
    ]
}

fn block_layouts_become_global_arrays(comm: &Comm) {
    with_ga(|ga| {
        for layout in block_layouts(comm) {
            let a = DistArray::from_fn(&layout, value);
            let g = GlobalArray::from_array_copy(ga, &a).unwrap();
            assert_eq!(g.layout(), &layout);
            assert_eq!(g.ga_shape(), layout.shape());
            // every rank reads the whole array one-sidedly: GA holds the same values
            let whole = g.get(&vec![0; layout.ndim()], layout.shape()).unwrap();
            assert_eq!(whole, a.gather_all().unwrap(), "GA's cells for {layout:?}");
        }
    })
}

fn ga_memory_is_the_arrays_memory(comm: &Comm) {
    with_ga(|ga| {
        for layout in block_layouts(comm) {
            let mut g = GlobalArray::<f64>::new(ga, &layout).unwrap();
            // write through distarray, read through GA
            {
                let mut a = g.array_mut().unwrap();
                let values = DistArray::from_fn(&layout, value);
                a.local_mut().assign(&values.local());
                assert_eq!(
                    a.sum(distarray::All),
                    values.sum(distarray::All),
                    "the view is a distributed array"
                );
            }
            g.sync();
            let whole = g.get(&vec![0; layout.ndim()], layout.shape()).unwrap();
            assert!(
                whole.indexed_iter().all(|(ix, &v)| v == value(ix.slice())),
                "GA sees the array's writes"
            );
            // write through GA (rank 0 puts everything), read through distarray
            g.sync();
            if comm.rank() == 0 {
                let twice = whole.mapv(|v| 2.0 * v);
                g.put(&vec![0; layout.ndim()], &twice.view()).unwrap();
            }
            g.sync();
            let a = g.to_array().unwrap();
            let want = DistArray::from_fn(&layout, |ix| 2.0 * value(ix));
            assert_eq!(a.local(), want.local(), "the array sees GA's writes");
            // read-only views are shared: a second one while the first lives,
            // each released (NGA_Release) when it ends
            let b = g.to_array().unwrap();
            assert_eq!(b.local(), a.local());
            b.finish().unwrap();
            a.finish().unwrap();
            // a released writable view leaves its writes in GA
            let mut w = g.array_mut().unwrap();
            w.local_mut().fill(-1.0);
            w.finish().unwrap();
            g.sync();
            let whole = g.get(&vec![0; layout.ndim()], layout.shape()).unwrap();
            assert!(
                whole.iter().all(|&v| v == -1.0),
                "NGA_Release_update kept the writes"
            );
        }
    })
}

fn block_cyclic_layouts_match_ga_block_cyclic(comm: &Comm) {
    with_ga(|ga| {
        let p = comm.size();
        for layout in [
            Layout::new(comm, &[23], &[Dist::Cyclic]).unwrap(),
            Layout::new(comm, &[23], &[Dist::BlockCyclic(3)]).unwrap(),
            Layout::new(
                comm,
                &[10, 9],
                &[Dist::BlockCyclic(2), Dist::BlockCyclic(3)],
            )
            .unwrap(),
            Layout::with_grid(
                comm,
                &[7, 6],
                &[Dist::BlockCyclic(2), Dist::Cyclic],
                &[1, p],
            )
            .unwrap(),
            Layout::new(comm, &[9, 4], &[Dist::Cyclic, Dist::NotDistributed]).unwrap(),
        ] {
            let a = DistArray::from_fn(&layout, value);
            let mut g = GlobalArray::from_array_copy(ga, &a).unwrap();
            let whole = g.get(&vec![0; layout.ndim()], layout.shape()).unwrap();
            assert_eq!(
                whole,
                a.gather_all().unwrap(),
                "GA's block-cyclic cells for {layout:?}"
            );
            // shared both ways: a put by the last rank shows in everyone's view
            g.sync();
            if comm.rank() + 1 == p {
                g.put(&vec![0; layout.ndim()], &whole.mapv(|v| -v).view())
                    .unwrap();
            }
            g.sync();
            let view = g.to_array().unwrap();
            assert_eq!(
                view.local(),
                a.local().mapv(|v| -v),
                "the view sees GA's block-cyclic writes"
            );
        }
    })
}

fn adopted_global_arrays_bring_their_layout(comm: &Comm) {
    with_ga(|ga| {
        use distarray::ga::ffi;
        // arrays made by "other code": GA's own regular distribution, and a
        // ghosted one, and a block-cyclic one
        let mut dims = [13i64, 6];
        let mut chunk = [-1i64, -1];
        let name = std::ffi::CString::new("foreign").unwrap();
        // SAFETY: valid extents and chunk hints, a NUL-terminated name.
        let plain = unsafe {
            ffi::NGA_Create64(
                ffi::C_DBL as i32,
                2,
                dims.as_mut_ptr(),
                name.as_ptr() as *mut _,
                chunk.as_mut_ptr(),
            )
        };
        let mut width = [1i64, 1];
        // SAFETY: as above, with ghost widths smaller than any block GA makes here.
        let ghosted = unsafe {
            ffi::NGA_Create_ghosts64(
                ffi::C_DBL as i32,
                2,
                dims.as_mut_ptr(),
                width.as_mut_ptr(),
                name.as_ptr() as *mut _,
                chunk.as_mut_ptr(),
            )
        };
        for (handle, ghosts) in [(plain, 0), (ghosted, 1)] {
            // SAFETY: the arrays were created above and are destroyed only below, after `g` is gone.
            let mut g = unsafe { GlobalArray::<f64>::from_raw(ga, comm, handle) }.unwrap();
            assert_eq!(g.ga_shape(), vec![13, 6]);
            assert_eq!(g.ghost_width(), vec![ghosts; 2]);
            assert_eq!(g.layout().shape(), &[13 + 2 * ghosts, 6 + 2 * ghosts]);
            // the layout is GA's: each rank's view holds what GA says it owns
            g.sync();
            if comm.rank() == 0 {
                let vals = ArrayD::from_shape_fn(IxDyn(&[13, 6]), |ix| value(ix.slice()));
                g.put(&[0, 0], &vals.view()).unwrap();
            }
            g.sync();
            let view = g.to_array().unwrap();
            let rows = view.layout().global_indices(0);
            let cols = view.layout().global_indices(1);
            let owned = view.layout().owned_local_ranges();
            for i in owned[0].clone() {
                for j in owned[1].clone() {
                    let (gi, gj) = (rows[i], cols[j]);
                    if (ghosts..13 + ghosts).contains(&gi) && (ghosts..6 + ghosts).contains(&gj) {
                        assert_eq!(view.local()[[i, j]], value(&[gi - ghosts, gj - ghosts]));
                    }
                }
            }
            drop(view);
            // adoption does not destroy: the handle stays valid
            drop(g);
            // SAFETY: GA_Valid_handle only looks the handle up.
            assert!(unsafe { ffi::GA_Valid_handle(handle) } != 0);
            // SAFETY: created above, destroyed once, collectively.
            unsafe { ffi::GA_Destroy(handle) };
        }
        // a block-cyclic GA with a process grid
        let p = comm.size() as i64;
        let mut dims = [11i64, 5];
        let mut block = [2i64, 2];
        let mut grid = [p, 1];
        // SAFETY: GA's handle-based creation with a grid of one position per process.
        let bc = unsafe {
            let h = ffi::GA_Create_handle();
            ffi::GA_Set_data64(h, 2, dims.as_mut_ptr(), ffi::C_DBL as i32);
            ffi::GA_Set_block_cyclic_proc_grid64(h, block.as_mut_ptr(), grid.as_mut_ptr());
            assert!(ffi::GA_Allocate(h) != 0);
            h
        };
        // SAFETY: created above, destroyed below after `g` is dropped.
        let g = unsafe { GlobalArray::<f64>::from_raw(ga, comm, bc) }.unwrap();
        let want = Layout::with_grid(
            comm,
            &[11, 5],
            &[Dist::BlockCyclic(2), Dist::BlockCyclic(2)],
            &[comm.size(), 1],
        )
        .unwrap();
        assert_eq!(g.layout(), &want);
        drop(g);
        // SAFETY: created above, destroyed once, collectively.
        unsafe { ffi::GA_Destroy(bc) };
        // GA's tiled arrays store each tile on its own: refused, not misread
        let mut dims = [11i64, 5];
        let mut block = [2i64, 2];
        let mut grid = [p, 1];
        // SAFETY: GA's handle-based creation with a grid of one position per process.
        let tiled = unsafe {
            let h = ffi::GA_Create_handle();
            ffi::GA_Set_data64(h, 2, dims.as_mut_ptr(), ffi::C_DBL as i32);
            ffi::GA_Set_tiled_proc_grid64(h, block.as_mut_ptr(), grid.as_mut_ptr());
            assert!(ffi::GA_Allocate(h) != 0);
            h
        };
        // SAFETY: created above, destroyed below.
        let err = unsafe { GlobalArray::<f64>::from_raw(ga, comm, tiled) }.expect_err("tiled");
        assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
        harness::assert_same_everywhere(comm, &err);
        // SAFETY: created above, destroyed once, collectively.
        unsafe { ffi::GA_Destroy(tiled) };
        // the wrong element type is an error everywhere
        let mut dims = [8i64];
        let mut chunk = [-1i64];
        // SAFETY: valid extents.
        let ints = unsafe {
            ffi::NGA_Create64(
                ffi::C_INT as i32,
                1,
                dims.as_mut_ptr(),
                name.as_ptr() as *mut _,
                chunk.as_mut_ptr(),
            )
        };
        let err =
        // SAFETY: `ints` lives until the GA_Destroy below.
        unsafe { GlobalArray::<f64>::from_raw(ga, comm, ints) }.expect_err("an int GA is not an f64 one");
        harness::assert_same_everywhere(comm, &err);
        {
            // SAFETY: as above.
            let held = unsafe { GlobalArray::<i32>::from_raw(ga, comm, ints) }.unwrap();
            // a handle already held is refused: two values would lend the same memory
            // SAFETY: as above.
            let err = unsafe { GlobalArray::<i32>::from_raw(ga, comm, held.handle()) }
                .expect_err("held twice");
            harness::assert_same_everywhere(comm, &err);
        }
        // SAFETY: created above, destroyed once.
        unsafe { ffi::GA_Destroy(ints) };
        // SAFETY: not a handle at all: refused before any use.
        let err =
            unsafe { GlobalArray::<f64>::from_raw(ga, comm, 12345) }.expect_err("not a handle");
        harness::assert_same_everywhere(comm, &err);
    })
}

fn ghost_update_agrees_with_halo(comm: &Comm) {
    with_ga(|ga| {
        let p = comm.size();
        for (shape, width, grid) in [
            (vec![12, 9], vec![1, 1], None),
            (vec![12, 10], vec![2, 1], None),
            (vec![9, 8], vec![1, 2], Some(vec![p, 1])),
            (vec![16], vec![2], None),
            (vec![6, 5, 8], vec![1, 1, 1], None),
        ] {
            let interior = match grid {
                Some(g) => {
                    Layout::with_grid(comm, &shape, &vec![Dist::Block; shape.len()], &g).unwrap()
                }
                None => Layout::block(comm, &shape).unwrap(),
            };
            let padded = ghost_layout(&interior, &width).unwrap();
            let mut g = GlobalArray::<f64>::new(ga, &padded).unwrap();
            assert_eq!(g.ghost_width(), width);
            assert_eq!(g.ga_shape(), shape);
            // rank 0 writes the interior one-sidedly; ghosts are still zero
            g.sync();
            if comm.rank() == 0 {
                let vals = ArrayD::from_shape_fn(IxDyn(&shape), |ix| value(ix.slice()));
                g.put(&vec![0; shape.len()], &vals.view()).unwrap();
            }
            g.sync();
            let mut ours = g.to_array().unwrap().to_owned();
            g.update_ghosts();
            Halo::new(&padded, Stencil::Box)
                .unwrap()
                .update(&mut ours)
                .unwrap();
            let theirs = g.to_array().unwrap();
            assert_eq!(
                theirs.local(),
                ours.local(),
                "GA_Update_ghosts == halo update for {shape:?} width {width:?}"
            );
            // and both hold the periodic value of every cell, ghosts included
            let idx: Vec<Vec<usize>> = (0..shape.len()).map(|a| padded.global_indices(a)).collect();
            for (ix, &v) in theirs.local().indexed_iter() {
                let interior_ix: Vec<usize> = (0..shape.len())
                    .map(|a| (idx[a][ix[a]] + shape[a] - width[a]) % shape[a])
                    .collect();
                assert_eq!(
                    v,
                    value(&interior_ix),
                    "cell {:?} of the padded array",
                    ix.slice()
                );
            }
        }
    })
}

fn one_sided_patches_from_any_rank(comm: &Comm) {
    with_ga(|ga| {
        let (p, r) = (comm.size(), comm.rank());
        let layout = Layout::block(comm, &[2 * p + 1, 6]).unwrap();
        let mut g = GlobalArray::<f64>::new(ga, &layout).unwrap();
        // each rank puts rows 2r..2r+2 (they live on various ranks)
        let rows =
            ArrayD::from_shape_fn(IxDyn(&[2, 6]), |ix| (100 * r + 10 * ix[0] + ix[1]) as f64);
        g.put(&[2 * r, 0], &rows.view()).unwrap();
        g.sync();
        for q in 0..p {
            let got = g.get(&[2 * q, 1], &[2 * q + 2, 4]).unwrap();
            assert_eq!(got.shape(), &[2, 3]);
            assert!(got
                .indexed_iter()
                .all(|(ix, &v)| v == (100 * q + 10 * ix[0] + ix[1] + 1) as f64));
        }
        // everyone accumulates into the same patch: the contributions add up
        g.sync();
        let ones = ArrayD::from_elem(IxDyn(&[3, 6]), 1.0);
        g.acc(&[2 * p - 2, 0], &ones.view(), (r + 1) as f64)
            .unwrap();
        g.sync();
        let base = g.get(&[2 * p - 2, 0], &[2 * p + 1, 6]).unwrap();
        let total = (p * (p + 1) / 2) as f64;
        for (ix, &v) in base.indexed_iter() {
            let row = 2 * p - 2 + ix[0];
            let before = if row < 2 * p {
                (100 * (row / 2) + 10 * (row % 2) + ix[1]) as f64
            } else {
                0.0
            };
            assert_eq!(v, before + total);
        }
        // a column-major (non-C-order) source writes the right cells
        g.sync();
        if r == 0 {
            let t = ArrayD::from_shape_fn(IxDyn(&[6, 2]), |ix| (ix[0] * 2 + ix[1]) as f64);
            let view = t.t();
            g.put(&[0, 0], &view).unwrap();
        }
        g.sync();
        let got = g.get(&[0, 0], &[2, 6]).unwrap();
        assert!(got
            .indexed_iter()
            .all(|(ix, &v)| v == (ix[1] * 2 + ix[0]) as f64));
        // bad patches are errors (local calls: each rank gets its own)
        assert!(g.get(&[0, 0], &[2 * p + 2, 1]).is_err());
        assert!(g.get(&[0], &[1]).is_err());
        assert!(g.put(&[2 * p, 5], &rows.view()).is_err());
        assert_eq!(
            g.get(&[1, 1], &[1, 6]).unwrap().len(),
            0,
            "an empty patch is empty"
        );
        g.sync();
    })
}

fn round_trip<T: GaElement + std::ops::Add<Output = T>>(comm: &Comm, make: fn(usize) -> T) {
    with_ga(|ga| round_trip_in(ga, comm, make))
}

fn round_trip_in<T: GaElement + std::ops::Add<Output = T>>(
    ga: &Ga,
    comm: &Comm,
    make: fn(usize) -> T,
) {
    let layout = Layout::block(comm, &[7, 2 * comm.size() + 1]).unwrap();
    let a = DistArray::from_fn(&layout, |ix| make(ix[0] * 31 + ix[1]));
    let mut g = GlobalArray::from_array_copy(ga, &a).unwrap();
    let whole = g.get(&[0, 0], layout.shape()).unwrap();
    assert_eq!(
        whole,
        a.gather_all().unwrap(),
        "{}",
        std::any::type_name::<T>()
    );
    g.sync();
    if comm.rank() == 0 {
        g.acc(&[0, 0], &whole.view(), T::one()).unwrap();
    }
    g.sync();
    let view = g.to_array().unwrap();
    assert_eq!(
        view.local(),
        a.local().mapv(|x| x + x),
        "{} acc",
        std::any::type_name::<T>()
    );
}

fn every_element_type_round_trips(comm: &Comm) {
    round_trip::<f64>(comm, |i| i as f64 * 0.5);
    round_trip::<f32>(comm, |i| i as f32 * 0.25);
    round_trip::<i32>(comm, |i| i as i32 - 40);
    round_trip::<i64>(comm, |i| (i as i64) << 33);
    round_trip::<Complex64>(comm, |i| Complex64::new(i as f64, -(i as f64) / 2.0));
    round_trip::<Complex32>(comm, |i| Complex32::new(-(i as f32), i as f32 * 3.0));
}

fn expect_mismatch(comm: &Comm, r: Result<GlobalArray<'_, f64>, Error>, what: &str) {
    let err = r.err().unwrap_or_else(|| panic!("{what} must be refused"));
    assert!(matches!(err, Error::LayoutMismatch { .. }), "{what}: {err}");
    harness::assert_same_everywhere(comm, &err);
}

fn what_ga_cannot_hold_is_an_error_everywhere(comm: &Comm) {
    with_ga(|ga| {
        let (p, r) = (comm.size(), comm.rank());
        let mine: Vec<usize> = (0..10).filter(|i| i % p == r).collect();
        let unstructured = Layout::new(
            comm,
            &[10],
            &[Dist::Unstructured {
                indices: mine,
                one_to_one: true,
            }],
        )
        .unwrap();
        expect_mismatch(
            comm,
            GlobalArray::new(ga, &unstructured),
            "an unstructured axis",
        );
        if p > 1 {
            if p == 4 {
                let mixed = Layout::with_grid(comm, &[6, 8], &[Dist::Block, Dist::Cyclic], &[2, 2])
                    .unwrap();
                expect_mismatch(
                    comm,
                    GlobalArray::new(ga, &mixed),
                    "cyclic among distributed block axes",
                );
            }
            // a block axis on one grid position is a whole axis: block-cyclic GA
            let whole =
                Layout::with_grid(comm, &[6, 8], &[Dist::Block, Dist::Cyclic], &[1, p]).unwrap();
            assert!(GlobalArray::<f64>::new(ga, &whole).is_ok());
            // a cyclic axis on one grid position is a whole axis: fine
            let whole =
                Layout::with_grid(comm, &[6, 8], &[Dist::Cyclic, Dist::Block], &[1, p]).unwrap();
            assert!(GlobalArray::<f64>::new(ga, &whole).is_ok());
            let tiny = Layout::block(comm, &[p - 1]).unwrap();
            expect_mismatch(comm, GlobalArray::new(ga, &tiny), "more blocks than cells");
        }
        let not_periodic = Layout::new(
            comm,
            &[12],
            &[Dist::BlockPadded {
                ghost_width: 1,
                boundary_width: (1, 1),
                periodic: false,
            }],
        )
        .unwrap();
        expect_mismatch(
            comm,
            GlobalArray::new(ga, &not_periodic),
            "non-periodic ghosts",
        );
        let uneven = Layout::new(
            comm,
            &[12],
            &[Dist::BlockPadded {
                ghost_width: 1,
                boundary_width: (1, 2),
                periodic: true,
            }],
        )
        .unwrap();
        expect_mismatch(comm, GlobalArray::new(ga, &uneven), "unequal ghost widths");
        let empty = Layout::block(comm, &[0, 3]).unwrap();
        expect_mismatch(comm, GlobalArray::new(ga, &empty), "an axis of length 0");
        if p > 1 {
            // GA runs on the world: a sub-communicator's layout is refused
            // on every rank of the sub-communicator
            if let Some(half) = comm.subset(r % 2 == 0) {
                let layout = Layout::block(&half, &[10]).unwrap();
                let err = GlobalArray::<f64>::new(ga, &layout)
                    .expect_err("a sub-communicator is not GA's world");
                assert!(matches!(err, Error::LayoutMismatch { .. }), "{err}");
                harness::assert_same_everywhere(&half, &err);
            }
        }
    })
}

fn other_layouts_go_through_an_explicit_plan(comm: &Comm) {
    with_ga(|ga| {
        let (p, r) = (comm.size(), comm.rank());
        let mine: Vec<usize> = (0..19).rev().filter(|i| i % p == (r + 1) % p).collect();
        let unstructured = Layout::new(
            comm,
            &[19],
            &[Dist::Unstructured {
                indices: mine,
                one_to_one: true,
            }],
        )
        .unwrap();
        let a = DistArray::from_fn(&unstructured, value);
        let mut plan = to_native_plan::<f64>(&unstructured).unwrap();
        let mut b = DistArray::zeros(&plan.native);
        plan.to_native.execute(&a, &mut b).unwrap();
        let g = GlobalArray::from_array_copy(ga, &b).unwrap();
        assert_eq!(g.get(&[0], &[19]).unwrap(), a.gather_all().unwrap());
        // and back from GA's memory to the unstructured layout
        let mut c = DistArray::zeros(&unstructured);
        {
            let view = g.to_array().unwrap();
            plan.from_native.execute(&view.view(), &mut c).unwrap();
        }
        assert_eq!(c.local(), a.local());
    })
}

fn ga_init_twice_is_one_ga(comm: &Comm) {
    with_ga(|ga| {
        let first = ga;
        let second = Ga::init().unwrap(); // already initialized: terminates nothing
        assert_eq!(second.nnodes(), comm.size());
        assert_eq!(second.nodeid(), comm.rank());
        drop(second);
        // GA still works
        let g = GlobalArray::<f64>::new(first, &Layout::block(comm, &[5]).unwrap()).unwrap();
        assert_eq!(g.get(&[0], &[5]).unwrap().sum(), 0.0);
    })
}

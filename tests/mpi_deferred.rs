//! Deferred expressions on 1-4 ranks: bitwise equal to the same operations
//! done eagerly (the fused_chain expression, where/clip/casts, a row held
//! on every rank and a distributed column broadcast), reductions against
//! the eager reductions, eval_into, padded and cyclic layouts, operands of
//! another layout redistributed, the agreed errors, and steady-state loops
//! that allocate nothing (a counting allocator).

mod harness;

use distarray::deferred::{where_, Broadcast};
use distarray::{All, Comm, Dist, DistArray, Error, Layout};
use harness::Check;
use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts this process's allocations (MPI's own mallocs do not pass here).
struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on to the system allocator
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's contract, passed on to the system allocator
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    f();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

static CHECKS: &[Check] = &[
    check!(fused_chain_is_bitwise_the_eager_chain),
    check!(where_clip_and_casts_match_eager),
    check!(broadcast_row_and_distributed_column),
    check!(reductions_match_eager_reductions),
    check!(padded_layouts_fill_ghosts_and_reduce_owned_cells),
    check!(other_layouts_are_redistributed_once),
    check!(mismatches_are_the_same_error_on_every_rank),
    check!(steady_state_loops_allocate_nothing),
];

fn main() {
    harness::main("mpi_deferred", CHECKS, &[1, 2, 3, 4]);
}

/// Block, cyclic and block-cyclic 2-D layouts, and a 1-D block one.
fn layouts(comm: &Comm) -> Vec<Layout> {
    vec![
        Layout::block(comm, &[1003]).unwrap(),
        Layout::block(comm, &[37, 29]).unwrap(),
        Layout::new(comm, &[37, 29], &[Dist::Cyclic, Dist::Block]).unwrap(),
        Layout::new(comm, &[41, 23], &[Dist::BlockCyclic(3), Dist::Cyclic]).unwrap(),
    ]
}

/// Three arrays with distinct values, some negative, in `layout`.
fn abc(layout: &Layout) -> [DistArray<f64>; 3] {
    [1, 2, 3].map(|seed| {
        let mut x = DistArray::<f64>::random(layout, seed);
        x -= 0.5;
        x
    })
}

fn bits(a: &DistArray<f64>) -> Vec<u64> {
    a.local().iter().map(|x| x.to_bits()).collect()
}

fn fused_chain_is_bitwise_the_eager_chain(comm: &Comm) {
    for layout in layouts(comm) {
        let [a, b, c] = abc(&layout);
        let (x, y, z) = (a.lazy(), b.lazy(), c.lazy());
        let fused = ((x * x + y * y).sqrt() * z + 2.0 * x - y).eval().unwrap();
        // the same operations, eagerly, with temporaries
        let eager = ((&a * &a + &(&b * &b)).sqrt() * &c + &(&a * 2.0)) - &b;
        assert_eq!(fused.layout(), a.layout());
        assert_eq!(bits(&fused), bits(&eager));
        // eval_into writes an existing array with the same values
        let mut out = DistArray::full(&layout, f64::NAN);
        ((x * x + y * y).sqrt() * z + 2.0 * x - y)
            .eval_into(&mut out)
            .unwrap();
        assert_eq!(bits(&out), bits(&eager));
        // unary minus, division, scalars on the left, ufuncs
        let e2 = (-(1.0 - x) / (y * y + 1.0)).exp().eval().unwrap();
        let eager2 = ((&a - 1.0) / &(&b * &b + 1.0)).exp();
        assert_eq!(bits(&e2), bits(&eager2));
        let e3 = (x.abs().sqrt().log() + y.sin() * z.cos()).eval().unwrap();
        let eager3 = a.abs().sqrt().log() + &(b.sin() * &c.cos());
        assert_eq!(bits(&e3), bits(&eager3));
    }
}

fn where_clip_and_casts_match_eager(comm: &Comm) {
    for layout in layouts(comm) {
        let [a, b, _] = abc(&layout);
        let (x, y) = (a.lazy(), b.lazy());
        let w = where_(x.greater(y), x - y, &b).eval().unwrap();
        let eager = distarray::where_(&a.greater(&b).unwrap(), &(&a - &b), &b).unwrap();
        assert_eq!(bits(&w), bits(&eager));
        let clipped = (x * 3.0).clip(-0.25, 0.5).eval().unwrap();
        assert_eq!(bits(&clipped), bits(&(&a * 3.0).clip(-0.25, 0.5)));
        let mx = x.maximum(y).minimum(0.1).eval().unwrap();
        let eager_mx = a
            .maximum(&b)
            .unwrap()
            .minimum(&DistArray::full(&layout, 0.1))
            .unwrap();
        assert_eq!(bits(&mx), bits(&eager_mx));
        // casts: to f32 and to integers, and back
        let f = (x * 1000.0).cast::<f32>().eval().unwrap();
        let eager_f = (&a * 1000.0).astype(|v| v as f32);
        assert_eq!(f.local(), eager_f.local());
        let i = (x * 1000.0).cast::<i64>().eval().unwrap();
        let eager_i = (&a * 1000.0).astype(|v| v as i64);
        assert_eq!(i.local(), eager_i.local());
        assert!(
            i.local().iter().any(|&v| v != 0),
            "a real test: values vary"
        );
        let count = x.greater(0.0).cast::<i64>().sum().unwrap();
        assert_eq!(
            count as usize,
            a.greater(&DistArray::zeros(&layout))
                .unwrap()
                .count_nonzero(All)
                .unwrap()
        );
    }
}

fn broadcast_row_and_distributed_column(comm: &Comm) {
    for layout in &layouts(comm)[1..] {
        let (rows, cols) = (layout.shape()[0], layout.shape()[1]);
        let [a, _, _] = abc(layout);
        let row = ndarray::Array1::from_shape_fn(cols, |j| j as f64 * 0.5 - 3.0).into_dyn();
        let col_layout =
            Layout::new(comm, &[rows, 1], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
        let col = DistArray::from_fn(&col_layout, |ix: &[usize]| ix[0] as f64 * 10.0 + 1.0);
        let r = Broadcast::local(layout, &row.view()).unwrap();
        let c = Broadcast::distributed(layout, &col).unwrap();
        let fused = ((a.lazy() - r.lazy()) * c.lazy() + 1.0).eval().unwrap();
        let eager = (a.zip_broadcast_local(&row.view(), |x, y| x - y).unwrap())
            .zip_broadcast(&col, |x, y| x * y)
            .unwrap()
            + 1.0;
        assert_eq!(bits(&fused), bits(&eager));
        // a reduction over a broadcast expression
        let s = (r.lazy() * c.lazy()).sum().unwrap();
        let expected: f64 = (0..rows)
            .map(|i| {
                (0..cols)
                    .map(|j| (j as f64 * 0.5 - 3.0) * (i as f64 * 10.0 + 1.0))
                    .sum::<f64>()
            })
            .sum();
        assert!(
            (s - expected).abs() <= 1e-9 * expected.abs().max(1.0),
            "{s} vs {expected}"
        );
    }
}

fn reductions_match_eager_reductions(comm: &Comm) {
    for layout in layouts(comm) {
        let [a, b, _] = abc(&layout);
        let (x, y) = (a.lazy(), b.lazy());
        let d = &a - &b;
        let d2 = &d * &d;
        let sum = ((x - y) * (x - y)).sum().unwrap();
        assert_eq!(sum.to_bits(), d2.sum(All).unwrap().to_bits());
        assert_eq!(
            (x - y).mean().unwrap().to_bits(),
            d.mean(All).unwrap().to_bits()
        );
        assert_eq!(
            (x - y).norm_l2().unwrap().to_bits(),
            d2.sum(All).unwrap().sqrt().to_bits()
        );
        assert_eq!((x - y).max().unwrap(), d.max(All).unwrap());
        assert_eq!((x - y).min().unwrap(), d.min(All).unwrap());
        let p = (x * 0.1 + 1.0).prod().unwrap();
        assert_eq!(p.to_bits(), (&a * 0.1 + 1.0).prod(All).unwrap().to_bits());
        // integers: exact
        let idx = DistArray::from_fn(&layout, |ix: &[usize]| {
            ix.iter().fold(0, |f, &i| f * 64 + i as i64)
        });
        assert_eq!(
            (idx.lazy() * 2 - 1).sum().unwrap(),
            (&idx * 2 - 1).sum(All).unwrap()
        );
        // NaN wins max and min, as in the eager reductions
        let mut with_nan = a.view().to_owned();
        let last = layout.comm().rank() == layout.comm().size() - 1;
        if let Some(v) = with_nan.local_mut().iter_mut().next().filter(|_| last) {
            *v = f64::NAN;
        }
        assert!((with_nan.lazy() + 1.0).max().unwrap().is_nan());
        assert!((with_nan.lazy() + 1.0).min().unwrap().is_nan());
    }
}

fn padded_layouts_fill_ghosts_and_reduce_owned_cells(comm: &Comm) {
    let ghosts = Dist::BlockPadded {
        ghost_width: 1,
        boundary_width: (1, 1),
        periodic: false,
    };
    for dists in [
        vec![ghosts.clone()],
        vec![ghosts.clone(), Dist::NotDistributed],
        vec![Dist::NotDistributed, ghosts.clone()],
    ] {
        let shape: Vec<usize> = if dists.len() == 1 {
            vec![57]
        } else {
            vec![13, 11]
        };
        let layout = Layout::new(comm, &shape, &dists).unwrap();
        let [a, b, c] = abc(&layout);
        let (x, y, z) = (a.lazy(), b.lazy(), c.lazy());
        let fused = ((x * x + y * y).sqrt() * z + 2.0 * x - y).eval().unwrap();
        let eager = ((&a * &a + &(&b * &b)).sqrt() * &c + &(&a * 2.0)) - &b;
        assert_eq!(bits(&fused), bits(&eager), "every cell, ghosts included");
        let d2 = (&a - &b) * &(&a - &b);
        assert_eq!(
            ((x - y) * (x - y)).sum().unwrap().to_bits(),
            d2.sum(All).unwrap().to_bits()
        );
        assert_eq!((x - y).max().unwrap(), (&a - &b).max(All).unwrap());
        let ones = DistArray::<f64>::ones(&layout);
        assert_eq!(
            ones.lazy().sum().unwrap(),
            layout.global_len() as f64,
            "owned cells once"
        );
    }
}

fn other_layouts_are_redistributed_once(comm: &Comm) {
    let block = Layout::block(comm, &[31, 17]).unwrap();
    let cyclic = Layout::new(comm, &[31, 17], &[Dist::Cyclic, Dist::Cyclic]).unwrap();
    let [a, b, _] = abc(&block);
    let bc = b.redistribute(&cyclic).unwrap();
    // two operands in block, one in cyclic: the result is block
    let fused = (a.lazy() * &bc + &b).eval().unwrap();
    assert_eq!(fused.layout(), &block);
    assert_eq!(bits(&fused), bits(&(&a * &b + &b)));
    // an array used twice counts twice (cyclic is the majority) and the
    // block operand is moved once
    let twice = (a.lazy() * &bc + &bc).eval().unwrap();
    assert_eq!(twice.layout(), &cyclic);
    assert_eq!(
        bits(&twice.redistribute(&block).unwrap()),
        bits(&(&a * &b + &b))
    );
    // the moved array used twice: moved once, its piece shared
    let twice = (bc.lazy() * &a + &a).eval().unwrap();
    assert_eq!(twice.layout(), &block);
    assert_eq!(bits(&twice), bits(&(&b * &a + &a)));
    // one each: the first's layout; reductions agree with the aligned form
    let s = (bc.lazy() - &a).sum().unwrap();
    let ac = a.redistribute(&cyclic).unwrap();
    assert_eq!(s.to_bits(), (&bc - &ac).sum(All).unwrap().to_bits());
    // eval_into an output in the majority's layout
    let mut out = DistArray::zeros(&block);
    (a.lazy() + &bc).eval_into(&mut out).unwrap();
    assert_eq!(bits(&out), bits(&(&a + &b)));
}

fn mismatches_are_the_same_error_on_every_rank(comm: &Comm) {
    let layout = Layout::block(comm, &[20, 6]).unwrap();
    let other_shape = Layout::block(comm, &[20, 7]).unwrap();
    let [a, _, _] = abc(&layout);
    let wrong = DistArray::<f64>::ones(&other_shape);
    let err = (a.lazy() + &wrong).eval().unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
    // an output of another layout (another shape; another distribution
    // where there are several ranks to tell it apart)
    let mut out = DistArray::zeros(&other_shape);
    let err = (a.lazy() * 2.0).eval_into(&mut out).unwrap_err();
    assert!(matches!(err, Error::LayoutMismatch { .. }), "{err:?}");
    let cyc = Layout::new(comm, &[20, 6], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
    if comm.size() > 1 {
        let mut out = DistArray::zeros(&cyc);
        let err = (a.lazy() * 2.0).eval_into(&mut out).unwrap_err();
        assert!(matches!(err, Error::LayoutMismatch { .. }), "{err:?}");
        // a broadcast operand fixes the layout: the arrays move to it
        let row = ndarray::Array1::<f64>::ones(6).into_dyn();
        let r = Broadcast::local(&cyc, &row.view()).unwrap();
        let moved = (a.lazy() + r.lazy() + &a).eval().unwrap();
        assert_eq!(moved.layout(), &cyc);
        assert_eq!(
            moved.gather_all().unwrap(),
            (&a + 1.0 + &a).gather_all().unwrap()
        );
        // two broadcast operands made for different layouts: nothing can move
        let r2 = Broadcast::local(&layout, &row.view()).unwrap();
        let err = (a.lazy() + r.lazy() + r2.lazy()).eval().unwrap_err();
        assert!(matches!(err, Error::LayoutMismatch { .. }), "{err:?}");
    }
    // ranks evaluating different expressions: agreed, never a hang
    if comm.size() > 1 {
        let c = DistArray::<f64>::ones(&cyc);
        let verdict = if comm.rank() == 0 {
            (a.lazy() + 1.0).sum()
        } else {
            (a.lazy() + &c).sum()
        };
        assert!(
            matches!(verdict, Err(Error::ArgumentsDiffer { .. })),
            "{verdict:?}"
        );
    }
    // an empty array has no max
    let empty = DistArray::<f64>::zeros(&Layout::block(comm, &[0]).unwrap());
    assert!(empty.lazy().max().is_err());
    assert_eq!(empty.lazy().sum().unwrap(), 0.0);
}

fn steady_state_loops_allocate_nothing(comm: &Comm) {
    let layout = Layout::block(comm, &[100_000]).unwrap();
    let [a, b, c] = abc(&layout);
    let mut y = DistArray::zeros(&layout);
    let (x, v, z) = (a.lazy(), b.lazy(), c.lazy());
    let mut total = 0.0;
    // warm up (first use of a communicator may allocate inside rsmpi)
    ((x * x + v * v).sqrt() * z + 2.0 * x - v)
        .eval_into(&mut y)
        .unwrap();
    total += ((x - v) * (x - v)).sum().unwrap();
    let n = allocations_during(|| {
        for _ in 0..10 {
            ((x * x + v * v).sqrt() * z + 2.0 * x - v)
                .eval_into(&mut y)
                .unwrap();
            total += ((x - v) * (x - v)).sum().unwrap();
            total += (x - v).norm_l2().unwrap();
        }
    });
    assert_eq!(
        n, 0,
        "allocations in 10 iterations of eval_into + sum + norm_l2"
    );
    assert!(total > 0.0);
    let eager = ((&a * &a + &(&b * &b)).sqrt() * &c + &(&a * 2.0)) - &b;
    assert_eq!(bits(&y), bits(&eager));
}

//! Distributed linear algebra on 1-4 ranks, checked against ndarray on the
//! gathered arrays: dot, vdot, inner, outer and vector norms for f32, f64
//! and Complex64 over pairs of 1-D layouts (block, irregular block with an
//! empty rank, cyclic, block-cyclic with a partial last block); the
//! reproducible dot, vdot and 2-norm bitwise equal to a one-process
//! reference on every layout and rank count; matvec for every 2-D layout
//! (block x block, rows, columns, block-cyclic with partial blocks, cyclic,
//! an empty rank) on non-square shapes with x and y in several layouts,
//! repeated through one plan without allocating; matrix norms, trace and
//! diagonal; bad arguments the same error on every rank.

mod harness;

use distarray::linalg::{outer, outer_in, LinalgElement, MatVec, NormOrd};
use distarray::mpi::topology::SimpleCommunicator;
use distarray::ndarray::{Array1, Array2, Axis, Ix1, Ix2};
use distarray::num_complex::{Complex32, Complex64};
use distarray::{Comm, Dist, DistArray, Error, Layout};
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

static CHECKS: &[Check] = &[
    check!(vector_products_and_norms_match_ndarray),
    check!(outer_products_in_any_layout),
    check!(reproducible_dot_and_norm_have_the_same_bits_everywhere),
    check!(matvec_every_layout_matches_ndarray),
    check!(matvec_plan_repeats_without_allocating),
    check!(matrix_norms_trace_and_diagonal),
    check!(bad_arguments_are_the_same_error_on_every_rank),
];

fn main() {
    harness::main("mpi_linalg", CHECKS, &[1, 2, 3, 4]);
}

/// Bounds of `n` cells over `g` positions with position 1 empty (g >= 2).
fn bounds_with_empty(n: usize, g: usize) -> Vec<usize> {
    let mut b = vec![0, n / 3, n / 3];
    for r in 2..g {
        b.push(n / 3 + (n - n / 3) * (r - 1) / (g - 2));
    }
    if g == 2 {
        b = vec![0, n, n];
    }
    b.truncate(g + 1);
    b
}

/// 1-D layouts: block, irregular block with an empty rank, cyclic,
/// block-cyclic (partial last block).
fn vector_layouts(comm: &Comm, n: usize) -> Vec<Layout> {
    let mut v = vec![
        Layout::block(comm, &[n]).unwrap(),
        Layout::new(comm, &[n], &[Dist::Cyclic]).unwrap(),
        Layout::new(comm, &[n], &[Dist::BlockCyclic(4)]).unwrap(),
    ];
    if comm.size() > 1 {
        let b = bounds_with_empty(n, comm.size());
        v.push(Layout::new(comm, &[n], &[Dist::BlockBounds(b)]).unwrap());
    }
    v
}

/// 2-D layouts of (m, n): block x block, rows, columns, block-cyclic with
/// partial blocks, cyclic, and rows with an empty rank.
fn matrix_layouts(comm: &Comm, m: usize, n: usize) -> Vec<Layout> {
    let p = comm.size();
    let mut v = vec![
        Layout::block(comm, &[m, n]).unwrap(),
        Layout::new(comm, &[m, n], &[Dist::Block, Dist::NotDistributed]).unwrap(),
        Layout::new(comm, &[m, n], &[Dist::NotDistributed, Dist::Block]).unwrap(),
        Layout::new(comm, &[m, n], &[Dist::BlockCyclic(3), Dist::BlockCyclic(2)]).unwrap(),
        Layout::new(comm, &[m, n], &[Dist::Cyclic, Dist::Cyclic]).unwrap(),
    ];
    if p == 4 {
        let grid = [2, 2];
        let d = [Dist::BlockCyclic(4), Dist::Cyclic];
        v.push(Layout::with_grid(comm, &[m, n], &d, &grid).unwrap());
    }
    if p > 1 {
        let b = bounds_with_empty(m, p);
        let d = [Dist::BlockBounds(b), Dist::NotDistributed];
        v.push(Layout::new(comm, &[m, n], &d).unwrap());
    }
    v
}

/// Test values: deterministic, of both signs, complex parts for complex types.
trait Value: LinalgElement<Real: ToF64> {
    fn value(seed: usize) -> Self;
    /// Relative tolerance of a sum of `n` products.
    const TOL: f64;
}
fn base(seed: usize) -> f64 {
    ((seed * 7919 + 13) % 101) as f64 / 17.0 - 2.9
}
impl Value for f64 {
    fn value(s: usize) -> f64 {
        base(s)
    }
    const TOL: f64 = 1e-12;
}
impl Value for f32 {
    fn value(s: usize) -> f32 {
        base(s) as f32
    }
    const TOL: f64 = 1e-4;
}
impl Value for Complex64 {
    fn value(s: usize) -> Complex64 {
        Complex64::new(base(s), base(s + 1000))
    }
    const TOL: f64 = 1e-12;
}
impl Value for Complex32 {
    fn value(s: usize) -> Complex32 {
        Complex32::new(base(s) as f32, base(s + 1000) as f32)
    }
    const TOL: f64 = 1e-4;
}

fn close<T: LinalgElement>(got: T, want: T, scale: f64, tol: f64, what: &str) {
    let (g, w) = (got.parts(), want.parts());
    let err = ((g.0 - w.0).powi(2) + (g.1 - w.1).powi(2)).sqrt();
    assert!(
        err <= tol * scale.max(1.0),
        "{what}: got {got:?}, want {want:?}"
    );
}

fn vec1<T: LinalgElement>(a: &DistArray<T>) -> Array1<T> {
    a.gather_all()
        .unwrap()
        .into_dimensionality::<Ix1>()
        .unwrap()
}
fn mat2<T: LinalgElement>(a: &DistArray<T>) -> Array2<T> {
    a.gather_all()
        .unwrap()
        .into_dimensionality::<Ix2>()
        .unwrap()
}

fn vectors_of<T: Value>(comm: &Comm) {
    let n = 37;
    let layouts = vector_layouts(comm, n);
    for la in &layouts {
        let a = DistArray::from_fn(la, |i: &[usize]| T::value(i[0]));
        let ga = vec1(&a);
        let scale: f64 = ga.iter().map(|x| x.abs2().to_f64_()).sum();
        for lb in &layouts {
            let b = DistArray::from_fn(lb, |i: &[usize]| T::value(i[0] * 3 + 1));
            let gb = vec1(&b);
            let what = format!("{:?} on {la:?} and {lb:?}", T::DTYPE);
            let dot = ga.iter().zip(&gb).fold(T::zero(), |s, (&x, &y)| s + x * y);
            let vdot = ga
                .iter()
                .zip(&gb)
                .fold(T::zero(), |s, (&x, &y)| s + x.conj_() * y);
            close(
                a.dot(&b).unwrap(),
                dot,
                scale,
                T::TOL,
                &format!("dot {what}"),
            );
            close(
                a.inner(&b).unwrap(),
                dot,
                scale,
                T::TOL,
                &format!("inner {what}"),
            );
            close(
                a.vdot(&b).unwrap(),
                vdot,
                scale,
                T::TOL,
                &format!("vdot {what}"),
            );
            // the reproducible sum rounds every term onto grids fixed by the
            // largest magnitude and the count: 1e-9 relative
            let rt = T::TOL.max(1e-9);
            close(a.dot_reproducible(&b).unwrap(), dot, scale, rt, &what);
            close(a.vdot_reproducible(&b).unwrap(), vdot, scale, rt, &what);
        }
        let abs: Vec<f64> = ga.iter().map(|x| x.abs_().to_f64_()).collect();
        let l1: f64 = abs.iter().sum();
        let l2 = abs.iter().map(|x| x * x).sum::<f64>().sqrt();
        let max = abs.iter().copied().fold(0.0, f64::max);
        let min = abs.iter().copied().fold(f64::INFINITY, f64::min);
        let norm = |o| a.norm(o).unwrap().to_f64_();
        let t = T::TOL;
        assert!((norm(NormOrd::One) - l1).abs() <= t * l1, "1-norm {la:?}");
        assert!((norm(NormOrd::Two) - l2).abs() <= t * l2, "2-norm {la:?}");
        let r = a.norm_reproducible().unwrap().to_f64_();
        assert!(
            (r - l2).abs() <= t.max(1e-9) * l2,
            "reproducible 2-norm {la:?}"
        );
        // the largest and smallest magnitudes are cells: exact
        assert_eq!(norm(NormOrd::Inf), max, "inf-norm {la:?}");
        assert_eq!(norm(NormOrd::NegInf), min, "-inf-norm {la:?}");
    }
}

/// `f64` of a real element.
trait ToF64 {
    fn to_f64_(self) -> f64;
}
impl ToF64 for f64 {
    fn to_f64_(self) -> f64 {
        self
    }
}
impl ToF64 for f32 {
    fn to_f64_(self) -> f64 {
        self as f64
    }
}

fn vector_products_and_norms_match_ndarray(comm: &Comm) {
    vectors_of::<f64>(comm);
    vectors_of::<f32>(comm);
    vectors_of::<Complex64>(comm);
    vectors_of::<Complex32>(comm);
}

fn outer_products_in_any_layout(comm: &Comm) {
    let (m, n) = (11, 7);
    let a = DistArray::from_fn(
        &Layout::new(comm, &[m], &[Dist::Cyclic]).unwrap(),
        |i: &[usize]| Complex64::value(i[0]),
    );
    let b = DistArray::from_fn(&Layout::block(comm, &[n]).unwrap(), |i: &[usize]| {
        Complex64::value(i[0] + 50)
    });
    let (ga, gb) = (vec1(&a), vec1(&b));
    let want = Array2::from_shape_fn((m, n), |(i, j)| ga[i] * gb[j]);
    let o = outer(&a, &b).unwrap();
    assert_eq!(o.layout(), &Layout::block(comm, &[m, n]).unwrap());
    assert_eq!(mat2(&o), want, "outer in the default layout");
    for layout in matrix_layouts(comm, m, n) {
        let o = outer_in(&a, &b, &layout).unwrap();
        assert_eq!(o.layout(), &layout);
        assert_eq!(mat2(&o), want, "outer in {layout:?}");
    }
}

fn reproducible_of<T: Value>(comm: &Comm, value: impl Fn(usize) -> T + Copy) {
    let n = 5003;
    // one process, the whole vectors: the reference bits
    let me = Comm::duplicate_of(&SimpleCommunicator::self_comm());
    let whole = Layout::block(&me, &[n]).unwrap();
    let ra = DistArray::from_fn(&whole, |i: &[usize]| value(i[0]));
    let rb = DistArray::from_fn(&whole, |i: &[usize]| value(n - 1 - i[0]));
    let want = (
        ra.dot_reproducible(&rb).unwrap().parts(),
        ra.vdot_reproducible(&rb).unwrap().parts(),
        ra.norm_reproducible().unwrap().to_f64_(),
    );
    let bits =
        |w: ((f64, f64), (f64, f64), f64)| [w.0 .0, w.0 .1, w.1 .0, w.1 .1, w.2].map(f64::to_bits);
    let layouts = vector_layouts(comm, n);
    for la in &layouts {
        let a = DistArray::from_fn(la, |i: &[usize]| value(i[0]));
        for lb in &layouts {
            let b = DistArray::from_fn(lb, |i: &[usize]| value(n - 1 - i[0]));
            let got = (
                a.dot_reproducible(&b).unwrap().parts(),
                a.vdot_reproducible(&b).unwrap().parts(),
                a.norm_reproducible().unwrap().to_f64_(),
            );
            assert_eq!(
                bits(got),
                bits(want),
                "{la:?} and {lb:?}: {got:?} vs {want:?}"
            );
        }
    }
}

fn reproducible_dot_and_norm_have_the_same_bits_everywhere(comm: &Comm) {
    // magnitudes over 20 decades, where an ordinary sum depends on order
    let wild = |g: usize| base(g) * 10f64.powi((g % 21) as i32 - 10);
    reproducible_of::<f64>(comm, wild);
    reproducible_of::<f32>(comm, |g| wild(g) as f32);
    reproducible_of::<Complex64>(comm, |g| Complex64::new(wild(g), wild(g + 7)));
}

fn matvec_of<T: Value>(comm: &Comm, m: usize, n: usize) {
    let xs = vector_layouts(comm, n);
    let mut ys = vector_layouts(comm, m);
    ys.truncate(3);
    for la in matrix_layouts(comm, m, n) {
        let a = DistArray::from_fn(&la, |ix: &[usize]| T::value(ix[0] * n + ix[1]));
        let ga = mat2(&a);
        for (k, lx) in xs.iter().enumerate() {
            let x = DistArray::from_fn(lx, |i: &[usize]| T::value(i[0] + 500));
            let want = ga.dot(&vec1(&x));
            let y = a.matvec(&x).unwrap();
            assert_eq!(y.layout(), &Layout::block(comm, &[m]).unwrap());
            let scale = ga.iter().map(|v| v.abs2().to_f64_()).sum::<f64>();
            for (i, (&g, &w)) in vec1(&y).iter().zip(&want).enumerate() {
                close(
                    g,
                    w,
                    scale,
                    T::TOL,
                    &format!("row {i} of A x, A {la:?}, x {lx:?}"),
                );
            }
            let ly = &ys[k % ys.len()];
            let mut y = DistArray::from_fn(ly, |_: &[usize]| T::value(3));
            a.matvec_into(&x, &mut y).unwrap();
            for (&g, &w) in vec1(&y).iter().zip(&want) {
                close(g, w, scale, T::TOL, &format!("A x into {ly:?}, A {la:?}"));
            }
        }
        // one plan, three products with new x
        let lx = &xs[xs.len() - 1];
        let mut plan = MatVec::<T>::new(&la, lx, &ys[1]).unwrap();
        let mut y = DistArray::zeros(&ys[1]);
        for step in 0..3 {
            let x = DistArray::from_fn(lx, |i: &[usize]| T::value(i[0] * step + 9));
            plan.apply(&a, &x, &mut y).unwrap();
            let want = ga.dot(&vec1(&x));
            let scale = ga.iter().map(|v| v.abs2().to_f64_()).sum::<f64>();
            for (&g, &w) in vec1(&y).iter().zip(&want) {
                close(g, w, scale, T::TOL, &format!("step {step}, A {la:?}"));
            }
        }
    }
}

fn matvec_every_layout_matches_ndarray(comm: &Comm) {
    matvec_of::<f64>(comm, 13, 7);
    matvec_of::<f64>(comm, 5, 17);
    matvec_of::<f32>(comm, 13, 7);
    matvec_of::<Complex64>(comm, 9, 10);
}

fn matvec_plan_repeats_without_allocating(comm: &Comm) {
    let (m, n) = (200, 150);
    let la = Layout::new(comm, &[m, n], &[Dist::BlockCyclic(16), Dist::Cyclic]).unwrap();
    let a = DistArray::from_fn(&la, |ix: &[usize]| f64::value(ix[0] * n + ix[1]));
    let x = DistArray::from_fn(&Layout::block(comm, &[n]).unwrap(), |i: &[usize]| {
        f64::value(i[0])
    });
    let ly = Layout::new(comm, &[m], &[Dist::Cyclic]).unwrap();
    let mut y = DistArray::zeros(&ly);
    let mut plan = MatVec::new(&la, x.layout(), &ly).unwrap();
    // warm up: the exchanges choose their transport over the first runs
    for _ in 0..20 {
        plan.apply(&a, &x, &mut y).unwrap();
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..10 {
        plan.apply(&a, &x, &mut y).unwrap();
    }
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - before;
    assert_eq!(allocations, 0, "10 products through one plan allocated");
    let want = mat2(&a).dot(&vec1(&x));
    for (&g, &w) in vec1(&y).iter().zip(&want) {
        close(g, w, 1e4, 1e-12, "repeated product");
    }
}

fn matrix_norms_of<T: Value>(comm: &Comm, m: usize, n: usize) {
    for la in matrix_layouts(comm, m, n) {
        let a = DistArray::from_fn(&la, |ix: &[usize]| T::value(ix[0] * n + ix[1] + 3));
        let ga = mat2(&a);
        let abs = ga.mapv(|v| v.abs_().to_f64_());
        let fro = ga.iter().map(|v| v.abs2().to_f64_()).sum::<f64>().sqrt();
        let cols = abs.sum_axis(Axis(0));
        let rows = abs.sum_axis(Axis(1));
        let t = T::TOL * 10.0;
        let norm = |o| a.norm(o).unwrap().to_f64_();
        let what = format!("{:?} {la:?}", T::DTYPE);
        assert!((norm(NormOrd::Fro) - fro).abs() <= t * fro, "fro {what}");
        let r = a.norm_reproducible().unwrap().to_f64_();
        assert!(
            (r - fro).abs() <= t.max(1e-9) * fro,
            "reproducible fro {what}"
        );
        let max_col = cols.iter().copied().fold(0.0, f64::max);
        let max_row = rows.iter().copied().fold(0.0, f64::max);
        let min_row = rows.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(
            (norm(NormOrd::One) - max_col).abs() <= t * max_col,
            "1 {what}"
        );
        assert!(
            (norm(NormOrd::Inf) - max_row).abs() <= t * max_row,
            "inf {what}"
        );
        assert!(
            (norm(NormOrd::NegInf) - min_row).abs() <= t * min_row,
            "-inf {what}"
        );
        let diag: Vec<T> = ga.diag().to_vec();
        let d = a.diagonal().unwrap();
        assert_eq!(d.layout(), &Layout::block(comm, &[m.min(n)]).unwrap());
        assert_eq!(vec1(&d).to_vec(), diag, "diagonal {what}");
        let trace = diag.iter().fold(T::zero(), |s, &v| s + v);
        close(
            a.trace().unwrap(),
            trace,
            100.0,
            T::TOL,
            &format!("trace {what}"),
        );
    }
}

fn matrix_norms_trace_and_diagonal(comm: &Comm) {
    matrix_norms_of::<f64>(comm, 13, 7);
    matrix_norms_of::<f64>(comm, 6, 11);
    matrix_norms_of::<f32>(comm, 10, 10);
    matrix_norms_of::<Complex64>(comm, 7, 9);
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    let same = |r: Result<(), Error>, what: &str| {
        let err = r.expect_err(what);
        harness::assert_same_everywhere(comm, &err);
    };
    let odd = comm.rank() % 2 == 1;
    let v7 = DistArray::<f64>::ones(&Layout::block(comm, &[7]).unwrap());
    let v8 = DistArray::<f64>::ones(&Layout::block(comm, &[8]).unwrap());
    let m = DistArray::<f64>::ones(&Layout::block(comm, &[8, 7]).unwrap());
    let cube = DistArray::<f64>::ones(&Layout::block(comm, &[2, 2, 2]).unwrap());
    same(v7.dot(&v8).map(|_| ()), "lengths differ");
    same(v7.vdot(&m).map(|_| ()), "a matrix in a vector product");
    same(m.matvec(&v8).map(|_| ()), "x of the wrong length");
    same(v7.matvec(&v7).map(|_| ()), "a vector as the matrix");
    same(v7.norm(NormOrd::Fro).map(|_| ()), "Frobenius of a vector");
    same(m.norm(NormOrd::Two).map(|_| ()), "spectral norm");
    same(cube.norm(NormOrd::One).map(|_| ()), "norm of a 3-d array");
    same(v7.trace().map(|_| ()), "trace of a vector");
    same(cube.diagonal().map(|_| ()), "diagonal of a 3-d array");
    let empty = DistArray::<f64>::zeros(&Layout::block(comm, &[0]).unwrap());
    same(empty.norm(NormOrd::Inf).map(|_| ()), "max of nothing");
    assert_eq!(empty.norm(NormOrd::Two).unwrap(), 0.0);
    same(
        outer_in(&v7, &v8, m.layout()).map(|_| ()),
        "outer into a transposed layout",
    );
    let mut plan = MatVec::<f64>::new(m.layout(), v7.layout(), v8.layout()).unwrap();
    let mut y = DistArray::zeros(v8.layout());
    plan.apply(&m, &v7, &mut y).unwrap();
    assert_eq!(vec1(&y).to_vec(), vec![7.0; 8]);
    if comm.size() > 1 {
        // one rank passes other arguments: every rank gets the same error
        same(
            (if odd { &v8 } else { &v7 }).dot(&v7).map(|_| ()),
            "another vector on odd ranks",
        );
        let ord = if odd { NormOrd::One } else { NormOrd::Inf };
        same(m.norm(ord).map(|_| ()), "another order on odd ranks");
        same(
            plan.apply(&m, if odd { &v8 } else { &v7 }, &mut y),
            "another x on odd ranks",
        );
        let plan32 = if odd {
            MatVec::<f32>::new(m.layout(), v7.layout(), v8.layout()).map(|_| ())
        } else {
            MatVec::<f64>::new(m.layout(), v7.layout(), v8.layout()).map(|_| ())
        };
        same(plan32, "another element type on odd ranks");
    }
}

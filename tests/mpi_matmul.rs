//! Matrix products by SUMMA on 1-4 ranks, checked against ndarray's `dot`
//! of the gathered matrices: f64 (to 1e-12 of the magnitudes summed), f32
//! and Complex64; every pair of 2-D layouts (block x block, rows, columns,
//! block-cyclic with partial blocks, cyclic, irregular rows with an empty
//! rank, ghost cells, unstructured rows); odd non-square shapes (7 x 5
//! times 5 x 9), products many panels long, an empty inner dimension;
//! results in the layouts asked for; a plan reused; wrong arguments (and
//! element types, through `AnyDistArray`) the same error on every rank.

mod harness;

use distarray::linalg::{matmul, matmul_in, matmul_into, MatMul};
use distarray::mpi::topology::{Color, Communicator};
use distarray::ndarray::{Array2, Ix2, LinalgScalar};
use distarray::num_complex::Complex64;
use distarray::random::mix64;
use distarray::{AnyDistArray, Comm, Dist, DistArray, Element, Error, Layout};
use harness::Check;

static CHECKS: &[Check] = &[
    check!(f64_every_pair_of_layouts),
    check!(f32_and_complex_in_every_layout),
    check!(long_products_cross_many_panels),
    check!(results_in_the_layouts_asked_for),
    check!(a_plan_reused_recomputes_without_rebuilding),
    check!(empty_inner_dimension_gives_zeros),
    check!(bad_arguments_are_the_same_error_on_every_rank),
];

fn main() {
    harness::main("mpi_matmul", CHECKS, &[1, 2, 3, 4]);
}

/// Row bounds whose rank 1 is empty (from 2 ranks on).
fn bounds_with_empty(n: usize, p: usize) -> Vec<usize> {
    let mut b = vec![0];
    for r in 0..p {
        b.push(if r == 1 { b[r] } else { n * (r + 1) / p });
    }
    *b.last_mut().unwrap() = n;
    b
}

/// Every 2-D layout kind of an `r x c` matrix.
fn layouts(comm: &Comm, shape: [usize; 2]) -> Vec<Layout> {
    let p = comm.size();
    let (rank, r) = (comm.rank(), shape[0]);
    use Dist::*;
    let mut out = vec![
        Layout::block(comm, &shape).unwrap(),
        Layout::new(comm, &shape, &[Block, NotDistributed]).unwrap(),
        Layout::new(comm, &shape, &[NotDistributed, Block]).unwrap(),
        Layout::new(comm, &shape, &[BlockCyclic(2), BlockCyclic(3)]).unwrap(),
        Layout::new(comm, &shape, &[Cyclic, Cyclic]).unwrap(),
        Layout::with_grid(
            comm,
            &shape,
            &[BlockBounds(bounds_with_empty(r, p)), NotDistributed],
            &[p, 1],
        )
        .unwrap(),
        Layout::new(
            comm,
            &shape,
            &[
                BlockPadded {
                    ghost_width: 1,
                    boundary_width: (0, 0),
                    periodic: false,
                },
                Block,
            ],
        )
        .unwrap(),
        Layout::with_grid(
            comm,
            &shape,
            &[
                Unstructured {
                    indices: (0..r).rev().filter(|g| g % p == rank).collect(),
                    one_to_one: true,
                },
                NotDistributed,
            ],
            &[p, 1],
        )
        .unwrap(),
    ];
    if p == 4 {
        // an explicit 2 x 2 grid of partial blocks
        out.push(
            Layout::with_grid(comm, &shape, &[BlockCyclic(3), BlockCyclic(2)], &[2, 2]).unwrap(),
        );
    }
    out
}

/// A value in [-1, 1) from a seed and an index.
fn unit(seed: u64, ix: &[usize]) -> f64 {
    let h = mix64(seed ^ mix64(ix[0] as u64 * 1_000_003 + ix[1] as u64));
    (h >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

trait Scalar: Element + LinalgScalar {
    fn make(seed: u64, ix: &[usize]) -> Self;
    fn abs(self) -> f64;
    /// relative tolerance against the sum of the magnitudes
    const TOL: f64;
}
impl Scalar for f64 {
    fn make(seed: u64, ix: &[usize]) -> f64 {
        unit(seed, ix)
    }
    fn abs(self) -> f64 {
        f64::abs(self)
    }
    const TOL: f64 = 1e-12;
}
impl Scalar for f32 {
    fn make(seed: u64, ix: &[usize]) -> f32 {
        unit(seed, ix) as f32
    }
    fn abs(self) -> f64 {
        f32::abs(self) as f64
    }
    const TOL: f64 = 1e-5;
}
impl Scalar for Complex64 {
    fn make(seed: u64, ix: &[usize]) -> Complex64 {
        Complex64::new(unit(seed, ix), unit(!seed, ix))
    }
    fn abs(self) -> f64 {
        self.norm()
    }
    const TOL: f64 = 1e-12;
}

fn filled<T: Scalar>(layout: &Layout, seed: u64) -> DistArray<T> {
    DistArray::from_fn(layout, |ix: &[usize]| T::make(seed, ix))
}

fn gathered<T: Scalar>(a: &DistArray<T>) -> Array2<T> {
    a.gather_all()
        .unwrap()
        .into_dimensionality::<Ix2>()
        .unwrap()
}

/// `c` against the gathered `a.dot(b)`, cell by cell within `T::TOL` of
/// the sum of the magnitudes of the products summed.
fn assert_product<T: Scalar>(a: &DistArray<T>, b: &DistArray<T>, c: &DistArray<T>) {
    let (ga, gb, gc) = (gathered(a), gathered(b), gathered(c));
    let want = ga.dot(&gb);
    assert_eq!(gc.dim(), want.dim());
    let mag = ga.mapv(T::abs).dot(&gb.mapv(T::abs));
    for ((ix, &got), &w) in gc.indexed_iter().zip(want.iter()) {
        let err = (got - w).abs();
        assert!(
            err <= T::TOL * mag[ix] + f64::MIN_POSITIVE,
            "c{ix:?} = {got:?}, ndarray's dot gives {w:?} (A {:?}, B {:?})",
            a.layout(),
            b.layout()
        );
    }
}

fn f64_every_pair_of_layouts(comm: &Comm) {
    let (m, k, n) = (7, 5, 9);
    let la = layouts(comm, [m, k]);
    let lb = layouts(comm, [k, n]);
    for (i, a_layout) in la.iter().enumerate() {
        let a = filled::<f64>(a_layout, i as u64);
        for (j, b_layout) in lb.iter().enumerate() {
            let b = filled::<f64>(b_layout, 100 + j as u64);
            let c = matmul(&a, &b).unwrap();
            assert_eq!(c.shape(), &[m, n]);
            assert_product(&a, &b, &c);
            // as a method too, same result layout
            assert_eq!(a.matmul(&b).unwrap().layout(), c.layout());
        }
    }
}

fn f32_and_complex_in_every_layout(comm: &Comm) {
    let (m, k, n) = (9, 7, 5);
    for (i, (a_layout, b_layout)) in layouts(comm, [m, k])
        .iter()
        .zip(layouts(comm, [k, n]))
        .enumerate()
    {
        let a = filled::<f32>(a_layout, i as u64);
        let b = filled::<f32>(&b_layout, 50 + i as u64);
        assert_product(&a, &b, &matmul(&a, &b).unwrap());
        let a = filled::<Complex64>(a_layout, i as u64);
        let b = filled::<Complex64>(&b_layout, 50 + i as u64);
        assert_product(&a, &b, &matmul(&a, &b).unwrap());
    }
}

fn long_products_cross_many_panels(comm: &Comm) {
    // k = 600 > the panel width: block layouts cut their runs, block-cyclic
    // ones make a panel per owner pair; the broadcasts overlap the products
    let (m, k, n) = (33, 600, 21);
    use Dist::*;
    for dists in [
        [Block, Block],
        [BlockCyclic(64), BlockCyclic(64)],
        [Cyclic, Block],
    ] {
        let a = filled::<f64>(&Layout::new(comm, &[m, k], &dists).unwrap(), 1);
        let b = filled::<f64>(&Layout::new(comm, &[k, n], &dists).unwrap(), 2);
        assert_product(&a, &b, &matmul(&a, &b).unwrap());
    }
    // B with ghost cells moves to A's kinds: the result is block-cyclic
    // like A
    let la = Layout::new(comm, &[m, k], &[BlockCyclic(8), BlockCyclic(8)]).unwrap();
    let ghosts = BlockPadded {
        ghost_width: 2,
        boundary_width: (1, 1),
        periodic: true,
    };
    let lb = Layout::new(comm, &[k, n], &[ghosts, Block]).unwrap();
    let (a, b) = (filled::<f64>(&la, 3), filled::<f64>(&lb, 4));
    let c = matmul(&a, &b).unwrap();
    assert_product(&a, &b, &c);
    assert!(c
        .layout()
        .dist_names()
        .iter()
        .all(|d| *d == "bc" || *d == "n" || *d == "c"));
}

fn results_in_the_layouts_asked_for(comm: &Comm) {
    let (m, k, n) = (7, 5, 9);
    let a = filled::<f64>(
        &Layout::new(comm, &[m, k], &[Dist::Cyclic, Dist::Block]).unwrap(),
        7,
    );
    let b = filled::<f64>(&Layout::block(comm, &[k, n]).unwrap(), 8);
    for target in layouts(comm, [m, n]) {
        let c = matmul_in(&a, &b, &target).unwrap();
        assert_eq!(c.layout(), &target);
        assert_product(&a, &b, &c);
        let mut into = DistArray::full(&target, f64::NAN);
        matmul_into(&a, &b, &mut into).unwrap();
        assert_eq!(gathered(&into), gathered(&c));
    }
}

fn a_plan_reused_recomputes_without_rebuilding(comm: &Comm) {
    let la = Layout::new(comm, &[10, 12], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let lb = Layout::new(comm, &[12, 6], &[Dist::Cyclic, Dist::Cyclic]).unwrap();
    let lc = Layout::new(comm, &[10, 6], &[Dist::NotDistributed, Dist::Cyclic]).unwrap();
    let mut product = MatMul::<f64>::with_result(&la, &lb, &lc).unwrap();
    assert_eq!(product.result_layout(), &lc);
    let mut c = DistArray::zeros(&lc);
    for step in 0..4u64 {
        let a = filled::<f64>(&la, step);
        let b = filled::<f64>(&lb, 10 + step);
        product.execute(&a, &b, &mut c).unwrap();
        assert_product(&a, &b, &c);
    }
    // block x block on a grid that suits: no moves at all
    let sq = Layout::block(comm, &[8, 8]).unwrap();
    let plain = MatMul::<f64>::new(&sq, &sq).unwrap();
    assert_eq!(plain.redistributes(), [false, false, false]);
    assert_eq!(plain.result_layout(), &sq);
}

fn empty_inner_dimension_gives_zeros(comm: &Comm) {
    let a = DistArray::<f64>::zeros(&Layout::block(comm, &[4, 0]).unwrap());
    let b = DistArray::<f64>::zeros(&Layout::block(comm, &[0, 3]).unwrap());
    let target = Layout::block(comm, &[4, 3]).unwrap();
    let mut c = DistArray::full(&target, 5.0);
    matmul_into(&a, &b, &mut c).unwrap();
    assert!(gathered(&c).iter().all(|&x| x == 0.0));
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    let a = filled::<f64>(&Layout::block(comm, &[7, 5]).unwrap(), 1);
    let b = filled::<f64>(&Layout::block(comm, &[6, 9]).unwrap(), 2);
    // inner dimensions differ
    let r = matmul(&a, &b);
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
    // not 2-d
    let v = DistArray::<f64>::zeros(&Layout::block(comm, &[5]).unwrap());
    let r = matmul(&a, &v);
    assert!(
        matches!(&r, Err(Error::InvalidArgument(msg)) if msg.contains("2-d")),
        "{r:?}"
    );
    // a result of the wrong shape
    let b59 = filled::<f64>(&Layout::block(comm, &[5, 9]).unwrap(), 2);
    let r = matmul_in(&a, &b59, &Layout::block(comm, &[7, 5]).unwrap());
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
    // only the last rank passes a B of other inner dimensions: every rank
    // errs, none hangs
    let last = comm.rank() + 1 == comm.size();
    let r = matmul(&a, if last { &a } else { &b59 });
    assert!(r.is_err(), "{r:?}");
    // ranks asking for different element types
    let la = Layout::block(comm, &[7, 5]).unwrap();
    let lb = Layout::block(comm, &[5, 9]).unwrap();
    let r = if last && comm.size() > 1 {
        MatMul::<f32>::new(&la, &lb).map(|_| ())
    } else {
        MatMul::<f64>::new(&la, &lb).map(|_| ())
    };
    if comm.size() > 1 {
        assert!(matches!(r, Err(Error::ArgumentsDiffer { .. })), "{r:?}");
    } else {
        assert!(r.is_ok());
    }
    // element types known at run time: only the last rank's B is f32
    let any_a = AnyDistArray::from(filled::<f64>(&la, 6));
    let any_b = if last {
        AnyDistArray::from(filled::<f32>(&lb, 7))
    } else {
        AnyDistArray::from(filled::<f64>(&lb, 7))
    };
    let r = any_a.matmul(&any_b);
    assert!(matches!(r, Err(Error::DTypeMismatch { .. })), "{r:?}");
    let same = AnyDistArray::from(filled::<f64>(&lb, 7));
    let c = any_a.matmul(&same).unwrap().into_f64().unwrap();
    assert_product(any_a.as_f64().unwrap(), same.as_f64().unwrap(), &c);
    // B on another communicator (the same ranks in reverse order)
    let reversed = comm
        .raw()
        .split_by_color_with_key(Color::with_value(0), -(comm.rank() as i32))
        .unwrap();
    let other = Comm::duplicate_of(&reversed);
    let b_other = filled::<f64>(&Layout::block(&other, &[5, 9]).unwrap(), 4);
    let r = matmul(&a, &b_other);
    if comm.size() > 1 {
        assert!(matches!(r, Err(Error::LayoutMismatch { .. })), "{r:?}");
    } else {
        assert!(r.is_ok());
    }
    // a plan executed with arrays of other layouts
    let mut product = MatMul::<f64>::new(&la, &lb).unwrap();
    let b_good = filled::<f64>(&lb, 5);
    let mut c_wrong =
        DistArray::zeros(&Layout::new(comm, &[7, 9], &[Dist::Cyclic, Dist::Cyclic]).unwrap());
    let r = product.execute(&a, &b_good, &mut c_wrong);
    if product.result_layout() != c_wrong.layout() {
        assert!(matches!(r, Err(Error::LayoutMismatch { .. })), "{r:?}");
    }
    // still in step: a product after the errors works on every rank
    let c = product.product(&a, &b_good).unwrap();
    assert_product(&a, &b_good, &c);
}

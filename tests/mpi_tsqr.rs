//! TSQR, lstsq and CholeskyQR2 on 1-4 ranks, checked against
//! ndarray-linalg (LAPACK) on the gathered matrices: f64, f32, Complex64,
//! Complex32;
//! rows in block, irregular block with an empty rank and a rank with fewer
//! rows than columns, cyclic and block-cyclic layouts, and columns or a 2-D
//! grid (redistributed inside the calls); wide and empty matrices; Q
//! orthonormal (1e-12 in f64, 1e-5 in f32), Q R = A, |R| as LAPACK's;
//! agreed errors.

mod harness;

use distarray::num_complex::{Complex32, Complex64};
use distarray::random::mix64;
use distarray::{Comm, Dist, DistArray, Element, Error, Layout};
use harness::Check;
use ndarray::{Array2, Ix2};
use ndarray_linalg::{Lapack, Scalar, Solve, QR};
use num_traits::ToPrimitive;

static CHECKS: &[Check] = &[
    check!(qr_f64_every_layout),
    check!(qr_f32_and_complex),
    check!(qr_wide_and_empty_matrices),
    check!(lstsq_matches_the_normal_equations),
    check!(cholesky_qr2_matches_tsqr_and_refuses_singular_input),
    check!(bad_arguments_are_the_same_error_on_every_rank),
];

fn main() {
    harness::main("mpi_tsqr", CHECKS, &[1, 2, 3, 4]);
}

/// A value in [-0.5, 0.5) from a hash.
fn unit(h: u64) -> f64 {
    (mix64(h) >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

fn real64(h: u64) -> f64 {
    unit(h)
}
fn real32(h: u64) -> f32 {
    unit(h) as f32
}
fn complex32(h: u64) -> Complex32 {
    Complex32::new(unit(h) as f32, unit(h ^ 0x5555) as f32)
}
fn complex(h: u64) -> Complex64 {
    Complex64::new(unit(h), unit(h ^ 0x5555))
}

/// Row bounds with rank 1 empty and the last rank holding one row (for 2
/// ranks and more); block bounds otherwise.
fn skewed_bounds(m: usize, p: usize) -> Vec<usize> {
    let mut b = vec![0];
    for r in 0..p {
        let prev = *b.last().unwrap();
        let next = match r {
            _ if r + 1 == p => m,
            1 => prev,
            _ if r + 2 == p => m - 1,
            _ => prev + (m - 1) / p,
        };
        b.push(next.max(prev).min(m));
    }
    b
}

/// Every layout of an `m x n` matrix the checks run on.
fn layouts(comm: &Comm, m: usize, n: usize) -> Vec<Layout> {
    let p = comm.size();
    let rows = |d: Dist| Layout::new(comm, &[m, n], &[d, Dist::NotDistributed]).unwrap();
    vec![
        rows(Dist::Block),
        rows(Dist::BlockBounds(skewed_bounds(m, p))),
        rows(Dist::Cyclic),
        rows(Dist::BlockCyclic(3)),
        // columns split: redistributed to rows inside the calls
        Layout::with_grid(comm, &[m, n], &[Dist::Block, Dist::Cyclic], &[1, p]).unwrap(),
        Layout::new(comm, &[m, n], &[Dist::Block, Dist::Block]).unwrap(),
    ]
}

fn gathered<T: Element>(a: &DistArray<T>) -> Array2<T> {
    a.gather_all()
        .unwrap()
        .into_dimensionality::<Ix2>()
        .unwrap()
}

fn max_abs<T: Scalar>(a: &Array2<T>) -> f64 {
    a.iter()
        .map(|x| x.abs().to_f64().unwrap())
        .fold(0.0, f64::max)
}

fn conj_t<T: Scalar>(a: &Array2<T>) -> Array2<T> {
    a.t().mapv(|x| x.conj())
}

/// `Q^H Q = I` within `tol`.
fn assert_orthonormal<T: Scalar + Lapack>(q: &Array2<T>, tol: f64) {
    let e = conj_t(q).dot(q) - Array2::<T>::eye(q.ncols());
    assert!(max_abs(&e) <= tol, "Q^H Q - I = {}", max_abs(&e));
}

/// R upper triangular with a real, non-negative diagonal.
fn assert_canonical<T: Scalar>(r: &Array2<T>) {
    for ((i, j), x) in r.indexed_iter() {
        if i > j {
            assert_eq!(
                x.abs().to_f64().unwrap(),
                0.0,
                "R[{i}, {j}] below the diagonal"
            );
        }
        if i == j {
            assert!(
                x.im().to_f64().unwrap() == 0.0 && x.re().to_f64().unwrap() >= 0.0,
                "R[{i}, {i}] = {x}"
            );
        }
    }
}

/// TSQR of `a` against LAPACK's QR of the gathered matrix.
fn check_qr<T: Element + Lapack>(a: &DistArray<T>, tol: f64) {
    let g = gathered(a);
    let (m, n) = g.dim();
    let k = m.min(n);
    let qr = a.qr().unwrap();
    let r = qr.r().clone();
    assert_eq!(r.dim(), (k, n));
    assert_canonical(&r);
    let q = qr.q().unwrap();
    if k == n {
        assert_eq!(q.layout(), a.layout());
    }
    let qg = gathered(&q);
    assert_eq!(qg.dim(), (m, k));
    assert_orthonormal(&qg, tol);
    let scale = max_abs(&g).max(1.0);
    let diff = qg.dot(&r) - &g;
    assert!(max_abs(&diff) <= tol * scale, "QR - A = {}", max_abs(&diff));
    if m > 0 && n > 0 {
        let (_, reference) = g.qr().unwrap();
        for (x, y) in r.iter().zip(&reference) {
            let d = (x.abs().to_f64().unwrap() - y.abs().to_f64().unwrap()).abs();
            assert!(d <= tol * scale, "|R| {x} against LAPACK's {y}");
        }
    }
}

fn matrix<T: Element>(layout: &Layout, seed: u64, gen: fn(u64) -> T) -> DistArray<T> {
    let n = layout.shape()[1] as u64;
    DistArray::from_fn(layout, |ix: &[usize]| {
        gen(seed ^ (ix[0] as u64 * n + ix[1] as u64))
    })
}

fn qr_f64_every_layout(comm: &Comm) {
    for (m, n) in [(37, 5), (9, 4)] {
        for layout in layouts(comm, m, n) {
            check_qr(&matrix(&layout, 1, real64), 1e-12);
        }
    }
    // tall enough that each rank factors its rows in several cache-sized chunks
    let tall = Layout::new(comm, &[50_000, 2], &[Dist::Block, Dist::NotDistributed]).unwrap();
    check_qr(&matrix(&tall, 17, real64), 1e-12);
    // a singular matrix: Q still orthonormal, R's last diagonal ~0
    let layout = Layout::block(comm, &[20, 3]).unwrap();
    let twins = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] % 7 + ix[1] % 2) as f64);
    check_qr(&twins, 1e-12);
    assert!(twins.qr().unwrap().r()[[2, 2]].abs() < 1e-12);
}

fn qr_f32_and_complex(comm: &Comm) {
    for layout in layouts(comm, 23, 4) {
        check_qr(&matrix(&layout, 2, real32), 1e-5);
        check_qr(&matrix(&layout, 3, complex), 1e-12);
        check_qr(&matrix(&layout, 18, complex32), 1e-5);
    }
}

fn qr_wide_and_empty_matrices(comm: &Comm) {
    // fewer rows than columns: R is 3 x 5 (trapezoidal), Q 3 x 3
    let wide = Layout::new(comm, &[3, 5], &[Dist::Block, Dist::NotDistributed]).unwrap();
    check_qr(&matrix(&wide, 4, real64), 1e-12);
    check_qr(&matrix(&wide, 5, complex), 1e-12);
    // no rows at all
    let empty = Layout::new(comm, &[0, 4], &[Dist::Block, Dist::NotDistributed]).unwrap();
    let qr = DistArray::<f64>::zeros(&empty).qr().unwrap();
    assert_eq!(qr.r().dim(), (0, 4));
    assert_eq!(qr.q().unwrap().shape(), &[0, 0]);
    // every row on the last rank
    let p = comm.size();
    let mut bounds = vec![0; p];
    bounds.push(12);
    let last = Layout::new(
        comm,
        &[12, 3],
        &[Dist::BlockBounds(bounds), Dist::NotDistributed],
    )
    .unwrap();
    check_qr(&matrix(&last, 6, real64), 1e-12);
}

/// x minimizing ||A x - b|| from the normal equations on the gathered
/// matrices (well-conditioned A).
fn normal_equations<T: Element + Lapack>(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
    let ah = conj_t(a);
    let g = ah.dot(a);
    let rhs = ah.dot(b);
    let mut x = Array2::zeros(rhs.dim());
    for j in 0..rhs.ncols() {
        x.column_mut(j)
            .assign(&g.solve(&rhs.column(j).to_owned()).unwrap());
    }
    x
}

fn check_lstsq<T: Element + Lapack>(a: &DistArray<T>, b: &DistArray<T>, tol: f64) {
    let ag = gathered(a);
    let bg = b.gather_all().unwrap();
    let k = if bg.ndim() == 1 { 1 } else { bg.shape()[1] };
    let bg = bg.into_shape_with_order((ag.nrows(), k)).unwrap();
    let fit = a.lstsq(b).unwrap();
    let n = ag.ncols();
    let want_shape: Vec<usize> = if b.ndim() == 1 { vec![n] } else { vec![n, k] };
    assert_eq!(fit.x.shape(), &want_shape[..]);
    let x = fit.x.clone().into_shape_with_order((n, k)).unwrap();
    let reference = normal_equations(&ag, &bg);
    let d = max_abs(&(&x - &reference));
    assert!(d <= tol * max_abs(&reference).max(1.0), "x - x_ref = {d}");
    let resid = ag.dot(&x) - &bg;
    for j in 0..k {
        let norm = resid
            .column(j)
            .iter()
            .map(|v| v.abs().to_f64().unwrap().powi(2))
            .sum::<f64>()
            .sqrt();
        let got = fit.residual_norms[j].to_f64().unwrap();
        assert!(
            (norm - got).abs() <= tol * norm.max(1.0),
            "residual {got} against {norm}"
        );
    }
}

fn lstsq_matches_the_normal_equations(comm: &Comm) {
    let (m, n) = (41, 4);
    for layout in layouts(comm, m, n) {
        let a = matrix(&layout, 7, real64);
        let b1 = DistArray::from_fn(&Layout::block(comm, &[m]).unwrap(), |ix: &[usize]| {
            unit(ix[0] as u64 + 99)
        });
        check_lstsq(&a, &b1, 1e-10);
        let b2 = Layout::new(comm, &[m, 3], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
        check_lstsq(&a, &matrix(&b2, 8, real64), 1e-10);
        let ac = matrix(&layout, 9, complex);
        check_lstsq(&ac, &matrix(&b2, 10, complex), 1e-10);
    }
    // an exact fit: residual zero
    let layout = Layout::block(comm, &[10, 2]).unwrap();
    let a = DistArray::from_fn(
        &layout,
        |ix: &[usize]| if ix[1] == 0 { 1.0 } else { ix[0] as f64 },
    );
    let y = DistArray::from_fn(&Layout::block(comm, &[10]).unwrap(), |ix: &[usize]| {
        1.5 - 0.25 * ix[0] as f64
    });
    let fit = a.lstsq(&y).unwrap();
    assert!((fit.x[[0]] - 1.5).abs() < 1e-12 && (fit.x[[1]] + 0.25).abs() < 1e-12);
    assert!(fit.residual_norms[0] < 1e-12);
}

fn cholesky_qr2_matches_tsqr_and_refuses_singular_input(comm: &Comm) {
    for layout in layouts(comm, 37, 5) {
        let a = matrix(&layout, 11, real64);
        let (q, r) = a.cholesky_qr2().unwrap();
        assert_eq!(q.layout(), a.layout());
        assert_canonical(&r);
        let qg = gathered(&q);
        assert_orthonormal(&qg, 1e-12);
        assert!(max_abs(&(qg.dot(&r) - gathered(&a))) <= 1e-12);
        let tsqr = a.qr().unwrap();
        assert!(max_abs(&(&r - tsqr.r())) <= 1e-12);
        let ac = matrix(&layout, 12, complex);
        let (qc, rc) = ac.cholesky_qr2().unwrap();
        assert_orthonormal(&gathered(&qc), 1e-12);
        assert!(max_abs(&(&rc - ac.qr().unwrap().r())) <= 1e-12);
        let af = matrix(&layout, 13, real32);
        let (qf, _) = af.cholesky_qr2().unwrap();
        assert_orthonormal(&gathered(&qf), 1e-5);
    }
    // two equal columns: refused on every rank, pointing to qr()
    let layout = Layout::block(comm, &[30, 3]).unwrap();
    let twins = DistArray::from_fn(&layout, |ix: &[usize]| {
        (ix[0] % 7) as f64 + (ix[1] == 2) as u8 as f64
    });
    match twins.cholesky_qr2() {
        Err(Error::InvalidArgument(msg)) => assert!(msg.contains("qr()"), "{msg}"),
        other => panic!("expected an agreed refusal, got {:?}", other.map(|x| x.1)),
    }
    // conditioned about 1e10: refused too (TSQR is fine)
    let graded = DistArray::from_fn(&layout, |ix: &[usize]| {
        unit((ix[0] * 3 + ix[1]) as u64) * 1e-5f64.powi(ix[1] as i32)
    });
    assert!(graded.cholesky_qr2().is_err());
    check_qr(&graded, 1e-12);
    // still in step
    assert_eq!(
        matrix(&layout, 14, real64).cholesky_qr2().unwrap().1.dim(),
        (3, 3)
    );
}

fn bad_arguments_are_the_same_error_on_every_rank(comm: &Comm) {
    // not 2-D
    let v = DistArray::<f64>::zeros(&Layout::block(comm, &[10]).unwrap());
    assert!(matches!(v.qr(), Err(Error::InvalidArgument(m)) if m.contains("2-D")));
    assert!(v.cholesky_qr2().is_err());
    // every rank holds every row: cells replicated, no redistribution from it
    let p = comm.size();
    let all = Dist::Unstructured {
        indices: (0..8).collect(),
        one_to_one: p == 1,
    };
    let replicated =
        Layout::with_grid(comm, &[8, 2], &[all, Dist::NotDistributed], &[p, 1]).unwrap();
    let a = DistArray::<f64>::zeros(&replicated);
    if p > 1 {
        assert!(matches!(a.qr(), Err(Error::InvalidArgument(m)) if m.contains("one-to-one")));
        assert!(a.lstsq(&v).is_err());
    } else {
        assert_eq!(a.qr().unwrap().r().dim(), (2, 2));
    }
    // lstsq: b's rows, underdetermined, rank-deficient
    let a = matrix(&Layout::block(comm, &[12, 3]).unwrap(), 15, real64);
    assert!(matches!(a.lstsq(&v), Err(Error::ShapeMismatch { .. })));
    let wide = matrix(&Layout::block(comm, &[2, 3]).unwrap(), 16, real64);
    let b2 = DistArray::<f64>::zeros(&Layout::block(comm, &[2]).unwrap());
    assert!(
        matches!(wide.lstsq(&b2), Err(Error::InvalidArgument(m)) if m.contains("underdetermined"))
    );
    let layout = Layout::block(comm, &[12, 3]).unwrap();
    let dependent = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * (ix[1] % 2 + 1)) as f64);
    let b = DistArray::from_fn(&Layout::block(comm, &[12]).unwrap(), |ix: &[usize]| {
        ix[0] as f64
    });
    match dependent.lstsq(&b) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("rank-deficient"), "{m}"),
        other => panic!("expected rank deficiency, got {other:?}"),
    }
    // still in step
    check_lstsq(&a, &b, 1e-10);
}

//! The local kernels of the factorizations, on one rank's rows: LAPACK's
//! Householder QR (`geqrf`, or `gelqf` on the transposed view of a
//! row-major buffer) with the reflectors kept for forming Q later, the
//! small QRs of the reduction tree, the Gram matrix and the triangular
//! inverse of CholeskyQR2. Empty matrices (a rank with no rows, no
//! columns) are answered here without calling LAPACK, which refuses
//! leading dimensions of zero.

use crate::error::{Error, Result};
use ndarray::{Array1, Array2, ArrayView2, Axis, Slice};
use ndarray_linalg::{Diag, Lapack, MatrixLayout, QRInto, Scalar, SolveTriangular, UPLO};
use num_traits::Zero;
use std::ops::Range;

/// A Householder QR kept in LAPACK's compact form: R in the upper
/// triangle of the first `min(rows, cols)` rows, the reflectors below it
/// with their scalars `tau`.
#[derive(Debug, Clone)]
pub(crate) struct Reflectors<T> {
    pub(crate) a: Array2<T>,
    pub(crate) tau: Vec<T>,
}

impl<T: Lapack> Reflectors<T> {
    /// Factors `a` (any memory order; copied into row-major order when it
    /// is not already) in place.
    pub(crate) fn factor(a: Array2<T>) -> Result<Reflectors<T>> {
        let (m, n) = a.dim();
        let mut a = if a.is_standard_layout() {
            a
        } else {
            a.as_standard_layout().into_owned()
        };
        if m == 0 || n == 0 {
            return Ok(Reflectors { a, tau: Vec::new() });
        }
        let l = layout_of(m, n)?;
        let buf = a
            .as_slice_mut()
            .expect("a standard-layout array is one slice");
        let tau = T::householder(l, buf).map_err(lapack("Householder QR (geqrf)"))?;
        Ok(Reflectors { a, tau })
    }

    /// The `min(rows, cols) x cols` upper triangular (trapezoidal) R.
    pub(crate) fn r(&self) -> Array2<T> {
        let (m, n) = self.a.dim();
        upper(block(&self.a, 0..m.min(n), 0..n))
    }

    /// The `rows x min(rows, cols)` Q with orthonormal columns
    /// (`orgqr`/`orglq`), consuming the reflectors.
    pub(crate) fn into_q(self) -> Result<Array2<T>> {
        let Reflectors { mut a, tau } = self;
        let (m, n) = a.dim();
        let k = m.min(n);
        if k == 0 {
            return Ok(Array2::zeros((m, 0)));
        }
        let l = layout_of(m, n)?;
        let buf = a
            .as_slice_mut()
            .expect("a standard-layout array is one slice");
        T::q(l, buf, &tau).map_err(lapack("forming Q (orgqr)"))?;
        if k == n {
            return Ok(a);
        }
        Ok(block(&a, 0..m, 0..k).to_owned())
    }
}

/// The row-major LAPACK layout of an `m x n` buffer, refusing sizes past
/// LAPACK's 32-bit dimensions.
fn layout_of(m: usize, n: usize) -> Result<MatrixLayout> {
    let (row, lda) = (i32::try_from(m), i32::try_from(n));
    match (row, lda) {
        (Ok(row), Ok(lda)) => Ok(MatrixLayout::C { row, lda }),
        _ => Err(Error::InvalidArgument(format!(
            "a local block of {m} x {n} is past LAPACK's 32-bit dimensions: spread the rows over more ranks"
        ))),
    }
}

fn lapack<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> Error {
    move |e| Error::InvalidArgument(format!("LAPACK failed in {what}: {e}"))
}

/// Rows `rows` and columns `cols` of `a`, a view.
pub(crate) fn block<T>(a: &Array2<T>, rows: Range<usize>, cols: Range<usize>) -> ArrayView2<'_, T> {
    let mut v = a.view();
    v.slice_axis_inplace(Axis(0), Slice::from(rows));
    v.slice_axis_inplace(Axis(1), Slice::from(cols));
    v
}

/// The upper triangle of `a` (zeros below the diagonal), owned.
pub(crate) fn upper<T: Scalar>(a: ArrayView2<'_, T>) -> Array2<T> {
    let mut r = a.to_owned();
    for ((i, j), x) in r.indexed_iter_mut() {
        if i > j {
            *x = T::zero();
        }
    }
    r
}

/// QR of a small `s x n` matrix (a node of the reduction tree): Q
/// (`s x min(s, n)`) and R (`min(s, n) x n`).
pub(crate) fn small_qr<T: Lapack>(a: Array2<T>) -> Result<(Array2<T>, Array2<T>)> {
    let (m, n) = a.dim();
    if m == 0 || n == 0 {
        let k = m.min(n);
        return Ok((Array2::zeros((m, k)), Array2::zeros((k, n))));
    }
    let a = a.as_standard_layout().into_owned();
    a.qr_into().map_err(|e| {
        Error::InvalidArgument(format!("LAPACK failed in a small QR ({m} x {n}): {e}"))
    })
}

/// The unit phases that make R's diagonal real and non-negative: `d[i]`
/// with `d[i] * R[i, i] = |R[i, i]|` (1 where `R[i, i]` is zero). Row `i`
/// of R is multiplied by `d[i]`, column `i` of Q by `conj(d[i])`.
pub(crate) fn phases<T: Scalar>(r: &Array2<T>) -> Array1<T> {
    let k = r.nrows().min(r.ncols());
    Array1::from_shape_fn(k, |i| {
        let x = r[[i, i]];
        let a = x.abs();
        if a == T::Real::zero() {
            T::one()
        } else {
            x.conj().div_real(a)
        }
    })
}

/// `R` with row `i` multiplied by `d[i]`.
pub(crate) fn scale_rows<T: Scalar>(r: &mut Array2<T>, d: &Array1<T>) {
    for (mut row, &di) in r.rows_mut().into_iter().zip(d) {
        row.mapv_inplace(|x| x * di);
    }
}

/// `A^H A` of this rank's rows (one GEMM; the conjugate copy only for
/// complex types).
pub(crate) fn gram<T: Lapack>(a: ArrayView2<'_, T>) -> Array2<T> {
    if is_real::<T>() {
        a.t().dot(&a)
    } else {
        let c = a.mapv(|x| x.conj());
        c.t().dot(&a)
    }
}

/// The inverse of the upper triangular `r` (`n x n`, small), by a
/// triangular solve against the identity.
pub(crate) fn upper_inverse<T: Lapack>(r: &Array2<T>) -> Result<Array2<T>> {
    let n = r.nrows();
    if n == 0 {
        return Ok(Array2::zeros((0, 0)));
    }
    let eye = Array2::<T>::eye(n);
    r.solve_triangular(UPLO::Upper, Diag::NonUnit, &eye)
        .map_err(|e| Error::InvalidArgument(format!("LAPACK failed in a triangular solve: {e}")))
}

/// True for the real types (their conjugate is themselves).
pub(crate) fn is_real<T: Scalar>() -> bool {
    std::any::TypeId::of::<T>() == std::any::TypeId::of::<T::Real>()
}

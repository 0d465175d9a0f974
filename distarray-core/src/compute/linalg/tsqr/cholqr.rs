//! CholeskyQR2: `G = A^H A` (a local GEMM and one allreduce of `n x n`),
//! `G = R^H R` (Cholesky), `Q = A R^-1`; done twice, the second time on
//! the first Q, which restores Q's orthogonality to machine precision for
//! cond(A) up to about `eps^-1/2`. `R = R2 R1`.

use super::local::{gram, upper_inverse};
use super::{place_rows, row_local, rows_with};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::Comm;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::redistribute::Plan;
use mpi::collective::SystemOperation;
use mpi::traits::*;
use ndarray::{Array2, ArrayView2, Data};
use ndarray_linalg::{Cholesky, Lapack, UPLO};
use num_traits::{Float, Zero};

impl<T: Element + Lapack, S: Data<Elem = T>> DistArrayBase<S> {
    /// The QR factorization `(Q, R)` of this tall `m x n` matrix (`m >=
    /// n`) by CholeskyQR2 (see the [module docs](crate::compute::linalg::tsqr)): the same
    /// answer as [`qr`](Self::qr) (R with a positive diagonal, Q in A's
    /// layout) for well-conditioned A, faster: two GEMMs and two `n x n`
    /// allreduces. R is replicated. Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: A's errors as [`qr`](Self::qr); `m < n`; A
    /// too ill-conditioned for the method — its Gram matrix not positive
    /// definite to working precision (A singular or nearly), or the first
    /// factor's diagonal spread past `eps^-1/2` (cond(A) above about `1e8`
    /// in `f64`, `3e3` in `f32`) — with a message pointing to
    /// [`qr`](Self::qr), which is stable for any A. The diagonal spread is
    /// a lower bound on cond(A), a heuristic: a matrix ill-conditioned in a
    /// way the diagonal does not show (Kahan's, say) can pass it and get
    /// factors that are not accurate. When in doubt, use `qr`.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[40, 3]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| ((ix[0] + 1) as f64).powi(ix[1] as i32));
    /// let (q, r) = a.cholesky_qr2().unwrap();
    /// assert_eq!(q.layout(), a.layout());
    /// assert!(r[[0, 0]] > 0.0 && r[[1, 0]] == 0.0);
    ///
    /// let twins = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] % 5) as f64); // rank 1
    /// let err = twins.cholesky_qr2().unwrap_err();
    /// assert!(err.to_string().contains("qr()"));
    /// ```
    pub fn cholesky_qr2(&self) -> Result<(DistArray<T>, Array2<T>)> {
        let rows = row_local("cholesky_qr2", self)?;
        let comm = rows.layout.comm().clone();
        let (m, n) = (rows.layout.shape()[0], rows.layout.shape()[1]);
        comm.agree(if m < n {
            Err(Error::InvalidArgument(format!(
                "cholesky_qr2 of a {m} x {n} matrix: it needs m >= n (A^H A is singular); use qr()"
            )))
        } else {
            Ok(())
        })?;
        let (q, r) = if n == 0 {
            (
                Array2::zeros((rows.local.nrows(), 0)),
                Array2::zeros((0, 0)),
            )
        } else {
            let (q1, r1) = cholesky_qr(&comm, rows.local.view(), true)?;
            drop(rows.local);
            let (q, r2) = cholesky_qr(&comm, q1.view(), false)?;
            (q, r2.dot(&r1))
        };
        let layout = rows_with(&rows.layout, n)?;
        let q = place_rows(&layout, q)?;
        match &rows.original {
            Some(orig) => {
                let mut out = DistArray::zeros(orig);
                Plan::new(&layout, orig)?.execute(&q, &mut out)?;
                Ok((out, r))
            }
            None => Ok((q, r)),
        }
    }
}

/// One CholeskyQR pass on this rank's rows `a` (`n >= 1` columns): its Q
/// rows and the (replicated) R. `first`: also refuse a factor whose
/// diagonal spreads past `eps^-1/2`. Collective.
fn cholesky_qr<T: Element + Lapack>(
    comm: &Comm,
    a: ArrayView2<'_, T>,
    first: bool,
) -> Result<(Array2<T>, Array2<T>)> {
    let n = a.ncols();
    let mine = gram(a).as_standard_layout().into_owned();
    let mut g = Array2::<T>::zeros((n, n));
    comm.raw().all_reduce_into(
        mine.as_slice().expect("standard"),
        g.as_slice_mut().expect("standard"),
        SystemOperation::sum(),
    );
    let refused = |why: String| {
        Error::InvalidArgument(format!(
            "cholesky_qr2: A is too ill-conditioned for CholeskyQR2 ({why}); use qr() (TSQR), \
             stable for any conditioning"
        ))
    };
    let r = g.cholesky(UPLO::Upper).map_err(|e| {
        refused(format!(
            "its Gram matrix A^H A is not positive definite: {e}"
        ))
    });
    let r = r.and_then(|r| {
        let diag = r.diag().mapv(|x| x.abs());
        let big = diag.iter().fold(T::Real::zero(), |a, &b| a.max(b));
        let small = diag.iter().fold(big, |a, &b| a.min(b));
        let limit = Float::sqrt(T::Real::epsilon()).recip();
        let positive = small > T::Real::zero(); // false for NaN too
        if !positive || (first && big / small > limit) {
            Err(refused(format!(
                "the diagonal of R spans {:e} to {:e}, cond(A) >= {:e} > {:e}",
                small,
                big,
                big / small,
                limit
            )))
        } else {
            Ok(r)
        }
    });
    let r = comm.agree(r)?;
    let rinv = comm.agree(upper_inverse(&r))?;
    Ok((a.dot(&rinv), r))
}

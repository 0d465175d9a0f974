//! Least squares through TSQR: the QR of the augmented matrix `[A | b]`
//! has `R = [[R11, R12], [0, R22]]` with `R11` A's R, `R12 = Q^H b`, and
//! `R22`'s columns as long as the residuals `b - A x`; so `x` solves
//! `R11 x = R12` and nothing of Q is ever formed or applied.

use super::local::{block, upper};
use super::{factor, rank_tolerance, reshaped, row_local, rows_with};
use crate::array::{DistArray, DistArrayBase};
use crate::comm::fingerprint;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::grid::ProcGrid;
use crate::layout::Layout;
use crate::map::AxisMap;
use crate::redistribute::Plan;
use ndarray::{concatenate, Array1, Array2, ArrayD, Axis, Data, Slice};
use ndarray_linalg::{Diag, Lapack, Scalar, SolveTriangular, UPLO};
use num_traits::{Float, Zero};

/// The least-squares solution from [`lstsq`](DistArrayBase::lstsq),
/// the same on every rank.
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// // fit y = 2 + 3 t through 5 exact points
/// let a = DistArray::from_fn(&Layout::block(&comm, &[5, 2]).unwrap(), |ix: &[usize]| {
///     if ix[1] == 0 { 1.0 } else { ix[0] as f64 }
/// });
/// let y = DistArray::from_fn(&Layout::block(&comm, &[5]).unwrap(), |ix: &[usize]| 2.0 + 3.0 * ix[0] as f64);
/// let fit = a.lstsq(&y).unwrap();
/// assert!((fit.x[[0]] - 2.0).abs() < 1e-12 && (fit.x[[1]] - 3.0).abs() < 1e-12);
/// assert!(fit.residual_norms[0] < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Lstsq<T: Scalar> {
    /// The minimizer of `||A x - b||`: shape `[n]` for a 1-D `b`, `[n, k]`
    /// for an `m x k` `b`.
    pub x: ArrayD<T>,
    /// `||A x - b||_2` for each column of `b` (one value for a 1-D `b`).
    /// NumPy's `lstsq` returns the squares of these.
    pub residual_norms: Array1<T::Real>,
}

impl<T: Element + Lapack, S: Data<Elem = T>> DistArrayBase<S> {
    /// The `x` minimizing `||A x - b||_2` for this tall `m x n` A
    /// (`m >= n`, full column rank) and a distributed `b` of `m` rows (1-D,
    /// or `m x k` for `k` right-hand sides), through TSQR of `[A | b]`
    /// (see the [module docs](crate::compute::linalg::tsqr)). `b` may be in any layout: its
    /// rows are moved to A's rows through a plan when they are elsewhere.
    /// `x` and the residual norms are replicated. Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: A's errors as [`qr`](Self::qr); `b` not 1-D
    /// or 2-D with A's `m` rows ([`Error::ShapeMismatch`]); `m < n`
    /// (underdetermined); A rank-deficient: an `|R_ii|` at most
    /// `max(m, n) * eps * max |R_jj|` (NumPy's `matrix_rank` tolerance) —
    /// NumPy's SVD-based `lstsq` would return the minimum-norm solution,
    /// this one refuses and names the column.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, Dist, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let comm = Comm::world();
    /// let a = DistArray::from_fn(&Layout::block(&comm, &[4, 2]).unwrap(), |ix: &[usize]| (ix[0] + ix[1] * ix[1]) as f64);
    /// // two right-hand sides, columns distributed: moved to A's rows inside the call
    /// let b = DistArray::from_fn(&Layout::new(&comm, &[4, 2], &[Dist::NotDistributed, Dist::Cyclic]).unwrap(), |ix: &[usize]| (ix[0] * ix[1]) as f64);
    /// let fit = a.lstsq(&b).unwrap();
    /// assert_eq!(fit.x.shape(), &[2, 2]);
    /// assert_eq!(fit.residual_norms.len(), 2);
    ///
    /// let singular = DistArray::from_fn(a.layout(), |_: &[usize]| 1.0);
    /// assert!(singular.lstsq(&b).is_err()); // rank-deficient, on every rank
    /// ```
    pub fn lstsq<S2: Data<Elem = T>>(&self, b: &DistArrayBase<S2>) -> Result<Lstsq<T>> {
        let rows = row_local("lstsq", self)?;
        let comm = rows.layout.comm().clone();
        let (m, n) = (rows.layout.shape()[0], rows.layout.shape()[1]);
        let bshape = b.shape().to_vec();
        let args = fingerprint(
            [b.layout().fingerprint(), m as u64, n as u64]
                .into_iter()
                .chain(bshape.iter().map(|&x| x as u64)),
        );
        let local = match bshape[..] {
            _ if m < n => Err(Error::InvalidArgument(format!(
                "lstsq: A is {m} x {n}, underdetermined (fewer rows than columns); \
                 it needs m >= n"
            ))),
            [mb] | [mb, _] if mb != m => Err(Error::ShapeMismatch {
                context: format!("lstsq: b's rows against A's ({m} x {n})"),
                expected: vec![m],
                found: bshape.clone(),
            }),
            [_] => Ok(1),
            [_, k] => Ok(k),
            _ => Err(Error::InvalidArgument(format!(
                "lstsq: b must be 1-D or 2-D with {m} rows; its shape is {bshape:?}"
            ))),
        };
        let local = local.and_then(|k| {
            if b.layout().maps().iter().all(AxisMap::is_one_to_one) {
                Ok(k)
            } else {
                Err(Error::InvalidArgument(format!(
                    "lstsq needs b in a one-to-one layout; {:?} replicates cells",
                    b.layout()
                )))
            }
        });
        let k = comm.agree_on("lstsq", args, local)?;
        let b_local = b_rows(&rows.layout, b, k)?;
        let aug = concatenate(Axis(1), &[rows.local.view(), b_local.view()])
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        drop(rows);
        let (r, _, _) = factor(&comm, aug.view(), m)?;
        let width = r.ncols();
        let r11 = upper(block(&r, 0..n, 0..n));
        let tol = rank_tolerance(&r11, m);
        let deficient = (0..n).find(|&i| r11[[i, i]].abs() <= tol);
        comm.agree(match deficient {
            Some(i) => Err(Error::InvalidArgument(format!(
                "lstsq: A ({m} x {n}) is rank-deficient: |R[{i}, {i}]| = {:e} <= {:e} \
                 (column {i} depends on the ones before it); drop dependent columns",
                r11[[i, i]].abs(),
                tol
            ))),
            None => Ok(()),
        })?;
        let r12 = block(&r, 0..n, n..width).to_owned();
        let x = if n == 0 {
            Array2::zeros((0, k))
        } else {
            r11.solve_triangular(UPLO::Upper, Diag::NonUnit, &r12)
                .map_err(|e| Error::InvalidArgument(format!("lstsq: triangular solve: {e}")))?
        };
        let residual_norms = Array1::from_shape_fn(k, |j| {
            let sum = r
                .column(n + j)
                .slice_axis(Axis(0), Slice::from(n..))
                .iter()
                .fold(T::Real::zero(), |acc, v| acc + v.square());
            Float::sqrt(sum)
        });
        let shape: Vec<usize> = if bshape.len() == 1 {
            vec![n]
        } else {
            vec![n, k]
        };
        Ok(Lstsq {
            x: reshaped(x, &shape)?,
            residual_norms,
        })
    }
}

/// `b`'s rows on the ranks that hold A's (`rows`, a layout of whole
/// rows), as an `m_r x k` matrix: `b`'s own rows when its layout has A's
/// row map, else moved there by a plan. Collective.
fn b_rows<T: Element, S: Data<Elem = T>>(
    rows: &Layout,
    b: &DistArrayBase<S>,
    k: usize,
) -> Result<Array2<T>> {
    let comm = rows.comm();
    let target = if b.ndim() == 1 {
        let grid = ProcGrid::new(&[comm.size()], comm.size(), comm.rank())?;
        Layout::from_parts(comm.clone(), grid, vec![rows.map(0).clone()])
    } else {
        rows_with(rows, k)?
    };
    let mine = if comm.all(b.layout() == &target) {
        b.owned().as_standard_layout().into_owned()
    } else {
        let mut moved = DistArray::<T>::zeros(&target);
        Plan::new(b.layout(), &target)?.execute(b, &mut moved)?;
        moved.owned().as_standard_layout().into_owned()
    };
    let m_r = mine.shape()[0];
    mine.into_shape_with_order((m_r, k))
        .map_err(|e| Error::InvalidArgument(e.to_string()))
}

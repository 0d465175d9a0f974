//! Tall-skinny factorizations of a row-distributed `m x n` matrix
//! (`m >> n`): QR by TSQR ([`qr`](DistArrayBase::qr)), least squares
//! through it ([`lstsq`](DistArrayBase::lstsq)), and CholeskyQR2
//! ([`cholesky_qr2`](DistArrayBase::cholesky_qr2)).
//!
//! # Which to use
//!
//! - **TSQR** ([`qr`](DistArrayBase::qr)) is Householder QR done as a
//!   tree: every rank factors its rows with LAPACK (in cache-sized chunks,
//!   each stacked under the R of the chunks before it: LAPACK's QR of a
//!   matrix with few columns sweeps memory once per column, the chunks
//!   once in all), then the `n x n` R
//!   factors are combined pairwise up a binary tree over the ranks
//!   (`ceil(log2 P)` levels, one `n x n` message per level). It is as
//!   stable as LAPACK's QR for *any* conditioning (Q orthogonal to machine
//!   precision even for singular A). R is replicated on every rank; Q is
//!   formed only when asked ([`Qr::q`]) by walking the tree back down.
//! - **CholeskyQR2** ([`cholesky_qr2`](DistArrayBase::cholesky_qr2)) forms
//!   the Gram matrix `A^H A` by one local GEMM and one allreduce, and
//!   takes its Cholesky factor, twice. All its work is BLAS 3, so it is
//!   faster, but it is only accurate for well-conditioned A: cond(A)
//!   below about `1e8` in `f64` (`3e3` in `f32`). It refuses inputs
//!   whose first factor shows worse (on every rank alike) and says to use
//!   [`qr`](DistArrayBase::qr); the check is a heuristic (the diagonal of
//!   R bounds cond(A) from below only), so use `qr` when in doubt.
//! - **Least squares** ([`lstsq`](DistArrayBase::lstsq)) runs TSQR on `[A | b]`:
//!   `Q^H b` and the residual fall out of the augmented R without ever
//!   forming Q.
//!
//! Both factorizations give R with a real, non-negative diagonal (Q's
//! columns adjusted alike), so their answers are canonical and agree
//! with each other.
//!
//! # Layouts
//!
//! The rows may be distributed any way (block, irregular block, even
//! empty ranks or ranks with fewer rows than `n`, cyclic, block-cyclic,
//! unstructured) as long as every rank holds whole rows in column order.
//! Any other one-to-one layout (columns split, a 2-D block grid) is first
//! redistributed to block rows through a [`Plan`] — an explicit copy of A,
//! made inside the call — and Q comes back in A's own layout.
//! Layouts that replicate cells are refused.
//!
//! # Dense factorizations of big square matrices: Elemental
//!
//! LU, Cholesky of a large square matrix, eigenvalues and the SVD belong
//! to a library; distarray hands them to Elemental through the
//! `bridge-elemental` crate (the `elemental` feature of `distarray`, where
//! Elemental is installed). The hand-off is one call,
//! `DistMatrix::from_distarray(&grid, dist, &a)`: the bridge's explicit
//! copy, through a redistribution plan to Elemental's element-cyclic
//! layout when the array is not in it already (never a silent copy):
//!
//! ```ignore
//! // needs Elemental (ELEMENTAL_DIR) and distarray's `elemental` feature,
//! // so it is not compiled here (the bridge's own doc test is)
//! use bridge_elemental::{DistMatrix, ElDist, ElGrid, Elemental, LuSolver};
//! use distarray::bridge::LinearSolver;
//! let el = Elemental::init()?;
//! let grid = ElGrid::new(&el, a.layout().comm(), 1)?;            // 1 x P grid
//! let matrix = DistMatrix::from_distarray(&grid, ElDist::McMr, &a)?; // the one call
//! let mut lu = LuSolver::new(&matrix)?;                           // factor once
//! lu.solve(&b, &mut x)?;                                          // solve many times
//! ```
//!
//! (`bridge_elemental::{cholesky, spd_solve, linear_solve, gemm}` work on
//! the `DistMatrix` the same way.)
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let rows = Layout::new(&comm, &[100, 3], &[Dist::Block, Dist::NotDistributed]).unwrap();
//! let a = DistArray::from_fn(&rows, |ix: &[usize]| ((ix[0] * 7 + ix[1] * 3) % 11) as f64 + (ix[1] == 0) as u8 as f64);
//! let qr = a.qr().unwrap();
//! let (r, q) = (qr.r(), qr.q().unwrap());
//! assert_eq!((r.dim(), q.shape()), ((3, 3), &[100, 3][..]));
//! assert!((0..3).all(|i| r[[i, i]] >= 0.0)); // canonical signs
//! let (q2, r2) = a.cholesky_qr2().unwrap(); // the same factors, faster, for cond(A) < ~1e8
//! assert!((&r2 - r).iter().all(|d| d.abs() < 1e-9));
//! # drop((q, q2));
//! ```
//!
//! [`Plan`]: crate::redistribute::Plan

mod cholqr;
mod local;
mod lstsq;
mod sequential;
mod tree;

pub use lstsq::Lstsq;

use crate::array::{DistArray, DistArrayBase};
use crate::comm::{fingerprint, Comm};
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::grid::ProcGrid;
use crate::layout::{Dist, Layout};
use crate::map::AxisMap;
use crate::redistribute::Plan;
use local::{phases, scale_rows};
use ndarray::{Array1, Array2, ArrayD, ArrayView2, CowArray, Data, Ix2, IxDyn, Slice};
use ndarray_linalg::{Lapack, Scalar};
use sequential::LocalQr;
use tree::Tree;

/// The QR factorization of a tall-skinny distributed matrix, from
/// [`qr`](DistArrayBase::qr): R replicated on every rank, Q formed on
/// request.
///
/// For an `m x n` A, `k = min(m, n)`: R is `k x n` upper triangular
/// (trapezoidal when `m < n`) with a real, non-negative diagonal, and Q
/// is `m x k` with orthonormal columns (NumPy's `mode='reduced'`).
///
/// # Examples
///
/// ```
/// use distarray_core::{Comm, Dist, DistArray, Layout};
/// let _u = mpi::initialize().unwrap();
/// let rows = Layout::new(&Comm::world(), &[6, 2], &[Dist::Cyclic, Dist::NotDistributed]).unwrap();
/// let a = DistArray::from_fn(&rows, |ix: &[usize]| if ix[1] == 0 { 1.0 } else { ix[0] as f64 });
/// let qr = a.qr().unwrap();
/// let r = qr.r();
/// assert!((r[[0, 0]] - 6f64.sqrt()).abs() < 1e-12); // |first column|
/// let q = qr.q().unwrap();
/// assert_eq!(q.layout(), a.layout()); // Q in A's layout
/// ```
#[derive(Debug, Clone)]
pub struct Qr<T> {
    r: Array2<T>,
    phases: Array1<T>,
    rows: Layout,
    original: Option<Layout>,
    local: LocalQr<T>,
    tree: Tree<T>,
}

impl<T: Element + Lapack> Qr<T> {
    /// R (`min(m, n) x n`), the same on every rank.
    pub fn r(&self) -> &Array2<T> {
        &self.r
    }

    /// R, taken out.
    pub fn into_r(self) -> Array2<T> {
        self.r
    }

    /// Q (`m x min(m, n)`, orthonormal columns) in A's layout (rows as A's;
    /// when `m < n` and A was not row-distributed, in block rows). Formed
    /// now: the tree walked back down (one `n x n` message per level),
    /// then each rank's Q factor (LAPACK's `orgqr`) times its block.
    /// Collective.
    pub fn q(&self) -> Result<DistArray<T>> {
        let comm = self.rows.comm();
        let k = self.r.nrows();
        let top = Array2::from_diag(&self.phases.mapv(|d| d.conj()));
        let c = tree::down(comm, &self.tree, top, k);
        let q = comm.agree(self.local.q_times(c))?;
        let layout = self.rows_layout(k)?;
        let q = place_rows(&layout, q)?;
        match &self.original {
            Some(orig) if orig.shape() == layout.shape() => {
                let mut out = DistArray::zeros(orig);
                Plan::new(&layout, orig)?.execute(&q, &mut out)?;
                Ok(out)
            }
            _ => Ok(q),
        }
    }

    /// The rows layout with `cols` whole columns.
    fn rows_layout(&self, cols: usize) -> Result<Layout> {
        rows_with(&self.rows, cols)
    }
}

impl<T: Element + Lapack, S: Data<Elem = T>> DistArrayBase<S> {
    /// The QR factorization of this tall-skinny `m x n` matrix by TSQR
    /// (see the [module docs](crate::compute::linalg::tsqr)): R is computed now and replicated,
    /// Q formed by [`Qr::q`] when asked. Stable for any conditioning.
    /// Collective.
    ///
    /// # Errors
    ///
    /// On every rank alike: an array that is not 2-D, a layout that
    /// replicates cells, ranks passing other arrays.
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::{Comm, DistArray, Layout};
    /// let _u = mpi::initialize().unwrap();
    /// let layout = Layout::block(&Comm::world(), &[50, 4]).unwrap();
    /// let a = DistArray::from_fn(&layout, |ix: &[usize]| 1.0 / (1 + ix[0] + ix[1]) as f64);
    /// let qr = a.qr().unwrap();
    /// let q = qr.q().unwrap().gather_all().unwrap().into_dimensionality::<ndarray::Ix2>().unwrap();
    /// let qtq = q.t().dot(&q); // orthonormal columns
    /// for ((i, j), x) in qtq.indexed_iter() {
    ///     assert!((x - (i == j) as u8 as f64).abs() < 1e-12);
    /// }
    /// ```
    pub fn qr(&self) -> Result<Qr<T>> {
        let rows = row_local("qr", self)?;
        let m = rows.layout.shape()[0];
        let comm = rows.layout.comm().clone();
        let (r, local, tree) = factor(&comm, rows.local.view(), m)?;
        let d = phases(&r);
        let mut r = r;
        scale_rows(&mut r, &d);
        Ok(Qr {
            r,
            phases: d,
            rows: rows.layout,
            original: rows.original,
            local,
            tree,
        })
    }
}

/// TSQR's up pass on this rank's rows (`local`, `m` rows in all): R as
/// LAPACK gives it (signs not adjusted), the rank's reflectors and its
/// part of the tree. Collective.
pub(crate) fn factor<T: Element + Lapack>(
    comm: &Comm,
    local: ArrayView2<'_, T>,
    m: usize,
) -> Result<(Array2<T>, LocalQr<T>, Tree<T>)> {
    let n = local.ncols();
    let local = comm.agree(LocalQr::factor(local))?;
    let (r, tree) = tree::up(comm, local.r(), n, m.min(n))?;
    Ok((r, local, tree))
}

/// A matrix's rows as the factorizations need them.
pub(crate) struct RowLocal<'a, T> {
    /// The layout of whole rows the rows are in (A's when it was one).
    pub(crate) layout: Layout,
    /// A's layout when it was redistributed to `layout`.
    pub(crate) original: Option<Layout>,
    /// This rank's owned rows (borrowed from A when it is row-distributed).
    pub(crate) local: CowArray<'a, T, Ix2>,
}

/// Checks (agreed) that `a` is a 2-D one-to-one matrix and gives its rows:
/// in place when every rank holds whole rows in column order, else
/// through a plan to block rows. Collective.
pub(crate) fn row_local<'a, T: Element, S: Data<Elem = T>>(
    what: &str,
    a: &'a DistArrayBase<S>,
) -> Result<RowLocal<'a, T>> {
    let layout = a.layout();
    let args = fingerprint([layout.fingerprint(), T::DTYPE as u64, what.len() as u64]);
    let local = if layout.ndim() != 2 {
        Err(Error::InvalidArgument(format!(
            "{what} needs a 2-D matrix; this array is {}-d (shape {:?})",
            layout.ndim(),
            layout.shape()
        )))
    } else if !layout.maps().iter().all(AxisMap::is_one_to_one) {
        Err(Error::InvalidArgument(format!(
            "{what} needs a one-to-one layout (every cell on one rank); {layout:?} replicates cells: \
             redistribute it to block rows first"
        )))
    } else {
        Ok(())
    };
    layout.comm().agree_on(what, args, local)?;
    if is_rows(layout) {
        let owned = a.owned().into_dimensionality::<Ix2>().map_err(shape_err)?;
        return Ok(RowLocal {
            layout: layout.clone(),
            original: None,
            local: CowArray::from(owned),
        });
    }
    let target = Layout::new(
        layout.comm(),
        layout.shape(),
        &[Dist::Block, Dist::NotDistributed],
    )?;
    let mut moved = DistArray::<T>::zeros(&target);
    Plan::new(layout, &target)?.execute(a, &mut moved)?;
    let local = moved
        .into_local()
        .into_dimensionality::<Ix2>()
        .map_err(shape_err)?;
    Ok(RowLocal {
        layout: target,
        original: Some(layout.clone()),
        local: CowArray::from(local),
    })
}

fn shape_err(e: ndarray::ShapeError) -> Error {
    Error::InvalidArgument(e.to_string())
}

/// True when every rank holds whole rows, columns in order (the same
/// verdict on every rank: the column map is the same everywhere).
fn is_rows(layout: &Layout) -> bool {
    let n = layout.shape()[1];
    let cols = layout.map(1);
    if cols.grid_size() != 1 {
        return false;
    }
    let owned = layout.owned_local_ranges()[1].clone();
    layout.global_indices(1)[owned].iter().copied().eq(0..n)
}

/// A layout with the row map of `rows` (a layout of whole rows) and
/// `cols` whole columns.
pub(crate) fn rows_with(rows: &Layout, cols: usize) -> Result<Layout> {
    if rows.shape()[1] == cols && rows.local_shape()[1] == cols {
        return Ok(rows.clone());
    }
    let comm = rows.comm();
    let grid = ProcGrid::new(&[comm.size(), 1], comm.size(), comm.rank())?;
    Ok(Layout::from_parts(
        comm.clone(),
        grid,
        vec![rows.map(0).clone(), AxisMap::not_distributed(cols)],
    ))
}

/// A distributed array of `layout` (a layout of whole rows) whose owned
/// rows hold `mine`; ghost cells, if any, are zero.
pub(crate) fn place_rows<T: Element>(layout: &Layout, mine: Array2<T>) -> Result<DistArray<T>> {
    if layout.local_shape() == mine.shape() {
        return DistArray::from_local(layout.clone(), mine.into_dyn());
    }
    let mut out = DistArray::<T>::zeros(layout);
    let ranges = layout.owned_local_ranges();
    let mut local = out.local_mut();
    for (axis, range) in ranges.into_iter().enumerate() {
        local.slice_axis_inplace(ndarray::Axis(axis), Slice::from(range));
    }
    local.assign(&mine.into_dyn());
    drop(local);
    Ok(out)
}

/// `x` as an n-d array of `shape`.
pub(crate) fn reshaped<T: Clone>(x: Array2<T>, shape: &[usize]) -> Result<ArrayD<T>> {
    x.into_shape_with_order(IxDyn(shape)).map_err(shape_err)
}

/// The diagonal's largest magnitude and `tol` for "numerically zero"
/// against it: `max(m, n) * eps * max |R_ii|` (NumPy's `matrix_rank`
/// default).
pub(crate) fn rank_tolerance<T: Scalar>(r: &Array2<T>, m: usize) -> T::Real {
    use num_traits::{Float, Zero};
    let k = r.nrows().min(r.ncols());
    let big = (0..k)
        .map(|i| r[[i, i]].abs())
        .fold(T::Real::zero(), |a, b| a.max(b));
    let scale =
        <T::Real as num_traits::NumCast>::from(m.max(r.ncols())).unwrap_or_else(T::Real::max_value);
    big * scale * T::Real::epsilon()
}

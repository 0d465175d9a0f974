//! Model problems, built with [`SparseBuilder`] the way an application
//! builds its operator: what a solver is tried on first (pyamg's
//! `gallery.poisson`, PETSc's KSP tutorial ex2). Each is an ordinary
//! assembly, collective over the row layout's communicator.

use super::{owned_rows, CsrRows, SparseBuilder};
use crate::comm::fingerprint;
use crate::error::{Error, Result};
use crate::layout::Layout;

/// The 5-point finite-difference Laplacian on an `nx x ny` grid of
/// unknowns with Dirichlet boundaries: row `i * ny + j` is
/// `4 u[i,j] - u[i-1,j] - u[i+1,j] - u[i,j-1] - u[i,j+1]` (the neighbours
/// inside the grid). Symmetric positive definite. `rows` is a 1-D block
/// layout of `nx * ny`; this rank gets its rows. Collective.
///
/// # Examples
///
/// ```
/// use distarray_core::sparse::gallery::poisson_2d;
/// use distarray_core::{Comm, Layout};
/// let _u = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let rows = Layout::block(&comm, &[4 * 5]).unwrap();
/// let a = poisson_2d(&rows, 4, 5).unwrap();
/// // every row sums to 4 minus its number of neighbours
/// for i in 0..a.local_rows() {
///     let (cols, vals) = a.row(i);
///     assert_eq!(vals.iter().sum::<f64>(), 4.0 - (cols.len() - 1) as f64);
/// }
/// // 4*5 unknowns, 2*(3*5 + 4*4) couplings
/// assert_eq!(comm.sum_u64(a.nnz() as u64), 20 + 2 * (15 + 16));
/// // the layout must hold nx * ny rows, on every rank
/// assert!(poisson_2d(&rows, 5, 5).is_err());
/// ```
pub fn poisson_2d(rows: &Layout, nx: usize, ny: usize) -> Result<CsrRows<f64>> {
    let fits = if nx.checked_mul(ny) == Some(rows.global_len()) {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            context: "poisson_2d: the row layout against the grid's nx * ny unknowns".into(),
            expected: vec![nx, ny],
            found: rows.shape().to_vec(),
        })
    };
    // the grid must be the same on every rank (4 x 5 here and 5 x 4 there
    // would assemble a matrix that is neither)
    let args = fingerprint([nx as u64, ny as u64, rows.fingerprint()]);
    rows.comm()
        .agree_on("poisson_2d (nx, ny, rows)", args, fits)?;
    let mut b = SparseBuilder::new(rows, nx * ny)?;
    b.reserve(5);
    for r in owned_rows(rows)? {
        let (i, j) = (r / ny, r % ny);
        if i > 0 {
            b.add(r, r - ny, -1.0);
        }
        if j > 0 {
            b.add(r, r - 1, -1.0);
        }
        b.add(r, r, 4.0);
        if j + 1 < ny {
            b.add(r, r + 1, -1.0);
        }
        if i + 1 < nx {
            b.add(r, r + ny, -1.0);
        }
    }
    b.assemble()
}

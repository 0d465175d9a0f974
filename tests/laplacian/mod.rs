//! The 5-point Laplacian the bridge tests solve, built the way a user
//! builds it: with the sparse builder, each rank setting its own rows.
//! Include with `mod laplacian;`.

#![allow(dead_code)]

use distarray::sparse::{owned_rows, CsrRows, SparseBuilder};
use distarray::{Layout, Result};

/// The 5-point Laplacian on an `nx x ny` grid of unknowns (Dirichlet
/// boundaries): `4 u[i,j] - u[i-1,j] - u[i+1,j] - u[i,j-1] - u[i,j+1]`,
/// unknown `(i, j)` being row `i * ny + j`; this rank's rows of the 1-D
/// block layout `rows` of `nx * ny`. Collective.
pub fn laplacian_2d(rows: &Layout, nx: usize, ny: usize) -> Result<CsrRows> {
    let n = nx * ny;
    if rows.global_len() != n {
        return Err(distarray::Error::ShapeMismatch {
            context: "laplacian_2d rows".into(),
            expected: vec![n],
            found: rows.shape().to_vec(),
        });
    }
    let mut b = SparseBuilder::new(rows, n)?;
    b.reserve(5);
    for r in owned_rows(rows)? {
        let (i, j) = (r / ny, r % ny);
        b.add(r, r, 4.0);
        if i > 0 {
            b.add(r, r - ny, -1.0);
        }
        if i + 1 < nx {
            b.add(r, r + ny, -1.0);
        }
        if j > 0 {
            b.add(r, r - 1, -1.0);
        }
        if j + 1 < ny {
            b.add(r, r + 1, -1.0);
        }
    }
    b.assemble()
}

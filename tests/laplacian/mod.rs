//! The 5-point Laplacian the bridge tests solve: the core's model problem
//! `sparse::gallery::poisson_2d` (assembled with the sparse builder, its
//! grid agreed on every rank). Include with `mod laplacian;`.

#![allow(dead_code)]

use distarray::sparse::CsrRows;
use distarray::{Layout, Result};

/// The 5-point Laplacian on an `nx x ny` grid of unknowns (Dirichlet
/// boundaries): `4 u[i,j] - u[i-1,j] - u[i+1,j] - u[i,j-1] - u[i,j+1]`,
/// unknown `(i, j)` being row `i * ny + j`; this rank's rows of the 1-D
/// block layout `rows` of `nx * ny`. Collective.
pub fn laplacian_2d(rows: &Layout, nx: usize, ny: usize) -> Result<CsrRows> {
    distarray::sparse::gallery::poisson_2d(rows, nx, ny)
}

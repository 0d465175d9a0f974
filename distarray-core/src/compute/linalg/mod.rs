//! Linear algebra on distributed arrays: vector products and norms,
//! matrix-vector and matrix-matrix products, matrix norms, and tall-skinny
//! factorizations. Local kernels are BLAS and LAPACK (through
//! `ndarray-linalg` and Debian's OpenBLAS); data moves through the exchange
//! engine's plans, built once and reused.
//!
//! Dense factorizations and solves that belong to a library (LU, Cholesky,
//! eigenvalues, SVD) go through the Elemental bridge where it is built.

// links OpenBLAS (through ndarray-linalg's `openblas-system`) into every
// program: ndarray's `dot` calls its CBLAS GEMM
extern crate ndarray_linalg as _;

pub mod matmul;

pub use matmul::{matmul, matmul_in, matmul_into, MatMul};

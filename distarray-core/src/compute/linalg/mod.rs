//! Linear algebra on distributed arrays: vector products and norms,
//! matrix-vector and matrix-matrix products, matrix norms, and tall-skinny
//! factorizations. Local kernels are BLAS and LAPACK (through
//! `ndarray-linalg` and Debian's OpenBLAS); data moves through the exchange
//! engine's plans, built once and reused.
//!
//! Dense factorizations and solves that belong to a library (LU, Cholesky,
//! eigenvalues, SVD) go through the Elemental bridge where it is built.
//!
//! Vectors: [`a.dot(&b)`](crate::DistArrayBase::dot), `a.vdot(&b)`,
//! `a.inner(&b)`, [`outer`], `a.norm(NormOrd::Two)`, and the reproducible
//! `dot_reproducible`, `vdot_reproducible` and `norm_reproducible` (the
//! same bits on any rank count and layout). Matrices: `a.matvec(&x)` and
//! the reusable [`MatVec`] plan, `a.matmul(&b)` by SUMMA ([`matmul()`], the
//! reusable [`MatMul`] plan), `a.norm(NormOrd::Fro)` (also `One`,
//! `Inf`), `a.trace()`, `a.diagonal()`. Tall-skinny matrices: `a.qr()` by
//! TSQR ([`tsqr`], [`Qr`]), `a.lstsq(&b)` ([`Lstsq`]), `a.cholesky_qr2()`.
//!
//! ```
//! use distarray_core::linalg::{MatVec, NormOrd};
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let a = DistArray::from_fn(&Layout::new(&comm, &[3, 3], &[Dist::Block, Dist::Cyclic]).unwrap(),
//!     |ix: &[usize]| if ix[0] == ix[1] { 2.0 } else { 0.0 });
//! let x = DistArray::<f64>::ones(&Layout::block(&comm, &[3]).unwrap());
//! let y = a.matvec(&x).unwrap();                 // A @ x
//! assert_eq!(y.dot(&x).unwrap(), 6.0);           // y @ x
//! assert_eq!(a.trace().unwrap(), 6.0);           // np.trace(A)
//! assert_eq!(y.norm(NormOrd::Inf).unwrap(), 2.0); // np.linalg.norm(y, np.inf)
//! ```

// ndarray's BLAS calls (`dot`, `gemv`) resolve in OpenBLAS, which is linked
// through ndarray-linalg (its `openblas-system` feature): name the crate so
// that it is linked even where nothing else of it is used.
extern crate ndarray_linalg as _;

pub mod matmul;
mod matvec;
mod norms;
mod scalar;
pub mod tsqr;
mod vector;

pub use matmul::{matmul, matmul_in, matmul_into, MatMul};
pub use matvec::{matvec_layout, MatVec};
pub use norms::NormOrd;
pub use scalar::LinalgElement;
pub use tsqr::{Lstsq, Qr};
pub use vector::{outer, outer_in};

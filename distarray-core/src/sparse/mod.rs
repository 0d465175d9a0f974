//! Distributed sparse matrices by rows: the builder every rank sets
//! entries into, and the CSR rows it assembles, which the solver bridges
//! (PETSc's MPIAIJ, Tpetra's CrsMatrix, Elemental's dense matrices) are
//! made from.
//!
//! For PETSc users, [`SparseBuilder`] is `MatSetValues` followed by
//! `MatAssemblyBegin/End`:
//!
//! | PETSc | distarray |
//! |---|---|
//! | `MatCreateAIJ(comm, m, n, M, N, ...)` | `SparseBuilder::new(&rows, ncols)` (`rows`: a 1-D block layout of `M`) |
//! | `MatMPIAIJSetPreallocation(A, d_nz, NULL, o_nz, NULL)` | `b.reserve(d_nz + o_nz)` |
//! | `MatSetValue(A, i, j, v, ADD_VALUES)` | `b.add(i, j, v)` (`insert` for `INSERT_VALUES`) |
//! | `MatSetValues(A, 1, &i, n, cols, vals, ADD_VALUES)` | `b.add_row(i, &cols, &vals)` |
//! | `MatSetValues(A, m, rows, n, cols, block, ADD_VALUES)` | `b.add_values(&rows, &cols, &block)` |
//! | `MatAssemblyBegin/End(A, MAT_FINAL_ASSEMBLY)` | `let a = b.assemble()?` |
//!
//! Any rank may set any row; `assemble` sends entries to the ranks that
//! own their rows (one exchange), sorts each row by column and combines
//! duplicates. Matrices may be rectangular, of any element type with a
//! sum (`f32`, `f64`, `i32`, `i64`, complex).
//!
//! # Examples
//!
//! The 5-point Laplacian on an `n x n` grid, the way a finite-difference
//! code sets it: each rank sets the rows of its own unknowns
//! (`4 u[i,j] - u[i-1,j] - u[i+1,j] - u[i,j-1] - u[i,j+1]`, unknown
//! `(i, j)` being row `i * n + j`, Dirichlet boundaries):
//!
//! ```
//! use distarray_core::sparse::{owned_rows, SparseBuilder};
//! use distarray_core::{Comm, Layout};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let n = 4;
//! let rows = Layout::block(&comm, &[n * n]).unwrap();
//! let mut b = SparseBuilder::new(&rows, n * n).unwrap();
//! b.reserve(5);
//! for r in owned_rows(&rows).unwrap() {
//!     let (i, j) = (r / n, r % n);
//!     b.add(r, r, 4.0);
//!     if i > 0 { b.add(r, r - n, -1.0) }
//!     if i + 1 < n { b.add(r, r + n, -1.0) }
//!     if j > 0 { b.add(r, r - 1, -1.0) }
//!     if j + 1 < n { b.add(r, r + 1, -1.0) }
//! }
//! let a = b.assemble().unwrap(); // this rank's rows, as CSR
//! if a.first_row == 0 && a.local_rows() > 0 {
//!     assert_eq!(a.row(0), (&[0, 1, 4][..], &[4.0, -1.0, -1.0][..]));
//! }
//! // n*n unknowns, 2*2*n*(n-1) couplings
//! assert_eq!(comm.sum_u64(a.nnz() as u64), (n * n + 4 * n * (n - 1)) as u64);
//! ```
//!
//! A finite-element code adds element matrices instead, and an element on
//! a rank's border touches rows another rank owns: the same builder takes
//! them ([`SparseBuilder::add_values`]).

mod builder;
mod csr;
mod route;
mod slots;

pub mod gallery;

pub use builder::SparseBuilder;
pub use csr::{check_rows, check_square_rows, owned_rows, CsrRows};

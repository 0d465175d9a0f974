//! # bridge-petsc
//!
//! Distributed arrays in and out of PETSc without copying, in the shape
//! every distarray bridge has (see `distarray_core::bridge`).
//!
//! ## Modules
//!
//! | module | what it holds |
//! |---|---|
//! | [`init`] | [`Petsc`]: the library's lifetime (after MPI, finalized before it; counted handles) |
//! | [`error`] | PETSc's return codes as [`Error::Native`](distarray_core::Error::Native) with `library: Library::Petsc` and PETSc's own message |
//! | [`layout`] | our layouts and PETSc's ownership ranges; [`to_native_plan`] |
//! | [`vector`] | [`PetscVec`]: a PETSc `Vec` over our array or owned by PETSc |
//! | [`matrix`] | [`PetscMat`] (MPIAIJ from `CsrRows<Scalar>`, square or rectangular) and [`DenseMat`] (MATMPIDENSE) |
//! | [`solver`] | [`Ksp`]: PETSc's KSP as a [`LinearSolver`](distarray_core::bridge::LinearSolver) |
//! | [`dmda`] | [`Dmda`]: a padded block layout as a PETSc DMDA |
//!
//! ## Verbs
//!
//! | verb | PETSc |
//! |---|---|
//! | [`PetscVec::wrap`], [`DenseMat::wrap`] | PETSc's object over our array's memory (`VecCreateMPIWithArray`, `MatCreateDense` with data), zero copy; it borrows the array mutably |
//! | [`PetscVec::from_array_copy`], [`DenseMat::from_array_copy`] | a PETSc-owned object filled from an array: an explicit copy |
//! | [`PetscVec::to_array`] / [`PetscVec::array_mut`] (and [`DenseMat`]'s) | PETSc's memory lent as a [`LentRef`](distarray_core::bridge::LentRef) / [`LentMut`](distarray_core::bridge::LentMut) view; `VecRestoreArray(Read)` / `MatDenseRestoreArray(Read)` when the guard ends |
//! | [`to_native_plan`] | the explicit, reusable redistribution between any layout and the 1-D block layout a `Vec` shares |
//!
//! A solve is [`Ksp::solve`]`(&b, &mut x)` (or the
//! [`LinearSolver`](distarray_core::bridge::LinearSolver) trait, shared with
//! the other solver libraries) or the convenience [`PetscMat::solve`], which
//! sets its KSP up once and reuses it. A solve that does not converge is an
//! [`Error::NotConverged`](distarray_core::Error::NotConverged) on every rank.
//!
//! ## Lifetimes
//!
//! Every handle that lends or borrows memory or a PETSc object carries the
//! rule in its type, so dropping something still in use does not compile
//! (each rule has a `compile_fail` example, with its error code, on the
//! type it concerns):
//!
//! | handle | borrows | so that |
//! |---|---|---|
//! | every object ([`PetscVec`], [`PetscMat`], [`DenseMat`], [`Dmda`], [`Ksp`]) | the [`Petsc`] handle | PETSc is not finalized under it |
//! | [`PetscVec::wrap`], [`DenseMat::wrap`] | the array, mutably | the memory PETSc uses is not freed, moved or read meanwhile |
//! | [`Ksp`] | its [`PetscMat`] | the matrix (and the CSR arrays of [`PetscMat::from_csr_split`], which it owns) outlives the solver |
//! | [`PetscMat::solve`]'s KSP | (kept inside the matrix) | destroyed in the matrix's `Drop`, before the matrix |
//! | the two vectors of a solver ([`Ksp`], [`PetscMat::solve`]'s) | (owned by the solver) | PETSc keeps them after `KSPSolve`: `b` is a copy, `x`'s memory is placed for the call only |
//! | [`PetscVec::to_array`] / [`PetscVec::array_mut`], [`DenseMat::to_array`] / [`DenseMat::array_mut`] | the vector or matrix (shared / mutably) | the view ends before `...RestoreArray`; a writable lend is exclusive |
//! | [`Dmda::local_vec`], [`Dmda::global_vec`] | the array and the DMDA | neither goes while PETSc uses the memory |
//!
//! [`AsPetscVec`] hands raw `Vec` handles to PETSc and is sealed.
//!
//! A solve never leaves PETSc a pointer into the caller's memory: `KSPSolve`
//! keeps the vectors it solved with, so a solver owns two vectors of its
//! own. The right-hand side is copied into the first (PETSc's memory, which
//! any method or preconditioner may write: the caller's `b` is only read);
//! the caller's `x` is placed in the second for the solve and taken out
//! after it, errors included (`VecPlaceArray` / `VecResetArray`). Diagonal
//! scaling (`-ksp_diagonal_scale`), which rescales the borrowed matrix in
//! place, is refused (see [`solver`]). Factorizations asked to work in
//! place (`-pc_factor_in_place`, `-sub_pc_factor_in_place`) overwrite the
//! matrix too; they are not detected: do not set them for a matrix you use
//! again.
//!
//! ## Every PETSc build
//!
//! The build script finds PETSc through `PETSC_DIR` (+ `PETSC_ARCH`), then
//! pkg-config, and reads its `petscconf.h`: [`Scalar`] is `f64` or
//! [`Complex64`](distarray_core::num_complex::Complex64) and [`PetscIndex`]
//! `i32` or `i64`, as that PETSc was configured ([`COMPLEX`],
//! [`INDEX_BITS`]). Handing an array of another element type to the bridge
//! does not compile, with a message naming the build's scalar (see
//! [`IsPetscScalar`]). Single and quad precision builds are refused by the
//! build script.

// A documentation build without PETSc (docs.rs sets `DOCS_RS`; see
// `bridge_build::documentation_only`): rustdoc documents the crate whole,
// `ffi` declaring only what the safe API names outside function bodies
// (src/ffi_docs.rs); rustc, compiling it as a dependency of a crate being
// documented (`distarray` with the feature), makes it empty.
#![cfg(any(doc, not(docs_without_native)))]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod ffi {
    //! bindgen's bindings to PETSc (MPI types are rsmpi's).
    //!
    //! In a documentation build without PETSc (docs.rs) this module holds
    //! only the few items the safe API names; the full bindings are generated
    //! when PETSc is there.
    #![allow(
        non_upper_case_globals,
        non_camel_case_types,
        non_snake_case,
        dead_code,
        missing_docs
    )]
    #![allow(clippy::all)]
    #[cfg(not(docs_without_native))]
    include!(concat!(env!("OUT_DIR"), "/petsc.rs"));
    #[cfg(docs_without_native)]
    include!("ffi_docs.rs");
}

mod binary_io;
pub use binary_io::binary_options;
pub mod dmda;
pub mod error;
pub mod init;
pub mod layout;
mod lend;
pub mod matrix;
mod scalar;
pub mod solver;
pub mod vector;

pub use dmda::{Dmda, LocalVec};
pub use init::Petsc;
pub use layout::to_native_plan;
pub use lend::{DenseRestore, DenseRestoreRead, VecRestore, VecRestoreRead};
pub use matrix::{DenseMat, PetscMat};
pub use scalar::{scalar_rows, IsPetscScalar, PetscIndex, Scalar, COMPLEX, INDEX_BITS};
pub use solver::Ksp;
pub use vector::{AsPetscVec, AsPetscVecMut, PetscVec};

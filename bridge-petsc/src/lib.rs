//! # bridge-petsc
//!
//! Distributed arrays in and out of PETSc without copying.
//!
//! - [`Petsc`]: PETSc initialized alongside MPI (after rsmpi's `initialize`,
//!   finalized when dropped, before MPI is); options come from the command
//!   line and `PETSC_OPTIONS` (`-ksp_type cg -pc_type gamg` works).
//! - [`VecOverArray`]: a 1-D block-distributed `DistArray<f64>` seen as a
//!   PETSc `Vec` over the same memory (`VecCreateMPIWithArray`); the array
//!   is mutably borrowed while the `Vec` lives, so it cannot be freed or
//!   resized underneath PETSc.
//! - [`PetscVec`]: a `Vec` PETSc owns; [`PetscVec::array_mut`] shows its
//!   memory as a `DistArrayViewMut` (irregular block layout from the
//!   ownership ranges), tied by lifetime to the `Vec`, restored on drop.
//! - [`to_petsc_plan`]: any other layout goes to and from a `Vec` through an
//!   explicit, reusable redistribution plan — never silently.
//! - [`PetscMat`]: MPIAIJ matrices assembled from each rank's CSR rows with
//!   exact preallocation (assembly never mallocs); [`Ksp`] solves with the
//!   options database choosing the method.
//! - [`DenseMat`]: MATMPIDENSE from 2-D row-block arrays (shared memory when
//!   the local buffer is column-major, an explicit copy otherwise).
//! - [`Dmda`]: a padded 2-D/3-D block layout as a DMDA; its local (ghosted)
//!   and global vectors over the arrays' memory; `DMGlobalToLocal` agrees
//!   with distarray's halo update.
//!
//! - Binary files: [`PetscVec::load`]/[`PetscVec::save`] and
//!   [`PetscMat::load`]/[`PetscMat::save`] through PETSc's own `VecLoad`,
//!   `VecView`, `MatLoad`, `MatView` (distarray reads and writes the same
//!   files without PETSc: `distarray_core::io::petsc`).
//!
//! Every PETSc return code is checked; errors carry PETSc's own message.

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
mod dense;
mod dmda;
mod error;
mod init;
mod ksp;
mod mat;
mod vec;

pub use dense::{DenseAccess, DenseMat};
pub use dmda::{Dmda, LocalVec};
pub use init::Petsc;
pub use ksp::{solve, Ksp, SolveInfo};
pub use mat::PetscMat;
pub use vec::{to_petsc_plan, AsPetscVec, PetscVec, VecAccess, VecOverArray};

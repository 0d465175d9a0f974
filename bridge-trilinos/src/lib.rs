//! # bridge-trilinos
//!
//! Distributed arrays and Trilinos through a small C++ shim (`shim/`) that
//! exposes Tpetra, Belos and Ifpack2 as `extern "C"` functions over opaque
//! handles; every C++ exception becomes an
//! [`Error::Native`](distarray_core::Error::Native) with its message. Tpetra is initialized on rsmpi's communicator ([`Trilinos`]).
//!
//! - [`TpetraMap::from_layout`]: a 1-D block layout becomes a contiguous map,
//!   any other 1-D layout a map from each rank's global indices;
//!   [`TpetraMap::to_layout`] goes back (contiguous: irregular block;
//!   otherwise unstructured).
//! - [`TpetraVector`]: a Tpetra-owned vector whose host memory is lent as a
//!   `DistArrayViewMut` (no copy) by [`TpetraVector::array_mut`].
//! - [`CrsMatrix::from_csr`] and [`solve`] (Belos CG/GMRES, Ifpack2 Jacobi/ILU).
//! - [`import`]: a Tpetra Import between two vectors' maps; [`Importer`]:
//!   one planned once and applied many times.
//!
//! Status: first part of the Trilinos issue (see the README's table).

// A documentation build without Trilinos (docs.rs sets `DOCS_RS`; see
// `bridge_build::documentation_only`): rustdoc documents the crate whole,
// `ffi` declaring only what the safe API names outside function bodies
// (src/ffi_docs.rs); rustc, compiling it as a dependency of a crate being
// documented (`distarray` with the feature), makes it empty.
#![cfg(any(doc, not(docs_without_native)))]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod ffi {
    //! bindgen's bindings to the shim's header.
    //!
    //! In a documentation build without Trilinos (docs.rs) this module holds
    //! only the few items the safe API names; the full bindings are generated
    //! when Trilinos is there.
    #![allow(
        non_upper_case_globals,
        non_camel_case_types,
        non_snake_case,
        dead_code,
        missing_docs
    )]
    #[cfg(not(docs_without_native))]
    include!(concat!(env!("OUT_DIR"), "/shim.rs"));
    #[cfg(docs_without_native)]
    include!("ffi_docs.rs");
}

mod import;
mod init;
mod map;
mod matrix;
mod multivector;
mod solve;
mod vector;

pub use import::{export, import, Importer};
pub use init::Trilinos;
pub use map::TpetraMap;
pub use matrix::CrsMatrix;
pub use multivector::TpetraMultiVector;
pub use solve::{solve, SolveInfo, Solver};
pub use vector::TpetraVector;

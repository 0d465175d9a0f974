#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub use distarray_core::*;

pub mod guide;

/// The PETSc bridge (feature `petsc`).
#[cfg(feature = "petsc")]
pub use bridge_petsc as petsc;

/// The Trilinos bridge (feature `trilinos`).
#[cfg(feature = "trilinos")]
pub use bridge_trilinos as trilinos;

/// The Global Arrays bridge (feature `ga`).
#[cfg(feature = "ga")]
pub use bridge_ga as ga;

/// The Elemental bridge (feature `elemental`).
#[cfg(feature = "elemental")]
pub use bridge_elemental as elemental;

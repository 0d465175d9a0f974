//! # bridge-elemental
//!
//! Distributed arrays as [Elemental](https://github.com/elemental/Elemental)
//! `DistMatrix`es and back, without copying, and Elemental's dense solvers
//! on them.
//!
//! Elemental distributes a matrix element-cyclically over a 2-D process
//! grid; each distribution `[U,V]` is a distarray layout on that grid
//! ([`ElGrid::layout`]): `[MC,MR]` and `[MR,MC]` are cyclic x cyclic,
//! `[VC,STAR]`/`[VR,STAR]` cyclic x not distributed, `[STAR,VC]`/`[STAR,VR]` the
//! transpose, `[STAR,STAR]` every row on every process (an unstructured,
//! replicated axis) and `[CIRC,CIRC]` everything on the root.
//!
//! The crate has the shape every bridge has (see
//! [`distarray_core::bridge`]):
//!
//! | module | here |
//! |---|---|
//! | `init` | [`Elemental`]: initialized after MPI, finalized before it |
//! | `error` | Elemental's `ElError` codes as [`Error::Native`](distarray_core::Error::Native) with [`Library::Elemental`](distarray_core::bridge::Library::Elemental) |
//! | [`layout`] | [`ElGrid`] (built row-major so that `[MC,MR]` is distarray's C-order grid) and the layout of every [`ElDist`]; [`Redistribution`] between them |
//! | `matrix` | [`DistMatrix`] (Elemental has no separate vectors: a vector is an `n x 1` DistMatrix) |
//! | `solver` | [`LuSolver`], behind the core's [`LinearSolver`](distarray_core::bridge::LinearSolver); the free functions [`gemm`], [`linear_solve`], [`cholesky`], [`spd_solve`] |
//!
//! and the same verbs: `wrap` is [`DistMatrix::attach`] (Elemental's own
//! word: an array with a DistMatrix layout and a column-major local buffer,
//! [`column_major_zeros`], becomes that DistMatrix over the same memory,
//! borrowed); [`DistMatrix::from_array_copy`] (the explicit copy);
//! [`DistMatrix::to_array`] / [`DistMatrix::array_mut`] (Elemental's memory
//! lent as a [`LentRef`](distarray_core::bridge::LentRef) /
//! [`LentMut`](distarray_core::bridge::LentMut) view); other layouts move
//! through an explicit [`Redistribution`] (never silently), and
//! [`DistMatrix::from_csr`] assembles a dense matrix from sparse rows.
//!
//! Scalar types: `f32`, `f64`, `Complex32`, `Complex64` ([`ElScalar`],
//! sealed), Elemental's `_s`, `_d`, `_c`, `_z` functions.
//!
//! Lifetimes carry Elemental's rules: a grid borrows the [`Elemental`]
//! handle, a matrix its grid, an attached array is mutably borrowed by its
//! matrix, a lent view borrows its matrix, an [`LuSolver`] its matrix;
//! dropping anything still in use does not compile (the `compile_fail`
//! examples on each type, run where Elemental is built).
//!
//! Supported Elemental: 0.87 and 0.88-dev (built with `EL_C_INTERFACE`,
//! 32-bit `ElInt`), found through `ELEMENTAL_DIR`.
//!
//! ```no_run
//! use bridge_elemental::{gemm, DistMatrix, ElDist, ElGrid, Elemental, Orientation::Normal};
//! use distarray_core::Comm;
//! let universe = mpi::initialize().unwrap();
//! let el = Elemental::init().unwrap();
//! let comm = Comm::world();
//! let grid = ElGrid::new(&el, &comm, 1).unwrap();
//! let a = DistMatrix::new(&grid, ElDist::McMr, 100, 50).unwrap();
//! let b = DistMatrix::new(&grid, ElDist::McMr, 50, 20).unwrap();
//! let mut c = DistMatrix::new(&grid, ElDist::McMr, 100, 20).unwrap();
//! gemm(Normal, Normal, 1.0, &a, &b, 0.0, &mut c).unwrap();
//! let result = c.to_array().unwrap(); // C as a distributed array, no copy
//! ```

// A documentation build without Elemental (docs.rs sets `DOCS_RS`; see
// `bridge_build::documentation_only`): rustdoc documents the crate whole,
// `ffi` declaring only what the safe API names outside function bodies
// (src/ffi_docs.rs); rustc, compiling it as a dependency of a crate being
// documented (`distarray` with the feature), makes it empty.
#![cfg(any(doc, not(docs_without_native)))]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod ffi {
    //! bindgen's bindings to Elemental's C API (MPI types are rsmpi's).
    //!
    //! In a documentation build without Elemental (docs.rs) this module holds
    //! only the few items the safe API names; the full bindings are generated
    //! when Elemental is there.
    #![allow(
        non_upper_case_globals,
        non_camel_case_types,
        non_snake_case,
        dead_code,
        missing_docs,
        improper_ctypes
    )]
    #![allow(clippy::all)]
    #[cfg(not(docs_without_native))]
    include!(concat!(env!("OUT_DIR"), "/elemental.rs"));
    #[cfg(docs_without_native)]
    include!("ffi_docs.rs");
}

mod error;
mod init;
pub mod layout;
mod matrix;
mod ops;
mod scalar;
mod solver;

pub use init::Elemental;
pub use layout::{ElDist, ElGrid, Redistribution};
pub use matrix::{column_major_zeros, DistMatrix, ElBuffer};
pub use ops::{cholesky, gemm, linear_solve, spd_solve, Orientation, Triangle};
pub use scalar::ElScalar;
pub use solver::LuSolver;

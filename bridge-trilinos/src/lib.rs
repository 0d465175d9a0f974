//! # bridge-trilinos
//!
//! Distributed arrays and Trilinos (Tpetra, Belos, Ifpack2) through a small
//! C++ shim (`shim/`) that exposes them as `extern "C"` functions over
//! opaque handles; every C++ exception is caught in the shim and becomes an
//! [`Error::Native`](distarray_core::Error::Native) with
//! [`Library::Trilinos`](distarray_core::bridge::Library::Trilinos) and the
//! exception's message.
//!
//! The crate has the shape every bridge has (see
//! [`distarray_core::bridge`]):
//!
//! | module | here |
//! |---|---|
//! | `init` | [`Trilinos`]: Tpetra's lifetime (initialized on rsmpi's communicator, finalized with the last handle, before MPI) |
//! | `error` | the shim's error codes and messages as [`Error::Native`](distarray_core::Error::Native) |
//! | `layout` | [`TpetraMap`] ⇄ [`Layout`](distarray_core::Layout) (a block layout is a contiguous map, any other 1-D layout lists its indices); [`to_native_plan`] for the rest |
//! | `vector` | [`TpetraVector`], [`TpetraMultiVector`] |
//! | `matrix` | [`CrsMatrix`] assembled from each rank's CSR rows |
//! | `solver` | [`BelosSolver`]: Belos + Ifpack2 behind the core's [`LinearSolver`](distarray_core::bridge::LinearSolver) |
//! | `import` | Tpetra Import/Export ([`import`], [`export`], [`Importer`]) |
//!
//! and the same verbs: `wrap` (a Tpetra vector over our array's memory,
//! which it borrows), `from_array_copy` (Tpetra's memory filled from an
//! array: the explicit copy), `to_array` / `array_mut` (Tpetra's memory lent
//! as a [`LentRef`](distarray_core::bridge::LentRef) /
//! [`LentMut`](distarray_core::bridge::LentMut) view, through Tpetra's host
//! view, [`HostView`]), and [`to_native_plan`].
//!
//! Lifetimes carry Trilinos' rules: a map borrows the [`Trilinos`] handle,
//! vectors and matrices borrow their map, a wrapped array is mutably
//! borrowed by its vector, a [`BelosSolver`] borrows its matrix, a lent view
//! borrows its vector; dropping anything still in use does not compile (the
//! `compile_fail` examples on each type).
//!
//! **Scalar type: `f64` only.** Debian's Trilinos 13.2 instantiates Tpetra
//! for `double` alone — `/usr/include/trilinos/TpetraCore_config.h` has
//! `#define HAVE_TPETRA_INST_DOUBLE` and
//! `/* #undef HAVE_TPETRA_INST_FLOAT */`,
//! `/* #undef HAVE_TPETRA_INST_COMPLEX_FLOAT */`,
//! `/* #undef HAVE_TPETRA_INST_COMPLEX_DOUBLE */` (and Belos' config
//! `/* #undef HAVE_TEUCHOS_COMPLEX */`) — with `int` local and `long long`
//! global ordinals on the Serial node, which is what the shim uses.
//!
//! ```
//! use bridge_trilinos::{BelosMethod, BelosSolver, CrsMatrix, Preconditioner, TpetraMap, Trilinos};
//! use distarray_core::bridge::LinearSolver;
//! use distarray_core::{sparse::gallery::poisson_2d, Comm, DistArray, Layout};
//! let universe = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let trilinos = Trilinos::init(&comm).unwrap();
//! let rows = Layout::block(&comm, &[10 * 10]).unwrap();
//! let map = TpetraMap::from_layout(&trilinos, &rows).unwrap();
//! let a = CrsMatrix::from_csr(&map, &poisson_2d(&rows, 10, 10).unwrap()).unwrap();
//! let mut solver = BelosSolver::new(&a, BelosMethod::Cg, Preconditioner::Ilu).unwrap();
//! let (b, mut x) = (DistArray::full(&rows, 1.0), DistArray::zeros(&rows));
//! let report = solver.solve(&b, &mut x).unwrap(); // no copy of b or x
//! assert_eq!(report.reason, "converged");
//! drop(solver); // the solver goes before its matrix, the matrix before its map
//! drop(a);
//! drop(map);
//! drop(trilinos); // Tpetra::finalize, before MPI
//! drop((b, x, rows, comm));
//! drop(universe);
//! ```

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

mod error;
mod import;
mod init;
mod layout;
mod matrix;
mod solver;
mod vector;

pub use import::{export, import, Importer};
pub use init::Trilinos;
pub use layout::{to_native_plan, TpetraMap};
pub use matrix::CrsMatrix;
pub use solver::{BelosMethod, BelosSolver, Preconditioner};
pub use vector::{HostView, TpetraMultiVector, TpetraVector};

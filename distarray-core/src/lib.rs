//! # distarray-core
//!
//! Distributed N-dimensional arrays over MPI, following the Distributed
//! Array Protocol 0.10.0 (DAP) of the Python DistArray project.
//!
//! The folders are the layers; data flows one way, layout -> array ->
//! exchange -> everything that moves data:
//! - [`layout`]: the process grid ([`grid`]), how one axis is split
//!   ([`map`]: block — regular, irregular, padded, periodic —, cyclic /
//!   block-cyclic, unstructured, not distributed) and the layout itself
//!   (global shape + grid + maps + communicator);
//! - [`array`](mod@array): [`DistArray`] and its views, creation, gather, element access;
//! - [`exchange`]: the engine that moves cells between ranks (planned once,
//!   executed many times); [`redistribute`]: the plans users see;
//! - [`compute`]: ufuncs, reductions, scans, broadcasting, deferred
//!   (fused) expressions ([`deferred`]);
//! - [`index`]: slicing, fancy and boolean indexing; [`halo`]: ghost cells;
//! - [`io`]: files; [`protocol`]: the Distributed Array Protocol (export,
//!   import, checks, JSON);
//! - [`comm`]: the communicator wrapper and the agreement collective that
//!   makes every rank return the same error.
//!
//! ## Naming
//!
//! - `_into` writes into an array the caller already has (`&mut`) and
//!   allocates nothing: [`Plan::execute(&src, &mut dst)`](redistribute::Plan::execute),
//!   `load_npy_into(&mut self, path)`. Steady-state loops use these.
//! - `_in` marks the variant of a method that makes a **new** array in a
//!   layout the caller chooses, where the plain method picks one itself:
//!   [`slice_in(index, &layout)`](DistArrayBase::slice_in),
//!   [`transpose_in(perm, &layout)`](DistArrayBase::transpose_in),
//!   [`reshape_in(&layout)`](DistArrayBase::reshape_in),
//!   [`load_dnpy_in(&layout, prefix)`](DistArray::load_dnpy_in). Without the
//!   suffix ([`slice`](DistArrayBase::slice), [`transpose`](DistArrayBase::transpose),
//!   [`load_dnpy`](DistArray::load_dnpy), ...) the new array gets balanced
//!   blocks or the layout its file records.
//! - Constructors whose layout is their first argument need no suffix: they
//!   have no other layout to choose ([`DistArray::zeros(&layout)`](DistArray::zeros),
//!   [`DistArray::load_npy(&layout, path)`](DistArray::load_npy), and
//!   `load_hdf5(&layout, path, dataset)`).
//! - Indexes are NumPy's, written with [`s!`]: `a.slice(s![1..-1, ..;2])`
//!   is `a[1:-1, ::2]`.
//!
//! ```
//! use distarray_core::{Comm, Dist, DistArray, Layout};
//! let _universe = mpi::initialize().unwrap();
//! distarray_core::abort_on_panic();
//! let comm = Comm::world();
//! let layout = Layout::new(&comm, &[8, 6], &[Dist::Block, Dist::Cyclic]).unwrap();
//! let a: DistArray<f64> = DistArray::random(&layout, 42);
//! let description = a.to_dap();
//! println!("{}", description.dim_data_json());
//! ```

// The core has no unsafe code: the intrinsics and system calls it needs
// live in the `nontemporal` and `node-shm` crates, FFI in the bridges.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod array;
pub mod bridge;
pub mod comm;
pub mod compute;
pub mod dtype;
pub mod error;
pub mod exchange;
pub mod halo;
pub mod index;
pub mod io;
pub mod layout;
#[cfg(feature = "zarr")]
pub mod ooc;
pub mod prelude;
pub mod protocol;
pub mod random;
pub mod redistribute;
pub mod sparse;

// the modules' historical paths (`distarray_core::map`, `::reduce`, ...)
pub use compute::{broadcast, deferred, linalg, order_stats, reduce, scan, sort, ufunc};
pub use index::fancy;
pub use layout::{grid, map};

pub use array::{AnyDistArray, DistArray, DistArrayBase, DistArrayView, DistArrayViewMut};
pub use comm::{abort_on_panic, keep_panics_local, Comm};
pub use dtype::{DType, Element};
pub use error::{Error, Result, Rule};
pub use grid::ProcGrid;
pub use layout::{Dist, Layout};
pub use map::{AxisMap, BlockMap, CyclicMap, DistType, UnstructuredMap};
pub use mpi;
pub use ndarray;
pub use num_complex;
pub use reduce::{unravel_index, All, Axes, Axis, KeepDims};
pub use ufunc::{where_, Bits, Numeric, Real};

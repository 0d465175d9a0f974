//! The Distributed Array Protocol 0.10.0: export any array as a description,
//! import any valid description, and the JSON form Python tools read.
//!
//! A description (per rank) is `{"__version__": "0.10.0", "buffer": ...,
//! "dim_data": [dim dict, ...]}`. The JSON form writes the buffer as nested
//! lists and may add `buffer_shape` (needed for empty buffers such as
//! `(0, 3)`) and `buffer_dtype` (NumPy's name). Dimension dictionaries carry
//! exactly the protocol's keys ([`DimDict`]). Import checks every rule of the
//! protocol plus the cross-rank rules of the conformance data; each broken
//! rule is its own [`Rule`](crate::Rule), reported with the rank and
//! dimension, and every rank returns the same error.
//!
//! ```
//! use distarray_core::{Comm, DistArray, Layout, Dist};
//! let _u = mpi::initialize().unwrap();
//! let comm = Comm::world();
//! let layout = Layout::new(&comm, &[10], &[Dist::BlockCyclic(3)]).unwrap();
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| ix[0] as f64);
//! let json = a.to_dap().to_json();               // what Python's side would read
//! let b = DistArray::<f64>::from_dap_json(&comm, &json).unwrap(); // and back
//! assert!(b.layout() == a.layout());
//! ```

mod check;
mod dimdict;
mod export;
mod import;
mod json;

pub use check::{check_array, check_rank};
pub use dimdict::DimDict;
pub use export::DapExport;
#[cfg(feature = "zarr")]
pub(crate) use import::import_layout;
pub use json::{buffer_from_json, buffer_to_json, parse_dim_data, parse_rank};

/// The protocol version this crate reads and writes.
pub const VERSION: &str = "0.10.0";

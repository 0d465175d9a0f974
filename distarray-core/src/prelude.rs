//! The names most programs use, in one import:
//!
//! ```
//! use distarray_core::prelude::*;
//! # fn main() -> Result<()> {
//! let _universe = mpi::initialize().unwrap();
//! let layout = Layout::new(&Comm::world(), &[6, 8], &[Dist::Block, Dist::Cyclic])?;
//! let a = DistArray::from_fn(&layout, |ix: &[usize]| (ix[0] * 8 + ix[1]) as f64);
//! let inner = a.slice(s![1..-1, ..;2])?;         // a[1:-1, ::2]
//! assert_eq!(inner.shape(), &[4, 4]);
//! assert_eq!(a.sum(All)?, 1128.0);               // a.sum()
//! assert_eq!(a.max(Axis(1))?.shape(), &[6]);     // a.max(axis=1)
//! # Ok(())
//! # }
//! ```
//!
//! It holds the array and layout types, the axis selections of the
//! reductions ([`All`], [`Axis`], [`KeepDims`]), the slicing macro
//! [`s!`](crate::s) and its index type, plans, halos, the file and random
//! modules, and the error types. ndarray's own prelude has an `s!` too: when
//! both are glob-imported, name ours `distarray::s!` (or import ndarray's
//! items by name).

pub use crate::array::{AnyDistArray, DistArray, DistArrayBase, DistArrayView, DistArrayViewMut};
pub use crate::bridge::{LinearSolver, SolveReport, Tolerances};
pub use crate::comm::Comm;
pub use crate::deferred::{Broadcast, Deferred};
pub use crate::dtype::{DType, Element};
pub use crate::error::{Error, Result};
pub use crate::halo::{Halo, Stencil};
pub use crate::index::Ix;
pub use crate::io::{self, Order};
pub use crate::layout::{Dist, Layout};
pub use crate::random::{self, Generator};
pub use crate::redistribute::{Plan, PlanOptions};
pub use crate::reduce::{unravel_index, All, Axis, KeepDims};
pub use crate::s;
pub use crate::ufunc::where_;
pub use mpi;

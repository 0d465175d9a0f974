//! What the solver-library bridges share, defined once so that every
//! bridge has the same shape.
//!
//! - [`Library`]: which native library an [`Error::Native`](crate::Error::Native)
//!   or [`Error::NotConverged`](crate::Error::NotConverged) comes from.
//! - [`LinearSolver`]: one interface to PETSc's KSP, Trilinos' Belos and
//!   Elemental's dense solvers; a program switches solver library by
//!   changing the constructor and nothing else. A solve returns a
//!   [`SolveReport`].
//! - [`Lent`]: a native library's memory lent as a distributed-array view,
//!   handed back (PETSc's `VecRestoreArray`, GA's `NGA_Release_update`)
//!   when the guard ends. Every bridge's `array_mut` / `to_array` returns one.
//! - [`NativePlan`]: the two reusable redistribution plans between a
//!   layout and the layout a library requires (`to_native_plan`).
//!
//! The verbs every bridge uses for its vectors and matrices:
//!
//! | verb | meaning |
//! |---|---|
//! | `wrap` | the library's object over our array's memory, zero copy; it borrows the array |
//! | `from_array_copy` | a library-owned object filled from an array: an explicit copy |
//! | `to_array` / `array_mut` | the library's memory lent to us as a [`Lent`] view |
//! | `to_native_plan` | the [`NativePlan`] for arrays whose layout the library can not use as is |

mod lend;
mod library;
mod plan;
mod solver;

pub use lend::{Lent, LentMut, LentRef, Restore};
pub use library::Library;
pub use plan::NativePlan;
pub use solver::{LinearSolver, SolveReport, Tolerances};

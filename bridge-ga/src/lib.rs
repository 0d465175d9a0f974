//! # bridge-ga
//!
//! Distributed arrays in and out of [Global Arrays](https://globalarrays.github.io)
//! (GA 5.8 over ARMCI-MPI) without copying.
//!
//! The crate has the shape every bridge has (see [`distarray_core::bridge`]),
//! as far as GA goes:
//!
//! | module | here |
//! |---|---|
//! | `init` | [`Ga`]: GA initialized after MPI (after rsmpi's `initialize`, on `MPI_COMM_WORLD`, every MPI rank a GA process) with GA's MA allocator, which `GA_Update_ghosts` needs; terminated with the last handle, before MPI |
//! | `error` | what GA signals (it aborts on misuse and has no error codes) as [`Error::Native`](distarray_core::Error::Native) with [`Library::GlobalArrays`](distarray_core::bridge::Library::GlobalArrays) |
//! | `layout` | our layouts as GA distributions and back: [`ghost_layout`], [`to_native_plan`] |
//! | `array` | [`GlobalArray`]: GA's N-d global array, which is the skeleton's `vector` and `matrix` in one |
//! | `matrix`, `solver` | none: GA has no sparse matrices and no solvers |
//!
//! The verbs:
//!
//! - `wrap`: **impossible** for GA: a Global Array always lives in memory GA
//!   allocates (ARMCI's shared segments, which other ranks read and write
//!   one-sidedly), so GA can not adopt an array's buffer.
//! - [`GlobalArray::from_array_copy`]: a GA with an array's layout and
//!   values (the explicit copy, local to each rank).
//! - [`GlobalArray::to_array`] / [`GlobalArray::array_mut`]: GA's local
//!   memory lent as a [`LentRef`](distarray_core::bridge::LentRef) /
//!   [`LentMut`](distarray_core::bridge::LentMut) view (`NGA_Access`, given
//!   back by `NGA_Release` / `NGA_Release_update` through [`GaRelease`]); a
//!   copy out is `g.to_array()?.to_owned()`.
//! - [`to_native_plan`]: layouts GA cannot express (unstructured, or cyclic
//!   axes mixed with distributed block axes) go to and from a GA-compatible
//!   block layout through an explicit, reusable redistribution plan — never
//!   silently.
//!
//! What GA holds: a Global Array with the distribution of a block (regular
//! or irregular) layout on any process grid (`NGA_Create_irreg`); a
//! ScaLAPACK-style block-cyclic GA for an all-cyclic layout; for a layout
//! with GA-style ghost cells, a ghosted Global Array
//! (`NGA_Create_ghosts_irreg`). [`GlobalArray::from_raw`] (unsafe: the
//! creator must keep the array alive) adopts a Global Array made elsewhere
//! (by a C or Fortran library) and reads its distribution back as a layout.
//!
//! - One-sided patches: [`GlobalArray::get`], [`put`](GlobalArray::put) and
//!   [`acc`](GlobalArray::acc) read, write and accumulate any global patch
//!   from any rank.
//! - Ghost cells: [`ghost_layout`] is the padded layout of a GA with ghosts
//!   (DAP counts boundary padding in the global shape, so a GA of extent `n`
//!   with width `w` is an axis of `n + 2w` cells, GA's index `i` our `i + w`);
//!   [`GlobalArray::update_ghosts`] (`GA_Update_ghosts`) and
//!   [`distarray_core::halo::Halo`] with [`Stencil::Box`](distarray_core::halo::Stencil)
//!   agree cell for cell on it.
//! - Element types: `f64`, `f32`, `i32`, `i64`, `Complex64`, `Complex32`
//!   ([`GaElement`], sealed: GA's type id decides how many bytes it lends).
//!
//! Lifetimes carry GA's rules: a GlobalArray borrows the [`Ga`] handle (GA
//! can not terminate under it), a lent view borrows its GlobalArray (it can
//! not be destroyed, or lent twice mutably, while the view lives); each is
//! a `compile_fail` example on the type.
//!
//! GA reports misuse by aborting the job; the bridge therefore checks every
//! argument first and agrees on the verdict on every rank, so bad input is a
//! Rust error on all ranks, never an abort or a hang.
//!
//! ```
//! use bridge_ga::{Ga, GlobalArray};
//! use distarray_core::{Comm, Layout};
//! let universe = mpi::initialize().unwrap();
//! let ga = Ga::init().unwrap();
//! let comm = Comm::world();
//! let layout = Layout::block(&comm, &[1000, 1000]).unwrap();
//! let mut g = GlobalArray::<f64>::new(&ga, &layout).unwrap();
//! {
//!     let mut a = g.array_mut().unwrap(); // GA's memory as a DistArray, until `a` ends
//!     a.local_mut().fill(1.0);
//! }
//! g.sync();
//! let corner = g.get(&[0, 0], &[2, 2]).unwrap(); // one-sided, from any rank
//! assert_eq!(corner.sum(), 4.0);
//! drop(g);
//! drop(ga); // GA_Terminate
//! drop((layout, comm)); // communicators go before MPI does
//! drop(universe); // MPI_Finalize
//! ```

// A documentation build without Global Arrays (docs.rs sets `DOCS_RS`; see
// `bridge_build::documentation_only`): rustdoc documents the crate whole,
// `ffi` declaring only what the safe API names outside function bodies
// (src/ffi_docs.rs); rustc, compiling it as a dependency of a crate being
// documented (`distarray` with the feature), makes it empty.
#![cfg(any(doc, not(docs_without_native)))]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

pub mod ffi {
    //! bindgen's bindings to GA and MA (MPI types are rsmpi's).
    //!
    //! In a documentation build without Global Arrays (docs.rs) this module holds
    //! only the few items the safe API names; the full bindings are generated
    //! when Global Arrays is there.
    #![allow(
        non_upper_case_globals,
        non_camel_case_types,
        non_snake_case,
        dead_code,
        missing_docs
    )]
    #![allow(clippy::all)]
    #[cfg(not(docs_without_native))]
    include!(concat!(env!("OUT_DIR"), "/ga.rs"));
    #[cfg(docs_without_native)]
    include!("ffi_docs.rs");
}

mod array;
mod element;
mod error;
mod init;
mod layout;

pub use array::{GaRelease, GlobalArray};
pub use element::GaElement;
pub use init::Ga;
pub use layout::{ghost_layout, to_native_plan};

//! # bridge-ga
//!
//! Distributed arrays in and out of [Global Arrays](https://globalarrays.github.io)
//! (GA 5.8 over ARMCI-MPI) without copying.
//!
//! - [`Ga`]: GA initialized alongside MPI (after rsmpi's `initialize`, on
//!   `MPI_COMM_WORLD`, every MPI rank a GA process) and terminated when
//!   dropped, before MPI is. It also sets up GA's MA allocator, which
//!   `GA_Update_ghosts` needs.
//! - [`GlobalArray`]: a Global Array with the distribution of a block
//!   (regular or irregular) layout on any process grid (`NGA_Create_irreg`),
//!   or, for a layout with GA-style ghost cells, a ghosted Global Array
//!   (`NGA_Create_ghosts_irreg`). [`GlobalArray::access_mut`] shows GA's local
//!   memory as a [`DistArrayViewMut`](distarray_core::DistArrayViewMut) (no
//!   copy, `NGA_Access`/`NGA_Release_update`), tied by lifetime to the array.
//!   [`GlobalArray::from_raw`] (unsafe: the creator must keep the array
//!   alive) adopts a Global Array made elsewhere (by a C
//!   or Fortran library) and reads its distribution back as a layout.
//! - One-sided patches: [`GlobalArray::get`], [`put`](GlobalArray::put) and
//!   [`acc`](GlobalArray::acc) read, write and accumulate any global patch
//!   from any rank.
//! - Ghost cells: [`ghost_layout`] is the padded layout of a GA with ghosts
//!   (DAP counts boundary padding in the global shape, so a GA of extent `n`
//!   with width `w` is an axis of `n + 2w` cells, GA's index `i` our `i + w`);
//!   [`GlobalArray::update_ghosts`] (`GA_Update_ghosts`) and
//!   [`distarray_core::halo::Halo`] with [`Stencil::Box`](distarray_core::halo::Stencil)
//!   agree cell for cell on it.
//! - [`to_ga_plan`]: layouts GA cannot express (cyclic, block-cyclic,
//!   unstructured) go to and from a GA-compatible block layout through an
//!   explicit, reusable redistribution plan — never silently.
//! - Element types: `f64`, `f32`, `i32`, `i64`, `Complex64`, `Complex32`
//!   ([`GaElement`]).
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
//!     let mut a = g.access_mut().unwrap(); // GA's memory as a DistArray, until `a` drops
//!     a.view_mut().fill(1.0);
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

mod access;
mod describe;
mod element;
mod global;
mod init;
mod patch;

pub use access::GaAccess;
pub use describe::{ghost_layout, to_ga_plan};
pub use element::GaElement;
pub use global::GlobalArray;
pub use init::Ga;

//! Tpetra's lifetime alongside MPI.

use crate::error::call;
use crate::ffi;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{Comm, Result};

/// Handles alive in this process.
static HANDLES: std::sync::Mutex<usize> = std::sync::Mutex::new(0);

/// Tpetra, initialized on rsmpi's world communicator; finalized when the
/// last handle is dropped.
///
/// Handles are counted: a second `Trilinos::init` while one lives is
/// another handle to the same Tpetra, and Tpetra is finalized once, when
/// the last handle goes, so objects made through any handle never outlive
/// the library (every Tpetra object of the bridge borrows a handle).
///
/// # Examples
///
/// ```
/// use bridge_trilinos::Trilinos;
/// use distarray_core::Comm;
/// let universe = mpi::initialize().unwrap();
/// let comm = Comm::world();
/// let t = Trilinos::init(&comm).unwrap();
/// let again = Trilinos::init(&comm).unwrap(); // the same Tpetra
/// drop(t); // Tpetra still runs: `again` lives
/// drop(again); // Tpetra::finalize
/// drop(comm);
/// drop(universe); // MPI_Finalize
/// ```
pub struct Trilinos {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Trilinos {
    /// Initializes Tpetra (after MPI), or hands out another handle to the
    /// Tpetra already running. Collective.
    pub fn init(comm: &Comm) -> Result<Trilinos> {
        let mut handles = HANDLES.lock().unwrap_or_else(|e| e.into_inner());
        if *handles == 0 {
            // SAFETY: a live communicator; the shim copies what it needs.
            call("Tpetra::initialize", |e, n| unsafe {
                ffi::tri_init(comm.raw().as_raw(), e, n)
            })?;
        }
        *handles += 1;
        Ok(Trilinos {
            _not_send: std::marker::PhantomData,
        })
    }
}

impl Drop for Trilinos {
    fn drop(&mut self) {
        let mut handles = HANDLES.lock().unwrap_or_else(|e| e.into_inner());
        *handles -= 1;
        if *handles > 0 {
            return;
        }
        // SAFETY: this was the last handle, and every Tpetra object of the
        // bridge borrows a handle, so none is alive.
        if let Err(e) = call("Tpetra::finalize", |e, n| unsafe {
            ffi::tri_finalize(e, n)
        }) {
            eprintln!("bridge-trilinos: {e}");
        }
    }
}

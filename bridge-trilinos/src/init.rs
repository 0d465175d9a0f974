//! Tpetra's lifetime alongside MPI.

use crate::error::call;
use crate::ffi;
use distarray_core::bridge::Library;
use distarray_core::mpi::raw::AsRaw;
use distarray_core::{Comm, Error, Result};

/// Tpetra's state in this process (process-wide, as Tpetra's own is).
struct State {
    /// handles alive
    handles: usize,
    /// the last handle finalized Tpetra: it is not started again
    finalized: bool,
}

static STATE: std::sync::Mutex<State> = std::sync::Mutex::new(State {
    handles: 0,
    finalized: false,
});

/// Tpetra, initialized on rsmpi's world communicator; finalized when the
/// last handle is dropped.
///
/// Handles are counted: a second `Trilinos::init` while one lives is
/// another handle to the same Tpetra, and Tpetra is finalized once, when
/// the last handle goes, so objects made through any handle never outlive
/// the library (every Tpetra object of the bridge borrows a handle).
///
/// Once finalized, Tpetra is not started again in the process: a later
/// `init` is an error, on every rank. (Tpetra finalizes Kokkos with it.
/// On Debian's Trilinos 13.2, Kokkos 3.4.1, a second `Tpetra::initialize`
/// after `Tpetra::finalize` throws "At the end of initKokkosIfNeeded,
/// Kokkos is not initialized" — seen on these machines — and Kokkos 4
/// aborts the program on a second initialization.) Keep one handle for
/// the whole run.
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
        let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = comm.agree(if state.finalized {
            Err(Error::Native {
                library: Library::Trilinos,
                code: -1,
                call: "Tpetra::initialize".into(),
                message: "Tpetra was finalized in this program (its last Trilinos handle was dropped) and is not started again: keep one Trilinos handle for the whole run".into(),
            })
        } else {
            Ok(state.handles == 0)
        })?;
        if fresh {
            // SAFETY: a live communicator; the shim copies what it needs.
            let started = call("Tpetra::initialize", |e, n| unsafe {
                ffi::tri_init(comm.raw().as_raw(), e, n)
            });
            if let Err(e) = comm.agree(started.clone()) {
                if started.is_ok() {
                    // another rank failed: finalize what started here, so
                    // that nothing of Tpetra outlives MPI
                    state.finalized = true;
                    // SAFETY: initialized just above; no object exists yet.
                    if let Err(f) = call("Tpetra::finalize", |e, n| unsafe {
                        ffi::tri_finalize(e, n)
                    }) {
                        eprintln!("bridge-trilinos: {f}");
                    }
                }
                return Err(e);
            }
        }
        state.handles += 1;
        Ok(Trilinos {
            _not_send: std::marker::PhantomData,
        })
    }
}

impl Drop for Trilinos {
    fn drop(&mut self) {
        let mut state = STATE.lock().unwrap_or_else(|e| e.into_inner());
        state.handles -= 1;
        if state.handles > 0 {
            return;
        }
        state.finalized = true;
        // SAFETY: this was the last handle, and every Tpetra object of the
        // bridge borrows a handle, so none is alive.
        if let Err(e) = call("Tpetra::finalize", |e, n| unsafe {
            ffi::tri_finalize(e, n)
        }) {
            eprintln!("bridge-trilinos: {e}");
        }
    }
}

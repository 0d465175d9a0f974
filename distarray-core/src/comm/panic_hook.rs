//! What a panic on one rank does to the MPI job: by default it aborts it,
//! so the other ranks never wait for the one that panicked.

use mpi::topology::{Communicator, SimpleCommunicator};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// Whether a panic aborts the MPI job (the default; see [`abort_on_panic`]).
static ABORT_ON_PANIC: AtomicBool = AtomicBool::new(true);
static PANIC_HOOK: Once = Once::new();

/// Makes a panic on any rank abort the whole MPI job (after printing the
/// rank and the message), so a panic never leaves the other ranks waiting
/// in a collective until the launcher's time limit.
///
/// This is the default: the hook is installed when the first
/// [`Comm`](super::Comm) is made, so a program that forgets this call does
/// not lose its cluster allocation. Calling it is harmless (it installs the hook once and turns
/// the behaviour back on after [`keep_panics_local`]).
///
/// ```
/// let _u = mpi::initialize().unwrap();
/// distarray_core::abort_on_panic(); // not needed: Comm::world() installs it
/// let _comm = distarray_core::Comm::world();
/// ```
pub fn abort_on_panic() {
    ABORT_ON_PANIC.store(true, Ordering::SeqCst);
    install_panic_hook();
}

/// Opts out of [`abort_on_panic`]: a panic then unwinds as in any Rust
/// program (the program's own hook, if any, still runs), for programs that
/// catch panics and know their ranks will not wait on the one that panicked.
///
/// ```
/// let _u = mpi::initialize().unwrap();
/// distarray_core::keep_panics_local();
/// let comm = distarray_core::Comm::world();
/// let caught = std::panic::catch_unwind(|| panic!("local"));
/// assert!(caught.is_err()); // this rank goes on
/// distarray_core::abort_on_panic(); // and back
/// # drop(comm);
/// ```
pub fn keep_panics_local() {
    ABORT_ON_PANIC.store(false, Ordering::SeqCst);
}

/// Installs the aborting panic hook, once per process.
pub(super) fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !ABORT_ON_PANIC.load(Ordering::SeqCst) {
                previous(info);
                return;
            }
            let live = mpi::environment::is_initialized() && !mpi::environment::is_finalized();
            let rank = if live {
                SimpleCommunicator::world().rank()
            } else {
                -1
            };
            eprintln!("distarray: rank {rank} panicked; aborting the MPI job");
            previous(info);
            if live {
                SimpleCommunicator::world().abort(101);
            }
        }));
    });
}

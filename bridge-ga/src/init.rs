//! GA's lifetime alongside MPI.

use crate::error::native;
use crate::ffi;
use distarray_core::{Comm, Error, Result};
use std::marker::PhantomData;
use std::sync::{Mutex, MutexGuard};

/// Default size of MA's stack (bytes): `GA_Update_ghosts` stages the faces
/// it sends there, so it bounds the largest ghost face of an update.
pub const DEFAULT_MA_STACK_BYTES: usize = 256 << 20;
/// Default size of MA's heap (bytes).
pub const DEFAULT_MA_HEAP_BYTES: usize = 16 << 20;

/// The GA this bridge started, as seen by every thread of the process
/// (GA's own state is per process, not per thread: a thread-local count
/// would let a second thread's `Ga::init` see no handle, and the first
/// thread's last drop terminate GA under the second's arrays).
struct State {
    /// live `Ga` handles that share the GA this bridge started
    handles: usize,
    /// GA was terminated by this bridge: it cannot be started again
    terminated: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    handles: 0,
    terminated: false,
});

/// The process' GA state (a panic while it was held leaves it consistent:
/// every update is one assignment).
fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Global Arrays, initialized after MPI (every MPI rank a GA process) and
/// terminated, when the last handle is dropped, before MPI is.
///
/// ```
/// let universe = mpi::initialize().unwrap();
/// let ga = bridge_ga::Ga::init().unwrap();
/// // ... GlobalArrays borrow `ga` ...
/// drop(ga);       // GA_Terminate (the last handle)
/// drop(universe); // MPI_Finalize
/// ```
pub struct Ga {
    /// counted in STATE (GA started by this bridge), or GA was started
    /// by other code and is left to it
    counted: bool,
    // GA's state is per process and not thread-safe
    _not_send: PhantomData<*const ()>,
}

impl Ga {
    /// Initializes GA on `MPI_COMM_WORLD` (MPI must already be initialized,
    /// by rsmpi) and MA with the default sizes. Collective over the world.
    /// While a handle lives, further calls return more handles to the same
    /// GA; GA terminates when the last one drops, and cannot be started
    /// again afterwards (GA's own limitation): then this is an error.
    /// Handles are counted over the whole process (every thread), as GA's
    /// state is the process'. GA itself is not thread-safe, and MPI as
    /// rsmpi's `initialize` starts it promises a single thread: use GA from
    /// one thread at a time (a handle is not `Send`; a second thread must
    /// take its own, and the program must keep their GA calls apart).
    pub fn init() -> Result<Ga> {
        Ga::init_with_memory(DEFAULT_MA_STACK_BYTES, DEFAULT_MA_HEAP_BYTES)
    }

    /// Like [`init`](Self::init) with MA's stack and heap sizes in bytes
    /// (MA reserves them once; GA's arrays themselves live in ARMCI memory).
    pub fn init_with_memory(ma_stack_bytes: usize, ma_heap_bytes: usize) -> Result<Ga> {
        if !mpi::environment::is_initialized() || mpi::environment::is_finalized() {
            return Err(Error::InvalidArgument(
                "Ga::init needs MPI initialized (call mpi::initialize() first) and not finalized"
                    .into(),
            ));
        }
        // held to the end: a second thread starting GA meanwhile waits, then
        // finds it started
        let mut state = state();
        if state.handles > 0 {
            state.handles += 1;
            return Ok(Ga {
                counted: true,
                _not_send: PhantomData,
            });
        }
        let world = Comm::world();
        world.agree(if state.terminated {
            Err(native(
                "GA_Initialize",
                "GA was terminated in this program and cannot be started again: keep one Ga handle for the whole run".into(),
            ))
        } else {
            Ok(())
        })?;
        // SAFETY: GA_Initialized only reads GA's global flag.
        let started_elsewhere = unsafe { ffi::GA_Initialized() } != 0;
        if !world.all(started_elsewhere) && !world.all(!started_elsewhere) {
            return Err(native(
                "GA_Initialize",
                "GA is initialized on some ranks only".into(),
            ));
        }
        if !started_elsewhere {
            // SAFETY: MPI is initialized; GA duplicates MPI_COMM_WORLD for itself.
            unsafe { ffi::GA_Initialize() };
        }
        let words = |bytes: usize| -> Result<ffi::Integer> {
            ffi::Integer::try_from(bytes.div_ceil(8)).map_err(|_| {
                Error::InvalidArgument(format!("MA size {bytes} bytes does not fit MA's Integer"))
            })
        };
        let sizes = world.agree(words(ma_stack_bytes).and_then(|s| Ok((s, words(ma_heap_bytes)?))));
        // SAFETY: MA_initialized only reads MA's flag.
        let ma_ready = unsafe { ffi::MA_initialized() } != 0;
        let ma_ok = sizes.and_then(|(stack, heap)| {
            // SAFETY: sizes in units of C doubles, checked to fit MA's 64-bit Integer.
            let ok = ma_ready || unsafe { ffi::MA_init(ffi::MT_C_DBL as ffi::Integer, stack, heap) } != 0;
            if world.all(ok) {
                Ok(())
            } else {
                Err(native(
                    "MA_init",
                    format!("MA could not reserve a {ma_stack_bytes}-byte stack and a {ma_heap_bytes}-byte heap on some rank"),
                ))
            }
        });
        if let Err(e) = ma_ok {
            if !started_elsewhere {
                // SAFETY: started just above, no array exists yet; collective.
                unsafe { ffi::GA_Terminate() };
                state.terminated = true;
            }
            return Err(e);
        }
        if !started_elsewhere {
            state.handles = 1;
        }
        Ok(Ga {
            counted: !started_elsewhere,
            _not_send: PhantomData,
        })
    }

    /// The number of GA processes (the size of `MPI_COMM_WORLD`).
    pub fn nnodes(&self) -> usize {
        // SAFETY: GA is initialized while `self` lives.
        unsafe { ffi::GA_Nnodes() as usize }
    }

    /// This process' GA id (its rank in `MPI_COMM_WORLD`).
    pub fn nodeid(&self) -> usize {
        // SAFETY: GA is initialized while `self` lives.
        unsafe { ffi::GA_Nodeid() as usize }
    }

    /// `GA_Sync`: a barrier that also completes every outstanding one-sided
    /// operation (puts and accumulates are visible everywhere afterwards).
    pub fn sync(&self) {
        // SAFETY: GA is initialized while `self` lives; collective.
        unsafe { ffi::GA_Sync() }
    }
}

impl Drop for Ga {
    fn drop(&mut self) {
        if !self.counted {
            return;
        }
        let mut state = state();
        state.handles -= 1;
        if state.handles == 0
            && mpi::environment::is_initialized()
            && !mpi::environment::is_finalized()
        {
            // SAFETY: the last handle of the process to the GA this bridge
            // started; every GlobalArray borrows a handle, so none is alive
            // now, on any thread. MPI stays up.
            unsafe { ffi::GA_Terminate() };
            state.terminated = true;
        }
    }
}

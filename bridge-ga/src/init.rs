//! GA's lifetime alongside MPI.

use crate::ffi;
use distarray_core::{Comm, Error, Result};
use std::marker::PhantomData;

/// Default size of MA's stack (bytes): `GA_Update_ghosts` stages the faces
/// it sends there, so it bounds the largest ghost face of an update.
pub const DEFAULT_MA_STACK_BYTES: usize = 256 << 20;
/// Default size of MA's heap (bytes).
pub const DEFAULT_MA_HEAP_BYTES: usize = 16 << 20;

/// Global Arrays, initialized after MPI (every MPI rank a GA process) and
/// terminated, when dropped, before MPI is.
///
/// ```no_run
/// let universe = mpi::initialize().unwrap();
/// let ga = bridge_ga::Ga::init().unwrap();
/// // ... GlobalArrays borrow `ga` ...
/// drop(ga);       // GA_Terminate
/// drop(universe); // MPI_Finalize
/// ```
pub struct Ga {
    owner: bool,
    // GA's state is per process and not thread-safe
    _not_send: PhantomData<*const ()>,
}

impl Ga {
    /// Initializes GA on `MPI_COMM_WORLD` (MPI must already be initialized,
    /// by rsmpi) and MA with the default sizes. Collective over the world.
    /// If GA is already initialized this is a handle that terminates nothing.
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
        // SAFETY: GA_Initialized only reads GA's global flag.
        let already = unsafe { ffi::GA_Initialized() } != 0;
        if !already {
            // SAFETY: MPI is initialized; GA duplicates MPI_COMM_WORLD for itself.
            unsafe { ffi::GA_Initialize() };
        }
        // SAFETY: MA_initialized only reads MA's flag.
        if unsafe { ffi::MA_initialized() } == 0 {
            let words = |bytes: usize| -> Result<ffi::Integer> {
                ffi::Integer::try_from(bytes.div_ceil(8)).map_err(|_| {
                    Error::InvalidArgument(format!(
                        "MA size {bytes} bytes does not fit MA's Integer"
                    ))
                })
            };
            let (stack, heap) = (words(ma_stack_bytes)?, words(ma_heap_bytes)?);
            // SAFETY: sizes in units of C doubles, checked to fit MA's 64-bit Integer.
            let ok = unsafe { ffi::MA_init(ffi::MT_C_DBL as ffi::Integer, stack, heap) };
            let ok = Comm::world().all(ok != 0);
            if !ok {
                return Err(Error::Native {
                    library: "Global Arrays".into(),
                    code: 0,
                    call: "MA_init".into(),
                    message: format!(
                        "MA could not reserve a {ma_stack_bytes}-byte stack and a {ma_heap_bytes}-byte heap on some rank"
                    ),
                });
            }
        }
        Ok(Ga {
            owner: !already,
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
        if self.owner && mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
            // SAFETY: GA was initialized by this handle, and every GlobalArray
            // borrows the handle, so none is alive now. MPI stays initialized.
            unsafe { ffi::GA_Terminate() };
        }
    }
}

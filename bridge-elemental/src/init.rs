//! Elemental's lifetime alongside MPI.

use crate::error::check;
use crate::ffi;
use distarray_core::{Error, Result};
use std::ffi::{c_char, c_int};
use std::marker::PhantomData;

/// Elemental, initialized after MPI (it adopts rsmpi's MPI and does not
/// finalize it) and finalized, when dropped, before MPI is.
///
/// ```no_run
/// let universe = mpi::initialize().unwrap();
/// let el = bridge_elemental::Elemental::init().unwrap();
/// // ... grids and matrices borrow `el` ...
/// drop(el);       // ElFinalize (MPI stays up)
/// drop(universe); // MPI_Finalize
/// ```
pub struct Elemental {
    _not_send: PhantomData<*const ()>,
}

impl Elemental {
    /// Initializes Elemental (reference-counted: each handle finalizes its
    /// own initialization). MPI must be initialized, by rsmpi.
    pub fn init() -> Result<Elemental> {
        if !mpi::environment::is_initialized() || mpi::environment::is_finalized() {
            return Err(Error::InvalidArgument(
                "Elemental::init needs MPI initialized (call mpi::initialize() first) and not finalized".into(),
            ));
        }
        let mut argc: c_int = 0;
        let mut argv: *mut *mut c_char = std::ptr::null_mut();
        // SAFETY: valid pointers to an empty command line (Elemental reads
        // argc/argv through them); MPI is up, so Elemental does not init it.
        check(
            unsafe { ffi::ElInitialize(&mut argc, &mut argv) },
            "ElInitialize",
        )?;
        Ok(Elemental {
            _not_send: PhantomData,
        })
    }

    /// The Elemental version the bridge was built against, with the
    /// prefix it was found in (e.g. `"0.88-dev at /opt/elemental"`).
    pub fn version() -> &'static str {
        concat!(
            env!("ELEMENTAL_VERSION"),
            " at ",
            env!("ELEMENTAL_DIR_FOUND")
        )
    }
}

impl Drop for Elemental {
    fn drop(&mut self) {
        if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
            // SAFETY: balances this handle's ElInitialize; every grid and
            // matrix borrows the handle, so none is alive now.
            let code = unsafe { ffi::ElFinalize() };
            if code != ffi::ElError_EL_SUCCESS {
                eprintln!("bridge-elemental: ElFinalize returned {code}");
            }
        }
    }
}

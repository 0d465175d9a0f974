//! PETSc's lifetime alongside MPI.

use crate::error::{check, record_error};
use crate::ffi;
use distarray_core::Result;
use std::ffi::{c_char, c_int, CString};

/// PETSc, initialized after MPI and finalized (when dropped) before it.
///
/// ```no_run
/// let universe = mpi::initialize().unwrap();
/// let petsc = bridge_petsc::Petsc::init().unwrap();
/// // ... work ...
/// drop(petsc);    // PetscFinalize
/// drop(universe); // MPI_Finalize
/// ```
pub struct Petsc {
    // PETSc keeps pointers to argv for its lifetime
    _args: Vec<CString>,
    _argv: Vec<*mut c_char>,
    owner: bool,
}

impl Petsc {
    /// Initializes PETSc on `MPI_COMM_WORLD` (MPI must be initialized, by
    /// rsmpi). The program's command line and `PETSC_OPTIONS` fill PETSc's
    /// options database. If PETSc is already initialized this is a handle
    /// that finalizes nothing.
    pub fn init() -> Result<Petsc> {
        let mut already: ffi::PetscBool = 0;
        // SAFETY: PetscInitialized only writes the flag.
        check(
            unsafe { ffi::PetscInitialized(&mut already) },
            "PetscInitialized",
        )?;
        let args: Vec<CString> = std::env::args()
            .map(|a| CString::new(a).unwrap_or_default())
            .collect();
        let mut argv: Vec<*mut c_char> = args.iter().map(|a| a.as_ptr() as *mut c_char).collect();
        argv.push(std::ptr::null_mut());
        if already == 0 {
            let mut argc = args.len() as c_int;
            let mut p = argv.as_mut_ptr();
            // SAFETY: argc/argv describe `args`, which this handle keeps alive
            // as long as PETSc runs; MPI is initialized, so PETSc adopts it.
            check(
                unsafe {
                    ffi::PetscInitialize(&mut argc, &mut p, std::ptr::null(), std::ptr::null())
                },
                "PetscInitialize",
            )?;
            // SAFETY: a valid handler function for PETSc's signature.
            check(
                unsafe { ffi::PetscPushErrorHandler(Some(record_error), std::ptr::null_mut()) },
                "PetscPushErrorHandler",
            )?;
        }
        Ok(Petsc {
            _args: args,
            _argv: argv,
            owner: already == 0,
        })
    }

    /// Adds options as if given on the command line (e.g. `"-ksp_type cg"`).
    pub fn set_options(&self, options: &str) -> Result<()> {
        let c = CString::new(options)
            .map_err(|e| distarray_core::Error::InvalidArgument(e.to_string()))?;
        // SAFETY: a NUL-terminated string; the default options database.
        check(
            unsafe { ffi::PetscOptionsInsertString(std::ptr::null_mut(), c.as_ptr()) },
            "PetscOptionsInsertString",
        )
    }
}

impl Drop for Petsc {
    fn drop(&mut self) {
        if self.owner {
            // SAFETY: PETSc was initialized by this handle, and every PETSc
            // object of the bridge borrows the handle, so none is alive now.
            let code = unsafe { ffi::PetscFinalize() };
            if code != 0 {
                eprintln!("bridge-petsc: PetscFinalize returned {code}");
            }
        }
    }
}

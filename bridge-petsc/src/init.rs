//! PETSc's lifetime alongside MPI.

use crate::error::{check, record_error};
use crate::ffi;
use distarray_core::Result;
use std::ffi::{c_char, c_int, CString};
use std::sync::Mutex;

/// Handles alive in this process, and whether one of them initialized
/// PETSc (then the last to drop finalizes it).
static HANDLES: Mutex<(usize, bool)> = Mutex::new((0, false));

/// The command line handed to PetscInitialize (PETSc keeps pointers to it
/// until PetscFinalize): the strings and the pointer array, freed after
/// PetscFinalize.
struct Argv(#[allow(dead_code)] Box<[CString]>, Box<[*mut c_char]>);
// SAFETY: the pointers point into the CStrings owned alongside; only
// PETSc reads them, under HANDLES' lock discipline (init and finalize).
unsafe impl Send for Argv {}
static ARGV: Mutex<Option<Argv>> = Mutex::new(None);

/// PETSc, initialized after MPI and finalized before it: when the last
/// handle is dropped.
///
/// Handles are counted: a second `Petsc::init()` while one lives is
/// another handle to the same PETSc, and PETSc is finalized once, when the
/// last handle goes, so objects made through any handle never outlive the
/// library. Every PETSc object of the bridge borrows a handle. If PETSc
/// was initialized by other code, the handles finalize nothing.
///
/// # Examples
///
/// ```
/// let universe = mpi::initialize().unwrap();
/// let petsc = bridge_petsc::Petsc::init().unwrap();
/// let again = bridge_petsc::Petsc::init().unwrap(); // the same PETSc
/// drop(petsc);    // PETSc still runs: `again` lives
/// drop(again);    // PetscFinalize
/// drop(universe); // MPI_Finalize
/// ```
///
/// Every object borrows a handle, so none outlives PETSc:
///
/// ```compile_fail,E0505
/// use bridge_petsc::{Petsc, PetscVec};
/// # fn f(layout: &distarray_core::Layout) {
/// let petsc = Petsc::init().unwrap();
/// let v = PetscVec::new(&petsc, layout).unwrap();
/// drop(petsc); // error: `petsc` is borrowed by `v`
/// drop(v);
/// # }
/// ```
pub struct Petsc {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Petsc {
    /// Initializes PETSc on `MPI_COMM_WORLD` (MPI must be initialized, by
    /// rsmpi), or hands out another handle to the PETSc already running.
    /// The program's command line and `PETSC_OPTIONS` fill PETSc's options
    /// database at the first initialization.
    pub fn init() -> Result<Petsc> {
        let mut handles = HANDLES.lock().unwrap_or_else(|e| e.into_inner());
        let mut already: ffi::PetscBool = 0;
        // SAFETY: PetscInitialized only writes the flag.
        check(
            unsafe { ffi::PetscInitialized(&mut already) },
            "PetscInitialized",
        )?;
        if already == 0 {
            // PETSc keeps pointers to argv until PetscFinalize, which may
            // come through another handle than this one: the strings are
            // kept in ARGV and freed after PetscFinalize
            let args: Vec<CString> = std::env::args()
                .map(|a| CString::new(a).unwrap_or_default())
                .collect();
            let args = args.into_boxed_slice();
            let mut argv: Vec<*mut c_char> =
                args.iter().map(|a| a.as_ptr() as *mut c_char).collect();
            argv.push(std::ptr::null_mut());
            let mut argc = args.len() as c_int;
            // the lock is released at once (the failure path below takes
            // it again); the pointers stay valid: ARGV owns the memory
            let mut p = {
                let mut kept = ARGV.lock().unwrap_or_else(|e| e.into_inner());
                kept.insert(Argv(args, argv.into_boxed_slice()))
                    .1
                    .as_mut_ptr()
            };
            // SAFETY: argc/argv describe the strings kept in ARGV, which
            // live until after PetscFinalize; MPI is initialized, so PETSc
            // adopts it.
            check(
                unsafe {
                    ffi::PetscInitialize(&mut argc, &mut p, std::ptr::null(), std::ptr::null())
                },
                "PetscInitialize",
            )?;
            // SAFETY: a valid handler function for PETSc's signature.
            let pushed = check(
                unsafe { ffi::PetscPushErrorHandler(Some(record_error), std::ptr::null_mut()) },
                "PetscPushErrorHandler",
            );
            if let Err(e) = pushed {
                // no handle will exist to finalize it: finalize now
                // SAFETY: initialized just above, no object made yet.
                let code = unsafe { ffi::PetscFinalize() };
                *ARGV.lock().unwrap_or_else(|e| e.into_inner()) = None;
                if code != 0 {
                    eprintln!("bridge-petsc: PetscFinalize returned {code}");
                }
                return Err(e);
            }
            handles.1 = true;
        }
        handles.0 += 1;
        Ok(Petsc {
            _not_send: std::marker::PhantomData,
        })
    }

    /// Adds options as if given on the command line (e.g. `"-ksp_type cg"`).
    /// Collective over `comm` (normally the world): every rank must pass
    /// the same options (agreed first; ranks solving with other settings
    /// would leave a solve at different iterations).
    ///
    /// # Examples
    ///
    /// ```
    /// use distarray_core::Comm;
    /// let _u = mpi::initialize().unwrap();
    /// let petsc = bridge_petsc::Petsc::init().unwrap();
    /// // what every later Ksp reads at creation
    /// petsc.set_options_on(&Comm::world(), "-ksp_type cg -pc_type jacobi").unwrap();
    /// ```
    pub fn set_options_on(&self, comm: &distarray_core::Comm, options: &str) -> Result<()> {
        let args = distarray_core::comm::fingerprint(options.bytes().map(u64::from));
        comm.agree_on("Petsc::set_options", args, Ok(()))?;
        self.set_options(options)
    }

    /// Adds options as if given on the command line (e.g. `"-ksp_type cg"`),
    /// on this rank (see [`Petsc::set_options_on`] to check that every
    /// rank passes the same).
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
        let mut handles = HANDLES.lock().unwrap_or_else(|e| e.into_inner());
        handles.0 -= 1;
        if handles.0 == 0 && handles.1 {
            handles.1 = false;
            // SAFETY: PETSc was initialized by a handle of this process and
            // this was the last one; every PETSc object of the bridge
            // borrows a handle, so none is alive now.
            let code = unsafe { ffi::PetscFinalize() };
            *ARGV.lock().unwrap_or_else(|e| e.into_inner()) = None;
            if code != 0 {
                eprintln!("bridge-petsc: PetscFinalize returned {code}");
            }
        }
    }
}

//! PETSc return codes as Rust errors, with PETSc's own message.
//!
//! A custom error handler (installed by [`Petsc::init`](crate::Petsc::init))
//! records the messages PETSc produces while an error propagates; `check`
//! turns a non-zero code into an [`Error::Native`] carrying them.

use crate::ffi;
use distarray_core::{Error, Result};
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr};

thread_local! {
    static MESSAGES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn text(p: *const c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: PETSc passes NUL-terminated strings that live for the call.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// PETSc calls this for every frame of an error; it records and returns.
pub(crate) unsafe extern "C" fn record_error(
    _comm: mpi::ffi::MPI_Comm,
    line: c_int,
    func: *const c_char,
    file: *const c_char,
    code: ffi::PetscErrorCode,
    _kind: ffi::PetscErrorType,
    message: *const c_char,
    _ctx: *mut c_void,
) -> ffi::PetscErrorCode {
    let m = text(message);
    let entry = format!(
        "{}() at {}:{line}{}",
        text(func),
        text(file),
        if m.is_empty() {
            String::new()
        } else {
            format!(": {m}")
        }
    );
    MESSAGES.with(|v| v.borrow_mut().push(entry));
    code
}

/// Turns a PETSc return code into a `Result`.
pub(crate) fn check(code: ffi::PetscErrorCode, call: &str) -> Result<()> {
    if code == 0 {
        MESSAGES.with(|v| v.borrow_mut().clear());
        return Ok(());
    }
    let mut generic: *const c_char = std::ptr::null();
    // SAFETY: PetscErrorMessage only writes a pointer to a static string.
    unsafe { ffi::PetscErrorMessage(code, &mut generic, std::ptr::null_mut()) };
    let frames = MESSAGES.with(|v| std::mem::take(&mut *v.borrow_mut()));
    let mut message = text(generic);
    if !frames.is_empty() {
        message = format!("{message} [{}]", frames.join(" <- "));
    }
    Err(Error::Native {
        library: distarray_core::bridge::Library::Petsc,
        code: code as i64,
        call: call.into(),
        message,
    })
}

/// Converts a size to `PetscInt`, failing clearly when it does not fit.
pub(crate) fn pint(n: usize, what: &str) -> Result<ffi::PetscInt> {
    ffi::PetscInt::try_from(n).map_err(|_| {
        Error::InvalidArgument(format!(
            "{what} = {n} does not fit PETSc's {}-bit PetscInt",
            8 * std::mem::size_of::<ffi::PetscInt>()
        ))
    })
}

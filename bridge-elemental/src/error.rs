//! Elemental's error codes as Rust errors.

use crate::ffi;
use distarray_core::{Error, Result};
use std::ffi::CStr;

/// Turns an `ElError` into a `Result`. Elemental's C interface catches every
/// C++ exception and returns only its class as a code (the exception's text
/// goes to standard error), so the message names the code and the call.
pub(crate) fn check(code: ffi::ElError, call: &str) -> Result<()> {
    if code == ffi::ElError_EL_SUCCESS {
        return Ok(());
    }
    // SAFETY: ElErrorString returns a pointer to a static string for any code.
    let name = unsafe {
        let p = ffi::ElErrorString(code);
        if p.is_null() {
            "unknown error".to_string()
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    };
    Err(Error::Native {
        library: distarray_core::bridge::Library::Elemental,
        code: code as i64,
        call: call.into(),
        message: format!("{name} (Elemental printed the exception's text on standard error)"),
    })
}

/// Converts a size to Elemental's 32-bit `ElInt`, failing clearly.
pub(crate) fn el_int(n: usize, what: &str) -> Result<ffi::ElInt> {
    ffi::ElInt::try_from(n).map_err(|_| {
        Error::InvalidArgument(format!(
            "{what} = {n} does not fit Elemental's {}-bit ElInt",
            8 * std::mem::size_of::<ffi::ElInt>()
        ))
    })
}

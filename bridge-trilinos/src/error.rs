//! Trilinos' errors as Rust errors: every shim function returns a code and
//! copies the C++ exception's message, which [`call`] turns into an
//! [`Error::Native`] with [`Library::Trilinos`].

use distarray_core::bridge::Library;
use distarray_core::{Error, Result};
use std::ffi::{c_char, c_int};

/// Calls a shim function with an error buffer; a non-zero return becomes an
/// [`Error::Native`] naming `what` and carrying the exception's message.
pub(crate) fn call(what: &str, f: impl FnOnce(*mut c_char, c_int) -> c_int) -> Result<()> {
    let mut buf = vec![0 as c_char; 2048];
    let code = f(buf.as_mut_ptr(), buf.len() as c_int);
    if code == 0 {
        return Ok(());
    }
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    Err(Error::Native {
        library: Library::Trilinos,
        code: code as i64,
        call: what.into(),
        message: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

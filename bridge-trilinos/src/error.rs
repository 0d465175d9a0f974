//! Trilinos' errors as Rust errors: every shim function returns a code and
//! copies the C++ exception's message, which [`call`] turns into an
//! [`Error::Native`] with [`Library::Trilinos`].

use distarray_core::bridge::Library;
use distarray_core::{Comm, Error, Result};
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

/// Agrees over `comm` on this rank's verdict `made` of a shim constructor
/// that wrote `raw`, so that every rank returns the same: the handle when
/// every rank made one, otherwise the first failing rank's error — and the
/// handle this rank did make is freed with `free` (no rank keeps a native
/// object its peers do not have). Collective.
///
/// # Safety
///
/// `raw` is null or a handle the shim made on this rank that nothing else
/// owns, and `free` is its destructor.
pub(crate) unsafe fn agree_made<H>(
    comm: &Comm,
    made: Result<()>,
    raw: *mut H,
    free: unsafe extern "C" fn(*mut H),
) -> Result<*mut H> {
    match comm.agree(made) {
        Ok(()) => Ok(raw),
        Err(e) => {
            if !raw.is_null() {
                // SAFETY: the caller's contract: ours alone, freed once, here.
                unsafe { free(raw) };
            }
            Err(e)
        }
    }
}

/// `x` as a C `int`, or an [`Error::InvalidArgument`] naming `what`.
pub(crate) fn c_int_of(x: usize, what: &str) -> Result<c_int> {
    c_int::try_from(x).map_err(|_| {
        Error::InvalidArgument(format!(
            "{what}: {x} does not fit the C int Tpetra's shim takes (at most {})",
            c_int::MAX
        ))
    })
}

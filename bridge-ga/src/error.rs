//! Global Arrays' failures as Rust errors. GA reports misuse by aborting
//! the job and returns no error codes, so the bridge checks arguments
//! before every call (agreeing on the verdict on every rank) and reports
//! what GA does signal (a failed allocation, a refused handle) as an
//! [`Error::Native`] with [`Library::GlobalArrays`].

use distarray_core::bridge::Library;
use distarray_core::Error;

/// An [`Error::Native`] from GA's `call` (GA has no error codes: `code` 0).
pub(crate) fn native(call: &str, message: String) -> Error {
    Error::Native {
        library: Library::GlobalArrays,
        code: 0,
        call: call.into(),
        message,
    }
}

// The `ffi` module of a documentation build without PETSc (docs.rs; see
// `bridge_build::documentation_only`): the types the safe API's signatures
// and fields name, as bindgen writes them for Debian's PETSc 3.18 (real
// double scalars, 32-bit PetscInt). rustdoc resolves these; it does not
// type-check function bodies, so the functions they call need no stand-in.
// Everything else of PETSc's bindings exists only in a build with PETSc.

/// PETSc's error code (0: success).
pub type PetscErrorCode = ::std::os::raw::c_int;
/// PETSc's index type (`int` in Debian's build).
pub type PetscInt = ::std::os::raw::c_int;
/// How an error was raised (first or repeated).
pub type PetscErrorType = ::std::os::raw::c_uint;

macro_rules! opaque {
    ($($p:ident => $t:ident),* $(,)?) => {$(
        #[repr(C)]
        #[derive(Debug, Copy, Clone)]
        #[doc = concat!("PETSc's opaque `", stringify!($t), "` object.")]
        pub struct $p {
            _unused: [u8; 0],
        }
        #[doc = concat!("A PETSc `", stringify!($t), "` handle.")]
        pub type $t = *mut $p;
    )*};
}
opaque!(_p_Vec => Vec, _p_Mat => Mat, _p_KSP => KSP, _p_DM => DM, _p_PetscViewer => PetscViewer);
/// How a viewer opens its file (read, write, append).
pub type PetscFileMode = ::std::os::raw::c_int;
/// PETSc's scalar (`double` in Debian's real build).
pub type PetscScalar = f64;
/// PETSc's real type (`double`).
pub type PetscReal = f64;

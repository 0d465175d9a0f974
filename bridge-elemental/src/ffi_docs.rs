// The `ffi` module of a documentation build without Elemental (docs.rs; see
// `bridge_build::documentation_only`): the types the safe API's signatures
// and fields name and the enumerators it imports, as bindgen writes them
// from Elemental's C headers (`El/core/types-C.h`, `Grid-C.h`,
// `DistMatrix-C.h`; 32-bit `ElInt`, enums as constants). rustdoc resolves
// these; it does not type-check function bodies, so the functions they call
// need no stand-in. Everything else of the bindings exists only in a build
// with Elemental.

/// Elemental's integer (`int`: the bridge assumes no `EL_USE_64BIT_INTS`).
pub type ElInt = ::std::os::raw::c_int;

macro_rules! c_enum {
    ($($t:ident { $($name:ident = $v:literal),* $(,)? })*) => {$(
        #[doc = concat!("Elemental's `", stringify!($t), "` enumeration.")]
        pub type $t = ::std::os::raw::c_uint;
        $(
            #[doc = concat!("An enumerator of `", stringify!($t), "`.")]
            pub const $name: $t = $v;
        )*
    )*};
}
c_enum! {
    ElError { ElError_EL_SUCCESS = 0, ElError_EL_RUNTIME_ERROR = 5 }
    ElDist {
        ElDist_EL_MC = 0, ElDist_EL_MD = 1, ElDist_EL_MR = 2, ElDist_EL_VC = 3,
        ElDist_EL_VR = 4, ElDist_EL_STAR = 5, ElDist_EL_CIRC = 6,
    }
    ElOrientation { ElOrientation_EL_NORMAL = 0, ElOrientation_EL_TRANSPOSE = 1 }
    ElUpperOrLower { ElUpperOrLower_EL_LOWER = 0, ElUpperOrLower_EL_UPPER = 1 }
}

/// Elemental's opaque grid object.
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct ElGridDummy {
    _unused: [u8; 0],
}
/// A handle to an Elemental grid.
pub type ElGrid = *mut ElGridDummy;
/// A handle to an Elemental grid, read-only.
pub type ElConstGrid = *const ElGridDummy;

/// Elemental's opaque `DistMatrix<double>` object.
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct ElDistMatrix_dDummy {
    _unused: [u8; 0],
}
/// A handle to a `DistMatrix<double>`.
pub type ElDistMatrix_d = *mut ElDistMatrix_dDummy;

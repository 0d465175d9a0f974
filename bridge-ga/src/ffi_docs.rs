// The `ffi` module of a documentation build without Global Arrays (docs.rs;
// see `bridge_build::documentation_only`): GA's type ids, which the
// `GaElement` implementations name, with the values GA 5.8's `gacommon.h`
// gives them (MA's `MT_C_*`). rustdoc resolves these; it does not type-check
// function bodies, so the GA functions they call need no stand-in.
// Everything else of GA's bindings exists only in a build with GA.

/// GA's id of `double`.
pub const C_DBL: u32 = 1004;
/// GA's id of `double complex`.
pub const C_DCPL: u32 = 1007;
/// GA's id of `float`.
pub const C_FLOAT: u32 = 1003;
/// GA's id of `int`.
pub const C_INT: u32 = 1001;
/// GA's id of `long`.
pub const C_LONG: u32 = 1002;
/// GA's id of `float complex`.
pub const C_SCPL: u32 = 1006;

// The `ffi` module of a documentation build without Trilinos (docs.rs; see
// `bridge_build::documentation_only`): the shim's opaque handle types, which
// the safe API's fields name, as bindgen writes them from shim/tpetra_shim.h.
// rustdoc resolves these; it does not type-check function bodies, so the
// shim functions they call need no stand-in. The functions exist only in a
// build with Trilinos.

macro_rules! opaque {
    ($($t:ident: $what:literal),* $(,)?) => {$(
        #[repr(C)]
        #[derive(Debug, Copy, Clone)]
        #[doc = concat!("The shim's opaque handle to ", $what, ".")]
        pub struct $t {
            _unused: [u8; 0],
        }
    )*};
}
opaque!(
    TriMap: "a Tpetra map",
    TriVec: "a Tpetra vector",
    TriMat: "a Tpetra CrsMatrix",
    TriMV: "a Tpetra MultiVector",
    TriImporter: "a Tpetra Import",
    TriHostView: "a host view of a Tpetra (multi)vector's memory",
    TriSolver: "a Belos solver with its preconditioner",
);

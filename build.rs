//! Puts the run-time library path of bridges whose native library lives
//! outside the loader's default directories (Elemental, built from source
//! into a prefix) on this package's tests and examples, so they run without
//! `LD_LIBRARY_PATH`.

fn main() {
    if let Ok(dir) = std::env::var("DEP_EL_LIBDIR") {
        // DT_RPATH (not RUNPATH): it also finds libEl's own libraries (pmrrr, ...)
        println!("cargo:rustc-link-arg=-Wl,--disable-new-dtags,-rpath,{dir}");
    }
}

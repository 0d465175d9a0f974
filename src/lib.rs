pub use distarray_core::*;

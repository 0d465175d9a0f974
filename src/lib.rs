#![doc = include_str!("../README.md")]

pub use distarray_core::*;

//! The README's first example in an edition 2015 crate, where `::core::...` means a path
//! from this crate's root: the attribute's generated code must not write it.

extern crate keepalive_runtime;

include!("../../readme-example.rs");

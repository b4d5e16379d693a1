//! The README's first example in an edition 2018 crate.

include!("../../readme-example.rs");

//! The README's first example in an edition 2021 crate.

include!("../../readme-example.rs");

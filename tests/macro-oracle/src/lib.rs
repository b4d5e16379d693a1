//! The `#[keepalive]` macro's passes as an ordinary library, for the fuzzers in `tests/`.
//!
//! A proc-macro crate exports only its macros, so its source files are compiled here a
//! second time, as the same modules at the same paths (`crate::attr`, `crate::expand`, ...):
//! the fuzzers call the very code the attribute runs, with proc-macro2's fallback in place
//! of the compiler's tokens.

#![allow(missing_docs, unreachable_pub)]

#[path = "../../../keepalive-macros/src/ast.rs"]
mod ast;
#[path = "../../../keepalive-macros/src/attr.rs"]
mod attr;
#[path = "../../../keepalive-macros/src/cfg.rs"]
mod cfg;
#[path = "../../../keepalive-macros/src/ctxt.rs"]
mod ctxt;
#[path = "../../../keepalive-macros/src/doc.rs"]
mod doc;
#[path = "../../../keepalive-macros/src/expand.rs"]
mod expand;
#[path = "../../../keepalive-macros/src/manifest.rs"]
mod manifest;
#[path = "../../../keepalive-macros/src/plan.rs"]
mod plan;
#[path = "../../../keepalive-macros/src/symbol.rs"]
mod symbol;
#[path = "../../../keepalive-macros/src/valid.rs"]
mod valid;

pub mod seeded;

use proc_macro2::TokenStream;

/// The whole attribute, as `#[keepalive(args)] item` runs it.
pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args, item)
}

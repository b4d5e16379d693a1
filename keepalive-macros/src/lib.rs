//! The `#[keepalive]` attribute. Use it through `keepalive_runtime::keepalive`.
//!
//! One pass per module: [`attr`] reads the attribute into plain data, [`ast`] finds the
//! socket field, [`valid`] applies keepalive-core's rules, [`expand`] writes the impl.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod symbol;
mod valid;

use proc_macro::TokenStream;

/// See `keepalive_runtime::keepalive`.
#[proc_macro_attribute]
pub fn keepalive(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into()).into()
}

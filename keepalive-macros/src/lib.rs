//! The `#[keepalive]` attribute. Use it through `keepalive_runtime::keepalive`.

// One pass per module: `attr` reads the attribute into plain data, `ast` finds the socket
// field, `valid` applies keepalive-core's rules, `expand` writes the impl.

mod ast;
mod attr;
mod ctxt;
mod doc;
mod expand;
#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod oracle;
mod symbol;
mod valid;

use proc_macro::TokenStream;

/// Makes a TCP keep-alive policy part of a connection struct, checked while the crate
/// compiles, and implements `keepalive_runtime::KeepAlive` for it.
///
/// Keys (all optional): `timeout`, `interval`, `user_timeout` and `max_detect` take a
/// duration (`"1h 30m"`, `90s`, `500ms`, or the path of a `const` Duration); `retries` a
/// number or a `const` u32; `enabled = false` turns keep-alive off (no other key may then
/// appear); `apply = "before_connect" | "after_connect"`; `bounds = path::TO::BOUNDS` opts
/// into an organisation's `Bounds`; `crate = "path"` names a re-export of the runtime.
/// Mark the socket field with `#[keepalive(socket)]` when its type does not say so.
#[proc_macro_attribute]
pub fn keepalive(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into()).into()
}

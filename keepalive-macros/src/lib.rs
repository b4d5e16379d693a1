//! The `#[keepalive]` attribute. Use it through `keepalive_runtime::keepalive`.

use proc_macro::TokenStream;

/// See `keepalive_runtime::keepalive`.
#[proc_macro_attribute]
pub fn keepalive(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}

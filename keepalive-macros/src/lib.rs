//! The `#[keepalive]` attribute. Use it through `keepalive_runtime::keepalive`.

// One pass per module: `attr` reads the attribute into plain data, `ast` finds the socket
// field, `valid` applies keepalive-core's rules, `expand` writes the impl. The fuzzers
// compile these same files as a library of their own (tests/macro-oracle).

mod ast;
mod attr;
mod cfg;
mod ctxt;
mod doc;
mod expand;
mod manifest;
mod plan;
mod symbol;
mod valid;

use proc_macro::TokenStream;

/// Makes a TCP keep-alive policy part of a type, checked while the crate compiles.
///
/// On a struct with a socket field it implements `keepalive_runtime::KeepAlivePolicy` and
/// `keepalive_runtime::KeepAlive` (the socket, `keepalive_report()`, `keepalive_status()`,
/// `keepalive_cause()`); on a unit struct (`struct Api;`) it declares a *policy type*,
/// which implements `KeepAlivePolicy` alone. Either way `Api::policy()` (or
/// `Api::policy_with(&change)`) is what `apply`, `Listener`, the connect paths and the
/// integrations take. A struct with fields but no socket is an error.
///
/// Keys, all optional:
///
/// - `timeout` (idle time before the first probe), `interval` (between probes),
///   `user_timeout` (how long sent data may stay unacknowledged) and `max_detect`: a
///   duration, `"1h 30m"`, `90s`, `500ms`, or the path of a `const` `Duration`;
/// - `retries`: the probes sent before the connection is declared dead, a number or a
///   `const` `u32`;
/// - `enabled = false`: keep-alive deliberately off (only `bounds` and `crate` may then
///   appear);
/// - `apply = "before_connect"` (the default) or `"after_connect"`: when the crate's
///   connect paths set the options;
/// - `max_detect`: a bound on the worst-case dead-peer detection time, with
///   `detect_idle_only = true` when it covers idle connections only;
/// - `bounds = path::TO::BOUNDS`: an organisation's published `Bounds`;
/// - `best_effort = true`: a knob the target has no option for is left out at run time
///   (and reported) instead of being a compile error;
/// - `crate = "path"`: where the runtime is, for a crate that re-exports it.
///
/// The socket field is the one whose type is a TCP socket or a wrapper around one (`&T`,
/// `Box`, `Arc`, `Rc`, `Option`, buffered readers and writers, tokio's owned halves). Mark
/// it with `#[keepalive(socket)]` when its type does not show it (a generic parameter, a
/// type alias) or to pick one of several socket fields, or
/// with `#[keepalive(socket = path)]`, a `fn(&Field) -> &Socket` such as `Framed::get_ref`,
/// for any other wrapper.
///
/// ```
/// use keepalive_runtime::prelude::*;
///
/// // A policy type: a policy with no socket of its own.
/// #[keepalive(timeout = "60s", interval = "10s", retries = 5, user_timeout = "110s")]
/// struct Api;
///
/// // A connection that reconnects: `None` between connections.
/// #[keepalive(timeout = "2h", interval = "1s", retries = 5)]
/// struct Client {
///     stream: Option<std::io::BufReader<std::net::TcpStream>>,
/// }
///
/// // A TLS-like wrapper, reached through a function.
/// struct Tls { io: std::net::TcpStream }
/// fn tcp_of(tls: &Tls) -> &std::net::TcpStream { &tls.io }
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4, best_effort = true)]
/// struct Secure {
///     #[keepalive(socket = tcp_of)]
///     tls: Tls,
/// }
///
/// assert_eq!(Api::POLICY.retries(), Some(5));
/// assert!(matches!(
///     Client { stream: None }.socket(),
///     Err(keepalive_runtime::Error::NoSocket)
/// ));
/// assert!(Secure::ENFORCEMENT.is_best_effort());
/// ```
#[proc_macro_attribute]
pub fn keepalive(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::expand(args.into(), item.into()).into()
}

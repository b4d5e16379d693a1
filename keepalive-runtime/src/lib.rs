//! TCP keep-alive policy as a typed, compile-time-checked part of a connection type.
//!
//! ```
//! use keepalive_runtime::{keepalive, KeepAlive};
//!
//! #[keepalive(timeout = "2h", interval = "1s", retries = 5)]
//! struct Conn {
//!     stream: std::net::TcpStream,
//! }
//!
//! assert_eq!(Conn::POLICY.retries(), Some(5));
//! ```

mod socket;

pub use keepalive_core::{
    BoundViolation, Bounds, DetectionError, DurationError, Knob, KnobValue, Platform, Policy,
    Violation, format_duration, parse_duration,
};
pub use keepalive_macros::keepalive;
pub use socket::KeepAliveSocket;

/// When the connect path sets the options. Never while a connect is in progress: Windows
/// answers WSAEINVAL there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Apply {
    /// On the unconnected socket, so the first segment already carries the policy.
    #[default]
    BeforeConnect,
    /// On the established stream, once the connect has completed.
    AfterConnect,
}

/// A connection type whose keep-alive policy is part of its type. Implemented by
/// `#[keepalive(...)]`.
pub trait KeepAlive {
    /// The policy written in the attribute, checked while the crate compiled.
    const POLICY: Policy;
    /// When the connect path applies it (`apply = "..."`).
    const APPLY: Apply;
    /// The type of the socket field.
    type Socket: KeepAliveSocket;
    /// The socket field.
    fn socket(&self) -> &Self::Socket;
}

/// What generated code names. Not part of the public API.
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

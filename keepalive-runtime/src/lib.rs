//! TCP keep-alive policy as a typed, compile-time-checked part of a connection type.

pub use keepalive_core::{Policy, parse_duration};
pub use keepalive_macros::keepalive;

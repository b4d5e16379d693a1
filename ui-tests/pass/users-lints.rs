// a crate that denies missing docs, deprecation and clippy's nursery, with a deprecated type and a where-clause
#![deny(missing_docs, warnings, clippy::nursery)]
//! A crate of the user's.

use keepalive_runtime::keepalive;
use keepalive_runtime::socket::KeepAliveSocket;

/// A connection.
#[deprecated = "use the new one"]
#[keepalive(timeout = "30s", interval = "5s", retries = 4)]
pub struct Old {
    stream: std::net::TcpStream,
}

/// A generic connection.
#[keepalive(timeout = "30s")]
pub struct Generic<S>
where
    S: KeepAliveSocket,
{
    #[keepalive(socket)]
    stream: S,
}

fn main() {}

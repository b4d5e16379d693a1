#![deny(missing_docs, warnings, clippy::nursery)]
//! The README's first example, and the forms that once set off a user's lints (a
//! deprecated type, a where-clause beside the attribute's bound, a const path), in a crate
//! that denies missing docs, every warning and clippy's nursery. `cargo clippy --workspace`
//! lints it; its test connects.

use keepalive_runtime::socket::KeepAliveSocket;
use keepalive_runtime::{KeepAlivePolicy, connect, keepalive};

/// The README's connection type.
#[keepalive(timeout = "2h", interval = "1s", retries = 5)]
#[derive(Debug)]
pub struct Conn {
    stream: std::net::TcpStream,
}

/// Connects to `addr` with [`Conn`]'s policy set before the handshake.
///
/// # Errors
///
/// What the connect path returns.
pub fn open(addr: std::net::SocketAddr) -> Result<Conn, keepalive_runtime::Error> {
    Ok(Conn {
        stream: connect(addr, Conn::policy())?.stream,
    })
}

/// An older connection type, kept for its users.
#[deprecated = "use `Conn`"]
#[keepalive(timeout = IDLE, interval = "5s", retries = 4)]
#[derive(Debug)]
pub struct Old {
    stream: std::net::TcpStream,
}

/// The idle time of [`Old`].
pub const IDLE: core::time::Duration = core::time::Duration::from_secs(30);

/// A connection over any TCP socket.
#[keepalive(timeout = "30s")]
#[derive(Debug)]
pub struct Generic<S>
where
    S: KeepAliveSocket,
{
    #[keepalive(socket)]
    stream: S,
}

#[cfg(test)]
mod tests {
    use keepalive_runtime::KeepAlive;

    #[test]
    fn readme_example() {
        let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let conn = super::open(server.local_addr().unwrap()).unwrap();
        assert!(conn.keepalive_report().unwrap().all_match());
    }
}

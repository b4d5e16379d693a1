//! A library that ships connection types with keep-alive defaults: the attribute checks
//! them while the library compiles, and an application may replace any of them at run time
//! through a [`PolicyOverride`], which `policy_with` checks by every rule the attribute
//! enforced for the type.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use keepalive_runtime::socket::ConnectPolicy;
use keepalive_runtime::{Bounds, Error, PolicyOverride, keepalive};

/// A database connection: idle dead peers are found within 2 h 10 s unless the application
/// says otherwise (the bound is stated for idle connections: a query in flight is bounded
/// by the application's own deadline).
#[keepalive(
    timeout = "2h",
    interval = "1s",
    retries = 10,
    max_detect = "2h 1m",
    detect_idle_only = true
)]
#[derive(Debug)]
pub struct DbConn {
    stream: TcpStream,
}

/// The limits an organisation publishes for its production services, as it would in a
/// crate of its own.
pub const PRODUCTION: Bounds = Bounds::new("keepalive-defaults-lib", "PRODUCTION")
    .with_max_retries(5)
    .with_max_detection(Duration::from_secs(120));

/// An API connection held to [`PRODUCTION`] and to its own `max_detect`: an application's
/// override (code, configuration file, environment) can change its timings but never
/// take it past either bound.
#[keepalive(
    timeout = "60s",
    interval = "10s",
    retries = 3,
    user_timeout = "90s",
    max_detect = "100s",
    bounds = PRODUCTION
)]
#[derive(Debug)]
pub struct ApiConn {
    stream: TcpStream,
}

/// Connects with the type's defaults, changed by `overrides` through the type's own
/// `policy_with`. An invalid override is refused before any socket is created.
fn connect_as<C: ConnectPolicy>(
    addr: SocketAddr,
    overrides: &PolicyOverride,
) -> Result<TcpStream, Error> {
    let policy = C::policy_with(overrides)?;
    Ok(keepalive_runtime::connect(addr, policy)?.stream)
}

impl DbConn {
    /// Connects with the library's defaults, changed by `overrides`.
    pub fn connect(addr: SocketAddr, overrides: &PolicyOverride) -> Result<DbConn, Error> {
        connect_as::<Self>(addr, overrides).map(|stream| DbConn { stream })
    }

    /// The connection's stream.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

impl ApiConn {
    /// Connects with the library's defaults, changed by `overrides`.
    pub fn connect(addr: SocketAddr, overrides: &PolicyOverride) -> Result<ApiConn, Error> {
        connect_as::<Self>(addr, overrides).map(|stream| ApiConn { stream })
    }

    /// The connection's stream.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

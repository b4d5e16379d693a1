//! A library that ships a connection type with keep-alive defaults: the attribute checks
//! them while the library compiles, and an application may replace any of them at run time
//! through a [`PolicyOverride`], which is checked by the same rules.

use std::net::{SocketAddr, TcpStream};

use keepalive_runtime::{Apply, Error, KeepAlivePolicy, Policy, PolicyOverride, TARGET, keepalive};

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

impl DbConn {
    /// Connects with the library's defaults, changed by `overrides`. An invalid override
    /// is refused before any socket is created.
    pub fn connect(addr: SocketAddr, overrides: &PolicyOverride) -> Result<DbConn, Error> {
        let policy = Self::policy_with(overrides)?;
        let stream = keepalive_runtime::connect_with(addr, &policy, Apply::BeforeConnect)?;
        Ok(DbConn { stream })
    }

    /// The library's defaults with `overrides` applied and checked for this target.
    pub fn policy_with(overrides: &PolicyOverride) -> Result<Policy, Error> {
        overrides
            .apply_to(Self::POLICY, TARGET)
            .map_err(Error::from)
    }

    /// The connection's stream.
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

//! Connect paths that honour [`Apply`]: the options are set on the unconnected socket or on
//! the established stream, never while a connect is in progress (Windows answers
//! WSAEINVAL there). Every address a name resolves to is tried in order, and the error of
//! each attempt is kept.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use keepalive_core::Policy;
use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::apply::{apply_reported, check, checked_policy};
use crate::error::Error;
use crate::outcome::BestEffort;
use crate::{Apply, ConnectPolicy};

/// A stream from a connect path, with what was set on it.
#[derive(Debug)]
pub struct Connected<S> {
    /// The connected stream.
    pub stream: S,
    /// The options set, and each knob left out and why (only a `best_effort = true` policy
    /// leaves any out).
    pub report: BestEffort,
}

/// One address a connect path tried, and why it failed. [`Error::Connect`] holds one per
/// address, in the order they were tried.
#[derive(Debug)]
pub struct Attempt {
    /// The address tried.
    pub addr: SocketAddr,
    /// Why it failed: the connect itself ([`Error::Io`]), or setting the policy.
    pub error: Error,
}

/// `addr: error`, as [`Error::Connect`] lists them.
///
/// ```
/// use keepalive_runtime::{Error, connect, keepalive};
///
/// #[keepalive(timeout = "30s")]
/// struct Api;
///
/// // A port nothing listens on: the connect is refused.
/// let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
/// let Err(Error::Connect { attempts }) = connect::<Api>(addr) else { panic!() };
/// for attempt in &attempts {
///     eprintln!("{attempt}"); // 127.0.0.1:40117: connect failed: Connection refused (os error 111)
/// }
/// assert!(attempts[0].to_string().starts_with(&format!("{addr}: connect failed: ")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.addr, self.error)
    }
}

/// A connect path's apply: the policy on a stream socket, before the handshake or after it
/// (never while it is in progress).
fn apply_connected(
    socket: SockRef<'_>,
    policy: &Policy,
    best_effort: bool,
) -> Result<BestEffort, Error> {
    apply_reported(
        &socket,
        policy,
        keepalive_core::Role::Connected,
        best_effort,
    )
}

/// The error of an attempt that ran out of `timeout`, saying how long it was given: the
/// bare "timed out" of socket2 and tokio leaves a reader guessing whose timeout it was.
fn out_of_time(timeout: Duration) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!(
            "no handshake within the connect timeout of {}",
            keepalive_core::format_duration(timeout)
        ),
    )
}

/// Connects to `addrs` (a `SocketAddr`, `"host:port"`, `("host", port)`, a slice of
/// addresses: any [`ToSocketAddrs`]) with a blocking socket, and applies `C::POLICY` as
/// `C::APPLY` says, leaving out what the OS cannot honour where `C::BEST_EFFORT`. Each
/// resolved address is tried in the order the resolver gives; the first that connects is
/// returned, else [`Error::Connect`] with every attempt's error.
///
/// `C` is a policy type or a connection type whose socket is a stream; a type whose socket
/// is a listener does not compile here.
///
/// ```no_run
/// use keepalive_runtime::{connect, keepalive};
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Conn {
///     stream: std::net::TcpStream,
/// }
///
/// let conn = Conn { stream: connect::<Conn>("db.internal:5432")?.stream };
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connect<C: ConnectPolicy + ?Sized>(
    addrs: impl ToSocketAddrs,
) -> Result<Connected<TcpStream>, Error> {
    // Checked for this target while the crate compiled, whoever implemented C.
    connect_each(
        addrs,
        &checked_policy::<C>(),
        C::APPLY,
        C::BEST_EFFORT,
        None,
    )
}

/// [`connect`], giving each address at most `timeout` to complete its handshake; an
/// attempt that runs out fails with [`std::io::ErrorKind::TimedOut`] and the next address
/// is tried.
///
/// ```no_run
/// use std::time::Duration;
/// use keepalive_runtime::{Error, connect_timeout, keepalive};
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Conn {
///     stream: std::net::TcpStream,
/// }
///
/// match connect_timeout::<Conn>("db.internal:5432", Duration::from_secs(3)) {
///     Ok(done) => {
///         let conn = Conn { stream: done.stream };
///         # drop(conn);
///     }
///     // Every address the name resolved to, in the order tried, with its own error:
///     // "[2001:db8::7]:5432: connect failed: no handshake within the connect timeout of 3s"
///     Err(Error::Connect { attempts }) => {
///         for attempt in &attempts {
///             eprintln!("{attempt}");
///         }
///     }
///     // Resolving the name failed ("resolve failed: ..."), or the policy was refused.
///     Err(other) => eprintln!("{other}"),
/// }
/// ```
pub fn connect_timeout<C: ConnectPolicy + ?Sized>(
    addrs: impl ToSocketAddrs,
    timeout: Duration,
) -> Result<Connected<TcpStream>, Error> {
    connect_each(
        addrs,
        &checked_policy::<C>(),
        C::APPLY,
        C::BEST_EFFORT,
        Some(timeout),
    )
}

/// [`connect`] for a policy built at run time: checked against the target's limits first,
/// and applied in full or not at all (nothing is left out, so only the stream is returned).
pub fn connect_with(
    addrs: impl ToSocketAddrs,
    policy: &Policy,
    when: Apply,
) -> Result<TcpStream, Error> {
    check(policy)?;
    connect_each(addrs, policy, when, false, None).map(|done| done.stream)
}

fn connect_each(
    addrs: impl ToSocketAddrs,
    policy: &Policy,
    when: Apply,
    best_effort: bool,
    timeout: Option<Duration>,
) -> Result<Connected<TcpStream>, Error> {
    let addrs = addrs.to_socket_addrs().map_err(Error::io("resolve"))?;
    let mut attempts = Vec::new();
    for addr in addrs {
        match connect_one(addr, policy, when, best_effort, timeout) {
            Ok(done) => return Ok(done),
            Err(error) => attempts.push(Attempt { addr, error }),
        }
    }
    Err(Error::Connect { attempts })
}

fn connect_one(
    addr: SocketAddr,
    policy: &Policy,
    when: Apply,
    best_effort: bool,
    timeout: Option<Duration>,
) -> Result<Connected<TcpStream>, Error> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(Error::io("socket"))?;
    let mut report = BestEffort::default();
    if when == Apply::BeforeConnect {
        report = apply_connected(SockRef::from(&socket), policy, best_effort)?;
    }
    // Blocking: returns once the handshake has completed, failed or run out of time, so no
    // option is set while it is in progress.
    match timeout {
        // socket2's own timeout has no OS error behind it; the OS's ETIMEDOUT keeps its text.
        Some(timeout) => {
            socket
                .connect_timeout(&addr.into(), timeout)
                .map_err(|e| match e.raw_os_error() {
                    None if e.kind() == io::ErrorKind::TimedOut => out_of_time(timeout),
                    _ => e,
                })
        }
        None => socket.connect(&addr.into()),
    }
    .map_err(Error::io("connect"))?;
    if when == Apply::AfterConnect {
        report = apply_connected(SockRef::from(&socket), policy, best_effort)?;
    }
    Ok(Connected {
        stream: socket.into(),
        report,
    })
}

/// The async paths, over tokio (feature `tokio`): connect, and a configured listener. Not
/// named `tokio`, so that `use keepalive_runtime::*` leaves the `tokio` crate reachable.
#[cfg(feature = "tokio")]
pub mod async_tokio {
    use std::net::SocketAddr;
    use std::time::Duration;

    use ::tokio::net::{TcpSocket, TcpStream, ToSocketAddrs, lookup_host};
    use keepalive_core::Policy;
    use socket2::SockRef;

    use super::{Attempt, Connected, out_of_time};
    use crate::apply::{check, checked_policy};
    use crate::error::Error;
    use crate::outcome::BestEffort;
    use crate::{Apply, ConnectPolicy};

    pub use crate::listen::async_tokio::Listener;

    /// Connects to `addrs` (any tokio [`ToSocketAddrs`](::tokio::net::ToSocketAddrs):
    /// `"host:port"`, a `SocketAddr`, ...) and applies `C::POLICY` as `C::APPLY` says: on
    /// the `TcpSocket` before `connect`, or on the stream once `connect` has completed. Each
    /// resolved address is tried in order, and a failure lists every attempt; see
    /// [`connect`](super::connect()).
    ///
    /// ```
    /// use keepalive_runtime::prelude::*;
    /// use tokio::io::BufReader;
    /// use tokio::net::TcpStream;
    ///
    /// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
    /// struct LineClient {
    ///     stream: Option<BufReader<TcpStream>>, // `None` between reconnects
    /// }
    ///
    /// impl LineClient {
    ///     async fn reconnect(&mut self, addr: &str) -> Result<(), keepalive_runtime::Error> {
    ///         let done = keepalive_runtime::async_tokio::connect::<Self>(addr).await?;
    ///         self.stream = Some(BufReader::new(done.stream));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let mut client = LineClient { stream: None };
    /// client.reconnect(&server.local_addr()?.to_string()).await?;
    /// assert!(client.keepalive_report()?.all_match());
    /// # Ok(()) }
    /// ```
    pub async fn connect<C: ConnectPolicy + ?Sized>(
        addrs: impl ToSocketAddrs,
    ) -> Result<Connected<TcpStream>, Error> {
        // Checked for this target while the crate compiled, whoever implemented C.
        connect_each(
            addrs,
            &checked_policy::<C>(),
            C::APPLY,
            C::BEST_EFFORT,
            None,
        )
        .await
    }

    /// [`connect`], giving each address at most `timeout` (through `tokio::time`, so the
    /// runtime needs its timer enabled); an attempt that runs out fails with
    /// [`std::io::ErrorKind::TimedOut`] and the next address is tried. See
    /// [`connect_timeout`](super::connect_timeout()) for reading the attempts.
    pub async fn connect_timeout<C: ConnectPolicy + ?Sized>(
        addrs: impl ToSocketAddrs,
        timeout: Duration,
    ) -> Result<Connected<TcpStream>, Error> {
        connect_each(
            addrs,
            &checked_policy::<C>(),
            C::APPLY,
            C::BEST_EFFORT,
            Some(timeout),
        )
        .await
    }

    /// [`connect`] for a policy built at run time: checked against the target's limits
    /// first, and applied in full or not at all.
    pub async fn connect_with(
        addrs: impl ToSocketAddrs,
        policy: &Policy,
        when: Apply,
    ) -> Result<TcpStream, Error> {
        check(policy)?;
        connect_each(addrs, policy, when, false, None)
            .await
            .map(|done| done.stream)
    }

    async fn connect_each(
        addrs: impl ToSocketAddrs,
        policy: &Policy,
        when: Apply,
        best_effort: bool,
        timeout: Option<Duration>,
    ) -> Result<Connected<TcpStream>, Error> {
        let addrs = lookup_host(addrs).await.map_err(Error::io("resolve"))?;
        let mut attempts = Vec::new();
        for addr in addrs {
            match connect_one(addr, policy, when, best_effort, timeout).await {
                Ok(done) => return Ok(done),
                Err(error) => attempts.push(Attempt { addr, error }),
            }
        }
        Err(Error::Connect { attempts })
    }

    async fn connect_one(
        addr: SocketAddr,
        policy: &Policy,
        when: Apply,
        best_effort: bool,
        timeout: Option<Duration>,
    ) -> Result<Connected<TcpStream>, Error> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(Error::io("socket"))?;
        let mut report = BestEffort::default();
        if when == Apply::BeforeConnect {
            report = super::apply_connected(SockRef::from(&socket), policy, best_effort)?;
        }
        // The future resolves only once the non-blocking connect has completed; no option
        // is touched while it is in progress. Dropping it on timeout closes the socket.
        let connecting = socket.connect(addr);
        let stream = match timeout {
            Some(timeout) => ::tokio::time::timeout(timeout, connecting)
                .await
                .map_err(|_| out_of_time(timeout))
                .and_then(|done| done),
            None => connecting.await,
        }
        .map_err(Error::io("connect"))?;
        if when == Apply::AfterConnect {
            report = super::apply_connected(SockRef::from(&stream), policy, best_effort)?;
        }
        Ok(Connected { stream, report })
    }
}

//! Connect paths that honour [`ApplyAt`]: the options are set on the unconnected socket or on
//! the established stream, never while a connect is in progress (Windows answers
//! WSAEINVAL there). Every address a name resolves to is tried in order, and the error of
//! each attempt is kept.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use keepalive_core::Policy;
use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::apply::apply_reported;
use crate::error::Error;
use crate::outcome::Applied;
use crate::socket::ConnectPolicy;
use crate::{ApplyAt, CheckedPolicy};

/// A stream from a connect path, with what was set on it.
#[derive(Debug)]
pub struct Connected<S> {
    /// The connected stream.
    pub stream: S,
    /// The options set, and each knob left out and why (only a `best_effort = true` policy
    /// type leaves any out).
    pub applied: Applied,
}

/// One address a connect path tried, and why it failed. [`Error::Connect`] holds one per
/// address, in the order they were tried.
#[derive(Debug)]
pub struct Attempt {
    /// The address tried.
    pub addr: SocketAddr,
    /// Why it failed: the connect itself ([`Error::Io`], or [`Error::Handshake`] where the
    /// policy's user timeout ended it), or setting the policy.
    pub error: Error,
}

/// `addr: error`, as [`Error::Connect`] lists them.
///
/// ```
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::{Error, connect};
///
/// #[keepalive(timeout = "30s")]
/// struct Api;
///
/// // A port nothing listens on: the connect is refused.
/// let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
/// let Err(Error::Connect { attempts }) = connect(addr, Api::policy()) else { panic!() };
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
) -> Result<Applied, Error> {
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
/// addresses: any [`ToSocketAddrs`]) with a blocking socket, and applies `policy` at the
/// moment its type's [`ApplyAt`] says, leaving out what the OS cannot honour where the type
/// is `best_effort = true`. Each resolved address is tried in the order the resolver gives;
/// the first that connects is returned, else [`Error::Connect`] with every attempt's error.
///
/// `policy` is `C::policy()`, or `C::policy_with(&change)` for a policy changed at run time.
/// `C` is a policy type or a connection type whose socket is a stream; a type whose socket
/// is a listener does not compile here.
///
/// ```no_run
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::connect;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Conn {
///     stream: std::net::TcpStream,
/// }
///
/// let conn = Conn { stream: connect("db.internal:5432", Conn::policy())?.stream };
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connect<C: ConnectPolicy + ?Sized>(
    addrs: impl ToSocketAddrs,
    policy: CheckedPolicy<C>,
) -> Result<Connected<TcpStream>, Error> {
    connect_each(addrs, (&policy).into(), None)
}

/// [`connect`], giving each address at most `timeout` to complete its handshake; an
/// attempt that runs out fails with [`std::io::ErrorKind::TimedOut`] and the next address
/// is tried.
///
/// With `apply = "before_connect"` (the default) and a `user_timeout`, Linux bounds the
/// handshake by the user timeout too: a peer that never answers fails after the shorter of
/// the two, and the attempt's error says which.
///
/// ```no_run
/// use std::time::Duration;
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::{Error, connect_timeout};
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Conn {
///     stream: std::net::TcpStream,
/// }
///
/// match connect_timeout("db.internal:5432", Conn::policy(), Duration::from_secs(3)) {
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
    policy: CheckedPolicy<C>,
    timeout: Duration,
) -> Result<Connected<TcpStream>, Error> {
    connect_each(addrs, (&policy).into(), Some(timeout))
}

/// What a connect path needs of a checked policy: the values, the moment, best effort.
#[derive(Clone, Copy)]
pub(crate) struct Plan<'a> {
    pub(crate) policy: &'a Policy,
    pub(crate) when: ApplyAt,
    pub(crate) best_effort: bool,
}

impl<'a, C: crate::KeepAlivePolicy + ?Sized> From<&'a CheckedPolicy<C>> for Plan<'a> {
    fn from(checked: &'a CheckedPolicy<C>) -> Self {
        Plan {
            policy: checked.as_policy(),
            when: checked.apply_at(),
            best_effort: checked.is_best_effort(),
        }
    }
}

/// The error of a handshake that failed with the OS's own ETIMEDOUT: where the policy's
/// user timeout was set before the connect, it is what ended the handshake (Linux applies
/// TCP_USER_TIMEOUT to SYN retransmissions), so the error says so, keeping the OS error.
fn handshake_error(e: io::Error, plan: Plan<'_>) -> Error {
    match plan.policy.user_timeout() {
        Some(user_timeout)
            if plan.when == ApplyAt::BeforeConnect
                && e.kind() == io::ErrorKind::TimedOut
                && e.raw_os_error().is_some() =>
        {
            Error::Handshake {
                user_timeout,
                source: e,
            }
        }
        _ => Error::io("connect")(e),
    }
}

fn connect_each(
    addrs: impl ToSocketAddrs,
    plan: Plan<'_>,
    timeout: Option<Duration>,
) -> Result<Connected<TcpStream>, Error> {
    let addrs = addrs.to_socket_addrs().map_err(Error::io("resolve"))?;
    let mut attempts = Vec::new();
    for addr in addrs {
        match connect_one(addr, plan, timeout) {
            Ok(done) => return Ok(done),
            Err(error) => attempts.push(Attempt { addr, error }),
        }
    }
    Err(Error::Connect { attempts })
}

fn connect_one(
    addr: SocketAddr,
    plan: Plan<'_>,
    timeout: Option<Duration>,
) -> Result<Connected<TcpStream>, Error> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(Error::io("socket"))?;
    let mut applied = Applied::default();
    if plan.when == ApplyAt::BeforeConnect {
        applied = apply_connected(SockRef::from(&socket), plan.policy, plan.best_effort)?;
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
    .map_err(|e| handshake_error(e, plan))?;
    if plan.when == ApplyAt::AfterConnect {
        applied = apply_connected(SockRef::from(&socket), plan.policy, plan.best_effort)?;
    }
    Ok(Connected {
        stream: socket.into(),
        applied,
    })
}

/// The async connect paths, over tokio (feature `tokio`), re-exported as
/// `keepalive_runtime::async_tokio`.
#[cfg(feature = "tokio")]
pub(crate) mod async_tokio {
    use std::net::SocketAddr;
    use std::time::Duration;

    use ::tokio::net::{TcpSocket, TcpStream, ToSocketAddrs, lookup_host};
    use socket2::SockRef;

    use super::{Attempt, Connected, Plan, handshake_error, out_of_time};
    use crate::error::Error;
    use crate::outcome::Applied;
    use crate::socket::ConnectPolicy;
    use crate::{ApplyAt, CheckedPolicy};

    /// Connects to `addrs` (any tokio [`ToSocketAddrs`](::tokio::net::ToSocketAddrs):
    /// `"host:port"`, a `SocketAddr`, ...) and applies `policy` at the moment its type's
    /// [`ApplyAt`] says: on the `TcpSocket` before `connect`, or on the stream once
    /// `connect` has completed. Each
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
    ///         let done = keepalive_runtime::async_tokio::connect(addr, Self::policy()).await?;
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
        policy: CheckedPolicy<C>,
    ) -> Result<Connected<TcpStream>, Error> {
        connect_each(addrs, (&policy).into(), None).await
    }

    /// [`connect`], giving each address at most `timeout` (through `tokio::time`, so the
    /// runtime needs its timer enabled); an attempt that runs out fails with
    /// [`std::io::ErrorKind::TimedOut`] and the next address is tried. See
    /// [`connect_timeout`](super::connect_timeout()) for reading the attempts.
    pub async fn connect_timeout<C: ConnectPolicy + ?Sized>(
        addrs: impl ToSocketAddrs,
        policy: CheckedPolicy<C>,
        timeout: Duration,
    ) -> Result<Connected<TcpStream>, Error> {
        connect_each(addrs, (&policy).into(), Some(timeout)).await
    }

    pub(crate) async fn connect_each(
        addrs: impl ToSocketAddrs,
        plan: Plan<'_>,
        timeout: Option<Duration>,
    ) -> Result<Connected<TcpStream>, Error> {
        let addrs = lookup_host(addrs).await.map_err(Error::io("resolve"))?;
        let mut attempts = Vec::new();
        for addr in addrs {
            match connect_one(addr, plan, timeout).await {
                Ok(done) => return Ok(done),
                Err(error) => attempts.push(Attempt { addr, error }),
            }
        }
        Err(Error::Connect { attempts })
    }

    async fn connect_one(
        addr: SocketAddr,
        plan: Plan<'_>,
        timeout: Option<Duration>,
    ) -> Result<Connected<TcpStream>, Error> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(Error::io("socket"))?;
        let mut applied = Applied::default();
        if plan.when == ApplyAt::BeforeConnect {
            applied =
                super::apply_connected(SockRef::from(&socket), plan.policy, plan.best_effort)?;
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
        .map_err(|e| handshake_error(e, plan))?;
        if plan.when == ApplyAt::AfterConnect {
            applied =
                super::apply_connected(SockRef::from(&stream), plan.policy, plan.best_effort)?;
        }
        Ok(Connected { stream, applied })
    }
}

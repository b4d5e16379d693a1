//! Connect paths that honour [`Apply`]: the options are set on the unconnected socket or on
//! the established stream, never while a connect is in progress (Windows answers
//! WSAEINVAL there).

use std::net::{SocketAddr, TcpListener, TcpStream};

use keepalive_core::Policy;
use socket2::{Domain, Protocol, SockRef, Socket, Type};

use crate::apply::{apply_as, check};
use crate::error::Error;
use crate::{Apply, KeepAlive, sys};

/// Connects to `addr` with a blocking socket and applies `C::POLICY` as `C::APPLY` says
/// (leaving out what the OS cannot honour where `C::BEST_EFFORT`). Returns the socket
/// field's type (`std::net::TcpStream`, `socket2::Socket`).
///
/// ```no_run
/// use keepalive_runtime::{connect, keepalive};
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Conn {
///     stream: std::net::TcpStream,
/// }
///
/// let conn = Conn { stream: connect::<Conn>("127.0.0.1:5432".parse()?)? };
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connect<C: KeepAlive>(addr: SocketAddr) -> Result<C::Socket, Error>
where
    C::Socket: From<Socket>,
{
    // The attribute checked C::POLICY for this target while the crate compiled.
    connect_as(addr, &C::POLICY, C::APPLY, C::BEST_EFFORT).map(Into::into)
}

/// [`connect`] for a policy built at run time: checked against the target's limits first.
pub fn connect_with(addr: SocketAddr, policy: &Policy, when: Apply) -> Result<Socket, Error> {
    check(policy)?;
    connect_as(addr, policy, when, false)
}

fn connect_as(
    addr: SocketAddr,
    policy: &Policy,
    when: Apply,
    best_effort: bool,
) -> Result<Socket, Error> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(Error::io("socket"))?;
    if when == Apply::BeforeConnect {
        apply_as(&SockRef::from(&socket), policy, best_effort)?;
    }
    // Blocking: returns once the handshake has completed or failed.
    socket.connect(&addr.into()).map_err(Error::io("connect"))?;
    if when == Apply::AfterConnect {
        apply_as(&SockRef::from(&socket), policy, best_effort)?;
    }
    Ok(socket)
}

/// Accepts a connection on a listener configured with `policy` (through [`apply`]).
///
/// On Linux, Windows and the BSDs an accepted socket inherits the listener's keep-alive
/// options and this is `listener.accept()`, with no extra system call. On Apple systems
/// XNU copies the interval and the count but not the idle time, so it is set again here.
///
/// [`apply`]: crate::apply()
pub fn accept(listener: &TcpListener, policy: &Policy) -> Result<(TcpStream, SocketAddr), Error> {
    let (stream, peer) = listener.accept().map_err(Error::io("accept"))?;
    sys::after_accept(&SockRef::from(&stream), policy)?;
    Ok((stream, peer))
}

/// The async connect path, over `tokio::net::TcpSocket` (feature `tokio`). Not named
/// `tokio`, so that `use keepalive_runtime::*` leaves the `tokio` crate reachable.
#[cfg(feature = "tokio")]
pub mod async_tokio {
    use std::net::SocketAddr;

    use ::tokio::net::{TcpListener, TcpSocket, TcpStream};
    use keepalive_core::Policy;
    use socket2::SockRef;

    use crate::apply::{apply_as, check};
    use crate::error::Error;
    use crate::{Apply, KeepAlive, sys};

    /// Connects to `addr` and applies `C::POLICY` as `C::APPLY` says: on the `TcpSocket`
    /// before `connect`, or on the stream once `connect` has completed.
    pub async fn connect<C>(addr: SocketAddr) -> Result<TcpStream, Error>
    where
        C: KeepAlive<Socket = TcpStream>,
    {
        // The attribute checked C::POLICY for this target while the crate compiled.
        connect_as(addr, &C::POLICY, C::APPLY, C::BEST_EFFORT).await
    }

    /// [`connect`] for a policy built at run time: checked against the target's limits
    /// first.
    pub async fn connect_with(
        addr: SocketAddr,
        policy: &Policy,
        when: Apply,
    ) -> Result<TcpStream, Error> {
        check(policy)?;
        connect_as(addr, policy, when, false).await
    }

    async fn connect_as(
        addr: SocketAddr,
        policy: &Policy,
        when: Apply,
        best_effort: bool,
    ) -> Result<TcpStream, Error> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4(),
            SocketAddr::V6(_) => TcpSocket::new_v6(),
        }
        .map_err(Error::io("socket"))?;
        if when == Apply::BeforeConnect {
            apply_as(&SockRef::from(&socket), policy, best_effort)?;
        }
        // The future resolves only once the non-blocking connect has completed; no option
        // is touched while it is in progress.
        let stream = socket.connect(addr).await.map_err(Error::io("connect"))?;
        if when == Apply::AfterConnect {
            apply_as(&SockRef::from(&stream), policy, best_effort)?;
        }
        Ok(stream)
    }

    /// [`accept`](super::accept) for a tokio listener.
    pub async fn accept(
        listener: &TcpListener,
        policy: &Policy,
    ) -> Result<(TcpStream, SocketAddr), Error> {
        let (stream, peer) = listener.accept().await.map_err(Error::io("accept"))?;
        sys::after_accept(&SockRef::from(&stream), policy)?;
        Ok((stream, peer))
    }
}

//! The socket types a policy can be applied to.

use socket2::SockRef;

/// A TCP socket a keep-alive policy can be applied to.
///
/// Datagram sockets and local (Unix) streams do not implement it: they have no TCP
/// keep-alive.
#[diagnostic::on_unimplemented(
    message = "keep-alive needs a TCP stream; `{Self}` is not one",
    label = "not a TCP socket",
    note = "use std::net::TcpStream, std::net::TcpListener, socket2::Socket, or with feature `tokio` tokio::net::{{TcpStream, TcpSocket, TcpListener}}"
)]
pub trait KeepAliveSocket {
    /// Whether the Rust type alone guarantees a stream socket. Where it does not
    /// (`socket2::Socket`), the runtime reads SO_TYPE before setting anything.
    const KNOWN_STREAM: bool;

    /// A borrowed view for socket2's option calls.
    fn sock_ref(&self) -> SockRef<'_>;
}

macro_rules! stream_types {
    ($($ty:ty => $known:expr),* $(,)?) => {$(
        impl KeepAliveSocket for $ty {
            const KNOWN_STREAM: bool = $known;
            fn sock_ref(&self) -> SockRef<'_> {
                SockRef::from(self)
            }
        }
    )*};
}

stream_types! {
    std::net::TcpStream => true,
    std::net::TcpListener => true,
    socket2::Socket => false,
}

#[cfg(feature = "tokio")]
stream_types! {
    tokio::net::TcpStream => true,
    tokio::net::TcpSocket => true,
    tokio::net::TcpListener => true,
}

impl<T: KeepAliveSocket + ?Sized> KeepAliveSocket for &T {
    const KNOWN_STREAM: bool = T::KNOWN_STREAM;
    fn sock_ref(&self) -> SockRef<'_> {
        (**self).sock_ref()
    }
}

//! The socket types a policy can be applied to, and the field types that hold one.

use std::rc::Rc;
use std::sync::Arc;

use socket2::SockRef;

use crate::error::Error;
use crate::{KeepAlive, KeepAlivePolicy};

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

    /// [`Self::KNOWN_STREAM`] of the socket's own type, which a `dyn AnySocket` keeps.
    #[doc(hidden)]
    fn is_known_stream(&self) -> bool {
        Self::KNOWN_STREAM
    }
}

/// A policy a connect path can use: a policy type, or a connection type whose socket is a
/// stream. A connection type whose socket is a listener is not one, so handing it to
/// [`connect()`](crate::connect()) is a compile error.
#[diagnostic::on_unimplemented(
    message = "a connect path needs a connection type whose socket is a stream, or a policy type; `{Self}` is neither",
    note = "accept on a listener with `keepalive_runtime::Listener::bind(addr, C::policy())`"
)]
pub trait ConnectPolicy: KeepAlivePolicy {}

impl<C: KeepAlive + ?Sized> ConnectPolicy for C where C::Socket: StreamSocket {}

/// A policy an accept path can use: a policy type, or a connection type whose socket is a
/// listener. A connection type whose socket is a stream is not one, so handing it to
/// [`Listener`](crate::Listener) is a compile error.
#[diagnostic::on_unimplemented(
    message = "an accept path needs a connection type whose socket is a listener, or a policy type; `{Self}` is neither",
    note = "connect with `keepalive_runtime::connect(addr, C::policy())`"
)]
pub trait ListenPolicy: KeepAlivePolicy {}

impl<C: KeepAlive + ?Sized> ListenPolicy for C where C::Socket: ListenerSocket {}

macro_rules! stream_types {
    ($($ty:ty => $known:expr, $($role:ident)+;)*) => {$(
        $(impl $role for $ty {})+
        impl KeepAliveSocket for $ty {
            const KNOWN_STREAM: bool = $known;
            fn sock_ref(&self) -> SockRef<'_> {
                SockRef::from(self)
            }
        }
        impl SocketField for $ty {
            type Socket = $ty;
            #[inline]
            fn socket(&self) -> Result<&$ty, Error> {
                Ok(self)
            }
        }
    )*};
}

// socket2::Socket and tokio's TcpSocket can become either, so both paths take them.
stream_types! {
    std::net::TcpStream => true, StreamSocket;
    std::net::TcpListener => true, ListenerSocket;
    socket2::Socket => false, StreamSocket ListenerSocket;
}

#[cfg(feature = "tokio")]
stream_types! {
    tokio::net::TcpStream => true, StreamSocket;
    tokio::net::TcpSocket => true, StreamSocket ListenerSocket;
    tokio::net::TcpListener => true, ListenerSocket;
}

/// A socket that connects: what a connect path produces. Listeners do not implement it, so a
/// connection type whose socket is a listener cannot be given to a connect path.
#[diagnostic::on_unimplemented(
    message = "a connect path needs a connection type whose socket is a stream; `{Self}` is a listener",
    label = "a listener, not a stream",
    note = "accept on a listener with `keepalive_runtime::Listener::bind(addr, C::policy())` (or `async_tokio::Listener::bind`); connect with a type whose socket is a TcpStream, or with a policy type (`#[keepalive(...)] struct Api;`)"
)]
pub trait StreamSocket: KeepAliveSocket {}

/// A socket that listens: what an accept path configures. Streams do not implement it, so a
/// connection type whose socket is a stream cannot be given to an accept path.
#[diagnostic::on_unimplemented(
    message = "an accept path needs a connection type whose socket is a listener; `{Self}` is a stream",
    label = "a stream, not a listener",
    note = "connect with `keepalive_runtime::connect(addr, C::policy())`; accept with a type whose socket is a TcpListener, or with a policy type (`#[keepalive(...)] struct Api;`)"
)]
pub trait ListenerSocket: KeepAliveSocket {}

impl<T: KeepAliveSocket + ?Sized> KeepAliveSocket for &T {
    const KNOWN_STREAM: bool = T::KNOWN_STREAM;
    fn sock_ref(&self) -> SockRef<'_> {
        (**self).sock_ref()
    }
}

/// A socket reached through `#[keepalive(socket = path)]`, whose type the attribute cannot
/// name. Implemented for every [`KeepAliveSocket`]; SO_TYPE is read before anything is set
/// only where the socket's own type does not guarantee a stream (`socket2::Socket`).
pub trait AnySocket {
    /// A borrowed view for socket2's option calls.
    fn any_sock_ref(&self) -> SockRef<'_>;
    /// Whether the socket's own type guarantees a stream socket.
    fn any_known_stream(&self) -> bool;
}

impl<S: KeepAliveSocket + ?Sized> AnySocket for S {
    fn any_sock_ref(&self) -> SockRef<'_> {
        self.sock_ref()
    }
    fn any_known_stream(&self) -> bool {
        self.is_known_stream()
    }
}

// The type is erased, but the socket remembers whether its own type guarantees a stream,
// so a TcpStream behind an accessor costs no SO_TYPE read.
impl KeepAliveSocket for dyn AnySocket + '_ {
    const KNOWN_STREAM: bool = false;
    fn sock_ref(&self) -> SockRef<'_> {
        self.any_sock_ref()
    }
    fn is_known_stream(&self) -> bool {
        self.any_known_stream()
    }
}

// Its type is not known while compiling, so neither path can refuse it.
impl StreamSocket for dyn AnySocket + '_ {}
impl ListenerSocket for dyn AnySocket + '_ {}

/// The type of a connection's socket field: a socket, or a wrapper that owns or borrows
/// one. The attribute reaches the socket through it.
///
/// Implemented for the [`KeepAliveSocket`] types and, around any of them, `&T`, `&mut T`,
/// `Box<T>`, `Arc<T>`, `Rc<T>`, `std::io::BufReader<T>` / `BufWriter<T>`, `Option<T>` (a
/// connection that reconnects: `None` is [`Error::NoSocket`]) and, with feature `tokio`,
/// tokio's `BufReader` / `BufWriter` / `BufStream` and `OwnedReadHalf` / `OwnedWriteHalf`.
/// Any other wrapper names its way to the socket with `#[keepalive(socket = path)]`.
#[diagnostic::on_unimplemented(
    message = "keep-alive needs a TCP stream; `{Self}` is not one",
    label = "not a TCP socket",
    note = "use std::net::TcpStream, std::net::TcpListener, socket2::Socket, or with feature `tokio` tokio::net::{{TcpStream, TcpSocket, TcpListener}}; behind &, Box, Arc, Rc, Option or a buffered reader or writer; for another wrapper write `#[keepalive(socket = path)]` with `fn(&Field) -> &Socket`"
)]
pub trait SocketField {
    /// The socket inside.
    type Socket: KeepAliveSocket + ?Sized;
    /// The socket inside, or [`Error::NoSocket`] where there is none now (`None`).
    fn socket(&self) -> Result<&Self::Socket, Error>;
}

macro_rules! through {
    ($([$($generics:tt)*] $ty:ty => |$this:ident| $reach:expr),* $(,)?) => {$(
        impl<$($generics)*> SocketField for $ty {
            type Socket = T::Socket;
            #[inline]
            fn socket(&self) -> Result<&T::Socket, Error> {
                let $this = self;
                $reach.socket()
            }
        }
    )*};
}

through! {
    ['a, T: SocketField + ?Sized] &'a T => |this| *this,
    ['a, T: SocketField + ?Sized] &'a mut T => |this| &**this,
    [T: SocketField + ?Sized] Box<T> => |this| &**this,
    [T: SocketField + ?Sized] Arc<T> => |this| &**this,
    [T: SocketField + ?Sized] Rc<T> => |this| &**this,
    [T: SocketField] std::io::BufReader<T> => |this| this.get_ref(),
    [T: SocketField + std::io::Write] std::io::BufWriter<T> => |this| this.get_ref(),
}

#[cfg(feature = "tokio")]
through! {
    [T: SocketField + tokio::io::AsyncRead] tokio::io::BufReader<T> => |this| this.get_ref(),
    [T: SocketField + tokio::io::AsyncWrite] tokio::io::BufWriter<T> => |this| this.get_ref(),
    [T: SocketField + tokio::io::AsyncRead + tokio::io::AsyncWrite] tokio::io::BufStream<T> =>
        |this| this.get_ref(),
}

#[cfg(feature = "tokio")]
macro_rules! owned_halves {
    ($($ty:ty),*) => {$(
        impl SocketField for $ty {
            type Socket = tokio::net::TcpStream;
            #[inline]
            fn socket(&self) -> Result<&tokio::net::TcpStream, Error> {
                Ok(self.as_ref())
            }
        }
    )*};
}

#[cfg(feature = "tokio")]
owned_halves!(
    tokio::net::tcp::OwnedReadHalf,
    tokio::net::tcp::OwnedWriteHalf
);

impl<T: SocketField> SocketField for Option<T> {
    type Socket = T::Socket;
    #[inline]
    fn socket(&self) -> Result<&T::Socket, Error> {
        match self {
            Some(inner) => inner.socket(),
            None => Err(Error::NoSocket),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Behind `dyn AnySocket` a TcpStream still needs no SO_TYPE read; a socket2 socket,
    /// whose type does not say, still gets one.
    #[test]
    fn an_erased_socket_keeps_whether_its_type_is_a_stream() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let erased: &dyn AnySocket = &stream;
        assert!(erased.is_known_stream());
        let socket = socket2::Socket::from(stream);
        let erased: &dyn AnySocket = &socket;
        assert!(!erased.is_known_stream());
    }
}

// a TLS-like wrapper whose socket is reached through a function of the user's
use keepalive_runtime::{KeepAlive, keepalive};
use std::net::TcpStream;

/// Stands for a TLS stream: its `get_ref` returns the socket beside the session.
struct TlsStream<IO> {
    io: IO,
    session: (),
}

impl<IO> TlsStream<IO> {
    fn get_ref(&self) -> (&IO, &()) {
        (&self.io, &self.session)
    }
}

fn tcp_of(tls: &TlsStream<TcpStream>) -> &TcpStream {
    tls.get_ref().0
}

#[keepalive(timeout = "30s")]
struct Secure {
    #[keepalive(socket = tcp_of)]
    tls: TlsStream<TcpStream>,
}

fn socket<C: KeepAlive>() {}

fn main() {
    socket::<Secure>();
}

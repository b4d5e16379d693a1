// an accessor that takes the socket instead of the field
use keepalive_runtime::keepalive;
use std::net::TcpStream;

struct Tls {
    io: TcpStream,
}

fn tcp_of(io: &TcpStream) -> &TcpStream {
    io
}

#[keepalive(timeout = "30s")]
struct Secure {
    #[keepalive(socket = tcp_of)]
    tls: Tls,
}

fn main() {
    let _ = |t: Tls| t.io;
}

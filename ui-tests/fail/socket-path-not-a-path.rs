// a socket accessor written as a string instead of a path
use keepalive_runtime::keepalive;
use std::net::TcpStream;

struct Tls {
    io: TcpStream,
}

fn tcp_of(tls: &Tls) -> &TcpStream {
    &tls.io
}

#[keepalive(timeout = "30s")]
struct Secure {
    #[keepalive(socket = "tcp_of")]
    tls: Tls,
}

fn main() {}

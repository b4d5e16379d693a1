// a second stream field that exists only on unix, next to the main one, with no marker
use keepalive_runtime::keepalive;
use std::net::TcpStream;

#[keepalive(timeout = "30s")]
struct Proxy {
    client: TcpStream,
    #[cfg(unix)]
    upstream: TcpStream,
}

fn main() {}

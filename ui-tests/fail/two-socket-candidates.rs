// a struct with two TCP streams and no marker
use keepalive_runtime::keepalive;

use std::net::TcpStream;

#[keepalive(timeout = "30s")]
struct Proxy {
    client: TcpStream,
    upstream: TcpStream,
}

fn main() {}

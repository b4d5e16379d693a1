// two fields both marked as the socket
use keepalive_runtime::keepalive;

use std::net::TcpStream;

#[keepalive(timeout = "30s")]
struct Proxy {
    #[keepalive(socket)]
    client: TcpStream,
    #[keepalive(socket)]
    upstream: TcpStream,
}

fn main() {}

// a struct with no socket field, used elsewhere in the crate: one error, not one per use
use keepalive_runtime::prelude::*;

#[keepalive(timeout = "30s")]
struct Conn {
    name: String,
}

#[keepalive(timeout = "30s")]
struct Proxy {
    client: std::net::TcpStream,
    upstream: std::net::TcpStream,
}

fn main() {
    let _ = Conn::POLICY.timeout();
    let _ = Proxy::APPLY;
    let _ = |conn: &Conn| conn.keepalive_status();
    let _ = |proxy: &Proxy| proxy.socket().map(|s| s.peer_addr());
}

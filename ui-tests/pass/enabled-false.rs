// keep-alive deliberately off, recorded in the type
use keepalive_runtime::prelude::*;

#[keepalive(enabled = false)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert!(!Conn::POLICY.is_enabled());
}

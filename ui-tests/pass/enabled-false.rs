// keep-alive deliberately off, recorded in the type
use keepalive_runtime::{Apply, KeepAlive, Policy, keepalive};
use core::time::Duration;

#[keepalive(enabled = false)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert!(!Conn::POLICY.is_enabled());
}

// keep-alive on, every timing left to the OS
use keepalive_runtime::{Apply, KeepAlive, Policy, keepalive};
use core::time::Duration;

#[keepalive]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY, Policy::new());
}

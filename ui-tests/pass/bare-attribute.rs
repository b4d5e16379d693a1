// keep-alive on, every timing left to the OS
use keepalive_runtime::{KeepAlivePolicy, Policy, keepalive};

#[keepalive]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY, Policy::new());
}

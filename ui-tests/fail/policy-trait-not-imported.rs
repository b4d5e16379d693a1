// reading a connection type's policy with only the `KeepAlive` trait imported
use keepalive_runtime::{KeepAlive, keepalive};

#[keepalive(timeout = "30s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    let _ = Conn::POLICY;
    let _ = <Conn as KeepAlive>::socket;
}

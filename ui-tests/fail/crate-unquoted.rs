// the runtime path without quotes
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", crate = keepalive_runtime)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

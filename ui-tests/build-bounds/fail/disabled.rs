// keep-alive turned off where the build-wide setting says require_enabled
use keepalive_runtime::keepalive;

#[keepalive(enabled = false)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

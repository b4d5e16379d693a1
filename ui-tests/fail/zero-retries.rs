// zero probes
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", retries = 0)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

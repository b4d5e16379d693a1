// a probe count with a duration unit
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", retries = 5s)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a key the attribute does not have
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", linger = "5s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

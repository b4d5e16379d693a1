// the same key written twice
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", timeout = "60s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a key with no value
use keepalive_runtime::keepalive;

#[keepalive(timeout, interval = "5s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

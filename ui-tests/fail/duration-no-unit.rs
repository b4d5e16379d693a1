// a timeout with no unit
use keepalive_runtime::keepalive;

#[keepalive(timeout = 5)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

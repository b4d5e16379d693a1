// a negative timeout
use keepalive_runtime::keepalive;

#[keepalive(timeout = -5s)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

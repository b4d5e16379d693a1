// a zero idle time
use keepalive_runtime::keepalive;

#[keepalive(timeout = "0s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a duration given as a boolean
use keepalive_runtime::keepalive;

#[keepalive(timeout = true)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

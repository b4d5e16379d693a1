// a comma forgotten between two keys
use keepalive_runtime::keepalive;

#[keepalive(timeout = "5s" interval = "1s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a duration in scientific notation
use keepalive_runtime::keepalive;

#[keepalive(timeout = 1e3ms)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

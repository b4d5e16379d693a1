// organisation bounds named by a string
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", bounds = "PRODUCTION")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

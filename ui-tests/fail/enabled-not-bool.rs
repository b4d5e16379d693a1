// keep-alive turned off with a string
use keepalive_runtime::keepalive;

#[keepalive(enabled = "no")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// the apply moment without its quotes
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", apply = after_connect)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

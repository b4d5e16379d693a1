// a pinned boxed stream
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    stream: std::pin::Pin<Box<std::net::TcpStream>>,
}

fn main() {}

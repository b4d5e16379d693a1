// the same field marked as the socket twice
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    #[keepalive(socket)]
    #[keepalive(socket)]
    stream: std::net::TcpStream,
}

fn main() {}

// `apply` with a value it does not take
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", apply = "on_connect")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

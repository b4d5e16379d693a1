// the idle time under another common name
use keepalive_runtime::keepalive;

#[keepalive(idle = "30s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

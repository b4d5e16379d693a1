// a stream behind a lock
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    stream: std::sync::Mutex<std::net::TcpStream>,
}

fn main() {}

// a runtime re-export path that is not a path
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", crate = "my lib")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

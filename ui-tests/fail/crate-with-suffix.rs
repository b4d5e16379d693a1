// a suffix after the quoted path of the runtime crate
use keepalive_runtime::keepalive;

#[keepalive(crate = "keepalive_runtime"foo, timeout = "30s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

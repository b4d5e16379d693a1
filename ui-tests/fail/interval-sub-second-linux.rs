// a sub-second interval, which Linux counts in whole seconds
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = 500ms)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

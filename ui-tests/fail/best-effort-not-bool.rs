// opting into best effort with a string instead of a bool
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", best_effort = "yes")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

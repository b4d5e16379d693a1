// keep-alive turned off, and best effort asked for the knobs that are not there
use keepalive_runtime::keepalive;

#[keepalive(enabled = false, best_effort = true)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

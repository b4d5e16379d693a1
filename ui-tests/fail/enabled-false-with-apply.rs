// keep-alive turned off while still choosing when to apply it
use keepalive_runtime::keepalive;

#[keepalive(enabled = false, apply = "after_connect")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

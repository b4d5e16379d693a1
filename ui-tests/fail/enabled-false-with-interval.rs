// keep-alive turned off while still setting an interval
use keepalive_runtime::keepalive;

#[keepalive(enabled = false, interval = "5s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a duration of several units without quotes
use keepalive_runtime::keepalive;

#[keepalive(timeout = 1h 30m)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

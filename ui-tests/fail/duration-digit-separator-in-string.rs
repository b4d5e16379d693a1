// a digit separator inside a quoted duration
use keepalive_runtime::keepalive;

#[keepalive(timeout = "1_000ms")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

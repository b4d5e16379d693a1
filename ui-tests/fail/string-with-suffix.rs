// a unit written after the closing quote of a duration string
use keepalive_runtime::keepalive;

#[keepalive(timeout = "5s"h)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a duration with a space between the number and its unit
use keepalive_runtime::keepalive;

#[keepalive(timeout = 30 s)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a duration written in hexadecimal, with no unit
use keepalive_runtime::keepalive;

#[keepalive(timeout = 0x1E)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

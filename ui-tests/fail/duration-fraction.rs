// one and a half seconds written as a fraction
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = 1.5s)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// three mistakes in one attribute, all reported at once
use keepalive_runtime::keepalive;

#[keepalive(idle = "30s", interval = "5 seconds", retries = 0)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a misspelt key
use keepalive_runtime::keepalive;

#[keepalive(timout = "30s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

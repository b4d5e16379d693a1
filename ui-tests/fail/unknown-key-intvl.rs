// the interval under the sysctl's name
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", intvl = "5s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

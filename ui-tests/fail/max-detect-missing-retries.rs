// a detection bound resting on the OS's retry count
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", max_detect = "1m")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a literal timeout above the build-wide max_timeout, on a type that never opted in
use keepalive_runtime::keepalive;

#[keepalive(timeout = "10m", interval = "10s", retries = 3, user_timeout = "10m 30s")]
pub struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

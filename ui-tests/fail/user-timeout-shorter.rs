// a user timeout that cuts the probes short
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "40s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

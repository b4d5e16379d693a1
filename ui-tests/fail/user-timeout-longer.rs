// a user timeout that keeps probing past the retries
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "2m")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

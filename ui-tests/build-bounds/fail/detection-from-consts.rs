// values behind const paths whose worst-case detection exceeds the build-wide max_detect
use keepalive_runtime::keepalive;

use core::time::Duration;

const IDLE: Duration = Duration::from_secs(60);

#[keepalive(timeout = IDLE, interval = "30s", retries = 3, user_timeout = "150s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// an idle time from a const that Linux cannot honour
use keepalive_runtime::keepalive;

use core::time::Duration;

const IDLE: Duration = Duration::from_secs(40_000);

#[keepalive(timeout = IDLE)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

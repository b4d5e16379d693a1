// an idle time from the type's own const that Linux cannot honour
use core::time::Duration;
use keepalive_runtime::keepalive;

#[keepalive(timeout = Self::IDLE)]
struct Conn {
    stream: std::net::TcpStream,
}

impl Conn {
    const IDLE: Duration = Duration::from_secs(40_000);
}

fn main() {}

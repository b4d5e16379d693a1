// durations written as strings in every unit
use keepalive_runtime::prelude::*;
use core::time::Duration;

#[keepalive(timeout = "1h 30m", interval = "1s 0ms", user_timeout = "1h 30m 15s")]
struct Conn {
    stream: std::net::TcpStream,
}

#[keepalive(timeout = "5min", interval = "90s")]
struct Other {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY.timeout(), Some(Duration::from_secs(5400)));
    assert_eq!(Conn::POLICY.user_timeout(), Some(Duration::from_secs(5415)));
    assert_eq!(Other::POLICY.timeout(), Some(Duration::from_secs(300)));
    assert_eq!(Other::POLICY.interval(), Some(Duration::from_secs(90)));
}

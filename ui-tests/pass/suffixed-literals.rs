// durations written as suffixed literals
use keepalive_runtime::prelude::*;
use core::time::Duration;

#[keepalive(timeout = 2h, interval = 90s, user_timeout = 1h30m)]
struct Conn {
    stream: std::net::TcpStream,
}

#[keepalive(timeout = 5min, interval = 1000ms)]
struct Other {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY.timeout(), Some(Duration::from_secs(7200)));
    assert_eq!(Conn::POLICY.interval(), Some(Duration::from_secs(90)));
    assert_eq!(Conn::POLICY.user_timeout(), Some(Duration::from_secs(5400)));
    assert_eq!(Other::POLICY.timeout(), Some(Duration::from_secs(300)));
    assert_eq!(Other::POLICY.interval(), Some(Duration::from_secs(1)));
}

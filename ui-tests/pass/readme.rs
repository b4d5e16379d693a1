// the README example: Windows' defaults written out
use keepalive_runtime::{ApplyAt, KeepAlivePolicy, keepalive};
use core::time::Duration;

#[keepalive(timeout = "2h", interval = "1s", retries = 5)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY.timeout(), Some(Duration::from_secs(7200)));
    assert_eq!(Conn::POLICY.interval(), Some(Duration::from_secs(1)));
    assert_eq!(Conn::POLICY.retries(), Some(5));
    assert_eq!(Conn::APPLY, ApplyAt::BeforeConnect);
}

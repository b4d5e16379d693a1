// A bound stated for idle connections only: no user timeout needed, and the type says so.
use keepalive_runtime::{KeepAlivePolicy, keepalive};

#[keepalive(timeout = "30s", interval = "5s", retries = 4, max_detect = "1m",
            detect_idle_only = true)]
struct IdleConn {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(IdleConn::POLICY.retries(), Some(4));
}

// a policy within the organisation's bounds, from another crate
use keepalive_runtime::prelude::*;
use core::time::Duration;

#[keepalive(timeout = "60s", interval = "10s", retries = 3, user_timeout = "90s",
            bounds = keepalive_org_policy::PRODUCTION)]
struct Conn {
    stream: std::net::TcpStream,
}

#[keepalive(bounds = keepalive_org_policy::INTERNAL)]
struct Tool {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY.worst_case_detection(), Ok(Duration::from_secs(90)));
    assert!(Tool::POLICY.is_enabled());
}

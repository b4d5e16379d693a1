// names in the user's scope that the expansion must neither define nor depend on
#![deny(unused_qualifications)]
use std::time::Duration;
use keepalive_runtime::{KeepAlivePolicy, keepalive};

// A user's own items named like the ones the expansion uses.
#[allow(non_camel_case_types, dead_code)]
struct bool;
#[allow(dead_code)]
struct Policy;
#[allow(dead_code)]
struct Apply;
#[allow(dead_code)]
mod core {}
const P: Duration = Duration::from_secs(41);

#[keepalive(timeout = P, interval = "1s", retries = 3, best_effort = true, max_detect = "1h",
            detect_idle_only = true)]
struct Conn {
    stream: std::net::TcpStream,
}

// A trailing comma after the last key, in the attribute and in the field marker.
#[keepalive(timeout = "1s",)]
struct Marked {
    #[keepalive(socket,)]
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY.timeout(), Some(P));
    assert!(Conn::ENFORCEMENT.is_best_effort());
    assert_eq!(Marked::POLICY.timeout(), Some(Duration::from_secs(1)));
}

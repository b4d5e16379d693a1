// one policy for every OS: knobs an OS has no option for are left out there and reported
use keepalive_runtime::prelude::*;

#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s", best_effort = true)]
struct Conn {
    stream: std::net::TcpStream,
}

#[keepalive(timeout = "30s")]
struct Strict {
    stream: std::net::TcpStream,
}

fn main() {
    assert!(Conn::ENFORCEMENT.is_best_effort());
    assert!(!Strict::ENFORCEMENT.is_best_effort());
}

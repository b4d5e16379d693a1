// NetBSD has no user timeout: with `best_effort = true` the policy compiles there and the
// runtime leaves user_timeout out (and reports it) instead of the build failing. FreeBSD maps
// it to TCP_MAXUNACKTIME; FreeBSD 13, which lacks it, is left out at run time (ENOPROTOOPT).
//@ x86_64-unknown-freebsd ok
//@ x86_64-unknown-netbsd ok
//@ x86_64-unknown-linux-gnu ok
use keepalive_runtime::{KeepAlivePolicy, keepalive};

#[keepalive(timeout = "30s", interval = "5s", user_timeout = "50s", best_effort = true)]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert!(Conn::ENFORCEMENT.is_best_effort());
}

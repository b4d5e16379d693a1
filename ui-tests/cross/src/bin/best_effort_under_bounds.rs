// `best_effort = true` leaves user_timeout out where the OS has no option for it (NetBSD),
// but an organisation bound limits user_timeout: a bound is certified only for what the
// target really applies, so the build fails there and names the bound. FreeBSD has one
// (TCP_MAXUNACKTIME, FreeBSD 14 and later).
//@ x86_64-unknown-freebsd ok
//@ x86_64-unknown-netbsd error: `best_effort = true` leaves `user_timeout` out on NetBSD, which has no option for it, but acme::PRODUCTION rests on `user_timeout`
//@ x86_64-unknown-linux-gnu ok
//@ x86_64-apple-darwin ok
use core::time::Duration;
use keepalive_runtime::{Bounds, keepalive};

const PRODUCTION: Bounds =
    Bounds::new("acme", "PRODUCTION").with_max_user_timeout(Duration::from_secs(60));

#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s",
            bounds = PRODUCTION, best_effort = true)]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

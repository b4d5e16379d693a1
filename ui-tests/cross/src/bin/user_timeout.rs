// A per-socket user timeout: TCP_USER_TIMEOUT (Linux, Android), TCP_RXT_CONNDROPTIME
// (Apple), TCP_MAXUNACKTIME (FreeBSD 14 and later), TCP_MAXRT (Windows); NetBSD and illumos
// have none.
//@ x86_64-unknown-freebsd ok
//@ x86_64-unknown-netbsd error: `user_timeout` cannot be honoured on NetBSD
//@ x86_64-unknown-illumos error: `user_timeout` cannot be honoured on illumos/Solaris
//@ aarch64-linux-android ok
//@ x86_64-apple-darwin ok
//@ x86_64-pc-windows-gnu ok
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", user_timeout = "60s")]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

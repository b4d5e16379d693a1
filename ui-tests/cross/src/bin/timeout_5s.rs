// illumos/Solaris refuse an idle time under 10 s (tcps_keepalive_interval_low).
//@ x86_64-unknown-illumos error: `timeout = "5s"` is below the minimum illumos/Solaris accepts for TCP_KEEPIDLE (10 s)
//@ x86_64-unknown-freebsd ok
//@ x86_64-pc-windows-gnu ok
use keepalive_runtime::keepalive;

#[keepalive(timeout = "5s")]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

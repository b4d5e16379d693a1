// illumos/Solaris bound TCP_KEEPINTVL by tcp_rto_max (60 s). The message writes 61 s as "1m 1s".
//@ x86_64-unknown-illumos error: `interval = "1m 1s"` is above the maximum illumos/Solaris accepts for TCP_KEEPINTVL (60 s)
//@ x86_64-unknown-freebsd ok
use keepalive_runtime::keepalive;

#[keepalive(timeout = "2m", interval = "61s")]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

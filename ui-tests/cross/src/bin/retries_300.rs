// TCP_KEEPCNT: at most 255 on Windows, 127 on Linux/Android; FreeBSD takes any u_int.
//@ x86_64-pc-windows-gnu error: `retries = 300` is above the maximum Windows accepts for TCP_KEEPCNT (255)
//@ aarch64-linux-android error: `retries = 300` is above the maximum Android accepts for TCP_KEEPCNT (127)
//@ x86_64-unknown-freebsd ok
use keepalive_runtime::keepalive;

#[keepalive(retries = 300)]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

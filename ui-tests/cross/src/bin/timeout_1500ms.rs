// SIO_KEEPALIVE_VALS takes milliseconds and NetBSD 500 ms ticks; the other Unix options whole seconds.
//@ x86_64-pc-windows-gnu ok
//@ x86_64-apple-darwin error: macOS/iOS counts `timeout` in whole seconds (TCP_KEEPALIVE)
//@ aarch64-apple-ios error: macOS/iOS counts `timeout` in whole seconds (TCP_KEEPALIVE)
//@ x86_64-unknown-netbsd ok
use keepalive_runtime::keepalive;

#[keepalive(timeout = "1500ms", interval = "1s")]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

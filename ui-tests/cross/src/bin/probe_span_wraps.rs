// Each knob within its range, but `timeout + interval × retries` (1 h + 5 × 1 000 000 s)
// longer than the kernel's keep-alive timer counts: XNU adds them in u_int32_t milliseconds
// (49.7 days), FreeBSD compares an int tick difference (24.8 days at hz = 1000). NetBSD
// counts 248 days; Windows ends probing on the count of probes.
//@ x86_64-apple-darwin error: is longer than macOS/iOS's keep-alive timer counts
//@ aarch64-apple-ios error: is longer than macOS/iOS's keep-alive timer counts
//@ x86_64-unknown-freebsd error: is longer than FreeBSD's keep-alive timer counts
//@ x86_64-unknown-netbsd ok
//@ x86_64-pc-windows-gnu ok
use keepalive_runtime::keepalive;

#[keepalive(timeout = "1h", interval = "1000000s", retries = 5)]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

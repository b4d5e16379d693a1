// `max_detect` covers a connection with data in flight too. Linux and Android send no
// keep-alive probe while sent data is unacknowledged (Windows documents none), so there the bound needs the
// user timeout; on macOS and the BSDs the keep-alive timer runs from the last segment
// received, and the probe sequence bounds both cases.
//@ x86_64-unknown-linux-gnu error: `max_detect` covers connections with data in flight too, and Linux sends no keep-alive probe while sent data is unacknowledged; bound that case with `user_timeout = "50s"` (TCP_USER_TIMEOUT)
//@ aarch64-linux-android error: and Android sends no keep-alive probe while sent data is unacknowledged; bound that case with `user_timeout = "50s"` (TCP_USER_TIMEOUT)
//@ x86_64-pc-windows-gnu error: and Windows does not document keep-alive probes while sent data is unacknowledged; bound that case with `user_timeout = "50s"` (TCP_MAXRT)
//@ x86_64-apple-darwin ok
//@ x86_64-unknown-freebsd ok
//@ x86_64-unknown-netbsd ok
//@ x86_64-unknown-illumos ok
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", retries = 4, max_detect = "1m")]
#[allow(dead_code)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// options set once the connect has completed
use keepalive_runtime::{ApplyAt, KeepAlivePolicy, keepalive};

#[keepalive(timeout = "30s", apply = "after_connect")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::APPLY, ApplyAt::AfterConnect);
}

// options set on the unconnected socket (the default, written out)
use keepalive_runtime::{ApplyAt, KeepAlivePolicy, keepalive};

#[keepalive(timeout = "30s", apply = "before_connect")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::APPLY, ApplyAt::BeforeConnect);
}

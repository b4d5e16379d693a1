// a typo in the policy; the rest of the crate, which uses the struct, reports nothing more
use keepalive_runtime::prelude::*;

#[keepalive(timeout = "30 secs")]
struct Conn {
    stream: std::net::TcpStream,
}

fn stream_of(conn: &Conn) -> Result<&std::net::TcpStream, keepalive_runtime::Error> {
    conn.socket()
}

fn main() {
    let _ = Conn::POLICY.timeout();
    let _ = stream_of;
}

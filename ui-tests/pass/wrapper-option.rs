// a client that reconnects: no stream between connections
use keepalive_runtime::{Error, KeepAlive, keepalive};
use std::net::TcpStream;

#[keepalive(timeout = "30s", interval = "5s", retries = 4)]
struct Reconnecting {
    stream: Option<TcpStream>,
    attempts: u32,
}

fn main() {
    let conn = Reconnecting {
        stream: None,
        attempts: 0,
    };
    assert!(matches!(conn.socket(), Err(Error::NoSocket)));
    assert!(matches!(conn.socket(), Err(Error::NoSocket)));
    let _ = conn.attempts;
}

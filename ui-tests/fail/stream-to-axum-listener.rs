// a client type handed to the listener for axum::serve
use keepalive_runtime::integrations::axum::Listener;
use keepalive_runtime::keepalive;
use std::net::TcpStream;

#[keepalive(timeout = "30s")]
struct Client {
    stream: TcpStream,
}

fn main() {
    let _ = Listener::<Client>::bind("127.0.0.1:0");
}

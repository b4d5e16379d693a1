// a client type handed to the accept path
use keepalive_runtime::Listener;
use keepalive_runtime::prelude::*;
use std::net::TcpStream;

#[keepalive(timeout = "30s")]
struct Client {
    stream: TcpStream,
}

fn main() {
    let _ = Listener::bind("127.0.0.1:0", Client::policy());
}

// a client type whose stream is reached through a function, handed to the accept path
use keepalive_runtime::Listener;
use keepalive_runtime::prelude::*;
use std::net::TcpStream;

struct Tls {
    io: TcpStream,
}

fn tcp_of(tls: &Tls) -> &TcpStream {
    &tls.io
}

#[keepalive(timeout = "30s")]
struct Client {
    #[keepalive(socket = tcp_of)]
    tls: Tls,
}

fn main() {
    let _ = Listener::bind("127.0.0.1:0", Client::policy());
}

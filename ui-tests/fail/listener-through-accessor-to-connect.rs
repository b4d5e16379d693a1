// a server type whose listener is reached through a function, handed to a connect path
use keepalive_runtime::connect;
use keepalive_runtime::prelude::*;
use std::net::TcpListener;

struct Server {
    listener: TcpListener,
}

fn listener_of(server: &Server) -> &TcpListener {
    &server.listener
}

#[keepalive(timeout = "30s")]
struct Conn {
    #[keepalive(socket = listener_of)]
    server: Server,
}

fn main() {
    let _ = connect("127.0.0.1:80", Conn::policy());
}

// a server type handed to a connect path
use keepalive_runtime::connect;
use keepalive_runtime::prelude::*;
use std::net::TcpListener;

#[keepalive(timeout = "30s")]
struct Server {
    listener: TcpListener,
}

fn main() {
    let _ = connect("127.0.0.1:80", Server::policy());
}

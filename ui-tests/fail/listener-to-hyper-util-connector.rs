// a server type handed to hyper-util's client connector
use keepalive_runtime::integrations::hyper_util::Connector;
use keepalive_runtime::prelude::*;
use std::net::TcpListener;

#[keepalive(timeout = "30s")]
struct Server {
    listener: TcpListener,
}

fn main() {
    let _ = Connector::new(Server::policy());
}

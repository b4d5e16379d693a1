// a server type handed to a connect path
use keepalive_runtime::{connect, keepalive};
use std::net::TcpListener;

#[keepalive(timeout = "30s")]
struct Server {
    listener: TcpListener,
}

fn main() {
    let _ = connect::<Server>("127.0.0.1:80");
}

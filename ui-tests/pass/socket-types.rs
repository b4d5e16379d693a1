// each TCP socket type the runtime accepts, found by its name
use keepalive_runtime::prelude::*;

#[keepalive(timeout = "30s")]
struct Listener {
    listener: std::net::TcpListener,
    name: String,
}

#[keepalive(timeout = "30s")]
struct Raw {
    socket: socket2::Socket,
}

#[keepalive(timeout = "30s")]
struct Tokio {
    stream: tokio::net::TcpStream,
}

#[keepalive(timeout = "30s")]
struct Unconnected {
    socket: tokio::net::TcpSocket,
}

#[keepalive(timeout = "30s")]
struct Marked {
    #[keepalive(socket)]
    primary: std::net::TcpStream,
    backup: std::net::TcpStream,
}

fn main() {
    fn is_keepalive<C: KeepAlive>() {}
    is_keepalive::<Listener>();
    is_keepalive::<Raw>();
    is_keepalive::<Tokio>();
    is_keepalive::<Unconnected>();
    is_keepalive::<Marked>();
}

// a generic field reached through `socket = path`: the bound the struct states is all it needs
use keepalive_runtime::prelude::*;
use keepalive_runtime::socket::KeepAliveSocket;
use std::net::TcpStream;

struct Tls<S> {
    io: S,
}

impl<S> Tls<S> {
    fn get_ref(&self) -> &S {
        &self.io
    }
}

#[keepalive(timeout = "30s")]
struct Conn<S: KeepAliveSocket> {
    #[keepalive(socket = Tls::get_ref)]
    tls: Tls<S>,
}

fn main() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let io = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let conn = Conn { tls: Tls { io } };
    keepalive_runtime::apply(conn.socket().unwrap(), Conn::<TcpStream>::policy()).unwrap();
}

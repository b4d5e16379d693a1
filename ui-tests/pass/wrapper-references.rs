// a connection that borrows its stream, shared or exclusively
use keepalive_runtime::{KeepAlive, keepalive};
use std::net::TcpStream;

#[keepalive(timeout = "30s")]
struct Shared<'a> {
    stream: &'a TcpStream,
}

#[keepalive(timeout = "30s")]
struct Exclusive<'a> {
    stream: &'a mut TcpStream,
}

fn socket<C: KeepAlive<Socket = TcpStream>>(_: &C) {}

fn main() {
    let _ = |s: &TcpStream| socket(&Shared { stream: s });
    let _ = |s: &mut TcpStream| socket(&Exclusive { stream: s });
}

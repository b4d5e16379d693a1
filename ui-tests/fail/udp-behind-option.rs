// a reconnecting client whose socket is a UDP socket
use keepalive_runtime::keepalive;
use std::net::UdpSocket;

#[keepalive(timeout = "30s")]
struct Conn {
    socket: Option<UdpSocket>,
}

fn main() {}

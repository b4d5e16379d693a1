// an accessor that reaches a UDP socket
use keepalive_runtime::keepalive;
use std::net::UdpSocket;

struct Tunnel {
    udp: UdpSocket,
}

fn udp_of(t: &Tunnel) -> &UdpSocket {
    &t.udp
}

#[keepalive(timeout = "30s")]
struct Conn {
    #[keepalive(socket = udp_of)]
    tunnel: Tunnel,
}

fn main() {}

// a boxed UDP socket
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    socket: Box<std::net::UdpSocket>,
}

fn main() {}

// keep-alive on a UDP socket, which has no connection to keep alive
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    socket: std::net::UdpSocket,
}

fn main() {}

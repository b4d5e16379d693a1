// keep-alive on tokio's UDP socket
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    socket: tokio::net::UdpSocket,
}

fn main() {}

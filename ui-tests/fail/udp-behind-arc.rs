// a shared tokio UDP socket
use keepalive_runtime::keepalive;
use std::sync::Arc;

#[keepalive(timeout = "30s")]
struct Conn {
    socket: Arc<tokio::net::UdpSocket>,
}

fn main() {}

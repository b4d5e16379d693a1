// keep-alive on a Unix datagram socket
use keepalive_runtime::keepalive;

use std::os::unix::net::UnixDatagram;

#[keepalive(timeout = "30s")]
struct Conn {
    socket: UnixDatagram,
}

fn main() {}

// keep-alive on a UDP socket hidden behind a type alias
use keepalive_runtime::keepalive;

type Transport = std::net::UdpSocket;

#[keepalive(timeout = "30s")]
struct Conn {
    #[keepalive(socket)]
    transport: Transport,
}

fn main() {}

// a boxed UDP socket behind a type alias the macro cannot see through
use keepalive_runtime::keepalive;

type Transport = std::net::UdpSocket;

#[keepalive(timeout = "30s")]
struct Conn {
    #[keepalive(socket)]
    socket: Box<Transport>,
}

fn main() {}

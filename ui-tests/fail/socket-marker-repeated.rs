// the socket key written twice in one field marker
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    #[keepalive(socket, socket)]
    stream: std::net::TcpStream,
}

fn main() {}

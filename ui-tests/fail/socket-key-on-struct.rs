// the field marker written on the struct
use keepalive_runtime::keepalive;

#[keepalive(socket)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

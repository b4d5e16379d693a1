// the attribute on an enum of connection kinds
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
enum Conn {
    Plain(std::net::TcpStream),
    Other,
}

fn main() {}

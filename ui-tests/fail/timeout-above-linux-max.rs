// an idle time above Linux's TCP_KEEPIDLE maximum of 32767 s
use keepalive_runtime::keepalive;

#[keepalive(timeout = "10h")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

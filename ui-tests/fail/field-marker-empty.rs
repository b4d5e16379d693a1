// a field marker with nothing in it
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    #[keepalive()]
    stream: std::net::TcpStream,
}

fn main() {}

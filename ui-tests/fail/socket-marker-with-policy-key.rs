// a policy key written on the field instead of the struct
use keepalive_runtime::keepalive;

#[keepalive]
struct Conn {
    #[keepalive(timeout = "30s")]
    stream: std::net::TcpStream,
}

fn main() {}

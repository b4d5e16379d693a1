// a timeout beyond u64::MAX milliseconds
use keepalive_runtime::keepalive;

#[keepalive(timeout = "99999999999999999999h")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

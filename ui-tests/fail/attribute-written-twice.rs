// two attributes on one struct, one per group of keys
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
#[keepalive(interval = "5s", retries = 4)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

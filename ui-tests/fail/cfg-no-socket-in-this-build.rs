// the only stream field is compiled out in this build
use keepalive_runtime::keepalive;
use std::net::TcpStream;

#[keepalive(timeout = "30s")]
struct Conn {
    #[cfg(windows)]
    stream: TcpStream,
    name: String,
}

fn main() {}

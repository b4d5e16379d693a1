// the probe count under the kernel's name
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", keepcnt = 4)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

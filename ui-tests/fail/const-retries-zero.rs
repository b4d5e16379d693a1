// a probe count of zero from a const
use keepalive_runtime::keepalive;

const PROBES: u32 = 0;

#[keepalive(timeout = "30s", retries = PROBES)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

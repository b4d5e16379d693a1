// more probes than Linux allows (TCP_KEEPCNT at most 127)
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "1s", retries = 128)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

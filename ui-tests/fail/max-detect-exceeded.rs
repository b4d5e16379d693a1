// a policy that cannot detect a dead peer within the bound
use keepalive_runtime::keepalive;

#[keepalive(timeout = "2h", interval = "75s", retries = 9, max_detect = "1m")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// the keys nested in a policy(...) group
use keepalive_runtime::keepalive;

#[keepalive(policy(timeout = "30s", retries = 4))]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// keep-alive turned off where the organisation requires it
use keepalive_runtime::keepalive;

#[keepalive(enabled = false, bounds = keepalive_org_policy::PRODUCTION)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// leaving the idle time to the OS where the organisation bounds it
use keepalive_runtime::keepalive;

#[keepalive(bounds = keepalive_org_policy::PRODUCTION)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

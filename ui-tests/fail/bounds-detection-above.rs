// a policy that detects a dead peer later than the organisation allows
use keepalive_runtime::keepalive;

#[keepalive(
    timeout = "2m",
    interval = "30s",
    retries = 4,
    user_timeout = "4m",
    bounds = keepalive_org_policy::PRODUCTION
)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

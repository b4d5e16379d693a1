// a user timeout above the organisation's maximum
use keepalive_runtime::keepalive;

#[keepalive(
    timeout = "5m",
    interval = "30s",
    retries = 10,
    user_timeout = "10m",
    bounds = keepalive_org_policy::PRODUCTION
)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

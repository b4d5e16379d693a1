// an interval above the organisation's maximum
use keepalive_runtime::keepalive;

#[keepalive(
    timeout = "60s",
    interval = "1m",
    retries = 3,
    user_timeout = "4m",
    bounds = keepalive_org_policy::PRODUCTION
)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

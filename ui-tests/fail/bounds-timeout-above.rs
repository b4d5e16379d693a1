// an idle time above the organisation's maximum
use keepalive_runtime::keepalive;

#[keepalive(
    timeout = "30m",
    interval = "10s",
    retries = 3,
    user_timeout = "30m 30s",
    bounds = keepalive_org_policy::PRODUCTION
)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

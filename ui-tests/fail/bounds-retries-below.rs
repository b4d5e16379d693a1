// fewer probes than the organisation's minimum
use keepalive_runtime::keepalive;

#[keepalive(
    timeout = "60s",
    interval = "10s",
    retries = 1,
    user_timeout = "70s",
    bounds = keepalive_org_policy::PRODUCTION
)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

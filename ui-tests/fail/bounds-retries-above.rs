// more probes than the organisation's maximum
use keepalive_runtime::keepalive;

#[keepalive(
    timeout = "10s",
    interval = "1s",
    retries = 20,
    user_timeout = "30s",
    bounds = keepalive_org_policy::PRODUCTION
)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

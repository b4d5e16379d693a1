// timings from consts, some in another module
use keepalive_runtime::prelude::*;
use core::time::Duration;

mod policy {
    use core::time::Duration;
    pub const IDLE: Duration = Duration::from_secs(60);
    pub const PROBES: u32 = 3;
}

const EVERY: Duration = Duration::from_secs(10);
const DETECT: Duration = Duration::from_secs(90);

#[keepalive(timeout = policy::IDLE, interval = EVERY, retries = policy::PROBES,
            user_timeout = "90s", max_detect = DETECT)]
struct Conn {
    stream: std::net::TcpStream,
}

#[keepalive(timeout = keepalive_org_policy::IDLE)]
struct Shared {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Conn::POLICY.timeout(), Some(policy::IDLE));
    assert_eq!(Conn::POLICY.retries(), Some(3));
    assert_eq!(Shared::POLICY.timeout(), Some(Duration::from_secs(60)));
}

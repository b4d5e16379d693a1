// a detection bound from a const that the policy exceeds
use keepalive_runtime::keepalive;

use core::time::Duration;

const DETECT_WITHIN: Duration = Duration::from_secs(60);

#[keepalive(timeout = "2m", interval = "5s", retries = 4, max_detect = DETECT_WITHIN)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

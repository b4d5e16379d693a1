// A team bounds dead-peer detection at one minute but writes no user_timeout: on Linux a
// peer that vanishes mid-request is not probed at all, so the bound would not hold.
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", retries = 4, max_detect = "1m")]
struct ApiConn {
    stream: std::net::TcpStream,
}

fn main() {}

// every key at once, as a database connection would carry them
use keepalive_runtime::{KeepAlivePolicy, Policy, keepalive};
use core::time::Duration;

#[keepalive(timeout = 30s, interval = 5s, retries = 4, user_timeout = "50s",
            apply = "before_connect", max_detect = "1m", detect_idle_only = false, enabled = true,
            crate = "keepalive_runtime")]
struct DbConn {
    #[keepalive(socket)]
    stream: tokio::net::TcpStream,
    name: String,
}

fn main() {
    let expected = Policy::new()
        .with_timeout(Duration::from_secs(30))
        .with_interval(Duration::from_secs(5))
        .with_retries(4)
        .with_user_timeout(Duration::from_secs(50));
    assert_eq!(DbConn::POLICY, expected);
    assert_eq!(DbConn::POLICY.worst_case_detection(), Ok(Duration::from_secs(50)));
}

// types within the build-wide bounds compile; a run-time change beyond them is refused
use keepalive_runtime::prelude::*;
use keepalive_runtime::{CheckedPolicy, Policy, PolicyOverride};
use core::time::Duration;

#[keepalive(timeout = "1m", interval = "10s", retries = 3, user_timeout = "90s")]
struct Conn {
    stream: std::net::TcpStream,
}

#[keepalive(timeout = "1m", interval = "10s", retries = 3, user_timeout = "90s")]
struct Tagged<T> {
    stream: std::net::TcpStream,
    tag: T,
}

fn main() {
    let bounds = keepalive_runtime::rules::build_bounds().expect("the setting this test sets");
    assert_eq!(bounds.setting(), Some("max_timeout=5m, max_detect=2m, require_enabled"));
    assert_eq!(Conn::policy().timeout(), Some(Duration::from_secs(60)));
    assert_eq!(Tagged::<u8>::policy().retries(), Some(3));

    let longer = PolicyOverride::new()
        .with_timeout(Duration::from_secs(600))
        .with_user_timeout(Duration::from_secs(630));
    let refused = Conn::policy_with(&longer).unwrap_err().to_string();
    assert!(refused.contains("breaks the build-wide bounds"), "{refused}");
    assert!(refused.contains("`timeout = \"10m\"` is above its maximum of \"5m\""), "{refused}");

    let off = CheckedPolicy::<Conn>::new(Policy::disabled()).unwrap_err().to_string();
    assert!(off.contains("keep-alive is required"), "{off}");
}

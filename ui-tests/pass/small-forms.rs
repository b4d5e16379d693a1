// integer suffixes on retries, raw identifiers as keys, bounds beside enabled = false
use keepalive_runtime::prelude::*;

const CAPPED: keepalive_runtime::Bounds =
    keepalive_runtime::Bounds::new("my-org", "CAPPED").with_max_timeout(core::time::Duration::from_secs(600));

#[keepalive(r#timeout = "30s", interval = "5s", retries = 5u8)]
struct Typed {
    #[keepalive(r#socket)]
    stream: std::net::TcpStream,
}

#[keepalive(retries = 3usize)]
struct Sized {
    stream: std::net::TcpStream,
}

#[keepalive(enabled = false, bounds = CAPPED)]
struct Off {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(Typed::POLICY.retries(), Some(5));
    assert_eq!(Sized::POLICY.retries(), Some(3));
    assert!(!Off::POLICY.is_enabled());
}

// A policy type implemented by hand, without the attribute: its 1500 ms timeout, which
// Linux cannot hold in whole seconds, still fails the build where the type is applied,
// instead of being rounded to 2 s at run time.
use keepalive_runtime::{ApplyAt, KeepAlivePolicy, Policy, apply};
use std::time::Duration;

struct HandWritten;

impl KeepAlivePolicy for HandWritten {
    const POLICY: Policy = Policy::new().with_timeout(Duration::from_millis(1500));
    const APPLY: ApplyAt = ApplyAt::BeforeConnect;
}

fn main() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let _ = apply(&stream, HandWritten::policy());
}

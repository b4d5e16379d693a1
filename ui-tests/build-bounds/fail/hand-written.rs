// A policy type implemented by hand, without the attribute, is held to the build-wide
// bounds where its policy is taken
use keepalive_runtime::{ApplyAt, KeepAlivePolicy, Policy};
use std::time::Duration;

struct HandWritten;

impl KeepAlivePolicy for HandWritten {
    const POLICY: Policy = Policy::new()
        .with_timeout(Duration::from_secs(600))
        .with_interval(Duration::from_secs(10))
        .with_retries(3);
    const APPLY: ApplyAt = ApplyAt::BeforeConnect;
}

fn main() {
    let _ = HandWritten::policy();
}

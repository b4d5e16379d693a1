// bounds through the boxes on the path: the largest timeout that holds through an NLB,
// Docker Swarm's IPVS and a figure of one's own
use core::time::Duration;
use keepalive_runtime::prelude::*;
use keepalive_runtime::rules::middlebox::{AWS_NLB, DOCKER_SWARM_IPVS, idle_limit, largest_timeout_within};
use keepalive_runtime::{Bounds, PolicyOverride};

const PATH: Bounds = Bounds::new("my-app", "PATH")
    .through(AWS_NLB)
    .through(DOCKER_SWARM_IPVS)
    .through(idle_limit("20m"));

#[keepalive(timeout = "311s", interval = "10s", retries = 3, bounds = PATH)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {
    assert_eq!(largest_timeout_within(AWS_NLB.idle), Some(Duration::from_secs(311)));
    assert_eq!(Conn::POLICY.timeout(), Some(Duration::from_secs(311)));
    // A run-time change is held to the path as well.
    let longer = PolicyOverride::new().with_timeout(Duration::from_secs(340));
    let refused = Conn::policy_with(&longer).unwrap_err().to_string();
    assert!(refused.contains("write at most `timeout = \"5m 11s\"`"), "{refused}");
}

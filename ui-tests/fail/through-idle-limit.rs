// a figure of one's own, composed with an organisation's bounds
use core::time::Duration;
use keepalive_runtime::keepalive;
use keepalive_runtime::rules::middlebox::{DOCKER_SWARM_IPVS, idle_limit};
use keepalive_runtime::Bounds;

const PRODUCTION: Bounds = Bounds::new("acme", "PRODUCTION").with_max_timeout(Duration::from_secs(600));
const PATH: Bounds = PRODUCTION.through(DOCKER_SWARM_IPVS).through(idle_limit("300s"));

#[keepalive(timeout = "280s", interval = "10s", retries = 3, bounds = PATH)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

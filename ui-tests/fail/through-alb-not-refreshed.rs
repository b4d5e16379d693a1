// a load balancer whose idle timer keep-alive probes do not refresh
use keepalive_runtime::keepalive;
use keepalive_runtime::rules::middlebox::{AWS_ALB, AWS_NLB};
use keepalive_runtime::Bounds;

const PATH: Bounds = Bounds::new("my-app", "PATH").through(AWS_NLB).through(AWS_ALB);

#[keepalive(timeout = "60s", interval = "10s", retries = 3, bounds = PATH)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

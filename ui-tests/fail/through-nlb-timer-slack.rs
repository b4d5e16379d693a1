// a timeout under the NLB's 350 s whose first probe, fired as late as Linux may, is not
use keepalive_runtime::keepalive;
use keepalive_runtime::rules::middlebox::AWS_NLB;
use keepalive_runtime::Bounds;

const PATH: Bounds = Bounds::new("my-app", "PATH").through(AWS_NLB);

#[keepalive(timeout = "340s", interval = "10s", retries = 3, bounds = PATH)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

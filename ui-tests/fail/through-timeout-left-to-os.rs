// a box on the path needs the timeout written: the OS default (2 h on Linux) outlasts them all
use keepalive_runtime::keepalive;
use keepalive_runtime::rules::middlebox::GCP_CLOUD_NAT;
use keepalive_runtime::Bounds;

const PATH: Bounds = Bounds::new("my-app", "PATH").through(GCP_CLOUD_NAT);

#[keepalive(interval = "10s", bounds = PATH)]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

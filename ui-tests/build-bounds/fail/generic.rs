// a generic type is held to the build-wide bounds too
use keepalive_runtime::keepalive;

#[keepalive(timeout = "6m", interval = "10s", retries = 3, user_timeout = "6m 30s")]
struct Conn<T> {
    stream: std::net::TcpStream,
    tag: T,
}

fn main() {}

// `detect_idle_only` qualifies a `max_detect` bound; written without one it says nothing.
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", detect_idle_only = true)]
struct ApiConn {
    stream: std::net::TcpStream,
}

fn main() {}

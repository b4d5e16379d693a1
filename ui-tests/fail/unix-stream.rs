// keep-alive on a local (Unix) stream, which has no TCP keep-alive
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    stream: std::os::unix::net::UnixStream,
}

fn main() {}

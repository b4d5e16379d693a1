// a struct that holds no socket
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Conn {
    name: String,
    port: u16,
}

fn main() {}

// keys separated by semicolons
use keepalive_runtime::keepalive;

#[keepalive(timeout = "1s"; interval = "1s")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

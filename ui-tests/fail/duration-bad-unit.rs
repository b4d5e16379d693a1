// hours spelt `hrs`
use keepalive_runtime::keepalive;

#[keepalive(timeout = "2hrs")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

// a duration with no key, as if the attribute took the idle time alone
use keepalive_runtime::keepalive;

#[keepalive("2h")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

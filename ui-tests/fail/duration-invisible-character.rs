// a duration pasted with a no-break space between its parts
use keepalive_runtime::keepalive;

#[keepalive(timeout = "1h\u{a0}30m")]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

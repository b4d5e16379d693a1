// a sign before a number or a duration, and a duration in braces
use keepalive_runtime::keepalive;

#[keepalive(retries = +5, timeout = +5s, user_timeout = { 50s })]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

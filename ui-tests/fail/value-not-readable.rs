// a sign before a number, and a value in brackets or braces
use keepalive_runtime::keepalive;

#[keepalive(retries = +5, timeout = +5s, interval = [5s], user_timeout = { 50s })]
struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

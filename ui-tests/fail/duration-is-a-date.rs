// a date pasted where a duration belongs, quoted and unquoted
use keepalive_runtime::keepalive;

#[keepalive(timeout = "1979-05-27")]
struct Quoted {
    stream: std::net::TcpStream,
}

#[keepalive(timeout = 1979-05-27T07:32:00Z)]
struct Unquoted {
    stream: std::net::TcpStream,
}

fn main() {}

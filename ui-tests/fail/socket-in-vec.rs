// a pool of streams as the socket field
use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s")]
struct Pool {
    streams: Vec<std::net::TcpStream>,
}

fn main() {}

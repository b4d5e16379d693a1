// a TCP stream of an event library the crate does not support (mio's, here a stand-in)
use keepalive_runtime::keepalive;

mod mio {
    pub mod net {
        pub struct TcpStream;
    }
}

#[keepalive(timeout = "30s")]
struct Conn {
    stream: mio::net::TcpStream,
}

fn main() {}

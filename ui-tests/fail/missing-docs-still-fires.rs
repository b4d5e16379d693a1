// an undocumented public type in a crate that denies missing docs
#![deny(missing_docs)]
//! A crate.

use keepalive_runtime::keepalive;

#[keepalive(timeout = "30s", interval = "5s", retries = 4)]
pub struct Conn {
    stream: std::net::TcpStream,
}

fn main() {}

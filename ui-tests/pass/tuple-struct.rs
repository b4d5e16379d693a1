// a tuple struct around a stream
use keepalive_runtime::prelude::*;
use core::time::Duration;

#[keepalive(timeout = "30s")]
struct Conn(std::net::TcpStream);

#[keepalive(timeout = "30s")]
struct Tagged(u32, #[keepalive(socket)] std::net::TcpStream, std::net::TcpStream);

fn main() {
    fn socket<C: KeepAlive>(c: &C) -> Result<&C::Socket, keepalive_runtime::Error> {
        c.socket()
    }
    let _ = socket::<Conn>;
    let _ = socket::<Tagged>;
    assert_eq!(Tagged::POLICY.timeout(), Some(Duration::from_secs(30)));
}

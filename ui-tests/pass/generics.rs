// generic connection types, with where clauses and lifetimes
use keepalive_runtime::{KeepAlive, Policy, keepalive};
use core::time::Duration;

use keepalive_runtime::socket::KeepAliveSocket;

#[keepalive(timeout = "30s")]
struct Conn<S, M>
where
    M: Default,
{
    #[keepalive(socket)]
    stream: S,
    meta: M,
}

#[keepalive(interval = "5s")]
struct Borrowed<'a, T: Clone> {
    stream: &'a std::net::TcpStream,
    tag: T,
}

#[keepalive(retries = 3)]
struct Bounded<S: KeepAliveSocket> {
    #[keepalive(socket)]
    inner: S,
}

fn policy<C: KeepAlive>() -> Policy {
    C::POLICY
}

fn main() {
    assert_eq!(policy::<Conn<std::net::TcpStream, ()>>().timeout(), Some(Duration::from_secs(30)));
    assert_eq!(policy::<Conn<socket2::Socket, u8>>().timeout(), Some(Duration::from_secs(30)));
    assert_eq!(policy::<Borrowed<'static, u8>>().interval(), Some(Duration::from_secs(5)));
    assert_eq!(policy::<Bounded<std::net::TcpListener>>().retries(), Some(3));
}

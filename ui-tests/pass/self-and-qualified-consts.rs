// values from the type's own consts (`Self::IDLE`) and from qualified paths, accessors by qualified path
use core::time::Duration;
use keepalive_runtime::prelude::*;
use std::net::TcpStream;

trait Limits {
    const IDLE: Duration;
    const PROBES: u32;
}

struct Defaults;

impl Limits for Defaults {
    const IDLE: Duration = Duration::from_secs(45);
    const PROBES: u32 = 6;
}

#[keepalive(timeout = Self::IDLE, interval = "5s", retries = Self::PROBES,
            user_timeout = "50s", max_detect = Self::BOUND)]
struct Conn {
    stream: TcpStream,
}

impl Conn {
    const IDLE: Duration = Duration::from_secs(30);
    const PROBES: u32 = 4;
    const BOUND: Duration = Duration::from_secs(60);
}

#[keepalive(timeout = <Defaults as Limits>::IDLE, retries = <Defaults as Limits>::PROBES)]
struct Qualified {
    stream: TcpStream,
}

#[keepalive(timeout = Self::IDLE)]
struct Generic<S> {
    #[keepalive(socket)]
    stream: S,
}

impl<S> Generic<S> {
    const IDLE: Duration = Duration::from_secs(20);
}

struct Tls {
    io: TcpStream,
}

impl AsRef<TcpStream> for Tls {
    fn as_ref(&self) -> &TcpStream {
        &self.io
    }
}

#[keepalive(timeout = "30s")]
struct Secure {
    #[keepalive(socket = <Tls as AsRef<TcpStream>>::as_ref)]
    tls: Tls,
}

fn main() {
    assert_eq!(Conn::POLICY.timeout(), Some(Duration::from_secs(30)));
    assert_eq!(Conn::POLICY.retries(), Some(4));
    assert_eq!(Qualified::POLICY.timeout(), Some(Duration::from_secs(45)));
    assert_eq!(Qualified::POLICY.retries(), Some(6));
    assert_eq!(Generic::<TcpStream>::POLICY.timeout(), Some(Duration::from_secs(20)));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let secure = Secure { tls: Tls { io: TcpStream::connect(listener.local_addr().unwrap()).unwrap() } };
    keepalive_runtime::apply(secure.socket().unwrap(), Secure::policy()).unwrap();
    // A stream behind the accessor: the connect paths take the type.
    fn connects<C: keepalive_runtime::socket::ConnectPolicy>() {}
    connects::<Secure>();
}

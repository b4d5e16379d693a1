//! What the benches and the `apply_once` example share: annotated connection types, the
//! same knobs set by hand with socket2, and a loopback connection.
//!
//! Run everything with `benches/run.sh`; `cargo bench -p keepalive-benches` alone runs the
//! apply comparison, the allocation counts and the dead-peer measurement.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use keepalive_runtime::keepalive;
use socket2::{SockRef, TcpKeepalive};

/// The README's connection type: three knobs, set with four system calls on Linux.
#[keepalive(timeout = "2h", interval = "1s", retries = 5)]
#[derive(Debug)]
pub struct Conn {
    /// The established loopback stream.
    pub stream: TcpStream,
}

/// Four knobs: the three of [`Conn`]'s kind plus a matching `user_timeout` (30 s + 5 s × 4).
#[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
#[derive(Debug)]
pub struct UserTimeoutConn {
    /// The established loopback stream.
    pub stream: TcpStream,
}

/// [`Conn`]'s policy written by hand with socket2.
pub fn socket2_by_hand(stream: &TcpStream) -> io::Result<()> {
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(7200))
        .with_interval(Duration::from_secs(1))
        .with_retries(5);
    SockRef::from(stream).set_tcp_keepalive(&keepalive)
}

/// [`UserTimeoutConn`]'s policy written by hand with socket2.
pub fn socket2_by_hand_user_timeout(stream: &TcpStream) -> io::Result<()> {
    let keepalive = TcpKeepalive::new()
        .with_time(Duration::from_secs(30))
        .with_interval(Duration::from_secs(5))
        .with_retries(4);
    let sock = SockRef::from(stream);
    sock.set_tcp_keepalive(&keepalive)?;
    sock.set_tcp_user_timeout(Some(Duration::from_secs(50)))
}

/// What the kernel holds, read by hand with socket2: the same five `getsockopt` calls a
/// read-back needs, without the comparison.
pub fn socket2_read_by_hand(stream: &TcpStream) -> io::Result<(bool, Duration, Duration, u32)> {
    let sock = SockRef::from(stream);
    let on = sock.keepalive()?;
    let time = sock.tcp_keepalive_time()?;
    let interval = sock.tcp_keepalive_interval()?;
    let retries = sock.tcp_keepalive_retries()?;
    let _user_timeout = sock.tcp_user_timeout()?;
    Ok((on, time, interval, retries))
}

/// A connected loopback pair: (client, server side). The listener is closed.
pub fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    Ok((client, server))
}

//! What the kernel holds, read with raw `getsockopt` (not through the crate under test),
//! and loopback helpers.
#![allow(dead_code, unreachable_pub)]

pub mod netns;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;

/// The five keep-alive options as the kernel holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    pub keepalive: bool,
    pub idle_s: i32,
    pub intvl_s: i32,
    pub cnt: i32,
    pub user_timeout_ms: i32,
}

pub fn getsockopt_int(
    fd: &impl AsRawFd,
    level: libc::c_int,
    name: libc::c_int,
) -> std::io::Result<i32> {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are live locals; `len` is the size of `value`.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    if rc == 0 {
        Ok(value)
    } else {
        Err(std::io::Error::last_os_error())
    }
}

pub fn kernel(fd: &impl AsRawFd) -> Kernel {
    let tcp = |name| getsockopt_int(fd, libc::IPPROTO_TCP, name).expect("getsockopt");
    Kernel {
        keepalive: getsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE).expect("SO_KEEPALIVE")
            != 0,
        idle_s: tcp(libc::TCP_KEEPIDLE),
        intvl_s: tcp(libc::TCP_KEEPINTVL),
        cnt: tcp(libc::TCP_KEEPCNT),
        user_timeout_ms: tcp(libc::TCP_USER_TIMEOUT),
    }
}

/// What a fresh socket holds: the OS defaults the policies below must differ from.
pub fn defaults() -> Kernel {
    let s = TcpStream::connect(listener().local_addr().unwrap());
    kernel(&s.unwrap())
}

/// The defaults with keep-alive on.
pub fn defaults_on() -> Kernel {
    Kernel {
        keepalive: true,
        ..defaults()
    }
}

pub fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").expect("bind loopback")
}

/// A connected loopback pair: (client, server side).
pub fn pair() -> (TcpStream, TcpStream) {
    let l = listener();
    let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (s, _) = l.accept().unwrap();
    (c, s)
}

pub fn addr(l: &TcpListener) -> SocketAddr {
    l.local_addr().unwrap()
}

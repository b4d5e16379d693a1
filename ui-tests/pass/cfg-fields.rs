// socket fields under #[cfg]: per platform, compiled out, before a tuple socket, a marker in cfg_attr
use keepalive_runtime::prelude::*;
use std::net::{TcpListener, TcpStream};

type Io = TcpStream;

#[keepalive(timeout = "30s")]
struct Gone(#[cfg(any())] u8, TcpStream);

#[keepalive(timeout = "30s")]
struct Kept(#[cfg(all())] u8, TcpStream);

#[keepalive(timeout = "30s")]
struct PerPlatform {
    #[cfg(unix)]
    stream: TcpStream,
    #[cfg(not(unix))]
    stream: socket2::Socket,
}

#[keepalive(timeout = "30s")]
struct Spare {
    stream: TcpStream,
    #[cfg(any())]
    backup: TcpStream,
}

#[keepalive(timeout = "30s")]
struct Marked {
    #[cfg_attr(all(), keepalive(socket))]
    #[cfg_attr(all(), allow(dead_code))]
    io: Io,
    #[cfg_attr(any(), keepalive(socket))]
    other: Io,
}

fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let connect = || TcpStream::connect(addr);
    let local = |s: &TcpStream| s.local_addr().unwrap();
    let gone = Gone(connect()?);
    assert_eq!(local(&gone.0), gone.socket().unwrap().local_addr()?);
    let kept = Kept(7, connect()?);
    assert_eq!(local(&kept.1), kept.socket().unwrap().local_addr()?);
    let per = PerPlatform { stream: connect()?.into() };
    keepalive_runtime::apply(per.socket().unwrap(), PerPlatform::policy()).unwrap();
    let spare = Spare { stream: connect()? };
    keepalive_runtime::apply(spare.socket().unwrap(), Spare::policy()).unwrap();
    let marked = Marked { io: connect()?, other: connect()? };
    // The marker under `cfg_attr(all(), ...)` holds: `io`, not `other`.
    assert_eq!(local(&marked.io), marked.socket().unwrap().local_addr()?);
    assert_ne!(local(&marked.other), marked.socket().unwrap().local_addr()?);
    Ok(())
}

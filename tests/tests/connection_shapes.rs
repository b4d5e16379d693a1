//! Connections as applications hold them, on real loopback sockets: each wrapper shape of
//! the socket field, policy types on std, socket2 and tokio sockets, connect by name and in
//! order, connect timeouts (inside a private namespace), and listeners that cannot lie.
//! Values are read back with raw `getsockopt` (support::kernel), not through the crate.

#![cfg(target_os = "linux")]

use crate::support;

use std::io::{BufReader, BufWriter};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use keepalive_runtime::prelude::*;
use keepalive_runtime::{Error, Listener, apply, connect, connect_timeout};
use support::{Kernel, kernel, listener, pair};

/// Values no kernel default has, so a set option is visible.
const EXPECTED: Kernel = Kernel {
    keepalive: true,
    idle_s: 41,
    intvl_s: 7,
    cnt: 5,
    user_timeout_ms: 0,
};

fn expected() -> Kernel {
    Kernel {
        user_timeout_ms: support::defaults().user_timeout_ms,
        ..EXPECTED
    }
}

/// A policy type: no socket, only the policy.
#[keepalive(timeout = "41s", interval = "7s", retries = 5)]
struct Api;

macro_rules! shape {
    ($name:ident, $ty:ty) => {
        #[keepalive(timeout = "41s", interval = "7s", retries = 5)]
        struct $name {
            #[keepalive(socket)]
            field: $ty,
        }
    };
}

shape!(Boxed, Box<TcpStream>);
shape!(Shared, Arc<TcpStream>);
shape!(Counted, Rc<TcpStream>);
shape!(Reader, BufReader<TcpStream>);
shape!(Writer, BufWriter<TcpStream>);
shape!(Reconnecting, Option<TcpStream>);

#[keepalive(timeout = "41s", interval = "7s", retries = 5)]
struct Borrowed<'a> {
    stream: &'a TcpStream,
}

#[keepalive(timeout = "41s", interval = "7s", retries = 5)]
struct Exclusive<'a> {
    stream: &'a mut TcpStream,
}

/// Applies `C`'s policy to the connection and returns what the kernel holds.
fn applied<C: KeepAlive>(conn: &C, stream: &TcpStream) -> Kernel {
    assert_ne!(kernel(stream), expected(), "fresh sockets must differ");
    let done = support::apply_own(conn).expect("apply");
    assert!(done.is_complete(), "{done}");
    kernel(stream)
}

#[test]
fn each_wrapper_shape_reaches_its_stream() {
    let (s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    assert_eq!(applied(&Boxed { field: Box::new(s) }, &probe), expected());

    let (s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    assert_eq!(applied(&Shared { field: Arc::new(s) }, &probe), expected());

    let (s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    assert_eq!(applied(&Counted { field: Rc::new(s) }, &probe), expected());

    let (s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    let conn = Reader {
        field: BufReader::new(s),
    };
    assert_eq!(applied(&conn, &probe), expected());

    let (s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    let conn = Writer {
        field: BufWriter::new(s),
    };
    assert_eq!(applied(&conn, &probe), expected());

    let (s, _peer) = pair();
    assert_eq!(applied(&Borrowed { stream: &s }, &s), expected());

    let (mut s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    assert_eq!(applied(&Exclusive { stream: &mut s }, &probe), expected());
}

/// Stands for a TLS stream: the socket beside a session.
struct Tls {
    io: TcpStream,
    _session: (),
}

fn tcp_of(tls: &Tls) -> &TcpStream {
    &tls.io
}

#[keepalive(timeout = "41s", interval = "7s", retries = 5)]
struct Secure {
    #[keepalive(socket = tcp_of)]
    tls: Tls,
}

#[test]
fn a_wrapper_reached_through_a_function() {
    let (s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    let conn = Secure {
        tls: Tls {
            io: s,
            _session: (),
        },
    };
    assert_eq!(applied(&conn, &probe), expected());
    assert!(conn.keepalive_report().unwrap().all_match());
}

#[test]
fn option_none_is_an_error_and_some_is_applied() {
    let mut conn = Reconnecting { field: None };
    let err = support::apply_own(&conn).unwrap_err();
    assert!(matches!(err, Error::NoSocket), "{err}");
    assert!(matches!(conn.keepalive_report(), Err(Error::NoSocket)));
    // No socket, no status: the errno alone decides, and cannot tell probes from
    // retransmissions.
    let timed_out = std::io::Error::from(std::io::ErrorKind::TimedOut);
    assert_eq!(
        conn.keepalive_cause(&timed_out),
        keepalive_runtime::status::Cause::TimedOut
    );
    // One message that fits applying, reading back and the status alike.
    let status = conn.keepalive_status().unwrap_err().to_string();
    assert_eq!(
        status,
        "no keep-alive status: the connection holds no socket now (its socket field is `None`); nothing was set or read"
    );
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::NotConnected
    );

    let (s, _peer) = pair();
    let probe = s.try_clone().unwrap();
    conn.field = Some(s);
    assert_eq!(applied(&conn, &probe), expected());
    assert!(conn.keepalive_report().unwrap().all_match());
}

#[test]
fn a_policy_type_applies_to_std_and_socket2_sockets() {
    let (s, _peer) = pair();
    let done = apply(&s, Api::policy()).unwrap();
    assert!(done.is_complete(), "{done}");
    assert_eq!(kernel(&s), expected());

    // An unconnected socket2 socket: SO_TYPE is checked, then the policy set before connect.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    apply(&socket, Api::policy()).unwrap();
    assert_eq!(kernel(&socket), expected());
    let udp = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).unwrap();
    assert!(matches!(
        apply(&udp, Api::policy()),
        Err(Error::NotStream { .. })
    ));
}

#[tokio::test]
async fn a_policy_type_applies_to_tokio_sockets() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let s = tokio::net::TcpStream::connect(l.local_addr().unwrap())
        .await
        .unwrap();
    apply(&s, Api::policy()).unwrap();
    assert_eq!(kernel(&s), expected());
    let (half, _) = s.into_split();
    assert_eq!(kernel(half.as_ref()), expected(), "the owned half's stream");
}

#[keepalive(timeout = "41s", interval = "7s", retries = 5)]
struct Buffered {
    stream: tokio::io::BufStream<tokio::net::TcpStream>,
}

#[keepalive(timeout = "41s", interval = "7s", retries = 5)]
struct WriteHalf {
    half: tokio::io::BufWriter<tokio::net::tcp::OwnedWriteHalf>,
}

#[tokio::test]
async fn tokio_wrapper_shapes_reach_their_stream() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();

    let s = tokio::net::TcpStream::connect(addr).await.unwrap();
    assert_ne!(kernel(&s), expected());
    let conn = Buffered {
        stream: tokio::io::BufStream::new(s),
    };
    support::apply_own(&conn).unwrap();
    assert_eq!(kernel(conn.stream.get_ref()), expected());

    let s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (read, write) = s.into_split();
    let conn = WriteHalf {
        half: tokio::io::BufWriter::new(write),
    };
    support::apply_own(&conn).unwrap();
    assert_eq!(
        kernel(read.as_ref()),
        expected(),
        "both halves share the socket"
    );
}

#[test]
fn connect_by_host_name() {
    let l = listener();
    let port = support::addr(&l).port();
    let done = connect(("localhost", port), Api::policy()).unwrap();
    assert!(done.applied.is_complete(), "{}", done.applied);
    assert_eq!(kernel(&done.stream), expected());
    // "localhost" may resolve to ::1 first, where nothing listens: that attempt is refused
    // and the next address tried.
    assert_eq!(done.stream.peer_addr().unwrap(), support::addr(&l));
    let done = connect(format!("localhost:{port}"), Api::policy()).unwrap();
    assert_eq!(done.stream.peer_addr().unwrap(), support::addr(&l));
}

#[test]
fn each_address_is_tried_in_order_and_each_error_kept() {
    // Bind, learn a port, close: nothing listens there on either family.
    let port = support::addr(&listener()).port();
    let v6: SocketAddr = (std::net::Ipv6Addr::LOCALHOST, port).into();
    let v4: SocketAddr = (std::net::Ipv4Addr::LOCALHOST, port).into();
    let err = connect(&[v6, v4][..], Api::policy()).unwrap_err();
    let Error::Connect { attempts } = &err else {
        panic!("expected Connect, got {err:?}");
    };
    let tried: Vec<SocketAddr> = attempts.iter().map(|a| a.addr).collect();
    assert_eq!(tried, [v6, v4], "{err}");
    assert!(attempts.iter().all(|a| matches!(
        a.error,
        Error::Io {
            during: "connect",
            ..
        }
    )));
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("connect failed: {v6}: ")),
        "{text}"
    );
    assert!(text.contains(&format!("; {v4}: ")), "{text}");
    assert_eq!(text.matches("connect failed").count(), 1, "{text}");

    // The IPv6 address first, and a listener on the IPv4 one only: the second attempt wins.
    let l = TcpListener::bind(v4).unwrap();
    let done = connect(&[v6, v4][..], Api::policy()).unwrap();
    assert_eq!(done.stream.peer_addr().unwrap(), support::addr(&l));
    assert_eq!(kernel(&done.stream), expected());
}

/// Inside a private namespace: a listener whose accept queue is full drops every further
/// SYN, so a connect there never completes; the timeout ends it, with the timed-out attempt
/// kept. Traffic stays on the namespace's own loopback.
#[test]
fn connect_timeout_against_a_full_accept_queue() {
    support::netns::in_private_netns(
        module_path!(),
        "connect_timeout_against_a_full_accept_queue",
        full_accept_queue,
    );
}

fn full_accept_queue() {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    // Backlog 0: the queue holds one connection, never accepted.
    socket.listen(0).unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    let mut queued = Vec::new();
    for _ in 0..2 {
        if let Ok(c) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) {
            queued.push(c);
        }
    }
    assert!(!queued.is_empty(), "the queue took no connection at all");

    let timeout = Duration::from_millis(700);
    let err = connect_timeout(addr, Api::policy(), timeout).unwrap_err();
    let Error::Connect { attempts } = &err else {
        panic!("expected Connect, got {err:?}");
    };
    assert_eq!(attempts.len(), 1, "{err}");
    assert_eq!(attempts[0].addr, addr);
    assert_eq!(
        attempts[0].error.io_error().map(std::io::Error::kind),
        Some(std::io::ErrorKind::TimedOut),
        "{err}"
    );
    // Whose timeout ran out, and how long it was.
    assert_eq!(
        attempts[0].to_string(),
        format!("{addr}: connect failed: no handshake within the connect timeout of 700ms")
    );

    // The same through tokio.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = runtime
        .block_on(keepalive_runtime::async_tokio::connect_timeout(
            addr,
            Api::policy(),
            timeout,
        ))
        .unwrap_err();
    let Error::Connect { attempts } = &err else {
        panic!("expected Connect, got {err:?}");
    };
    assert_eq!(
        attempts[0].error.io_error().map(std::io::Error::kind),
        Some(std::io::ErrorKind::TimedOut),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("connect failed: {addr}: no handshake within the connect timeout of 700ms")
    );
    drop(queued);
}

/// The old footgun: a listener never configured, accepted through the crate, handed out
/// sockets with keep-alive off and said Ok. A `Listener` is configured when it is made, so
/// the socket it accepts carries the policy.
#[test]
fn an_unconfigured_listener_cannot_hand_out_unconfigured_sockets() {
    let plain = listener();
    let _c = TcpStream::connect(support::addr(&plain)).unwrap();
    let (accepted, _) = plain.accept().unwrap();
    assert!(
        !kernel(&accepted).keepalive,
        "a plain listener's accepted socket has keep-alive off: the case to guard against"
    );

    let listener = Listener::from_std(plain, Api::policy()).unwrap();
    assert!(listener.applied().is_complete(), "{}", listener.applied());
    let _c = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = listener.accept().unwrap();
    assert_eq!(kernel(&accepted), expected());

    let bound = Listener::bind("127.0.0.1:0", Api::policy()).unwrap();
    assert_eq!(kernel(bound.as_std()), expected());
    assert!(format!("{bound:?}").starts_with("Listener"), "{bound:?}");
    let _c = TcpStream::connect(bound.local_addr().unwrap()).unwrap();
    let accepted = bound.incoming().next().unwrap().unwrap();
    assert_eq!(kernel(&accepted), expected());
}

/// Binding tries the addresses in order: the first free one is taken; when none is, the
/// error is the last address's; a list with no address says so.
#[tokio::test]
async fn a_listener_binds_the_first_free_address_else_says_why_the_last_failed() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap();
    let free = SocketAddr::from(([127, 0, 0, 1], 0));
    // TEST-NET-1 is on no interface here: binding it fails, with another error than `taken`.
    let foreign = SocketAddr::from(([192, 0, 2, 1], 0));
    let in_use = |e: Error| match e {
        Error::Io {
            during: "bind",
            source,
        } => {
            assert_eq!(source.kind(), std::io::ErrorKind::AddrInUse, "{source}");
        }
        other => panic!("expected the bind error of the last address, got {other}"),
    };
    let no_address = |e: Error| {
        assert_eq!(
            e.to_string(),
            "resolve failed: the name resolved to no address"
        );
    };

    let bound = Listener::bind(&[taken, free][..], Api::policy()).unwrap();
    assert_ne!(bound.local_addr().unwrap(), taken);
    assert_eq!(kernel(bound.as_std()), expected());
    in_use(Listener::bind(&[foreign, taken][..], Api::policy()).unwrap_err());
    no_address(Listener::bind(&[][..], Api::policy()).unwrap_err());

    use keepalive_runtime::async_tokio::Listener as TokioListener;
    let bound = TokioListener::bind(&[taken, free][..], Api::policy())
        .await
        .unwrap();
    assert_ne!(bound.local_addr().unwrap(), taken);
    assert_eq!(kernel(bound.as_tokio()), expected());
    in_use(
        TokioListener::bind(&[foreign, taken][..], Api::policy())
            .await
            .unwrap_err(),
    );
    no_address(
        TokioListener::bind(&[][..], Api::policy())
            .await
            .unwrap_err(),
    );
}

/// A server type that holds its configured listener.
#[keepalive(timeout = "41s", interval = "7s", retries = 5)]
struct Server {
    #[keepalive(socket)]
    listener: Listener<Server>,
}

#[test]
fn a_connection_type_holds_its_listener() {
    let server = Server {
        listener: Listener::bind("127.0.0.1:0", Server::policy()).unwrap(),
    };
    assert!(server.keepalive_report().unwrap().all_match());
    let _c = TcpStream::connect(server.listener.local_addr().unwrap()).unwrap();
    let (accepted, _) = server.listener.accept().unwrap();
    assert_eq!(kernel(&accepted), expected());
}

#[tokio::test]
async fn the_tokio_listener_accepts_and_polls() {
    let listener = keepalive_runtime::async_tokio::Listener::bind("127.0.0.1:0", Api::policy())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let _c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (accepted, _) = listener.accept().await.unwrap();
    assert_eq!(kernel(&accepted), expected());
    let _c = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (polled, _) = std::future::poll_fn(|cx| listener.poll_accept(cx))
        .await
        .unwrap();
    assert_eq!(kernel(&polled), expected());
    // And a connection through the tokio connect path, by name.
    let done = keepalive_runtime::async_tokio::connect(("localhost", addr.port()), Api::policy())
        .await
        .unwrap();
    assert_eq!(kernel(&done.stream), expected());
}

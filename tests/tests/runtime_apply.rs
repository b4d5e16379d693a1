//! Each knob reaches the kernel, checked with raw getsockopt: std, socket2 and tokio types,
//! before and after connect, and sockets accepted from a configured listener.
#![cfg(target_os = "linux")]

use crate::support;
use crate::support::{apply, connect_with};

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use keepalive_runtime::platform::Knob;
use keepalive_runtime::status::{State, Value, read_back};
use keepalive_runtime::{ApplyAt, Error, KeepAlive, KeepAlivePolicy, Policy, connect};
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use support::{Kernel, kernel, listener, pair};

/// Every knob set to a value no OS default uses.
const FULL: Policy = Policy::new()
    .with_timeout(Duration::from_secs(37))
    .with_interval(Duration::from_secs(7))
    .with_retries(6)
    .with_user_timeout(Duration::from_secs(37 + 7 * 6));

const FULL_KERNEL: Kernel = Kernel {
    keepalive: true,
    idle_s: 37,
    intvl_s: 7,
    cnt: 6,
    user_timeout_ms: 79_000,
};

/// Two knobs written: the others must stay as the OS has them.
const PARTIAL: Policy = Policy::new()
    .with_interval(Duration::from_secs(3))
    .with_retries(11);

fn partial_kernel() -> Kernel {
    let d = support::defaults();
    assert!(!d.keepalive, "a fresh socket has keep-alive off");
    Kernel {
        keepalive: true,
        intvl_s: 3,
        cnt: 11,
        ..d
    }
}

struct Conn {
    stream: TcpStream,
}

impl KeepAlivePolicy for Conn {
    const POLICY: Policy = FULL;
    const APPLY: ApplyAt = ApplyAt::BeforeConnect;
}

impl KeepAlive for Conn {
    type Socket = TcpStream;
    fn socket(&self) -> Result<&TcpStream, Error> {
        Ok(&self.stream)
    }
}

struct LateConn {
    stream: Socket,
}

impl KeepAlivePolicy for LateConn {
    const POLICY: Policy = PARTIAL;
    const APPLY: ApplyAt = ApplyAt::AfterConnect;
}

impl KeepAlive for LateConn {
    type Socket = Socket;
    fn socket(&self) -> Result<&Socket, Error> {
        Ok(&self.stream)
    }
}

/// README's example, through the attribute.
#[keepalive_runtime::keepalive(timeout = "2h", interval = "1s", retries = 5)]
struct ReadmeConn {
    stream: TcpStream,
}

#[test]
fn readme_attribute_reaches_the_kernel() {
    let l = listener();
    let conn = ReadmeConn {
        stream: connect(support::addr(&l), ReadmeConn::policy())
            .unwrap()
            .stream,
    };
    assert_eq!(
        kernel(conn.socket().unwrap()),
        Kernel {
            keepalive: true,
            idle_s: 7200,
            intvl_s: 1,
            cnt: 5,
            ..support::defaults_on()
        }
    );
    assert_eq!(ReadmeConn::APPLY, ApplyAt::BeforeConnect);
    let report = conn.keepalive_report().unwrap();
    assert!(report.all_match(), "{report}");

    // The same type on an established stream.
    let (client, _server) = pair();
    let conn = ReadmeConn { stream: client };
    support::apply_own(&conn).unwrap();
    assert_eq!(kernel(conn.socket().unwrap()).idle_s, 7200);
}

#[test]
fn std_stream_after_connect() {
    let (client, _server) = pair();
    assert_ne!(kernel(&client), FULL_KERNEL);
    let done = apply(&client, &FULL).unwrap();
    assert_eq!(kernel(&client), FULL_KERNEL);
    assert_eq!(done.keepalive(), Some(true));
    assert!(Knob::ALL.iter().all(|k| done.contains(*k)));
}

#[test]
fn only_written_knobs_are_sent() {
    let expected = partial_kernel();
    let (client, _server) = pair();
    apply(&client, &PARTIAL).unwrap();
    assert_eq!(kernel(&client), expected);
}

#[test]
fn socket2_before_connect_then_connected() {
    let l = listener();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).unwrap();
    apply(&socket, &FULL).unwrap();
    assert_eq!(kernel(&socket), FULL_KERNEL, "on the unconnected socket");
    socket.connect(&support::addr(&l).into()).unwrap();
    assert_eq!(kernel(&socket), FULL_KERNEL, "after connect");
}

#[test]
fn socket2_after_connect() {
    let l = listener();
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket.connect(&support::addr(&l).into()).unwrap();
    apply(&socket, &FULL).unwrap();
    assert_eq!(kernel(&socket), FULL_KERNEL);
}

/// Where this host has no `::1`, inside a private network namespace, whose `lo` has it once
/// up (skipped loudly without the privilege for that, and a failure under `CI=true`).
#[test]
fn ipv6_loopback() {
    fn on_ipv6_loopback() {
        let l = TcpListener::bind("[::1]:0").expect("bind [::1]");
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        apply(&c, &FULL).unwrap();
        assert_eq!(kernel(&c), FULL_KERNEL);
    }
    if support::in_child() || TcpListener::bind("[::1]:0").is_err() {
        support::netns::in_private_netns(module_path!(), "ipv6_loopback", on_ipv6_loopback);
    } else {
        on_ipv6_loopback();
    }
}

#[test]
fn disabled_policy_writes_keepalive_off_only() {
    let (client, _server) = pair();
    apply(&client, &FULL).unwrap();
    let done = apply(&client, &Policy::disabled()).unwrap();
    assert_eq!(done.keepalive(), Some(false));
    assert!(done.knobs().next().is_none());
    assert_eq!(
        kernel(&client),
        Kernel {
            keepalive: false,
            ..FULL_KERNEL
        }
    );
}

#[test]
fn listener_accepted_sockets_inherit_every_option() {
    let l = listener();
    apply(&l, &FULL).unwrap();
    assert_eq!(kernel(&l), FULL_KERNEL, "the listener itself");
    let client = TcpStream::connect(support::addr(&l)).unwrap();
    let (plain, _) = l.accept().unwrap();
    assert_eq!(kernel(&plain), FULL_KERNEL, "TcpListener::accept");
    assert_ne!(
        kernel(&client),
        FULL_KERNEL,
        "the connecting side is not touched"
    );
}

#[test]
fn connect_before_connect() {
    let l = listener();
    let done = connect(support::addr(&l), Conn::policy()).unwrap();
    assert!(done.applied.is_complete(), "{}", done.applied);
    let stream = done.stream;
    assert_eq!(kernel(&stream), FULL_KERNEL);
    let conn = Conn { stream };
    let report = conn.keepalive_report().unwrap();
    assert!(report.all_match(), "{report}");
}

#[test]
fn connect_after_connect() {
    let expected = partial_kernel();
    let l = listener();
    let stream = connect(support::addr(&l), LateConn::policy())
        .unwrap()
        .stream;
    assert_eq!(kernel(&stream), expected);
    // The connection works.
    let conn = LateConn {
        stream: stream.into(),
    };
    let (mut server, _) = l.accept().unwrap();
    (&conn.stream).write_all(b"ping").unwrap();
    let mut buf = [0; 4];
    server.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
}

#[test]
fn connect_with_runtime_policy_is_validated_first() {
    let l = listener();
    let too_long = Policy::new().with_timeout(Duration::from_secs(40_000));
    let err = connect_with(support::addr(&l), &too_long, ApplyAt::BeforeConnect).unwrap_err();
    assert!(matches!(err, keepalive_runtime::Error::Invalid(_)), "{err}");
    assert!(err.to_string().contains("32767"), "{err}");
}

#[test]
fn connect_refused_is_a_typed_io_error() {
    // Bind, learn the port, close: nothing listens there now.
    let addr: SocketAddr = support::addr(&listener());
    let err = connect_with(addr, &FULL, ApplyAt::BeforeConnect).unwrap_err();
    // One address, one attempt, whose error is the connect's own.
    let keepalive_runtime::Error::Connect { attempts } = &err else {
        panic!("expected Connect, got {err:?}");
    };
    assert_eq!(attempts.len(), 1, "{err}");
    assert_eq!(attempts[0].addr, addr);
    match &attempts[0].error {
        keepalive_runtime::Error::Io { during, source } => {
            assert_eq!(*during, "connect");
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("expected Io, got {other:?}"),
    }
    assert_eq!(
        std::io::Error::from(err).kind(),
        std::io::ErrorKind::ConnectionRefused
    );
}

#[test]
fn read_back_reports_each_option() {
    let (client, _server) = pair();
    let before = read_back(&client, &FULL).unwrap();
    assert!(!before.all_match());
    assert_eq!(
        before.keepalive().state,
        State::Differs {
            expected: Value::Flag(true),
            actual: Value::Flag(false)
        }
    );
    apply(&client, &PARTIAL).unwrap();
    let report = read_back(&client, &PARTIAL).unwrap();
    assert!(report.all_match(), "{report}");
    let k = kernel(&client);
    assert_eq!(
        report.knob(Knob::Timeout).state,
        State::NotSet(Value::Time(Duration::from_secs(k.idle_s as u64)))
    );
    assert_eq!(
        report.knob(Knob::Interval).state,
        State::Matches(Value::Time(Duration::from_secs(3)))
    );
    assert_eq!(
        report.knob(Knob::Retries).state,
        State::Matches(Value::Count(11))
    );
    assert_eq!(report.knob(Knob::Interval).option, "TCP_KEEPINTVL");
    let shown = report.to_string();
    assert!(shown.contains("TCP_KEEPCNT"), "{shown}");
    assert!(shown.contains("left to the OS"), "{shown}");
    // Changed behind the policy's back: the report says so.
    SockRef::from(&client).set_keepalive(false).unwrap();
    let report = read_back(&client, &PARTIAL).unwrap();
    assert!(!report.all_match());
    assert!(report.to_string().contains("DIFFERS"));
}

mod with_tokio {
    use super::*;
    use keepalive_runtime::async_tokio as kt;
    use tokio::net::{TcpListener, TcpSocket, TcpStream};

    struct AsyncConn {
        stream: TcpStream,
    }

    impl KeepAlivePolicy for AsyncConn {
        const POLICY: Policy = FULL;
        const APPLY: ApplyAt = ApplyAt::BeforeConnect;
    }

    impl KeepAlive for AsyncConn {
        type Socket = TcpStream;
        fn socket(&self) -> Result<&TcpStream, Error> {
            Ok(&self.stream)
        }
    }

    struct AsyncLate {
        stream: TcpStream,
    }

    impl KeepAlivePolicy for AsyncLate {
        const POLICY: Policy = FULL;
        const APPLY: ApplyAt = ApplyAt::AfterConnect;
    }

    impl KeepAlive for AsyncLate {
        type Socket = TcpStream;
        fn socket(&self) -> Result<&TcpStream, Error> {
            Ok(&self.stream)
        }
    }

    #[tokio::test]
    async fn tcp_socket_before_connect_and_stream_after() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let socket = TcpSocket::new_v4().unwrap();
        apply(&socket, &FULL).unwrap();
        assert_eq!(kernel(&socket), FULL_KERNEL, "TcpSocket");
        let stream = socket.connect(l.local_addr().unwrap()).await.unwrap();
        assert_eq!(kernel(&stream), FULL_KERNEL, "TcpStream after connect");

        let stream = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        apply(&stream, &FULL).unwrap();
        assert_eq!(
            kernel(&stream),
            FULL_KERNEL,
            "TcpStream applied after connect"
        );
    }

    #[tokio::test]
    async fn listener_accepted_sockets_inherit() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        apply(&l, &FULL).unwrap();
        let _c2 = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (plain, _) = l.accept().await.unwrap();
        assert_eq!(kernel(&plain), FULL_KERNEL);
    }

    #[tokio::test]
    async fn connect_paths_honour_apply() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let early = AsyncConn {
            stream: kt::connect(addr, AsyncConn::policy()).await.unwrap().stream,
        };
        assert_eq!(kernel(early.socket().unwrap()), FULL_KERNEL);
        let late = AsyncLate {
            stream: kt::connect(addr, AsyncLate::policy()).await.unwrap().stream,
        };
        assert_eq!(kernel(late.socket().unwrap()), FULL_KERNEL);
        assert!(late.keepalive_report().unwrap().all_match());
    }
}

/// `best_effort = true`: on Linux every knob has an option, so everything reaches the
/// kernel, through the connect path and through `apply_keepalive`.
#[keepalive_runtime::keepalive(timeout = "37s", interval = "7s", retries = 6, best_effort = true)]
struct Lenient {
    stream: TcpStream,
}

#[test]
fn best_effort_types_connect_and_apply_in_full_where_the_os_can() {
    let l = listener();
    let done = connect(l.local_addr().unwrap(), Lenient::policy()).unwrap();
    assert!(done.applied.is_complete(), "{}", done.applied);
    let stream = done.stream;
    let (_server, _) = l.accept().unwrap();
    let k = kernel(&stream);
    assert_eq!((k.keepalive, k.idle_s, k.intvl_s, k.cnt), (true, 37, 7, 6));
    let conn = Lenient { stream };
    let done = support::apply_own(&conn).unwrap();
    assert!(done.is_complete(), "{done}");
    assert_eq!(done.keepalive(), Some(true));
    assert!(Knob::ALL[..3].iter().all(|&k| done.contains(k)));
    assert!(!done.contains(Knob::UserTimeout));
}

//! Faults: a closed descriptor, a datagram socket, and a value the kernel refuses. Each
//! gives its typed error, naming the option and keeping the OS error, and leaves the
//! caller's socket open, usable, and not half-configured.
#![cfg(target_os = "linux")]

use crate::support;
use crate::support::apply;

use std::io::{Read, Write};
use std::mem::ManuallyDrop;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::time::Duration;

use keepalive_runtime::platform::Knob;
use keepalive_runtime::{Error, Policy, apply_unchecked};
use socket2::{Domain, Socket, Type};
use support::{kernel, pair};

const POLICY: Policy = Policy::new()
    .with_timeout(Duration::from_secs(30))
    .with_interval(Duration::from_secs(5))
    .with_retries(4);

fn assert_usable(client: &TcpStream, server: &TcpStream) {
    (&*client).write_all(b"still here").unwrap();
    let mut buf = [0; 10];
    (&*server).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"still here");
}

/// A descriptor number that is closed: a duplicate far above the ones in use, closed
/// again. Wrapped so that nothing closes it a second time.
fn closed_fd(of: &impl AsRawFd) -> i32 {
    // SAFETY: F_DUPFD on a live descriptor; it returns a new one or -1.
    let fd = unsafe { libc::fcntl(of.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 900) };
    assert!(fd >= 900);
    // SAFETY: `fd` was just created here and nothing else owns it.
    assert_eq!(unsafe { libc::close(fd) }, 0);
    fd
}

#[test]
fn closed_descriptor_is_a_typed_error() {
    let (client, server) = pair();
    let fd = closed_fd(&client);

    // SAFETY: never dropped (ManuallyDrop), so the closed number is not closed again;
    // it only carries the number to the runtime, which must answer EBADF.
    let stream = ManuallyDrop::new(unsafe { TcpStream::from_raw_fd(fd) });
    let err = apply(&*stream, &POLICY).unwrap_err();
    assert!(matches!(err, Error::Set { .. }), "{err:?}");
    assert_eq!(err.option(), Some("TCP_KEEPIDLE"));
    assert_eq!(err.knob(), Some(Knob::Timeout));
    assert_eq!(err.io_error().unwrap().raw_os_error(), Some(libc::EBADF));
    assert!(err.already_set().is_empty());

    // SAFETY: as above.
    let socket = ManuallyDrop::new(unsafe { Socket::from_raw_fd(fd) });
    let err = apply(&*socket, &POLICY).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Get {
                option: "SO_TYPE",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.io_error().unwrap().raw_os_error(), Some(libc::EBADF));

    // The socket the number was copied from is untouched and works.
    assert!(!kernel(&client).keepalive);
    assert_usable(&client, &server);
}

#[test]
fn datagram_socket_is_refused_before_anything_is_set() {
    let udp = Socket::new(Domain::IPV4, Type::DGRAM, None).unwrap();
    udp.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    let err = apply(&udp, &POLICY).unwrap_err();
    match &err {
        Error::NotStream { socket_type } => assert_eq!(*socket_type, Type::DGRAM),
        other => panic!("expected NotStream, got {other:?}"),
    }
    assert_eq!(err.option(), Some("SO_TYPE"));
    assert!(err.to_string().contains("TCP stream"), "{err}");
    // Also unchecked: the type check is not a policy check.
    assert!(matches!(
        apply_unchecked(&udp, &POLICY),
        Err(Error::NotStream { .. })
    ));
    // Linux would have accepted SO_KEEPALIVE here; it was never set.
    let on = support::getsockopt_int(&udp, libc::SOL_SOCKET, libc::SO_KEEPALIVE).unwrap();
    assert_eq!(on, 0);
    // Still usable: a datagram to itself.
    let me = udp.local_addr().unwrap();
    udp.send_to(b"ping", &me).unwrap();
    let mut buf = [std::mem::MaybeUninit::new(0u8); 4];
    assert_eq!(udp.recv_from(&mut buf).unwrap().0, 4);
}

#[test]
fn kernel_refusal_names_the_option_and_keeps_the_os_error() {
    let (client, server) = pair();
    let out_of_range = Policy::new().with_timeout(Duration::from_secs(40_000));

    // Checked: refused before any system call, with the platform table's limit.
    let err = apply(&client, &out_of_range).unwrap_err();
    let Error::Invalid(violations) = &err else {
        panic!("expected Invalid, got {err:?}")
    };
    assert_eq!(violations[0].knob(), Some(Knob::Timeout));
    assert!(err.to_string().contains("32767"), "{err}");

    // Unchecked: the kernel's own answer.
    let err = apply_unchecked(&client, &out_of_range).unwrap_err();
    assert_eq!(err.option(), Some("TCP_KEEPIDLE"));
    assert_eq!(err.knob(), Some(Knob::Timeout));
    let io = err.io_error().unwrap();
    assert_eq!(io.raw_os_error(), Some(libc::EINVAL));
    let source = std::error::Error::source(&err).unwrap();
    assert!(source.downcast_ref::<std::io::Error>().is_some());
    assert!(err.to_string().contains("TCP_KEEPIDLE"), "{err}");
    assert!(err.already_set().is_empty());

    let k = kernel(&client);
    assert!(!k.keepalive, "keep-alive must not be left on");
    assert_usable(&client, &server);
}

#[test]
fn refusal_part_way_reports_what_was_set_and_leaves_keepalive_off() {
    let (client, server) = pair();
    let defaults = kernel(&client);
    // The third of four options refused.
    let policy = Policy::new()
        .with_timeout(Duration::from_secs(30))
        .with_interval(Duration::from_secs(5))
        .with_retries(1000)
        .with_user_timeout(Duration::from_secs(30 + 5 * 1000));
    let err = apply_unchecked(&client, &policy).unwrap_err();
    assert_eq!(err.option(), Some("TCP_KEEPCNT"));
    assert_eq!(err.io_error().unwrap().raw_os_error(), Some(libc::EINVAL));
    let done = err.already_set();
    assert!(done.contains(Knob::Timeout) && done.contains(Knob::Interval));
    assert!(!done.contains(Knob::Retries) && !done.contains(Knob::UserTimeout));
    assert_eq!(done.keepalive(), None);
    let shown = err.to_string();
    assert!(
        shown.contains("already set: TCP_KEEPIDLE (timeout), TCP_KEEPINTVL (interval)"),
        "{shown}"
    );

    let k = kernel(&client);
    assert!(
        !k.keepalive,
        "keep-alive stays off after a refusal part-way"
    );
    assert_eq!((k.idle_s, k.intvl_s), (30, 5));
    assert_eq!(
        (k.cnt, k.user_timeout_ms),
        (defaults.cnt, defaults.user_timeout_ms)
    );
    assert_usable(&client, &server);
}

//! What ended a connection, from the error of the failed call and the status after it.

use core::fmt;
use std::io;

use super::plural;
use super::read::{Kernel, Status, TcpState};

/// Why a connection died, from the error of the failed read or write and a status read
/// right after it. Only what measurements tell apart: on Linux, a connection whose
/// keep-alive probes went unanswered and one whose sent data went unacknowledged both
/// fail with ETIMEDOUT; the status read after the failure still shows which (probes
/// counted, or retransmissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// Keep-alive probes went unanswered: the peer vanished while the connection was idle.
    KeepAliveUnanswered {
        /// Probes sent, where the OS counts them.
        probes: Option<u32>,
    },
    /// Sent data stayed unacknowledged until the user timeout or the OS's retransmission
    /// limit gave up: the peer vanished with data in flight.
    DataUnacknowledged {
        /// Retransmissions of the oldest segment, where the OS counts them.
        retransmits: Option<u32>,
    },
    /// Timed out, and the status does not say whether probes or retransmissions did it
    /// (the OS does not report those counters, or no status was read).
    TimedOut,
    /// Timed out, but the kernel did not end this connection: the status read after the
    /// error shows it still in a live state (established, say; Linux, where a connection
    /// the kernel timed out reads as closed). The timeout came from the
    /// application or a library (a `tokio::time::timeout`, a read deadline), not from
    /// keep-alive or retransmission. A status read before the error cannot tell this.
    NotEndedByKernel {
        /// The state the connection is still in.
        state: TcpState,
    },
    /// The peer reset the connection (ECONNRESET).
    Reset,
    /// The connection was already closed when it was used: the peer closed it (a read
    /// that needed more data ended with an unexpected end of file), a write went out after
    /// the peer's close or reset (EPIPE: measured on Linux, the second write after the
    /// peer's close, every write after a reset once a read took the ECONNRESET), or this
    /// side shut it down for writing. An earlier error, if one was taken, said why.
    Closed,
    /// The peer's host cannot be reached (EHOSTUNREACH, ENETUNREACH, ENETDOWN): no route,
    /// a router's ICMP unreachable, or on the local link no answer to ARP (measured: a
    /// peer gone from the link with data in flight fails with EHOSTUNREACH at the user
    /// timeout instead of ETIMEDOUT).
    Unreachable,
    /// Something else; the error says what.
    Other(io::ErrorKind),
}

impl Cause {
    /// Names what ended the connection: `error` is the error of the failed read or write,
    /// `after` the [`status()`](super::status()) read right after it (or the last one taken).
    ///
    /// ```no_run
    /// # use std::io::Read;
    /// # let mut stream = std::net::TcpStream::connect("127.0.0.1:9")?;
    /// let mut buf = [0u8; 1024];
    /// if let Err(error) = stream.read(&mut buf) {
    ///     let after = keepalive_runtime::status(&stream).ok();
    ///     let cause = keepalive_runtime::status::Cause::of(&error, after.as_ref());
    ///     eprintln!("connection lost: {cause} ({error})");
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn of(error: &io::Error, after: Option<&Status>) -> Cause {
        match error.kind() {
            io::ErrorKind::TimedOut => Self::timed_out(after),
            io::ErrorKind::ConnectionReset => Cause::Reset,
            io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => Cause::Closed,
            io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown => Cause::Unreachable,
            other => Cause::Other(other),
        }
    }

    fn timed_out(after: Option<&Status>) -> Cause {
        let Some(status) = after else {
            return Cause::TimedOut;
        };
        // A connection the kernel ended is closed by then (measured on Linux: `closed`
        // after keep-alive and user timeouts alike, `tests/tests/status_dead_peer.rs`).
        // Elsewhere the state after the kernel's timeout is not measured: no claim.
        if let Some(state) = status.state
            && status.kernel == Kernel::Linux
            && !matches!(state, TcpState::Closed | TcpState::TimeWait)
        {
            return Cause::NotEndedByKernel { state };
        }
        // Measured on Linux: after a keep-alive death the status shows the probes sent and
        // no retransmission; after a user or retransmission timeout, retransmissions.
        match (status.probes, status.retransmits) {
            (_, Some(r)) if r > 0 => Cause::DataUnacknowledged {
                retransmits: Some(r),
            },
            (Some(p), _) if p > 0 => Cause::KeepAliveUnanswered { probes: Some(p) },
            _ => Cause::TimedOut,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Cause::KeepAliveUnanswered { probes: Some(n) } => write!(
                f,
                "the peer vanished: {n} keep-alive {} unanswered",
                plural(n, "probe", "probes")
            ),
            Cause::KeepAliveUnanswered { probes: None } => {
                f.write_str("the peer vanished: keep-alive probes unanswered")
            }
            Cause::DataUnacknowledged { retransmits } => {
                f.write_str("the peer vanished with data in flight: sent data unacknowledged")?;
                if let Some(n) = retransmits {
                    write!(
                        f,
                        " after {n} {}",
                        plural(n, "retransmission", "retransmissions")
                    )?;
                }
                Ok(())
            }
            Cause::TimedOut => f.write_str(
                "timed out (keep-alive probes or retransmissions; this OS does not say which)",
            ),
            Cause::NotEndedByKernel { state } => write!(
                f,
                "timed out, but not by the kernel: the connection is still {state}; the timeout came from the application or a library, not from keep-alive or retransmission"
            ),
            Cause::Reset => f.write_str("reset by the peer"),
            Cause::Closed => f.write_str(
                "closed: the peer closed or reset the connection before this use (or this side shut it down)",
            ),
            Cause::Unreachable => f.write_str(
                "unreachable: no route to the peer, or its host does not answer on the link",
            ),
            Cause::Other(kind) => write!(f, "other: {kind}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::status;
    use crate::status::test_support::{linux_status, pair};
    use core::time::Duration;

    #[test]
    fn causes_from_errno_and_the_status_after() {
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        // As measured after the kernel ended a connection: closed.
        let closed = |s: Status| Status {
            state: Some(TcpState::Closed),
            ..s
        };
        let after_probes = closed(linux_status(4, 6_000, 0, 0));
        let after_retransmissions = closed(linux_status(0, 4_400, 0, 4));
        assert_eq!(
            Cause::of(&timed_out, Some(&after_probes)),
            Cause::KeepAliveUnanswered { probes: Some(4) }
        );
        assert_eq!(
            Cause::of(&timed_out, Some(&after_retransmissions)),
            Cause::DataUnacknowledged {
                retransmits: Some(4)
            }
        );
        assert_eq!(Cause::of(&timed_out, None), Cause::TimedOut);
        assert_eq!(Cause::of(&timed_out, Some(&Status::NONE)), Cause::TimedOut);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(Cause::of(&reset, None), Cause::Reset);
        let unreachable = io::Error::from(io::ErrorKind::HostUnreachable);
        assert_eq!(Cause::of(&unreachable, None), Cause::Unreachable);
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert_eq!(Cause::of(&eof, None), Cause::Closed);
        let other = io::Error::from(io::ErrorKind::PermissionDenied);
        assert_eq!(
            Cause::of(&other, None),
            Cause::Other(io::ErrorKind::PermissionDenied)
        );
    }

    /// An application's own timeout (a deadline around a read) on a live loopback
    /// connection: the status read after it shows the connection established with nothing
    /// sent unanswered, so the kernel did not end it, and the cause says so instead of
    /// blaming probes or retransmissions.
    #[test]
    fn an_application_timeout_on_a_live_connection_is_not_the_kernels() {
        let (client, _server) = pair();
        let deadline = io::Error::new(io::ErrorKind::TimedOut, "deadline elapsed");
        let Ok(after) = status(&client) else {
            return; // No status call on this OS (or build): nothing to read.
        };
        if !cfg!(any(target_os = "linux", target_os = "android")) {
            // Only Linux's state after a kernel timeout is measured (closed): elsewhere the
            // cause makes no claim and stays `TimedOut`.
            assert_eq!(Cause::of(&deadline, Some(&after)), Cause::TimedOut);
            return;
        }
        assert_eq!(after.state(), Some(TcpState::Established), "{after}");
        let cause = Cause::of(&deadline, Some(&after));
        assert_eq!(
            cause,
            Cause::NotEndedByKernel {
                state: TcpState::Established
            }
        );
        let text = cause.to_string();
        assert!(
            text.starts_with(
                "timed out, but not by the kernel: the connection is still established"
            ),
            "{text}"
        );
        assert!(
            !text.contains("keep-alive probes or retransmissions"),
            "{text}"
        );
    }

    /// The first error a write returns after the peer went away, on a real connection.
    #[cfg(unix)]
    fn first_write_error(stream: &mut std::net::TcpStream) -> io::Error {
        use std::io::Write;
        for _ in 0..50 {
            if let Err(e) = stream.write_all(b"x") {
                return e;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("writes after the peer went away kept succeeding");
    }

    /// A peer that closed (FIN, then RST to the data that followed), and a peer that reset
    /// at once whose reset a read already took: writes then fail with EPIPE, which names
    /// the connection closed, not "other".
    #[cfg(unix)]
    #[test]
    fn a_write_after_the_peer_closed_is_named_closed() {
        use std::io::Read;

        let (mut client, server) = pair();
        drop(server);
        assert_eq!(client.read(&mut [0; 8]).unwrap(), 0, "end of stream");
        let error = first_write_error(&mut client);
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
        let after = status(&client).ok();
        assert_eq!(Cause::of(&error, after.as_ref()), Cause::Closed);

        let (mut client, server) = pair();
        socket2::SockRef::from(&server)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(server);
        let reset = client.read(&mut [0; 8]).unwrap_err();
        assert_eq!(Cause::of(&reset, None), Cause::Reset, "{reset}");
        let error = first_write_error(&mut client);
        assert_eq!(error.kind(), io::ErrorKind::BrokenPipe, "{error}");
        let cause = Cause::of(&error, status(&client).ok().as_ref());
        assert_eq!(cause, Cause::Closed);
        assert!(
            cause
                .to_string()
                .starts_with("closed: the peer closed or reset")
        );
    }
}

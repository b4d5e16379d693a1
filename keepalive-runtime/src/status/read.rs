//! Reading a connection's status: one call of the OS's connection-info interface.

use core::fmt;
use core::time::Duration;
use std::io;

use keepalive_core::format_duration;

use super::{Secs, plural};
use crate::socket::KeepAliveSocket;
use crate::sys;

/// The TCP state of a connection, as the OS reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TcpState {
    /// Open; keep-alive runs in this state.
    Established,
    /// Connecting.
    SynSent,
    /// Accepting a connection.
    SynReceived,
    /// The peer has closed its side; keep-alive still runs.
    CloseWait,
    /// Closing, this side first.
    FinWait1,
    /// Closing, this side's FIN acknowledged.
    FinWait2,
    /// Both sides closing at once.
    Closing,
    /// Closing, the peer first.
    LastAck,
    /// Closed, waiting for stray segments.
    TimeWait,
    /// Closed: the connection is over (a dead peer leaves it here).
    Closed,
    /// A listening socket.
    Listen,
    /// A number this crate does not know.
    Other(u32),
}

impl TcpState {
    /// Whether the connection is open both ways or half-closed by the peer (established or
    /// close-wait): the states keep-alive runs in on every OS. Several kernels run it in
    /// more (FIN-wait-1 and closing on FreeBSD, OpenBSD and XNU, FIN-wait-2 on XNU, every
    /// synchronised state on Linux); [`Status::forecast`] follows the kernel's own rule.
    pub const fn is_open(self) -> bool {
        matches!(self, TcpState::Established | TcpState::CloseWait)
    }
}

pub(crate) use kernel::Kernel;

/// What only an OS's status call uses: the empty status it fills and its kernel's rules.
mod kernel {
    #![cfg_attr(
        not(any(
            target_os = "linux",
            target_os = "android",
            target_os = "freebsd",
            target_os = "netbsd",
            target_os = "openbsd",
            target_vendor = "apple",
            windows
        )),
        allow(dead_code) // No status call on this OS: nothing builds a Status.
    )]

    use super::{Status, TcpState};

    impl Status {
        /// Nothing reported; each OS fills what it has.
        pub(crate) const NONE: Status = Status {
            kernel: Kernel::HOST,
            state: None,
            since_data_received: None,
            received_wraps_every: None,
            since_ack_received: None,
            since_data_sent: None,
            probes: None,
            unacked_segments: None,
            unsent_bytes: None,
            accept_queue: None,
            unacked_bytes: None,
            retransmits: None,
            backoff: None,
            retransmitted_segments: None,
            retransmitted_bytes: None,
            rto: None,
        };
    }

    /// Which kernel's keep-alive timer a status comes from: its rules differ in the states
    /// the timer runs in and in how it ends a connection (PLATFORMS.md, "Reading status").
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub(crate) enum Kernel {
        /// `tcp_keepalive_timer` (net/ipv4/tcp_timer.c): counts probes, pauses while data is
        /// in flight or queued unsent.
        Linux,
        /// `tcp_timer_keep` (sys/netinet/tcp_timer.c): drops by idle time, runs up to CLOSING.
        FreeBsd,
        /// `tcp_timer_keep`: drops by idle time, runs in ESTABLISHED and CLOSE-WAIT only.
        NetBsd,
        /// `tcp_timer_keep`: drops by idle time, runs up to CLOSING.
        OpenBsd,
        /// `tcp_timers` TCPT_KEEP (bsd/netinet/tcp_timer.c): drops by idle time, runs up to
        /// CLOSING and in FIN-WAIT-2.
        Xnu,
        /// No keep-alive progress reported.
        Windows,
        /// Any other OS (no status call).
        Other,
    }

    impl Kernel {
        /// The kernel of the target being compiled.
        pub(crate) const HOST: Kernel = if cfg!(any(target_os = "linux", target_os = "android")) {
            Kernel::Linux
        } else if cfg!(target_os = "freebsd") {
            Kernel::FreeBsd
        } else if cfg!(target_os = "netbsd") {
            Kernel::NetBsd
        } else if cfg!(target_os = "openbsd") {
            Kernel::OpenBsd
        } else if cfg!(target_vendor = "apple") {
            Kernel::Xnu
        } else if cfg!(windows) {
            Kernel::Windows
        } else {
            Kernel::Other
        };

        /// Whether this kernel's keep-alive timer probes a connection in `state`.
        ///
        /// - Linux: every state but CLOSE, SYN-SENT and LISTEN (`tcp_keepalive_timer`), though
        ///   in FIN-WAIT-1, CLOSING and LAST-ACK the unacknowledged FIN pauses it;
        /// - FreeBSD and OpenBSD: ESTABLISHED to CLOSING in the `TCPS_*` order (`t_state <=
        ///   TCPS_CLOSING`): established, close-wait, FIN-wait-1, closing;
        /// - XNU: the same and FIN-WAIT-2 (`t_state <= TCPS_CLOSING || t_state ==
        ///   TCPS_FIN_WAIT_2`);
        /// - NetBSD: established and close-wait (`t_state <= TCPS_CLOSE_WAIT`);
        /// - elsewhere: established and close-wait, as far as this crate knows.
        pub(crate) const fn keepalive_runs_in(self, state: TcpState) -> bool {
            use TcpState::*;
            match self {
                Kernel::Linux => matches!(
                    state,
                    Established | SynReceived | CloseWait | FinWait1 | FinWait2 | Closing | LastAck
                ),
                Kernel::FreeBsd | Kernel::OpenBsd => {
                    matches!(state, Established | CloseWait | FinWait1 | Closing)
                }
                Kernel::Xnu => matches!(
                    state,
                    Established | CloseWait | FinWait1 | Closing | FinWait2
                ),
                Kernel::NetBsd | Kernel::Windows | Kernel::Other => state.is_open(),
            }
        }

        /// Whether the timer ends a connection by its idle time alone: at a run where the time
        /// since the last segment received is at least `timeout + interval × retries`, it
        /// drops the connection without sending a probe (the BSDs and XNU). Linux instead
        /// counts the probes it sent.
        pub(crate) const fn drops_by_idle(self) -> bool {
            matches!(
                self,
                Kernel::FreeBsd | Kernel::NetBsd | Kernel::OpenBsd | Kernel::Xnu
            )
        }
    }
}

/// Where a kernel reports the time since the last segment as microseconds in a u32
/// (FreeBSD, OpenBSD `tcp_fill_info`), the figure wraps every 2^32 µs (about 71.6 min).
#[cfg_attr(
    not(any(target_os = "freebsd", target_os = "openbsd", test)),
    allow(dead_code)
)]
pub(crate) const MICROS_U32_WRAP: Duration = Duration::from_micros(1 << 32);

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            TcpState::Established => "established",
            TcpState::SynSent => "SYN sent",
            TcpState::SynReceived => "SYN received",
            TcpState::CloseWait => "close-wait",
            TcpState::FinWait1 => "FIN-wait-1",
            TcpState::FinWait2 => "FIN-wait-2",
            TcpState::Closing => "closing",
            TcpState::LastAck => "last-ACK",
            TcpState::TimeWait => "time-wait",
            TcpState::Closed => "closed",
            TcpState::Listen => "listening",
            TcpState::Other(n) => return write!(f, "state {n}"),
        };
        f.write_str(name)
    }
}

/// A connection's state as the OS reports it, from one call: Linux and Android
/// `TCP_INFO`, FreeBSD, NetBSD and OpenBSD `TCP_INFO`, macOS/iOS `TCP_CONNECTION_INFO`,
/// Windows `SIO_TCP_INFO`. A field the OS does not report, or reports in a unit that its
/// source shows to be wrong, is `None`, never a guess (PLATFORMS.md, "Reading status").
///
/// | field | Linux, Android | FreeBSD | NetBSD | OpenBSD | macOS, iOS | Windows |
/// |---|---|---|---|---|---|---|
/// | [`state`](Status::state) | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
/// | [`since_data_received`](Status::since_data_received) | ✓ | ¹ | — | ¹ | — | — |
/// | [`since_ack_received`](Status::since_ack_received) | ✓ | — | — | — | — | — |
/// | [`since_data_sent`](Status::since_data_sent) | ✓ | — | — | — | — | — |
/// | [`probes`](Status::probes) | ✓ | — | — | — | — | — |
/// | [`unacked_segments`](Status::unacked_segments) | ✓ | — | — | — | — | — |
/// | [`unsent_bytes`](Status::unsent_bytes) | ✓ | — | — | — | — | — |
/// | [`accept_queue`](Status::accept_queue) | ✓ | — | — | — | — | — |
/// | [`unacked_bytes`](Status::unacked_bytes) | — | — | — | — | — | ✓ |
/// | [`retransmits`](Status::retransmits), [`backoff`](Status::backoff) | ✓ | — | — | — | — | — |
/// | [`retransmitted_segments`](Status::retransmitted_segments) | ✓ | ✓ | ✓ | — | ✓ | — |
/// | [`retransmitted_bytes`](Status::retransmitted_bytes) | — | — | — | — | ✓ | ✓ |
/// | [`rto`](Status::rto) | ✓ | ✓ | — | ✓ | ✓ | — |
///
/// ¹ FreeBSD and OpenBSD report the time since any segment arrived as microseconds in a
/// u32, which wraps about every 71.6 min: the figure alone cannot tell 10 s from about 71.8 min,
/// so it is read through [`Status::since_last_received_within`] (and by
/// [`Status::forecast`], with the bound the policy sets), never as a bare figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status {
    pub(crate) kernel: Kernel,
    pub(crate) state: Option<TcpState>,
    pub(crate) since_data_received: Option<Duration>,
    /// The period after which `since_data_received` wraps, where the kernel's counter
    /// wraps sooner than keep-alive can end a connection.
    pub(crate) received_wraps_every: Option<Duration>,
    pub(crate) since_ack_received: Option<Duration>,
    pub(crate) since_data_sent: Option<Duration>,
    pub(crate) probes: Option<u32>,
    pub(crate) unacked_segments: Option<u32>,
    pub(crate) unsent_bytes: Option<u32>,
    pub(crate) accept_queue: Option<u32>,
    pub(crate) unacked_bytes: Option<u64>,
    pub(crate) retransmits: Option<u32>,
    pub(crate) backoff: Option<u32>,
    pub(crate) retransmitted_segments: Option<u64>,
    pub(crate) retransmitted_bytes: Option<u64>,
    pub(crate) rto: Option<Duration>,
}

impl Status {
    /// The TCP state.
    pub const fn state(&self) -> Option<TcpState> {
        self.state
    }

    /// Time since data last arrived from the peer (Linux `tcpi_last_data_recv`, in
    /// milliseconds). `None` where the OS does not report it, and on FreeBSD and OpenBSD,
    /// whose figure wraps about every 71.6 min: see [`Status::since_last_received_within`].
    pub const fn since_data_received(&self) -> Option<Duration> {
        match self.received_wraps_every {
            None => self.since_data_received,
            Some(_) => None,
        }
    }

    /// Time since the peer last acknowledged anything, a keep-alive probe included (Linux
    /// `tcpi_last_ack_recv`).
    pub const fn since_ack_received(&self) -> Option<Duration> {
        self.since_ack_received
    }

    /// Time since data was last sent, retransmissions included (Linux
    /// `tcpi_last_data_sent`).
    pub const fn since_data_sent(&self) -> Option<Duration> {
        self.since_data_sent
    }

    /// Time since the last segment of any kind arrived: what keep-alive's idle time counts
    /// (Linux `tcp_keepalive_timer` takes the smaller of the two `last_*_recv` times).
    /// `None` on FreeBSD and OpenBSD, whose figure wraps: see
    /// [`Status::since_last_received_within`].
    pub fn since_last_received(&self) -> Option<Duration> {
        match self.received_wraps_every {
            None => self.last_received_raw(),
            Some(_) => None,
        }
    }

    /// [`Status::since_last_received`], also where the OS's figure wraps (FreeBSD and
    /// OpenBSD, about every 71.6 min), given that the time cannot exceed `longest`: the figure
    /// where `longest` is shorter than the wrap, `None` where it is not (the figure could
    /// then be short by any multiple of the wrap). While keep-alive runs with
    /// `timeout + interval × retries` below the wrap, those kernels drop a connection before
    /// its idle time gets that far, which is the bound [`Status::forecast`] passes (except
    /// for a policy applied to a connection already idle longer, until the timer's next
    /// run).
    pub fn since_last_received_within(&self, longest: Duration) -> Option<Duration> {
        match self.received_wraps_every {
            Some(wrap) if longest >= wrap => None,
            _ => self.last_received_raw(),
        }
    }

    pub(super) fn last_received_raw(&self) -> Option<Duration> {
        match (self.since_data_received, self.since_ack_received) {
            (Some(data), Some(ack)) => Some(data.min(ack)),
            (Some(one), None) | (None, Some(one)) => Some(one),
            (None, None) => None,
        }
    }

    /// Keep-alive probes sent and not answered since the peer last acknowledged anything
    /// (Linux `tcpi_probes`; zero-window probes count here too).
    pub const fn probes(&self) -> Option<u32> {
        self.probes
    }

    /// Segments sent and not yet acknowledged (Linux `tcpi_unacked`). While there are any,
    /// Linux keep-alive sends no probes. `None` on a listener, where Linux reports the
    /// accept queue in that field instead ([`Status::accept_queue`]).
    pub const fn unacked_segments(&self) -> Option<u32> {
        self.unacked_segments
    }

    /// Bytes written and not yet sent (Linux `tcpi_notsent_bytes`, Linux 4.6 and later):
    /// while there are any, Linux keep-alive sends no probes either, even with nothing in
    /// flight (a peer whose receive window is closed, say).
    pub const fn unsent_bytes(&self) -> Option<u32> {
        self.unsent_bytes
    }

    /// On a listening socket, the connections waiting to be accepted (Linux: `tcp_get_info`
    /// reports the accept backlog in `tcpi_unacked` for a listener).
    pub const fn accept_queue(&self) -> Option<u32> {
        self.accept_queue
    }

    /// Bytes sent and not yet acknowledged (Windows `BytesInFlight`).
    pub const fn unacked_bytes(&self) -> Option<u64> {
        self.unacked_bytes
    }

    /// Retransmissions of the oldest unacknowledged segment since it was last
    /// acknowledged progress (Linux `tcpi_retransmits`).
    pub const fn retransmits(&self) -> Option<u32> {
        self.retransmits
    }

    /// Exponential backoff of the retransmission timer (Linux `tcpi_backoff`).
    pub const fn backoff(&self) -> Option<u32> {
        self.backoff
    }

    /// Segments retransmitted over the connection's life (Linux `tcpi_total_retrans`,
    /// FreeBSD and NetBSD `tcpi_snd_rexmitpack`, Apple `tcpi_txretransmitpackets`).
    pub const fn retransmitted_segments(&self) -> Option<u64> {
        self.retransmitted_segments
    }

    /// Bytes retransmitted over the connection's life (Apple `tcpi_txretransmitbytes`,
    /// Windows `BytesRetrans`).
    pub const fn retransmitted_bytes(&self) -> Option<u64> {
        self.retransmitted_bytes
    }

    /// The current retransmission timeout.
    pub const fn rto(&self) -> Option<Duration> {
        self.rto
    }

    /// Whether data is in flight: sent and not acknowledged. `None` where the OS does not
    /// say.
    pub fn data_in_flight(&self) -> Option<bool> {
        match (self.unacked_segments, self.unacked_bytes) {
            (Some(n), _) if n > 0 => Some(true),
            (_, Some(n)) if n > 0 => Some(true),
            (None, None) => None,
            _ => Some(false),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.state {
            Some(state) => write!(f, "{state}")?,
            None => f.write_str("state not reported")?,
        }
        if let Some(d) = self.last_received_raw() {
            write!(f, ", last segment received {} ago", Secs(d))?;
            if let Some(wrap) = self.received_wraps_every {
                // The kernel's counter wraps: the figure is right only modulo the wrap.
                write!(f, " (or that plus a multiple of {})", format_duration(wrap))?;
            }
        }
        if let Some(n) = self.probes {
            write!(f, ", {n} unanswered {}", plural(n, "probe", "probes"))?;
        }
        if let Some(n) = self.unacked_segments {
            write!(
                f,
                ", {n} unacknowledged {}",
                plural(n, "segment", "segments")
            )?;
        }
        if let Some(n) = self.unsent_bytes.filter(|n| *n > 0) {
            write!(f, ", {n} bytes queued unsent")?;
        }
        if let Some(n) = self.accept_queue {
            write!(
                f,
                ", {n} {} waiting to be accepted",
                plural(n, "connection", "connections")
            )?;
        }
        if let Some(n) = self.unacked_bytes {
            write!(f, ", {n} bytes in flight")?;
        }
        if let Some(n) = self.retransmits {
            write!(
                f,
                ", {n} {}",
                plural(n, "retransmission", "retransmissions")
            )?;
        }
        if let Some(rto) = self.rto {
            write!(f, ", RTO {} ms", rto.as_millis())?;
        }
        Ok(())
    }
}

/// Reads the status of `socket`'s connection: one call of the OS's connection-info
/// interface, no allocation.
///
/// ```
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::status;
///
/// #[keepalive(timeout = "60s", interval = "10s", retries = 5)]
/// struct Api;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// keepalive_runtime::apply(&stream, Api::policy())?;
///
/// let now = status(&stream)?;
/// let forecast = now.forecast(&Api::POLICY);
/// println!("{forecast}");
/// # #[cfg(target_os = "linux")] {
/// assert_eq!(now.probes(), Some(0));
/// assert!(forecast.to_string().starts_with(
///     "idle 0.0 s of 1m before the first probe; if the peer is gone, declared dead in at most 2m 11s"
/// ));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn status<S: KeepAliveSocket + ?Sized>(socket: &S) -> Result<Status, StatusError> {
    sys::conn_info::read_status(&socket.sock_ref())
}

/// A status could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum StatusError {
    /// This OS has no connection-info call this crate reads (illumos, for one).
    Unsupported,
    /// This build of the OS lacks the call: Windows before 10.0.15063 has no
    /// SIO_TCP_INFO, and Wine 8 answers it with an error.
    Unavailable {
        /// The call (`SIO_TCP_INFO`).
        call: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// The connection holds no socket now (its socket field is `None`), or reaching it
    /// failed.
    NoSocket(Box<crate::Error>),
    /// The call failed (a socket that is not TCP, say).
    Failed {
        /// The call (`TCP_INFO`).
        call: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

impl StatusError {
    pub(crate) fn from_socket(error: crate::Error) -> StatusError {
        StatusError::NoSocket(Box::new(error))
    }
}

impl fmt::Display for StatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusError::Unsupported => f.write_str(
                "no keep-alive status on this OS: it has no connection-info call this crate reads",
            ),
            StatusError::Unavailable { call, source } => write!(
                f,
                "no keep-alive status: this build of the OS lacks {call} ({source})"
            ),
            StatusError::NoSocket(error) => write!(f, "no keep-alive status: {error}"),
            StatusError::Failed { call, source } => write!(f, "reading {call} failed: {source}"),
        }
    }
}

impl std::error::Error for StatusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StatusError::Unsupported => None,
            StatusError::NoSocket(error) => Some(&**error),
            StatusError::Unavailable { source, .. } | StatusError::Failed { source, .. } => {
                Some(source)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Outlook;
    use crate::status::test_support::pair;
    use keepalive_core::Policy;

    #[test]
    fn a_fresh_connection_reads_as_established() {
        let (client, _server) = pair();
        match status(&client) {
            Ok(now) => {
                println!("status: {now}");
                assert_eq!(now.state(), Some(TcpState::Established));
                assert_ne!(now.data_in_flight(), Some(true), "{now}");
                if cfg!(any(target_os = "linux", target_os = "android")) {
                    assert_eq!(now.probes(), Some(0));
                    assert_eq!(now.unacked_segments(), Some(0));
                    assert!(now.since_last_received().unwrap() < Duration::from_secs(5));
                }
            }
            Err(StatusError::Unavailable { call, source }) if cfg!(windows) => {
                let text = StatusError::Unavailable { call, source }.to_string();
                println!("status: {text}");
                assert!(text.contains("lacks SIO_TCP_INFO"), "{text}");
            }
            Err(e) => panic!("status of an open connection: {e}"),
        }
    }

    #[test]
    fn a_closed_peer_reads_as_close_wait() {
        let (client, server) = pair();
        drop(server);
        // The FIN arrives over loopback; give it a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            match status(&client) {
                Ok(now) if now.state() == Some(TcpState::CloseWait) => {
                    let forecast =
                        now.forecast(&Policy::new().with_timeout(Duration::from_secs(9)));
                    assert!(!matches!(forecast.outlook(), Outlook::NotOpen { .. }));
                    let text = forecast.to_string();
                    assert!(
                        text.starts_with("the peer closed its side (close-wait); "),
                        "{text}"
                    );
                    // Where the OS reports the idle time, the outlook follows.
                    if cfg!(any(target_os = "linux", target_os = "android")) {
                        assert!(text.contains("(close-wait); idle "), "{text}");
                    }
                    return;
                }
                Ok(now) => assert!(std::time::Instant::now() < deadline, "{now}"),
                Err(StatusError::Unavailable { .. }) if cfg!(windows) => return,
                Err(e) => panic!("{e}"),
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

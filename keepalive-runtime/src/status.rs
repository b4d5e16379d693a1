//! What keep-alive is doing on a connection right now, what will happen next, and, once
//! the connection has failed, why.
//!
//! [`status()`] makes one system call, the OS's own connection-info call, and allocates
//! nothing: cheap enough to poll every connection of a busy server. [`Status::forecast`]
//! puts it together with the policy and says in words what will happen; [`Cause::of`]
//! names what ended a connection from the error of the failed call and the status read
//! right after it.

pub use crate::readback::{Entry, Report, State, Value, read_back};
use core::fmt;
use core::time::Duration;
use std::io;

use keepalive_core::{Knob, Platform, Policy, format_duration};

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

    fn last_received_raw(&self) -> Option<Duration> {
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

    /// What keep-alive will do next under `policy` (the policy the socket was given), in
    /// a form that prints as a sentence.
    ///
    /// The times follow the kernel's own keep-alive timer (PLATFORMS.md, "Reading
    /// status"). On Linux (`tcp_keepalive_timer`, net/ipv4/tcp_timer.c): the idle time
    /// counts from the last segment received, a probe goes out every `interval` after
    /// that, and the connection is declared dead after `retries` unanswered probes, or with
    /// a `user_timeout`, at the first probe past it (as [`Policy::worst_case_detection`]
    /// computes). Linux keep-alive sends no probe while sent data is unacknowledged or
    /// written data waits unsent; then only a `user_timeout` bounds the wait. Keep-alive
    /// switched on after the last segment arrived starts its clock then, up to one idle
    /// time later than predicted here. The BSDs and XNU count no probes: at each run of
    /// the timer, a connection idle `timeout + interval × retries` or longer is dropped
    /// without a probe, so one already idle that long when the policy is applied is
    /// dropped at the timer's next run ([`Outlook::DropDue`]). The states keep-alive runs
    /// in are the kernel's too (FIN-wait-1 and closing on the BSDs and XNU, FIN-wait-2 on
    /// XNU). Kernel timers far in the future fire late
    /// by up to about an eighth of their delay (Linux's timer wheel coarsens with
    /// distance), so a 2 h idle time can end minutes past its mark; the times here are
    /// those of the schedule, measured within 10 % + 0.2 s for timers of seconds
    /// (`tests/tests/status_dead_peer.rs`).
    pub fn forecast(&self, policy: &Policy) -> Forecast {
        Forecast {
            status: *self,
            outlook: Outlook::of(self, policy),
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
/// use keepalive_runtime::{status, Policy};
/// use std::time::Duration;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let policy = Policy::new()
///     .with_timeout(Duration::from_secs(60))
///     .with_interval(Duration::from_secs(10))
///     .with_retries(5);
/// keepalive_runtime::apply(&stream, &policy)?;
///
/// let now = status(&stream)?;
/// let forecast = now.forecast(&policy);
/// println!("{forecast}");
/// # #[cfg(target_os = "linux")] {
/// assert_eq!(now.probes(), Some(0));
/// assert!(forecast.to_string().starts_with(
///     "idle 0.0 s of 1m before the first probe; if the peer is gone, declared dead in at most 1m 50"
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

/// A [`Status`] put together with a policy: what keep-alive will do next. Prints as a
/// sentence ("2 of 5 probes unanswered; declared dead in at most 20.0 s").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Forecast {
    status: Status,
    outlook: Outlook,
}

impl Forecast {
    /// The status it was made from.
    pub const fn status(&self) -> &Status {
        &self.status
    }

    /// What keep-alive will do next.
    pub const fn outlook(&self) -> &Outlook {
        &self.outlook
    }

    /// The longest the connection can live from now if the peer is gone and stays silent,
    /// where something bounds it. See [`Outlook::dead_within`].
    pub const fn dead_within(&self) -> Option<Duration> {
        self.outlook.dead_within()
    }
}

impl fmt::Display for Forecast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keep-alive still runs in CLOSE-WAIT, so the outlook stands; but a reader
        // watching a dropped connection needs to know that the peer said goodbye.
        if self.status.state == Some(TcpState::CloseWait) {
            f.write_str("the peer closed its side (close-wait); ")?;
        }
        self.outlook.fmt(f)
    }
}

/// What keep-alive will do next on a connection, from a [`Status`] and a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outlook {
    /// The policy turns keep-alive off: nothing probes this connection, unless the OS
    /// probes every connection regardless (FreeBSD's and DragonFly's
    /// `net.inet.tcp.always_keepalive`, 1 by default), which the message then says.
    Off,
    /// The connection is not open: keep-alive does not run.
    NotOpen {
        /// The state it is in.
        state: TcpState,
    },
    /// No probe sent yet.
    Idle {
        /// Time since the last segment received.
        idle: Duration,
        /// The policy's idle time before the first probe; `None` where it is left to the OS.
        timeout: Option<Duration>,
        /// If the peer is gone now, it is declared dead within this.
        dead_within: Option<Duration>,
    },
    /// Probes are going out and none has been answered.
    Probing {
        /// Unanswered probes so far; `None` where the OS does not count them (FreeBSD).
        unanswered: Option<u32>,
        /// Probes sent before the connection is declared dead.
        of: Option<u32>,
        /// It is declared dead within this.
        dead_within: Option<Duration>,
    },
    /// Sent data is unacknowledged, so keep-alive sends no probes; only a user timeout
    /// bounds the wait.
    Paused {
        /// Segments sent and not acknowledged.
        unacked_segments: u32,
        /// Time since the peer last acknowledged anything.
        unacknowledged_for: Option<Duration>,
        /// Retransmissions of the oldest unacknowledged segment.
        retransmits: Option<u32>,
        /// The policy's user timeout, if it has one.
        user_timeout: Option<Duration>,
        /// The user timeout drops the connection within this. Linux counts it from the
        /// first timeout retransmission of the oldest unacknowledged segment, which comes
        /// within two retransmission timeouts of the last send; once it has gone out, its
        /// time follows from the retransmissions since and the doubled timeout.
        dead_within: Option<Duration>,
    },
    /// Written data waits unsent with nothing in flight (on Linux, a peer whose receive
    /// window is closed, say: zero-window probes go out instead), so keep-alive sends no
    /// probes: Linux's `tcp_keepalive_timer` re-arms while `!tcp_write_queue_empty`.
    Queued {
        /// Bytes written and not yet sent.
        unsent_bytes: u32,
        /// Zero-window probes sent and not answered (Linux counts them in `tcpi_probes`).
        probes: Option<u32>,
        /// The policy's user timeout, if it has one: it ends a connection whose probes
        /// go unanswered.
        user_timeout: Option<Duration>,
    },
    /// The connection has been idle at least `timeout + interval × retries` (the policy
    /// was applied to a connection already idle that long): the kernel's keep-alive timer
    /// drops it at its next run, without a probe (the BSDs and XNU test the time since the
    /// last segment before probing).
    DropDue {
        /// Time since the last segment received.
        idle: Duration,
        /// `timeout + interval × retries`.
        limit: Duration,
        /// The timer runs again within this.
        within: Duration,
    },
    /// The OS's figure for the time since the last segment wraps (FreeBSD and OpenBSD,
    /// about every 71.6 min) and the policy lets a connection stay idle that long (or leaves
    /// a knob to the OS), so the figure may be short by a multiple of the wrap: the time
    /// is unknown.
    IdleUnknown {
        /// How often the OS's figure wraps.
        wraps_every: Duration,
    },
    /// The OS reports no keep-alive progress (macOS, iOS, NetBSD, Windows): neither probes
    /// nor the time since the last segment received.
    Unreported,
}

impl Outlook {
    fn of(status: &Status, policy: &Policy) -> Outlook {
        if !policy.is_enabled() {
            return Outlook::Off;
        }
        let kernel = status.kernel;
        if let Some(state) = status.state.filter(|s| !kernel.keepalive_runs_in(*s)) {
            return Outlook::NotOpen { state };
        }
        if let Some(unacked) = status.unacked_segments.filter(|n| *n > 0) {
            let user_timeout = policy.user_timeout();
            return Outlook::Paused {
                unacked_segments: unacked,
                unacknowledged_for: status.since_ack_received,
                retransmits: status.retransmits,
                user_timeout,
                dead_within: paused_bound(status, user_timeout),
            };
        }
        if let Some(unsent) = status.unsent_bytes.filter(|n| *n > 0) {
            return Outlook::Queued {
                unsent_bytes: unsent,
                probes: status.probes,
                user_timeout: policy.user_timeout(),
            };
        }
        let timeout = policy.timeout();
        // The BSDs' and XNU's timer drops a connection idle this long at its next run.
        let idle_limit = match (timeout, policy.interval(), policy.retries()) {
            (Some(t), Some(i), Some(r)) => i.checked_mul(r).and_then(|p| t.checked_add(p)),
            _ => None,
        };
        let idle = match (status.since_last_received(), status.received_wraps_every) {
            (Some(idle), _) => idle,
            (None, Some(wraps_every)) => {
                // The idle time cannot pass the limit by more than one timer run.
                let longest = idle_limit.and_then(|l| l.checked_add(policy.interval()?));
                match longest.and_then(|l| status.since_last_received_within(l)) {
                    Some(idle) => idle,
                    None if status.last_received_raw().is_some() => {
                        return Outlook::IdleUnknown { wraps_every };
                    }
                    None => return Outlook::Unreported,
                }
            }
            (None, None) => return Outlook::Unreported,
        };
        let (worst, of) = if kernel.drops_by_idle() {
            if let (Some(limit), Some(t), Some(i)) = (idle_limit, timeout, policy.interval())
                && idle >= limit
            {
                return Outlook::DropDue {
                    idle,
                    limit,
                    within: t.max(i),
                };
            }
            // No user timeout takes part: the timer tests the idle time alone.
            (idle_limit, policy.retries())
        } else {
            let worst = policy.worst_case_detection().ok();
            // Probes the policy allows: `retries`, or with a user timeout, as many
            // intervals as fit before it (worst_case_detection's rule).
            let of = match (policy.user_timeout(), worst, timeout, policy.interval()) {
                (None, ..) => policy.retries(),
                (Some(_), Some(w), Some(t), Some(i)) if !i.is_zero() => {
                    u32::try_from((w.saturating_sub(t)).as_nanos() / i.as_nanos()).ok()
                }
                _ => None,
            };
            (worst, of)
        };
        let probes = status.probes;
        let probing = match probes {
            Some(n) => n > 0,
            // Without a probe count, the idle time says whether probing has begun.
            None => timeout.is_some_and(|t| idle >= t),
        };
        // From the last segment received, as the kernel's timer counts; where the status
        // contradicts that schedule (a first probe overdue: keep-alive was switched on
        // later, or paused by data in flight), the bound from now: the timer is due
        // within one idle time (no probe yet) or one interval.
        let anchored = worst.map(|w| w.saturating_sub(idle));
        let consistent = match (probes, timeout, policy.interval()) {
            // The timer wheel fires a timer this far out up to about an eighth late.
            (Some(0), Some(t), _) => idle < t + t / 8 + Duration::from_millis(20),
            (Some(n), Some(t), Some(i)) => idle + Duration::from_millis(20) >= t + i * (n - 1),
            _ => true,
        };
        let dead_within = if consistent {
            anchored
        } else {
            match (probes, of, timeout, policy.interval()) {
                (Some(0), _, _, _) => worst,
                (Some(n), Some(of), _, Some(i)) => Some(i * (of.saturating_sub(n) + 1)),
                _ => None,
            }
        };
        if probing {
            Outlook::Probing {
                unanswered: probes,
                of,
                dead_within,
            }
        } else {
            Outlook::Idle {
                idle,
                timeout,
                dead_within,
            }
        }
    }

    /// The longest the connection can live from now if the peer is gone and stays silent,
    /// where the policy and the status bound it: the end of the probe sequence, or with
    /// data in flight, the user timeout. `None` where nothing bounds it or the OS does not
    /// report enough.
    pub const fn dead_within(&self) -> Option<Duration> {
        match self {
            Outlook::Idle { dead_within, .. }
            | Outlook::Probing { dead_within, .. }
            | Outlook::Paused { dead_within, .. } => *dead_within,
            Outlook::DropDue { within, .. } => Some(*within),
            Outlook::Off
            | Outlook::NotOpen { .. }
            | Outlook::Queued { .. }
            | Outlook::IdleUnknown { .. }
            | Outlook::Unreported => None,
        }
    }
}

impl fmt::Display for Outlook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Outlook::Off if crate::sys::always_keepalive() == Some(true) => f.write_str(
                "keep-alive off on this socket, but net.inet.tcp.always_keepalive = 1: the OS probes it anyway, with its global timings",
            ),
            Outlook::Off => f.write_str("keep-alive off: nothing probes this connection"),
            Outlook::NotOpen { state } => {
                write!(f, "connection {state}: keep-alive does not run")
            }
            Outlook::Idle {
                idle,
                timeout,
                dead_within,
            } => {
                write!(f, "idle {}", Secs(idle))?;
                match timeout {
                    Some(t) => write!(f, " of {} before the first probe", format_duration(t))?,
                    None => f.write_str(" (the idle time before the first probe is the OS's)")?,
                }
                if let Some(d) = dead_within {
                    write!(
                        f,
                        "; if the peer is gone, declared dead in at most {}",
                        Secs(d)
                    )?;
                }
                Ok(())
            }
            Outlook::Probing {
                unanswered,
                of,
                dead_within,
            } => {
                match (unanswered, of) {
                    (Some(n), Some(of)) => write!(
                        f,
                        "{n} of {of} {} unanswered",
                        plural(of, "probe", "probes")
                    )?,
                    (Some(n), None) => {
                        write!(f, "{n} {} unanswered", plural(n, "probe", "probes"))?
                    }
                    (None, _) => f.write_str("probing (this OS does not count probes)")?,
                }
                if let Some(d) = dead_within {
                    write!(f, "; declared dead in at most {}", Secs(d))?;
                }
                Ok(())
            }
            Outlook::Paused {
                unacked_segments,
                unacknowledged_for,
                retransmits,
                user_timeout,
                dead_within,
            } => {
                write!(
                    f,
                    "keep-alive paused: {unacked_segments} {} unacknowledged",
                    plural(unacked_segments, "segment", "segments")
                )?;
                if let Some(d) = unacknowledged_for {
                    write!(f, " for {}", Secs(d))?;
                }
                if let Some(n) = retransmits.filter(|n| *n > 0) {
                    write!(
                        f,
                        ", {n} {}",
                        plural(n, "retransmission", "retransmissions")
                    )?;
                }
                match (user_timeout, dead_within) {
                    (Some(_), Some(d)) => write!(
                        f,
                        "; the user timeout drops the connection in at most {}",
                        Secs(d)
                    ),
                    (Some(u), None) => write!(
                        f,
                        "; the user timeout ({}) drops the connection",
                        format_duration(u)
                    ),
                    (None, _) => f.write_str(
                        "; nothing bounds this: no user_timeout (the OS's retransmission limit decides, about 15 min on Linux by default)",
                    ),
                }
            }
            Outlook::Queued {
                unsent_bytes,
                probes,
                user_timeout,
            } => {
                write!(
                    f,
                    "keep-alive paused: {unsent_bytes} bytes queued unsent, none in flight (the peer's receive window is closed, or sending is held back)"
                )?;
                if let Some(n) = probes.filter(|n| *n > 0) {
                    write!(
                        f,
                        "; {n} zero-window {} unanswered",
                        plural(n, "probe", "probes")
                    )?;
                }
                match user_timeout {
                    Some(u) => write!(
                        f,
                        "; if the peer is gone, the user timeout ({}) drops the connection",
                        format_duration(u)
                    ),
                    None => f.write_str(
                        "; if the peer is gone, nothing in the policy bounds this: no user_timeout (the OS's probe limit decides)",
                    ),
                }
            }
            Outlook::DropDue {
                idle,
                limit,
                within,
            } => write!(
                f,
                "idle {}, past the {} keep-alive allows: the OS drops the connection at its keep-alive timer's next run, without a probe, within {}",
                Secs(idle),
                format_duration(limit),
                Secs(within)
            ),
            Outlook::IdleUnknown { wraps_every } => write!(
                f,
                "time since the last segment unknown: this OS's figure wraps every {} and the policy lets a connection stay idle that long",
                format_duration(wraps_every)
            ),
            Outlook::Unreported => {
                f.write_str("this OS reports no keep-alive progress (probes, idle time)")
            }
        }
    }
}

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
    /// `after` the [`status()`] read right after it (or the last one taken).
    ///
    /// ```no_run
    /// # use std::io::Read;
    /// # let mut stream = std::net::TcpStream::connect("127.0.0.1:9")?;
    /// let mut buf = [0u8; 1024];
    /// if let Err(error) = stream.read(&mut buf) {
    ///     let after = keepalive_runtime::status(&stream).ok();
    ///     let cause = keepalive_runtime::Cause::of(&error, after.as_ref());
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

/// How long a user timeout lets a connection with data in flight live. Linux counts it
/// from `retrans_stamp`, the time of the first timeout retransmission of the oldest
/// unacknowledged segment (`tcp_retransmit_skb`, `retransmits_timed_out` in
/// net/ipv4/tcp_timer.c; measured: a write into a vanished peer with a 4 s user timeout
/// fails 4.45 s later, the first retransmission having gone out after 0.45 s).
///
/// Before that retransmission, it comes within two retransmission timeouts of the last
/// send (a tail-loss probe, capped at the timeout, then the timeout itself). After `r` of
/// them, each timeout twice the one before, the first went out
/// `rto/2 + rto/4 + ... + rto/2^(r-1)` before the last one, `rto` being the current,
/// doubled timeout; where the timeouts did not double (capped at 120 s), that sum is less
/// than the time that really passed, so the result errs on the long side.
fn paused_bound(status: &Status, user_timeout: Option<Duration>) -> Option<Duration> {
    let user_timeout = user_timeout?;
    let sent = status.since_data_sent?;
    let rto = status.rto?;
    match status.retransmits? {
        0 => Some((user_timeout + rto * 2).saturating_sub(sent)),
        r => {
            let since_first = sent + (rto - rto / (1u32 << (r - 1).min(31)));
            Some(user_timeout.saturating_sub(since_first))
        }
    }
}

/// A measured or predicted time: seconds with one decimal below a minute ("4.2 s"), whole
/// seconds in the duration grammar above ("1m 15s", "2h 5s").
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < Duration::from_secs(60) {
            write!(f, "{:.1} s", self.0.as_secs_f64())
        } else {
            let whole =
                Duration::from_secs(self.0.as_secs() + u64::from(self.0.subsec_millis() >= 500));
            write!(f, "{}", format_duration(whole))
        }
    }
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// `policy` as apply sets it on `platform`: with `best_effort`, less each knob the platform
/// has no option for (every apply leaves it out), so that a forecast does not count on a
/// user timeout that FreeBSD, say, never set.
pub(crate) fn as_set_on(policy: Policy, best_effort: bool, platform: Option<&Platform>) -> Policy {
    let Some(platform) = platform.filter(|_| best_effort) else {
        return policy;
    };
    Knob::ALL.into_iter().fold(policy, |policy, knob| {
        match platform.support(knob).option() {
            Some(_) => policy,
            None => policy.without(knob),
        }
    })
}

/// The call [`status()`] makes on this OS, for messages; `None` where there is none.
pub const STATUS_CALL: Option<&str> = sys::conn_info::CALL;

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (std::net::TcpStream, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    /// On every OS with a call: an open loopback connection reads as established, nothing
    /// in flight. Windows builds without SIO_TCP_INFO (Wine 8 among them) must say so as
    /// `Unavailable`, never as a bare failure or an invented status.
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

    fn linux_status(probes: u32, idle_ms: u64, unacked: u32, retransmits: u32) -> Status {
        Status {
            state: Some(TcpState::Established),
            since_data_received: Some(Duration::from_millis(idle_ms)),
            since_ack_received: Some(Duration::from_millis(idle_ms)),
            since_data_sent: Some(Duration::from_millis(idle_ms)),
            probes: Some(probes),
            unacked_segments: Some(unacked),
            retransmits: Some(retransmits),
            rto: Some(Duration::from_millis(200)),
            ..Status::NONE
        }
    }

    const SECS: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn forecasts_read_as_sentences() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let idle = linux_status(0, 35_000, 0, 0).forecast(&policy);
        assert_eq!(
            idle.to_string(),
            "idle 35.0 s of 1m before the first probe; if the peer is gone, declared dead in at most 1m 15s"
        );
        let probing = linux_status(2, 80_000, 0, 0).forecast(&policy);
        assert_eq!(
            probing.to_string(),
            "2 of 5 probes unanswered; declared dead in at most 30.0 s"
        );
        assert_eq!(probing.dead_within(), Some(SECS(30)));
        let paused = linux_status(0, 4_200, 3, 2).forecast(&policy.with_user_timeout(SECS(20)));
        assert_eq!(
            paused.to_string(),
            "keep-alive paused: 3 segments unacknowledged for 4.2 s, 2 retransmissions; the user timeout drops the connection in at most 15.7 s"
        );
        let unbounded = linux_status(0, 4_200, 3, 2).forecast(&policy);
        assert_eq!(unbounded.dead_within(), None);
        assert!(
            unbounded
                .to_string()
                .contains("nothing bounds this: no user_timeout")
        );
        let off = linux_status(0, 1, 0, 0).forecast(&Policy::disabled());
        assert_eq!(*off.outlook(), Outlook::Off);
    }

    #[test]
    fn an_overdue_first_probe_falls_back_to_the_bound_from_now() {
        // Idle 90 s with a 60 s idle time and no probe: keep-alive's clock started later
        // than the last segment (switched on later); the timer is due within 60 s.
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let late = linux_status(0, 90_000, 0, 0).forecast(&policy);
        assert_eq!(late.dead_within(), Some(SECS(110)));
    }

    /// A best-effort policy's user timeout, which NetBSD has no option for, does not bound
    /// the forecast there: the probe sequence does.
    #[test]
    fn a_knob_left_out_on_the_platform_is_not_forecast() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5)
            .with_user_timeout(SECS(70));
        let netbsd = Platform::for_target_os("netbsd").expect("a NetBSD row");
        let linux = Platform::for_target_os("linux").expect("a Linux row");
        let there = as_set_on(policy, true, Some(netbsd));
        assert_eq!(there, policy.without(Knob::UserTimeout));
        assert_eq!(as_set_on(policy, true, Some(linux)), policy);
        // Without best_effort the policy compiled only where every knob has an option.
        assert_eq!(as_set_on(policy, false, Some(netbsd)), policy);
        let idle = linux_status(0, 0, 0, 0);
        assert_eq!(idle.forecast(&there).dead_within(), Some(SECS(110)));
        // Where the policy is set whole, Linux's TCP_USER_TIMEOUT also ends the probing;
        // Windows' TCP_MAXRT bounds retransmission only, so the probes bound an idle peer.
        let whole = if cfg!(any(target_os = "linux", target_os = "android")) {
            SECS(70)
        } else {
            SECS(110)
        };
        assert_eq!(idle.forecast(&policy).dead_within(), Some(whole));
    }

    /// A FreeBSD-style status: state and the u32-microsecond idle figure only.
    fn freebsd_status(state: TcpState, idle: Duration) -> Status {
        Status {
            kernel: Kernel::FreeBsd,
            state: Some(state),
            since_data_received: Some(idle),
            received_wraps_every: Some(MICROS_U32_WRAP),
            ..Status::NONE
        }
    }

    /// FreeBSD's figure wraps every 2^32 µs: with a policy whose idle limit is below the
    /// wrap it is exact (the kernel drops the connection before it gets that far); with
    /// the default 2 h idle time, or a knob left to the OS, it is unknown, never a figure.
    #[test]
    fn a_wrapping_idle_figure_is_used_only_below_the_wrap() {
        assert_eq!(MICROS_U32_WRAP.as_secs(), 4_294);
        let now = freebsd_status(TcpState::Established, SECS(35));
        assert_eq!(now.since_last_received(), None);
        assert_eq!(now.since_data_received(), None);
        assert_eq!(now.since_last_received_within(SECS(600)), Some(SECS(35)));
        assert_eq!(now.since_last_received_within(SECS(7_200)), None);
        assert!(
            now.to_string()
                .contains("or that plus a multiple of 1h 11m 34s"),
            "{now}"
        );

        let short = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let forecast = now.forecast(&short);
        assert_eq!(forecast.dead_within(), Some(SECS(75)), "{forecast}");
        let default_idle = Policy::new()
            .with_timeout(SECS(7_200))
            .with_interval(SECS(75))
            .with_retries(8);
        let unknown = now.forecast(&default_idle);
        assert_eq!(
            *unknown.outlook(),
            Outlook::IdleUnknown {
                wraps_every: MICROS_U32_WRAP
            }
        );
        assert_eq!(unknown.dead_within(), None);
        assert!(
            unknown
                .to_string()
                .starts_with("time since the last segment unknown")
        );
        let os_default = Policy::new().with_interval(SECS(10)).with_retries(5);
        assert!(matches!(
            now.forecast(&os_default).outlook(),
            Outlook::IdleUnknown { .. }
        ));
    }

    /// The BSDs and XNU test the idle time before probing: a connection already idle past
    /// `timeout + interval × retries` is dropped at the timer's next run, with no probe.
    /// Before that, the end is where the probes' schedule ends, as on Linux.
    #[test]
    fn the_bsds_drop_a_connection_idle_past_the_limit_at_the_next_run() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let overdue = freebsd_status(TcpState::Established, SECS(200)).forecast(&policy);
        assert_eq!(
            *overdue.outlook(),
            Outlook::DropDue {
                idle: SECS(200),
                limit: SECS(110),
                within: SECS(60),
            }
        );
        assert!(overdue.to_string().contains("without a probe"), "{overdue}");
        let probing = freebsd_status(TcpState::Established, SECS(80)).forecast(&policy);
        assert!(
            matches!(
                probing.outlook(),
                Outlook::Probing {
                    unanswered: None,
                    of: Some(5),
                    dead_within: Some(d)
                } if *d == SECS(30)
            ),
            "{probing}"
        );
        // A user timeout does not take part in the BSDs' keep-alive timer.
        let with_user = policy.with_user_timeout(SECS(70));
        let idle = freebsd_status(TcpState::Established, SECS(35)).forecast(&with_user);
        assert_eq!(idle.dead_within(), Some(SECS(75)));
        // Linux, overdue by the same margin, sends its first probe and counts from there.
        let linux = linux_status(0, 200_000, 0, 0).forecast(&policy);
        assert_eq!(linux.dead_within(), Some(SECS(110)));
    }

    /// The states each kernel's timer runs in: FIN-wait-1 and closing on the BSDs and
    /// XNU, FIN-wait-2 on XNU only, neither on NetBSD; Linux all synchronised states.
    #[test]
    fn keep_alive_runs_in_the_states_each_kernel_says() {
        use TcpState::*;
        let runs = |kernel: Kernel| {
            [
                Established,
                CloseWait,
                FinWait1,
                Closing,
                FinWait2,
                LastAck,
                TimeWait,
                Listen,
                SynSent,
                Closed,
            ]
            .into_iter()
            .filter(|s| kernel.keepalive_runs_in(*s))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            runs(Kernel::FreeBsd),
            [Established, CloseWait, FinWait1, Closing]
        );
        assert_eq!(runs(Kernel::OpenBsd), runs(Kernel::FreeBsd));
        assert_eq!(
            runs(Kernel::Xnu),
            [Established, CloseWait, FinWait1, Closing, FinWait2]
        );
        assert_eq!(runs(Kernel::NetBsd), [Established, CloseWait]);
        assert_eq!(
            runs(Kernel::Linux),
            [Established, CloseWait, FinWait1, Closing, FinWait2, LastAck]
        );
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let fin_wait_1 = freebsd_status(FinWait1, SECS(5)).forecast(&policy);
        assert!(matches!(fin_wait_1.outlook(), Outlook::Idle { .. }));
        let fin_wait_2 = freebsd_status(FinWait2, SECS(5)).forecast(&policy);
        assert_eq!(*fin_wait_2.outlook(), Outlook::NotOpen { state: FinWait2 });
    }

    /// Linux pauses keep-alive while written data waits unsent, even with nothing in
    /// flight; on a listener, `tcpi_unacked` is the accept queue and not data in flight.
    #[test]
    fn unsent_data_pauses_linux_keep_alive_and_a_listener_has_no_data_in_flight() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let queued = Status {
            unsent_bytes: Some(4_096),
            ..linux_status(2, 30_000, 0, 0)
        };
        let forecast = queued.forecast(&policy.with_user_timeout(SECS(120)));
        assert_eq!(
            *forecast.outlook(),
            Outlook::Queued {
                unsent_bytes: 4_096,
                probes: Some(2),
                user_timeout: Some(SECS(120)),
            }
        );
        assert_eq!(
            forecast.to_string(),
            "keep-alive paused: 4096 bytes queued unsent, none in flight (the peer's receive window is closed, or sending is held back); 2 zero-window probes unanswered; if the peer is gone, the user timeout (2m) drops the connection"
        );
        let listener = Status {
            state: Some(TcpState::Listen),
            accept_queue: Some(3),
            ..Status::NONE
        };
        assert_eq!(listener.data_in_flight(), None);
        assert_eq!(
            *listener.forecast(&policy).outlook(),
            Outlook::NotOpen {
                state: TcpState::Listen
            }
        );
        assert!(
            listener
                .to_string()
                .contains("3 connections waiting to be accepted")
        );
    }

    #[test]
    fn causes_from_errno_and_the_status_after() {
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        let after_probes = linux_status(4, 6_000, 0, 0);
        let after_retransmissions = linux_status(0, 4_400, 0, 4);
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

//! Every connection of a process watched at once (feature `watch`): how many are idle,
//! probing, paused with data unacknowledged, closing, and each death with its [`Cause`].
//!
//! ```
//! use keepalive_runtime::prelude::*;
//! use keepalive_runtime::watch::{Phase, Watch};
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 3)]
//! struct Api;
//!
//! let listener = keepalive_runtime::Listener::bind("127.0.0.1:0", Api::policy())?;
//! let watch = Watch::new();
//! // One call: the watch reads this connection at each poll until it is dropped.
//! let client = watch.watch(std::net::TcpStream::connect(listener.local_addr()?)?, Api::policy())?;
//! let (_server, _) = listener.accept()?;
//!
//! let counts = watch.poll(|change| println!("{change}"));
//! # #[cfg(target_os = "linux")]
//! assert_eq!(counts.get(Phase::Idle), 1);
//! drop(client);
//! assert_eq!(watch.len(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Registration
//!
//! A connection is watched through a [`Watched`], which owns its socket: the watch keeps
//! the socket's raw handle, never a duplicate of it (a duplicate would keep the connection
//! open after the application closed its own handle, so no FIN would go out). Dropping the
//! [`Watched`] (or [`Watched::into_inner`]) removes the entry first, under the lock a poll
//! holds while it reads, and only then is the socket closed: no entry outlives its socket,
//! and no poll reads a handle number that the OS may already have given to another socket.
//! Each entry also carries the socket's kernel identity, read once when it registers (on
//! Linux `SO_COOKIE`, unique for the life of the system; elsewhere a number unique in the
//! process), so reports name a connection in a way that a reused handle number cannot
//! confuse.
//!
//! The crate's connect paths and listeners register what they make in one call:
//! [`Watch::connect`], [`Watch::connect_timeout`], [`Watch::accept`] (and with feature
//! `tokio`, `connect_async`, `connect_timeout_async`, `accept_async`).
//!
//! # Cost
//!
//! A poll makes one status call per connection ([`status()`](crate::status()): one
//! `getsockopt(TCP_INFO)` on Linux) and allocates nothing: entries live in a table
//! allocated as connections register. Registering and dropping wait for a poll in
//! progress (about a microsecond per connection watched).
//!
//! # Phases
//!
//! Each poll puts each connection in a [`Phase`] from its status and its policy
//! ([`Status::forecast`]), and hands every change to the caller once, as a [`Change`].
//! Data in flight is [`Phase::Active`] until a retransmission timeout passes without its
//! acknowledgement, and [`Phase::Paused`] from then on: every reply a server sends is in
//! flight for a round trip, and reporting each as a pause would bury the stalled ones.
//! A connection the kernel has ended (its state reads as closed while the application
//! still holds it) is [`Phase::Dead`], reported once with its [`Cause`]; one dropped
//! before a poll saw it dead (its owner read the error at once) is read one last time as
//! it is dropped, and its death reported by the next poll. The cause is read from the
//! status alone (the socket's pending error is not taken, so the application still gets
//! it): probes counted, keep-alive went unanswered; retransmissions counted, sent data
//! went unacknowledged; neither, after a closing phase, closed; neither, from an open
//! phase, reset by the peer.

use core::fmt;
use core::time::Duration;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use keepalive_core::Policy;

use crate::CheckedPolicy;
use crate::socket::KeepAliveSocket;
use crate::status::{Cause, Outlook, Status, TcpState};

#[cfg(any(feature = "metrics", feature = "tracing"))]
pub mod export;

/// What keep-alive is doing on a watched connection, as one poll saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Open, no probe sent.
    Idle,
    /// Data sent and awaiting its acknowledgement, no retransmission yet: a connection at
    /// work. Keep-alive waits for the acknowledgement, as it should; once a
    /// retransmission timeout passes without one, the connection is [`Phase::Paused`].
    Active,
    /// Keep-alive probes are going out and none has been answered.
    Probing {
        /// Unanswered probes so far, where the OS counts them.
        unanswered: Option<u32>,
        /// Probes before the connection is declared dead, where the policy says.
        of: Option<u32>,
    },
    /// Data is unacknowledged past a retransmission timeout, or waits unsent behind a
    /// closed window, so keep-alive sends no probes.
    Paused {
        /// Whether something (a user timeout) bounds the wait; `false`: if the peer has
        /// vanished, only the OS's retransmission limit ends it, many minutes later.
        bounded: bool,
    },
    /// Closing: a FIN sent or received (close-wait, FIN-wait, last-ACK, time-wait).
    Closing,
    /// The kernel has ended the connection; the application still holds its socket.
    Dead,
    /// The policy turns keep-alive off.
    Off,
    /// The OS reports no keep-alive progress, or the status could not be read.
    Unreported,
}

impl Phase {
    /// How many [`Phase::name`]s there are: the length of [`Counts`].
    pub const KINDS: usize = 9;

    /// Every name, in [`Phase::index`] order.
    pub const NAMES: [&'static str; Phase::KINDS] = [
        "idle",
        "active",
        "probing",
        "paused_bounded",
        "paused_unbounded",
        "closing",
        "dead",
        "off",
        "unreported",
    ];

    /// A short name for metrics and logs: `idle`, `active`, `probing`, `paused_bounded`,
    /// `paused_unbounded`, `closing`, `dead`, `off`, `unreported`.
    pub const fn name(self) -> &'static str {
        Phase::NAMES[self.index()]
    }

    /// The phase's place in [`Phase::NAMES`] and [`Counts`].
    pub const fn index(self) -> usize {
        match self {
            Phase::Idle => 0,
            Phase::Active => 1,
            Phase::Probing { .. } => 2,
            Phase::Paused { bounded: true } => 3,
            Phase::Paused { bounded: false } => 4,
            Phase::Closing => 5,
            Phase::Dead => 6,
            Phase::Off => 7,
            Phase::Unreported => 8,
        }
    }

    /// The phase of a connection whose status is `status` under `policy`.
    fn of(status: &Status, policy: &Policy) -> Phase {
        match status.state() {
            Some(TcpState::Closed) => return Phase::Dead,
            Some(TcpState::Established) | None => {}
            Some(_) => return Phase::Closing,
        }
        // The outlook alone: a whole `Forecast` would copy the status once more.
        match Outlook::of(status, policy) {
            Outlook::Off => Phase::Off,
            Outlook::NotOpen { .. } => Phase::Closing,
            Outlook::Idle { .. } | Outlook::IdleUnknown { .. } => Phase::Idle,
            Outlook::Probing { unanswered, of, .. } => Phase::Probing { unanswered, of },
            // The BSDs drop it at the timer's next run, without a probe.
            Outlook::DropDue { .. } => Phase::Probing {
                unanswered: None,
                of: None,
            },
            // Every response a server sends leaves data unacknowledged for a round trip:
            // only data that has needed a retransmission is a pause worth reporting.
            Outlook::Paused {
                retransmits: Some(0),
                ..
            } => Phase::Active,
            Outlook::Paused { dead_within, .. } => Phase::Paused {
                bounded: dead_within.is_some(),
            },
            Outlook::Queued { user_timeout, .. } => Phase::Paused {
                bounded: user_timeout.is_some(),
            },
            Outlook::Unreported => Phase::Unreported,
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Phase::Probing {
                unanswered: Some(n),
                of: Some(of),
            } => write!(f, "probing ({n} of {of} unanswered)"),
            Phase::Probing {
                unanswered: Some(n),
                of: None,
            } => write!(f, "probing ({n} unanswered)"),
            Phase::Paused { bounded: true } => f.write_str("paused, data unacknowledged (bounded)"),
            Phase::Paused { bounded: false } => {
                f.write_str("paused, data unacknowledged (unbounded)")
            }
            other => f.write_str(match other {
                Phase::Probing { .. } => "probing",
                _ => other.name(),
            }),
        }
    }
}

/// The cause of a death the watch saw, from the status alone (see the module's "Phases").
fn cause_of_death(status: &Status, previous: Phase) -> Cause {
    let kind = if status.probes().unwrap_or(0) > 0 || status.retransmits().unwrap_or(0) > 0 {
        io::ErrorKind::TimedOut
    } else if previous == Phase::Closing {
        io::ErrorKind::UnexpectedEof
    } else {
        io::ErrorKind::ConnectionReset
    };
    Cause::of(&io::Error::from(kind), Some(status))
}

/// A short name of a [`Cause`] for metrics and logs: `keepalive_unanswered`,
/// `data_unacknowledged`, `timed_out`, `not_ended_by_kernel`, `reset`, `closed`,
/// `unreachable`, `other`.
pub const fn cause_name(cause: &Cause) -> &'static str {
    match cause {
        Cause::KeepAliveUnanswered { .. } => "keepalive_unanswered",
        Cause::DataUnacknowledged { .. } => "data_unacknowledged",
        Cause::TimedOut => "timed_out",
        Cause::NotEndedByKernel { .. } => "not_ended_by_kernel",
        Cause::Reset => "reset",
        Cause::Closed => "closed",
        Cause::Unreachable => "unreachable",
        Cause::Other(_) => "other",
    }
}

/// How many watched connections a poll saw in each phase, indexed by [`Phase::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts([usize; Phase::KINDS]);

impl Counts {
    /// Connections in `phase`'s kind (every `Probing` together, `Paused` by `bounded`).
    pub const fn get(&self, phase: Phase) -> usize {
        self.0[phase.index()]
    }

    /// Every phase's name with its count, in [`Phase::NAMES`] order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        Phase::NAMES.iter().copied().zip(self.0.iter().copied())
    }

    /// Connections watched.
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (name, n) in self.iter().filter(|(_, n)| *n > 0) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{n} {name}")?;
        }
        if first {
            f.write_str("none")?;
        }
        Ok(())
    }
}

/// A connection's change of phase, seen by one poll: each change once, and a death once
/// with its cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// The connection's kernel identity (on Linux its `SO_COOKIE`). `Display` and the
    /// `tracing` events write it in hex, `0x44132`: `ss -e` prints the same number as
    /// `sk:44132`.
    pub id: u64,
    /// The policy type's name (`core::any::type_name`).
    pub policy_type: &'static str,
    /// The policy.
    pub policy: Policy,
    /// The peer's address, read when the connection registered.
    pub peer: Option<SocketAddr>,
    /// The phase at the previous poll (`None`: the first poll since it registered).
    pub from: Option<Phase>,
    /// The phase now.
    pub to: Phase,
    /// Why it died, for a change to [`Phase::Dead`].
    pub cause: Option<Cause>,
    /// For a death: the time from the last segment received to the poll that saw it dead.
    pub detection: Option<Duration>,
    /// The policy's worst-case detection time, where it has one
    /// ([`Policy::worst_case_detection`]): the timers' nominal sum. The kernel fires them
    /// a little late (PLATFORMS.md S-Slack) and `detection` runs on to the poll, so a
    /// healthy death reads slightly past it: 4.1 s against 4.0 s for 1 s + 3 × 1 s in
    /// `tests/tests/watch_axum.rs`.
    pub bound: Option<Duration>,
    /// The status read.
    pub status: Option<Status>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection {:#x}", self.id)?;
        if let Some(peer) = self.peer {
            write!(f, " to {peer}")?;
        }
        write!(f, " ({}): ", self.policy_type)?;
        if let Some(from) = self.from {
            write!(f, "{from} -> ")?;
        }
        write!(f, "{}", self.to)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
        }
        if let Some(detection) = self.detection {
            write!(
                f,
                ", {:.1} s after the last segment",
                detection.as_secs_f64()
            )?;
            if let Some(bound) = self.bound {
                write!(f, " (bound {:.1} s)", bound.as_secs_f64())?;
            }
        }
        Ok(())
    }
}

/// The handle a registered socket is read through: valid while its entry exists, since
/// the [`Watched`] that owns the socket removes the entry before the socket closes.
#[cfg(unix)]
type Raw = std::os::fd::RawFd;
#[cfg(windows)]
type Raw = std::os::windows::io::RawSocket;

struct Entry {
    raw: Raw,
    id: u64,
    policy: Policy,
    policy_type: &'static str,
    bound: Option<Duration>,
    peer: Option<SocketAddr>,
    phase: Option<Phase>,
}

impl Entry {
    fn change(&self, status: Option<Status>, phase: Phase) -> Change {
        let died = phase == Phase::Dead;
        Change {
            id: self.id,
            policy_type: self.policy_type,
            policy: self.policy,
            peer: self.peer,
            from: self.phase,
            to: phase,
            cause: match (&status, died) {
                (Some(status), true) => {
                    Some(cause_of_death(status, self.phase.unwrap_or(Phase::Idle)))
                }
                _ => None,
            },
            detection: status
                .filter(|_| died)
                .and_then(|s| s.since_last_received()),
            bound: self.bound,
            status,
        }
    }
}

#[derive(Default)]
struct Table {
    // `None` where a connection deregistered; `free` lists those slots for reuse.
    slots: Vec<Option<Entry>>,
    free: Vec<usize>,
    len: usize,
    // Deaths seen as their connections were dropped, for the next poll.
    departed: Vec<Change>,
}

/// A set of watched connections, polled as one. Cloning gives another handle to the same
/// set. See the [module docs](self).
#[derive(Clone, Default)]
pub struct Watch {
    table: Arc<Mutex<Table>>,
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch").field("len", &self.len()).finish()
    }
}

static GLOBAL: OnceLock<Watch> = OnceLock::new();

/// A process-wide number for connections where the OS gives no kernel identity.
#[cfg(not(target_os = "linux"))]
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Watch {
    /// An empty set.
    pub fn new() -> Watch {
        Watch::default()
    }

    /// The process-wide set: one watch for every part of a program that registers.
    pub fn global() -> &'static Watch {
        GLOBAL.get_or_init(Watch::new)
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // A poll's callback that panicked leaves the table whole: every slot is written
        // in one assignment.
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches `socket` under `policy` (the policy it was given) until the returned
    /// [`Watched`] is dropped. Reads the peer address and, on Linux, the socket cookie
    /// once.
    pub fn watch<S: KeepAliveSocket, P: ?Sized>(
        &self,
        socket: S,
        policy: CheckedPolicy<P>,
    ) -> io::Result<Watched<S>> {
        self.watch_as(socket, *policy.as_policy(), type_name::<P>())
    }

    /// [`Watch::watch`] for the crate's listeners and connectors, which hold a policy
    /// already checked.
    pub(crate) fn watch_as<S: KeepAliveSocket>(
        &self,
        socket: S,
        policy: Policy,
        policy_type: &'static str,
    ) -> io::Result<Watched<S>> {
        self.watch_holding(socket, |socket| socket, policy, policy_type)
    }

    /// [`Watch::watch_as`] for a connection that holds its socket (hyper-util's
    /// `TokioIo<TcpStream>`, say): the entry reads the socket `socket` finds in it.
    pub(crate) fn watch_holding<T, S: KeepAliveSocket>(
        &self,
        connection: T,
        socket: impl FnOnce(&T) -> &S,
        policy: Policy,
        policy_type: &'static str,
    ) -> io::Result<Watched<T>> {
        let registration = self.register(socket(&connection), policy, policy_type)?;
        Ok(Watched {
            registration,
            socket: connection,
        })
    }

    fn register<S: KeepAliveSocket>(
        &self,
        socket: &S,
        policy: Policy,
        policy_type: &'static str,
    ) -> io::Result<Registration> {
        let sock = socket.sock_ref();
        let peer = sock.peer_addr().ok().and_then(|a| a.as_socket());
        let id = kernel_id(&sock)?;
        #[cfg(unix)]
        let raw = std::os::fd::AsRawFd::as_raw_fd(&*sock);
        #[cfg(windows)]
        let raw = std::os::windows::io::AsRawSocket::as_raw_socket(&*sock);
        let entry = Entry {
            raw,
            id,
            policy,
            policy_type,
            bound: policy.worst_case_detection().ok(),
            peer,
            phase: None,
        };
        let mut table = self.lock();
        let slot = match table.free.pop() {
            Some(slot) => {
                table.slots[slot] = Some(entry);
                slot
            }
            None => {
                table.slots.push(Some(entry));
                table.slots.len() - 1
            }
        };
        table.len += 1;
        drop(table);
        Ok(Registration {
            watch: self.clone(),
            slot,
        })
    }

    /// Connections watched now.
    pub fn len(&self) -> usize {
        self.lock().len
    }

    /// Whether no connection is watched.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads every watched connection's status once, hands each change of phase to
    /// `on_change` (while the watch is locked: registering from it would deadlock) and
    /// returns how many connections are in each phase. Allocates nothing.
    pub fn poll(&self, mut on_change: impl FnMut(&Change)) -> Counts {
        let mut counts = Counts::default();
        let mut table = self.lock();
        // Draining keeps the capacity: no allocation.
        for change in table.departed.drain(..) {
            on_change(&change);
        }
        for entry in table.slots.iter_mut().flatten() {
            let status = read(entry.raw);
            let phase = match &status {
                Some(status) => Phase::of(status, &entry.policy),
                None => Phase::Unreported,
            };
            counts.0[phase.index()] += 1;
            if entry.phase == Some(phase) {
                continue;
            }
            let change = entry.change(status, phase);
            entry.phase = Some(phase);
            on_change(&change);
        }
        counts
    }

    /// Calls `each` with every watched connection's policy type and last phase (`None`
    /// before its first poll), without reading any status.
    pub fn for_each(&self, mut each: impl FnMut(&'static str, Option<Phase>)) {
        for entry in self.lock().slots.iter().flatten() {
            each(entry.policy_type, entry.phase);
        }
    }
}

fn type_name<P: ?Sized>() -> &'static str {
    core::any::type_name::<P>()
}

/// The status of the socket behind `raw`; `None` where it cannot be read.
fn read(raw: Raw) -> Option<Status> {
    #[cfg(unix)]
    // SAFETY: `raw` is the handle of a socket owned by a live `Watched`, which removes
    // the entry (under the lock the caller holds) before the socket closes.
    let handle = unsafe { std::os::fd::BorrowedFd::borrow_raw(raw) };
    #[cfg(windows)]
    // SAFETY: as above.
    let handle = unsafe { std::os::windows::io::BorrowedSocket::borrow_raw(raw) };
    crate::sys::conn_info::read_status(&socket2::SockRef::from(&handle)).ok()
}

/// The socket's kernel identity: `SO_COOKIE` on Linux (Android's libc does not name it), else a number unique in the process.
fn kernel_id(sock: &socket2::SockRef<'_>) -> io::Result<u64> {
    #[cfg(target_os = "linux")]
    {
        let (cookie, _) =
            crate::sys::sockopt::get::<u64>(&**sock, libc::SOL_SOCKET, libc::SO_COOKIE)?;
        Ok(cookie)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = sock;
        Ok(NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

/// A watched connection's place in its [`Watch`]; dropping it removes the entry.
struct Registration {
    watch: Watch,
    slot: usize,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut table = self.watch.lock();
        let Some(entry) = table.slots[self.slot].take() else {
            return;
        };
        table.free.push(self.slot);
        table.len -= 1;
        // A connection the kernel ended is dropped as soon as its owner reads the error,
        // often before any poll saw it dead: one last read, while the socket is still
        // open, keeps that death for the next poll.
        if entry.phase != Some(Phase::Dead)
            && let Some(status) = read(entry.raw)
            && status.state() == Some(TcpState::Closed)
        {
            table.departed.push(entry.change(Some(status), Phase::Dead));
        }
    }
}

/// A socket (or a connection holding one) that a [`Watch`] reads at each poll, from
/// [`Watch::watch`]. It derefs to the socket and reads and writes through it; dropping it
/// removes the entry, then closes the socket.
pub struct Watched<S> {
    // First: fields drop in order, so the entry goes before the socket closes.
    registration: Registration,
    socket: S,
}

impl<S> Watched<S> {
    /// The socket, no longer watched.
    pub fn into_inner(self) -> S {
        let Watched {
            registration,
            socket,
        } = self;
        drop(registration);
        socket
    }

    /// The socket.
    pub fn get_ref(&self) -> &S {
        &self.socket
    }

    /// The socket, mutably (closing it through this, or replacing it, is the caller's
    /// mistake: drop the [`Watched`] instead).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.socket
    }

    /// The watch it is registered in.
    pub fn watch(&self) -> &Watch {
        &self.registration.watch
    }
}

impl<S> core::ops::Deref for Watched<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.socket
    }
}

impl<S: fmt::Debug> fmt::Debug for Watched<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watched")
            .field("slot", &self.registration.slot)
            .field("socket", &self.socket)
            .finish()
    }
}

impl<S: KeepAliveSocket> KeepAliveSocket for Watched<S> {
    const KNOWN_STREAM: bool = S::KNOWN_STREAM;
    fn sock_ref(&self) -> socket2::SockRef<'_> {
        self.socket.sock_ref()
    }
}

impl<S> io::Read for Watched<S>
where
    for<'a> &'a S: io::Read,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.socket).read(buf)
    }
}

impl<S> io::Write for Watched<S>
where
    for<'a> &'a S: io::Write,
{
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&self.socket).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&self.socket).flush()
    }
}

#[cfg(feature = "tokio")]
mod tokio_io {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io;

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    use super::Watched;

    impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().socket).poll_read(cx, buf)
        }
    }

    impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().socket).poll_write(cx, buf)
        }
        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().socket).poll_flush(cx)
        }
        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().socket).poll_shutdown(cx)
        }
        fn poll_write_vectored(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            bufs: &[io::IoSlice<'_>],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().socket).poll_write_vectored(cx, bufs)
        }
        fn is_write_vectored(&self) -> bool {
            self.socket.is_write_vectored()
        }
    }
}

// The crate's connect paths and listeners, registering what they make.
mod paths;

//! What keep-alive is doing on a connection right now, what will happen next, and, once
//! the connection has failed, why.
//!
//! [`status()`] makes one system call, the OS's own connection-info call, and allocates
//! nothing: cheap enough to poll every connection of a busy server. [`Status::forecast`]
//! puts it together with the policy and says in words what will happen; [`Cause::of`]
//! names what ended a connection from the error of the failed call and the status read
//! right after it.

mod cause;
mod forecast;
mod read;

pub use cause::Cause;
pub(crate) use forecast::as_set_on;
pub use forecast::{Forecast, Outlook};
// What each OS's status call (sys/conn_info.rs) fills in; no call, no use.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_vendor = "apple",
    windows
))]
pub(crate) use read::Kernel;
#[cfg(any(target_os = "freebsd", target_os = "openbsd"))]
pub(crate) use read::MICROS_U32_WRAP;
pub use read::{Status, StatusError, TcpState, status};

pub use crate::readback::{Entry, Report, State, Value, read_back};
use core::fmt;
use core::time::Duration;

use keepalive_core::format_duration;

use crate::sys;

/// A measured or predicted time: seconds with one decimal below a minute ("4.2 s"), whole
/// seconds in the duration grammar above ("1m 15s", "2h 5s").
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < Duration::from_secs(60) {
            write!(f, "{:.1} s", self.0.as_secs_f64())
        } else {
            let whole = Duration::from_secs(
                self.0
                    .as_secs()
                    .saturating_add(u64::from(self.0.subsec_millis() >= 500)),
            );
            write!(f, "{}", format_duration(whole))
        }
    }
}

fn plural(n: u32, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// The call [`status()`] makes on this OS, for messages; `None` where there is none.
pub const STATUS_CALL: Option<&str> = sys::conn_info::CALL;

/// What the tests of every concern build on: a loopback pair and statuses as each kernel
/// fills them.
#[cfg(test)]
mod test_support {
    use super::*;
    pub(super) use read::{Kernel, MICROS_U32_WRAP};

    pub(super) fn pair() -> (std::net::TcpStream, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    pub(super) fn linux_status(
        probes: u32,
        idle_ms: u64,
        unacked: u32,
        retransmits: u32,
    ) -> Status {
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

    /// A FreeBSD-style status: state and the u32-microsecond idle figure only.
    pub(super) fn freebsd_status(state: TcpState, idle: Duration) -> Status {
        Status {
            kernel: Kernel::FreeBsd,
            state: Some(state),
            since_data_received: Some(idle),
            received_wraps_every: Some(MICROS_U32_WRAP),
            ..Status::NONE
        }
    }
}

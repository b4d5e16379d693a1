//! Typed errors: which option, which knob, the OS error, and what was already set (an
//! [`OptionsSet`], from the outcome module).

pub use crate::connect::Attempt;
pub use crate::outcome::OptionsSet;
use core::fmt;
use std::io;

use keepalive_core::{Knob, OverrideError, Violation};

/// The OS error number of "no such option" on this OS: ENOPROTOOPT, or WSAENOPROTOOPT on
/// Windows. An option the table lists but this build of the OS lacks (TCP_KEEPCNT on
/// Windows before 10.0.15063 and under Wine 8) is refused with it.
#[cfg(unix)]
const NO_SUCH_OPTION: i32 = libc::ENOPROTOOPT;
#[cfg(windows)]
const NO_SUCH_OPTION: i32 = windows_sys::Win32::Networking::WinSock::WSAENOPROTOOPT;
#[cfg(not(any(unix, windows)))]
const NO_SUCH_OPTION: i32 = -1;

/// Whether `e` says the OS build has no such option (as opposed to refusing the value).
pub(crate) fn is_no_such_option(e: &io::Error) -> bool {
    e.raw_os_error() == Some(NO_SUCH_OPTION)
}

/// The symbolic name of an OS error this crate expects, for messages.
pub(crate) fn os_error_name(code: i32) -> Option<&'static str> {
    if code != NO_SUCH_OPTION {
        None
    } else if cfg!(windows) {
        Some("WSAENOPROTOOPT")
    } else {
        Some("ENOPROTOOPT")
    }
}

/// How many of a failed connect's attempts its message lists.
const SHOWN_ATTEMPTS: usize = 8;

/// Why a policy was not (fully) applied, or a socket could not be read or connected.
///
/// The caller's socket is never closed or dropped by a failure; [`Error::already_set`]
/// says which options it holds now. Keep-alive itself (SO_KEEPALIVE) is always written
/// last, so a refusal part-way leaves it as it was.
///
/// It converts into [`std::io::Error`] (the OS error's kind, or the nearest one), so `?`
/// works in code that returns `io::Result`, such as a connection's own I/O methods:
///
/// ```
/// use keepalive_runtime::prelude::*;
///
/// #[keepalive(timeout = "30s")]
/// struct Api;
///
/// fn open(addr: std::net::SocketAddr) -> std::io::Result<std::net::TcpStream> {
///     Ok(keepalive_runtime::connect(addr, Api::policy())?.stream)
/// }
///
/// let refused = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
/// assert_eq!(open(refused).unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A value arrived at run time that breaks a rule of the policy model or is out of the
    /// target's range. Nothing was set.
    Invalid(Vec<Violation>),
    /// The socket is not a stream socket (SO_TYPE read back as something else). Linux
    /// accepts SO_KEEPALIVE on UDP and does nothing, so nothing was set.
    NotStream {
        /// The socket type read back.
        socket_type: socket2::Type,
    },
    /// The target has no per-socket option for a knob of the policy.
    Unsupported {
        /// The knob.
        knob: Knob,
    },
    /// This build of the OS lacks the option for a knob: it answered ENOPROTOOPT
    /// (WSAENOPROTOOPT on Windows). TCP_KEEPCNT on Windows before 10.0.15063, and under
    /// Wine 8, is the known case. a `best_effort = true` policy type leaves
    /// such a knob out and reports it instead of failing.
    Unavailable {
        /// The knob.
        knob: Knob,
        /// The option that was refused (`TCP_KEEPCNT`).
        option: &'static str,
        /// The OS error.
        source: io::Error,
        /// What the OS does instead, from the platform table, if known.
        instead: Option<&'static str>,
        /// What was set before the refusal.
        already_set: OptionsSet,
    },
    /// The OS refused to set an option.
    Set {
        /// The option's name (`TCP_KEEPIDLE`).
        option: &'static str,
        /// The knob it carries; `None` for SO_KEEPALIVE itself, and for an option that
        /// carries two written knobs at once (Windows SIO_KEEPALIVE_VALS).
        knob: Option<Knob>,
        /// The OS error.
        source: io::Error,
        /// What was set before the refusal.
        already_set: OptionsSet,
    },
    /// The OS refused to read an option (SO_TYPE before applying, or during read-back).
    Get {
        /// The option's name.
        option: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// A run-time override (configuration, environment) was refused; nothing was set.
    Override(OverrideError),
    /// The connection holds no socket now: its socket field is `None` (a connection
    /// between reconnects). Nothing was set or read.
    NoSocket,
    /// No address of a connect path's target could be connected: one [`Attempt`] per
    /// address, in the order tried (none where the name resolved to no address).
    ///
    /// [`Attempt`]: crate::error::Attempt
    Connect {
        /// Each address tried and its error.
        attempts: Vec<crate::error::Attempt>,
    },
    /// A connect's handshake ended with the OS's own ETIMEDOUT while the policy's user
    /// timeout, set before the connect (`apply = "before_connect"`), bounded it: Linux
    /// applies TCP_USER_TIMEOUT to SYN retransmissions, so the user timeout is what ended
    /// it. `source` is the OS error itself, with its code.
    Handshake {
        /// The policy's user timeout.
        user_timeout: core::time::Duration,
        /// The OS error (ETIMEDOUT).
        source: io::Error,
    },
    /// Resolving a name, creating, binding, connecting or accepting a socket failed.
    Io {
        /// What was being done (`socket`, `connect`, `accept`).
        during: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

impl Error {
    /// The option the OS refused, if the error is about one.
    pub fn option(&self) -> Option<&'static str> {
        match self {
            Error::Set { option, .. }
            | Error::Get { option, .. }
            | Error::Unavailable { option, .. } => Some(option),
            Error::NotStream { .. } => Some("SO_TYPE"),
            _ => None,
        }
    }

    /// The knob concerned, if one is.
    pub fn knob(&self) -> Option<Knob> {
        match self {
            Error::Set { knob, .. } => *knob,
            Error::Unsupported { knob } | Error::Unavailable { knob, .. } => Some(*knob),
            Error::Invalid(v) => v.first().and_then(Violation::knob),
            _ => None,
        }
    }

    /// The OS error, if there is one.
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            Error::Set { source, .. }
            | Error::Get { source, .. }
            | Error::Io { source, .. }
            | Error::Handshake { source, .. }
            | Error::Unavailable { source, .. } => Some(source),
            _ => None,
        }
    }

    /// What the socket holds after the failure; empty unless an option was refused
    /// part-way.
    pub fn already_set(&self) -> OptionsSet {
        match self {
            Error::Set { already_set, .. } | Error::Unavailable { already_set, .. } => *already_set,
            _ => OptionsSet::EMPTY,
        }
    }

    pub(crate) fn set(
        option: &'static str,
        knob: Option<Knob>,
        source: io::Error,
        already_set: OptionsSet,
    ) -> Error {
        Error::Set {
            option,
            knob,
            source,
            already_set,
        }
    }

    pub(crate) fn io(during: &'static str) -> impl FnOnce(io::Error) -> Error {
        move |source| Error::Io { during, source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid(violations) => {
                f.write_str("invalid keep-alive policy: ")?;
                keepalive_core::write_violations(f, violations, "; ")
            }
            Error::NotStream { socket_type } => write!(
                f,
                "keep-alive needs a TCP stream socket, but SO_TYPE is {socket_type:?}; nothing was set"
            ),
            Error::Unsupported { knob } => write!(
                f,
                "`{knob}` has no per-socket option on this OS; nothing was set"
            ),
            Error::Set {
                option,
                knob,
                source,
                already_set,
            } => {
                write!(f, "setting {option}")?;
                if let Some(knob) = knob {
                    write!(f, " ({knob})")?;
                }
                write!(f, " failed: {source}; already set: {already_set}")
            }
            Error::Unavailable {
                knob,
                option,
                source,
                instead,
                already_set,
            } => {
                write!(
                    f,
                    "`{knob}` cannot be honoured on this OS build: {option} is refused ("
                )?;
                if let Some(name) = source.raw_os_error().and_then(os_error_name) {
                    write!(f, "{name}: ")?;
                }
                write!(f, "{source})")?;
                if let Some(instead) = instead {
                    write!(f, "; {instead}")?;
                }
                write!(
                    f,
                    "; already set: {already_set}; a policy type with `best_effort = true` leaves it out and reports it"
                )
            }
            Error::Get { option, source } => write!(f, "reading {option} failed: {source}"),
            Error::Io { during, source } => write!(f, "{during} failed: {source}"),
            Error::Handshake {
                user_timeout,
                source,
            } => {
                f.write_str("connect failed: ")?;
                write_handshake(f, *user_timeout, source)
            }
            Error::Override(e) => write!(f, "{e}"),
            Error::Connect { attempts } if attempts.is_empty() => {
                f.write_str("connect failed: the name resolved to no address")
            }
            Error::Connect { attempts } => {
                f.write_str("connect failed: ")?;
                // A name can resolve to any number of addresses (a hostile resolver's
                // answer among them): the message lists a bounded few and counts the rest.
                for (i, attempt) in attempts.iter().enumerate().take(SHOWN_ATTEMPTS) {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    match &attempt.error {
                        // "connect failed" is said once, for all of them.
                        Error::Io {
                            during: "connect",
                            source,
                        } => write!(f, "{}: {source}", attempt.addr)?,
                        Error::Handshake {
                            user_timeout,
                            source,
                        } => {
                            write!(f, "{}: ", attempt.addr)?;
                            write_handshake(f, *user_timeout, source)?;
                        }
                        other => write!(f, "{}: {other}", attempt.addr)?,
                    }
                }
                if let Some(more) = attempts.len().checked_sub(SHOWN_ATTEMPTS).filter(|n| *n > 0) {
                    write!(f, "; … and {more} more addresses ({} in all)", attempts.len())?;
                }
                Ok(())
            }
            Error::NoSocket => f.write_str(
                "the connection holds no socket now (its socket field is `None`); nothing was set or read",
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Set { source, .. }
            | Error::Get { source, .. }
            | Error::Io { source, .. }
            | Error::Handshake { source, .. }
            | Error::Unavailable { source, .. } => Some(source),
            Error::Override(e) => Some(e),
            Error::Connect { attempts } => attempts.last().map(|a| &a.error as _),
            _ => None,
        }
    }
}

impl From<OverrideError> for Error {
    fn from(e: OverrideError) -> Error {
        Error::Override(e)
    }
}

/// An OS error converts to itself: its code ([`io::Error::raw_os_error`]) and kind
/// survive `?`, so a loop that tests for EMFILE, ENOBUFS or EINTR after `?` still can
/// (for [`Error::Connect`], the last attempt's OS error, as said below). The context this
/// `Error` adds (the call, the option, what was already set) is then only in the `Error`:
/// log it before `?` where it matters. Every other error keeps its message, with the
/// nearest kind.
impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        match e {
            Error::Set { source, .. }
            | Error::Get { source, .. }
            | Error::Io { source, .. }
            | Error::Handshake { source, .. }
                if source.raw_os_error().is_some() =>
            {
                return source;
            }
            // The last attempt's error says most about why the whole connect failed.
            Error::Connect { mut attempts }
                if attempts
                    .last()
                    .and_then(|a| a.error.io_error())
                    .is_some_and(|s| s.raw_os_error().is_some()) =>
            {
                return attempts.pop().map_or_else(
                    || io::Error::from(io::ErrorKind::NotFound),
                    |a| io::Error::from(a.error),
                );
            }
            _ => {}
        }
        let kind = match &e {
            Error::Set { source, .. }
            | Error::Get { source, .. }
            | Error::Io { source, .. }
            | Error::Handshake { source, .. } => source.kind(),
            Error::Invalid(_) | Error::NotStream { .. } | Error::Override(_) => {
                io::ErrorKind::InvalidInput
            }
            Error::Unsupported { .. } | Error::Unavailable { .. } => io::ErrorKind::Unsupported,
            Error::NoSocket => io::ErrorKind::NotConnected,
            Error::Connect { attempts } => attempts.last().map_or(io::ErrorKind::NotFound, |a| {
                a.error
                    .io_error()
                    .map_or(io::ErrorKind::Other, io::Error::kind)
            }),
        };
        io::Error::new(kind, e)
    }
}

/// [`Error::Handshake`] without its "connect failed: ", which [`Error::Connect`] says once
/// for all its attempts.
fn write_handshake(
    f: &mut fmt::Formatter<'_>,
    user_timeout: core::time::Duration,
    source: &io::Error,
) -> fmt::Result {
    write!(
        f,
        "no handshake within the policy's user timeout of {} ({source}); with apply = \
         \"before_connect\" the user timeout bounds the handshake too",
        keepalive_core::format_duration(user_timeout)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A handshake the user timeout ended: said once as "connect failed" among the
    /// attempts, and its OS error (code included) is what `?` into an io::Error gives.
    #[cfg(unix)]
    #[test]
    fn a_handshake_error_keeps_its_os_error() {
        let error = Error::Connect {
            attempts: vec![crate::error::Attempt {
                addr: std::net::SocketAddr::from(([192, 0, 2, 1], 80)),
                error: Error::Handshake {
                    user_timeout: core::time::Duration::from_secs(2),
                    source: io::Error::from_raw_os_error(libc::ETIMEDOUT),
                },
            }],
        };
        let text = error.to_string();
        assert!(
            text.starts_with(
                "connect failed: 192.0.2.1:80: no handshake within the policy's user timeout of 2s ("
            ),
            "{text}"
        );
        assert_eq!(text.matches("connect failed").count(), 1, "{text}");
        assert_eq!(io::Error::from(error).raw_os_error(), Some(libc::ETIMEDOUT));
    }

    /// A name that resolved to a thousand addresses, none of which connected: the message
    /// lists eight and counts the rest.
    #[test]
    fn a_connect_message_lists_a_bounded_few_attempts() {
        let attempts = (0..1_000u16)
            .map(|port| crate::error::Attempt {
                addr: std::net::SocketAddr::from(([192, 0, 2, 1], port)),
                error: Error::Io {
                    during: "connect",
                    source: io::Error::from(io::ErrorKind::ConnectionRefused),
                },
            })
            .collect();
        let text = Error::Connect { attempts }.to_string();
        assert!(text.len() < 600, "{} bytes: {text}", text.len());
        assert_eq!(text.matches("192.0.2.1:").count(), SHOWN_ATTEMPTS, "{text}");
        assert!(
            text.ends_with("; … and 992 more addresses (1000 in all)"),
            "{text}"
        );
    }
}

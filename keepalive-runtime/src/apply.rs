//! Applying a policy to a socket: validate, check the socket type where the Rust type does
//! not guarantee a stream, then one system call per written knob and SO_KEEPALIVE last.

use keepalive_core::{Policy, TARGET, validate};
use socket2::{SockRef, Type};

use crate::error::{Applied, Error};
use crate::socket::KeepAliveSocket;
use crate::sys;

/// Applies `policy` to `socket`, after checking it against the compilation target's limits
/// (a policy built at run time, from configuration, can be out of range).
///
/// On Linux this makes SO_KEEPALIVE plus one `setsockopt` per written knob, and one
/// `getsockopt(SO_TYPE)` first for types that do not guarantee a stream socket
/// (`socket2::Socket`). No heap allocation on success. The timings are set first and
/// SO_KEEPALIVE last, so a refusal part-way leaves keep-alive as it was and the error's
/// [`Error::already_set`] says which timings the socket holds. A disabled policy writes
/// SO_KEEPALIVE = 0 only. The socket is only borrowed: a failure never closes it.
///
/// ```
/// use keepalive_runtime::{apply, Policy};
/// use std::time::Duration;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let policy = Policy::new().with_timeout(Duration::from_secs(30)).with_retries(4);
/// apply(&stream, &policy)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply<S: KeepAliveSocket + ?Sized>(socket: &S, policy: &Policy) -> Result<Applied, Error> {
    check(policy)?;
    apply_unchecked(socket, policy)
}

/// Applies `policy` without checking it against the target's limits: the values go to the
/// OS as they are (times rounded up to the option's unit), and the OS's own refusal comes
/// back as [`Error::Set`]. For policies already checked (the attribute does that while the
/// crate compiles) and for showing what the kernel accepts.
pub fn apply_unchecked<S: KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &Policy,
) -> Result<Applied, Error> {
    let sock = socket.sock_ref();
    if !S::KNOWN_STREAM {
        check_stream(&sock)?;
    }
    apply_to(&sock, policy)
}

pub(crate) fn check(policy: &Policy) -> Result<(), Error> {
    validate(policy, TARGET).map_err(Error::Invalid)
}

/// SO_TYPE must be SOCK_STREAM: Linux accepts SO_KEEPALIVE on a UDP socket and does
/// nothing with it.
pub(crate) fn check_stream(sock: &SockRef<'_>) -> Result<(), Error> {
    let socket_type = sock.r#type().map_err(|source| Error::Get {
        option: "SO_TYPE",
        source,
    })?;
    if socket_type == Type::STREAM {
        Ok(())
    } else {
        Err(Error::NotStream { socket_type })
    }
}

pub(crate) fn apply_to(sock: &SockRef<'_>, policy: &Policy) -> Result<Applied, Error> {
    if policy.is_enabled() {
        sys::apply_enabled(sock, policy)
    } else {
        sock.set_keepalive(false)
            .map_err(|e| Error::set("SO_KEEPALIVE", None, e, Applied::EMPTY))?;
        let mut done = Applied::EMPTY;
        done.set_keepalive(false);
        Ok(done)
    }
}

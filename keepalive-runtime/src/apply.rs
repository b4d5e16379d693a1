//! Applying a policy to a socket: validate, check the socket type where the Rust type does
//! not guarantee a stream, then one system call per written knob and SO_KEEPALIVE, in the
//! order the target's kernel needs (keepalive-core's `ApplyPlan`; PLATFORMS.md, "Applying
//! options").

use keepalive_core::rules::{self, Enforcement};
use keepalive_core::{Policy, Role, TARGET};
use socket2::{SockRef, Type};

use crate::error::Error;
use crate::outcome::{Applied, OptionsSet};
use crate::socket::KeepAliveSocket;
use crate::sys;
use crate::{CheckedPolicy, KeepAlivePolicy};

/// Applies a policy to `socket` as it is now (an established stream, a listener, or a
/// socket not yet connected): the one way to put a policy on a socket this crate did not
/// create. `policy` is a policy type's own ([`Api::policy()`](KeepAlivePolicy::policy),
/// checked while the crate compiled) or one changed at run time
/// ([`Api::policy_with`](KeepAlivePolicy::policy_with), checked by the same rules), so this
/// goes straight to the system calls.
///
/// Strict or best effort as the type says. A knob the OS cannot honour fails the call
/// ([`Error::Unsupported`] where the OS has no option for it, [`Error::Unavailable`] where
/// this OS build lacks the option: TCP_KEEPCNT on Windows before 10.0.15063); with
/// `best_effort = true` it is left out instead, and the returned [`Applied`] lists it with
/// the OS error and what the OS does instead. A value the kernel still refuses is
/// [`Error::Set`] either way, and keep-alive itself is always set or the call fails.
///
/// On Linux this makes SO_KEEPALIVE plus one `setsockopt` per written knob, and one
/// `getsockopt(SO_TYPE)` first for types that do not guarantee a stream socket
/// (`socket2::Socket`). No heap allocation. The timings are set first and SO_KEEPALIVE
/// after them, so a refusal part-way leaves keep-alive as it was and the error's
/// [`Error::already_set`] says which timings the socket holds. On Apple the idle time
/// (TCP_KEEPALIVE) is then sent once more: XNU re-arms the timer of a connected socket with
/// the socket's idle time only when TCP_KEEPALIVE is set while SO_KEEPALIVE is already on,
/// and setting SO_KEEPALIVE re-arms nothing, so without it the first probe of an idle
/// connection would wait the system's 2 h (PLATFORMS.md A2). A disabled policy writes
/// SO_KEEPALIVE = 0 only; where the OS probes regardless (FreeBSD and DragonFly, whose
/// `net.inet.tcp.always_keepalive` defaults to 1), [`Applied::probed_anyway`] says so
/// rather than the call failing. The socket is only borrowed: a failure never closes it.
///
/// On an established stream the options take effect from the next idle period; the
/// handshake went out without them. The connect paths ([`connect()`](crate::connect())) set
/// them before the handshake unless the type says `apply = "after_connect"`.
///
/// The options are set one system call at a time and the kernel offers no transaction
/// over them: two threads applying different policies to the same socket at once can
/// interleave and leave it with a mix of both (measured: 86 of 3 000 rounds). Apply a
/// socket's policy from one place, or serialise the calls.
///
/// ```
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::PolicyOverride;
/// use std::time::Duration;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Api;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let done = keepalive_runtime::apply(&stream, Api::policy())?;
/// assert!(done.is_complete());
///
/// // The same type with a shorter idle time from configuration, held to Api's rules.
/// let shorter = Api::policy_with(&PolicyOverride::new().with_timeout(Duration::from_secs(20)))?;
/// keepalive_runtime::apply(&stream, shorter)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[inline]
pub fn apply<P: KeepAlivePolicy + ?Sized>(
    socket: &(impl KeepAliveSocket + ?Sized),
    policy: CheckedPolicy<P>,
) -> Result<Applied, Error> {
    policy_onto(socket, policy.as_policy(), policy.is_best_effort())
}

/// Applies `policy` without checking it against the target's limits: the values go to the
/// OS as they are (times rounded up to the option's unit), and the OS's own refusal comes
/// back as [`Error::Set`]. For showing what the kernel accepts (tests and benchmarks); not
/// part of the public API.
#[doc(hidden)]
pub fn apply_unchecked<S: KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &Policy,
) -> Result<OptionsSet, Error> {
    let sock = socket.sock_ref();
    if !socket.is_known_stream() {
        check_stream(&sock)?;
    }
    apply_to(&sock, policy, Role::Connected)
}

/// `P::POLICY`, checked by core's rule driver for the compilation target and under
/// `P::ENFORCEMENT` during constant evaluation, when the code that names `P::policy()` is
/// compiled: a policy type implemented by hand cannot reach a socket unchecked. For the
/// attribute's types this repeats, at no run-time cost, what the attribute already checked.
/// The build-wide bounds too, so an impl written by hand is held to them.
pub(crate) fn checked_policy<P: KeepAlivePolicy + ?Sized>() -> Policy {
    const {
        rules::panic_on(rules::check(&P::POLICY, TARGET, &P::ENFORCEMENT).first());
        rules::panic_on(build_violation::<P>());
    }
    P::POLICY
}

#[inline]
fn policy_onto<S: KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &Policy,
    best_effort: bool,
) -> Result<Applied, Error> {
    let sock = socket.sock_ref();
    if !socket.is_known_stream() {
        check_stream(&sock)?;
    }
    apply_reported(&sock, policy, Role::Connected, best_effort)
}

/// `policy`, already checked, onto a socket known to be a stream, in the order of the
/// target's plan for `role` (keepalive-core's `ApplyPlan`); with `best_effort`, the knobs
/// the OS cannot honour are left out and recorded.
#[inline]
pub(crate) fn apply_reported(
    sock: &SockRef<'_>,
    policy: &Policy,
    role: Role,
    best_effort: bool,
) -> Result<Applied, Error> {
    if best_effort && policy.is_enabled() {
        let mut record = Applied::default();
        let applied = sys::apply_enabled(sock, policy, role, Some(&mut record))?;
        record.set_applied(applied);
        Ok(record)
    } else {
        apply_to(sock, policy, role).map(Applied::complete)
    }
}

/// Core's rule driver for the compilation target; every violation found, as
/// [`Error::Invalid`].
pub(crate) fn enforce(policy: &Policy, enforcement: &Enforcement) -> Result<(), Error> {
    let found = rules::check(policy, TARGET, enforcement);
    if found.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(found.into()))
    }
}

/// The build-wide bounds broken by `P`'s own policy: checked where `P::policy()` is
/// called, so an impl written by hand is held to them as the attribute's are.
const fn build_violation<P: KeepAlivePolicy + ?Sized>() -> Option<keepalive_core::Violation> {
    match &crate::__private::BUILD_BOUNDS {
        Some(bounds) => rules::build_violation(&P::POLICY, TARGET, &P::ENFORCEMENT, bounds),
        None => None,
    }
}

/// The build-wide bounds (`KEEPALIVE_BOUNDS` as the runtime compiled), as
/// [`Error::Invalid`]: a run-time policy is held to them as the type's own policy is.
pub(crate) fn enforce_build(policy: &Policy, enforcement: &Enforcement) -> Result<(), Error> {
    let Some(bounds) = &crate::__private::BUILD_BOUNDS else {
        return Ok(());
    };
    match rules::build_violation(policy, TARGET, enforcement, bounds) {
        None => Ok(()),
        Some(v) => Err(Error::Invalid(vec![v])),
    }
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

pub(crate) fn apply_to(
    sock: &SockRef<'_>,
    policy: &Policy,
    role: Role,
) -> Result<OptionsSet, Error> {
    if policy.is_enabled() {
        sys::apply_enabled(sock, policy, role, None)
    } else {
        sock.set_keepalive(false)
            .map_err(|e| Error::set("SO_KEEPALIVE", None, e, OptionsSet::EMPTY))?;
        let mut done = OptionsSet::EMPTY;
        done.set_keepalive(false);
        // Not an error: the socket holds what the policy asked, and the host's setting
        // (FreeBSD's and DragonFly's default) is the administrator's; the outcome says so.
        if sys::always_keepalive() == Some(true) {
            done.set_probed_anyway();
        }
        Ok(done)
    }
}

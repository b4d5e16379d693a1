//! Applying a policy to a socket: validate, check the socket type where the Rust type does
//! not guarantee a stream, then one system call per written knob and SO_KEEPALIVE, in the
//! order the target's kernel needs (keepalive-core's `ApplyPlan`; PLATFORMS.md, "Applying
//! options").

use keepalive_core::rules::{self, Enforcement};
use keepalive_core::{Policy, Role, TARGET};
use socket2::{SockRef, Type};

use crate::KeepAlivePolicy;
use crate::error::Error;
use crate::outcome::{Applied, BestEffort};
use crate::socket::KeepAliveSocket;
use crate::sys;

/// Applies `policy` to `socket`, after checking it against the compilation target's limits
/// (a policy built at run time, from configuration, can be out of range).
///
/// On Linux this makes SO_KEEPALIVE plus one `setsockopt` per written knob, and one
/// `getsockopt(SO_TYPE)` first for types that do not guarantee a stream socket
/// (`socket2::Socket`). No heap allocation on success. The timings are set first and
/// SO_KEEPALIVE after them, so a refusal part-way leaves keep-alive as it was and the
/// error's [`Error::already_set`] says which timings the socket holds. On Apple the idle
/// time (TCP_KEEPALIVE) is then sent once more: XNU re-arms the timer of a connected
/// socket with the socket's idle time only when TCP_KEEPALIVE is set while SO_KEEPALIVE is
/// already on, and setting SO_KEEPALIVE re-arms nothing, so without it the first probe of
/// an idle connection would wait the system's 2 h (PLATFORMS.md A2). A disabled policy writes
/// SO_KEEPALIVE = 0 only; where the OS probes regardless (FreeBSD and DragonFly, whose
/// `net.inet.tcp.always_keepalive` defaults to 1), [`Applied::probed_anyway`] says so
/// rather than the call failing. The socket is only borrowed: a failure never closes it.
///
/// A knob the OS cannot honour fails the call: [`Error::Unsupported`] where the OS has no
/// option for it, [`Error::Unavailable`] where this OS build lacks the option (TCP_KEEPCNT
/// on Windows before 10.0.15063). [`apply_best_effort`] applies the rest and reports it.
///
/// The options are set one system call at a time and the kernel offers no transaction
/// over them: two threads applying different policies to the same socket at once can
/// interleave and leave it with a mix of both (measured: 86 of 3 000 rounds). Apply a
/// socket's policy from one place, or serialise the calls.
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
    if !socket.is_known_stream() {
        check_stream(&sock)?;
    }
    apply_to(&sock, policy, Role::Connected)
}

/// Applies what the OS accepts of `policy` and reports what it left out, instead of failing
/// on a knob the OS cannot honour. The explicit opt-in for running one policy on OSes
/// that lack some options.
///
/// A knob is left out, and listed in [`BestEffort::left_out`] with the OS error and what
/// the OS does instead, where
/// - the OS has no per-socket option for it (known while compiling: `user_timeout` on the
///   BSDs, every timing on OpenBSD), or
/// - this build of the OS lacks the option and answers ENOPROTOOPT / WSAENOPROTOOPT:
///   TCP_KEEPCNT on Windows before 10.0.15063 and under Wine 8 ("Windows sends 10 probes").
///
/// Everything else is as strict as [`apply()`]: values out of the target's range are
/// [`Error::Invalid`], a value the OS refuses ([`Error::Set`]) still fails, and keep-alive
/// itself is always set or the call fails. [`apply()`] answers the cases above with
/// [`Error::Unsupported`] / [`Error::Unavailable`].
///
/// ```
/// use keepalive_runtime::{apply_best_effort, Knob, Policy};
/// use std::time::Duration;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let policy = Policy::new().with_timeout(Duration::from_secs(30)).with_retries(4);
/// let done = apply_best_effort(&stream, &policy)?;
/// for left_out in done.left_out() {
///     eprintln!("not applied: {left_out}");
/// }
/// # #[cfg(target_os = "linux")]
/// assert!(done.is_complete() && done.left_out_of(Knob::Retries).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply_best_effort<S: KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &Policy,
) -> Result<BestEffort, Error> {
    check_best_effort(policy)?;
    let sock = socket.sock_ref();
    if !socket.is_known_stream() {
        check_stream(&sock)?;
    }
    let mut record = BestEffort::default();
    let applied = if policy.is_enabled() {
        sys::apply_enabled(&sock, policy, Role::Connected, Some(&mut record))?
    } else {
        apply_to(&sock, policy, Role::Connected)?
    };
    record.set_applied(applied);
    Ok(record)
}

/// Applies the policy type `P` to `socket`, as `P` says: leaving out what the OS cannot
/// honour where `P::BEST_EFFORT` (and failing on it otherwise, as [`apply()`] does).
/// `P::POLICY` is checked against `P::ENFORCEMENT` and the target's limits while the crate
/// compiles, whoever implemented `P`, so at run time this goes
/// straight to the system calls. The returned [`BestEffort`] lists what was set and each
/// knob left out and why; nothing is left out unless `P::BEST_EFFORT`.
///
/// ```
/// use keepalive_runtime::{apply_policy, keepalive};
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Api;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let done = apply_policy::<Api>(&stream)?;
/// assert!(done.is_complete());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[inline]
pub fn apply_policy<P: KeepAlivePolicy + ?Sized>(
    socket: &(impl KeepAliveSocket + ?Sized),
) -> Result<BestEffort, Error> {
    policy_onto(socket, &checked_policy::<P>(), P::BEST_EFFORT)
}

/// `P::POLICY`, checked by core's rule driver for the compilation target and under
/// `P::ENFORCEMENT` during constant evaluation, when the code that applies `P` is
/// compiled: a policy type implemented by hand cannot reach a socket unchecked. For the
/// attribute's types this repeats, at no run-time cost, what the attribute already checked.
pub(crate) fn checked_policy<P: KeepAlivePolicy + ?Sized>() -> Policy {
    const {
        rules::panic_on(rules::check(&P::POLICY, TARGET, &P::ENFORCEMENT).first());
    }
    P::POLICY
}

#[inline]
fn policy_onto<S: KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &Policy,
    best_effort: bool,
) -> Result<BestEffort, Error> {
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
) -> Result<BestEffort, Error> {
    if best_effort && policy.is_enabled() {
        let mut record = BestEffort::default();
        let applied = sys::apply_enabled(sock, policy, role, Some(&mut record))?;
        record.set_applied(applied);
        Ok(record)
    } else {
        apply_to(sock, policy, role).map(BestEffort::complete)
    }
}

/// [`check`], except that a knob with no option on the target is not a violation: the
/// best-effort apply leaves it out and reports it.
fn check_best_effort(policy: &Policy) -> Result<(), Error> {
    enforce(policy, &Enforcement::new().with_best_effort(true))
}

pub(crate) fn check(policy: &Policy) -> Result<(), Error> {
    enforce(policy, &Enforcement::new())
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

pub(crate) fn apply_to(sock: &SockRef<'_>, policy: &Policy, role: Role) -> Result<Applied, Error> {
    if policy.is_enabled() {
        sys::apply_enabled(sock, policy, role, None)
    } else {
        sock.set_keepalive(false)
            .map_err(|e| Error::set("SO_KEEPALIVE", None, e, Applied::EMPTY))?;
        let mut done = Applied::EMPTY;
        done.set_keepalive(false);
        // Not an error: the socket holds what the policy asked, and the host's setting
        // (FreeBSD's and DragonFly's default) is the administrator's; the outcome says so.
        if sys::always_keepalive() == Some(true) {
            done.set_probed_anyway();
        }
        Ok(done)
    }
}

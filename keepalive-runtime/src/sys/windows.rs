//! Windows: one socket option per written knob (TCP_KEEPCNT, TCP_MAXRT, TCP_KEEPIDLE,
//! TCP_KEEPINTVL), then SO_KEEPALIVE last. SIO_KEEPALIVE_VALS, which carries both times at
//! once, only where the per-option times are refused or a time is not whole seconds.

use core::time::Duration;
use std::io;
use std::os::windows::io::AsRawSocket;

use keepalive_core::{Knob, KnobValue, Policy, Unit};
use socket2::SockRef;
use windows_sys::Win32::Networking::WinSock::{
    IPPROTO_TCP, SIO_KEEPALIVE_VALS, SOCKET, SOCKET_ERROR, TCP_KEEPCNT, TCP_KEEPIDLE,
    TCP_KEEPINTVL, TCP_MAXRT, WSAIoctl, tcp_keepalive,
};

use crate::error::{Error, is_no_such_option};
use crate::outcome::{Applied, OptionsSet};
use crate::readback::Value;

/// The documented defaults sent for a time the policy leaves to the OS, because
/// SIO_KEEPALIVE_VALS carries both (sending 0 would mean 0 ms).
const DEFAULT_IDLE: Duration = Duration::from_secs(2 * 60 * 60);
const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

fn raw(sock: &SockRef<'_>) -> SOCKET {
    sock.as_raw_socket() as SOCKET
}

/// `setsockopt(IPPROTO_TCP, name)` with an `i32`, as every TCP option here takes.
fn set_int(sock: &SockRef<'_>, name: i32, value: i32) -> io::Result<()> {
    sockopt::set(&**sock, IPPROTO_TCP, name, &value)
}

/// Raw `getsockopt` / `setsockopt`: the one wrapper of this crate, and of its tests and
/// benches (hidden at the root as `__sockopt`), which read the kernel without going through
/// the code they test.
pub mod sockopt {
    use std::io;
    use std::os::windows::io::AsRawSocket;

    use windows_sys::Win32::Networking::WinSock::{SOCKET, SOCKET_ERROR, getsockopt, setsockopt};

    /// An option's value type: plain data, for which any bytes the OS writes (and the
    /// zeros before it writes) are a valid value.
    ///
    /// # Safety
    ///
    /// Every bit pattern of `size_of::<Self>()` bytes, all zeros included, must be a valid
    /// `Self`: integers and structs of integers, no `bool`, reference or enum.
    pub unsafe trait Plain: Copy {}

    // SAFETY: integers.
    unsafe impl Plain for i32 {}
    // SAFETY: as above.
    unsafe impl Plain for u32 {}
    // SAFETY: as above.
    unsafe impl Plain for u8 {}

    /// `getsockopt(level, name)` into a zeroed `T`, and how many bytes of it the OS wrote
    /// (never more than `size_of::<T>()`).
    pub fn get<T: Plain>(sock: &impl AsRawSocket, level: i32, name: i32) -> io::Result<(T, usize)> {
        // SAFETY: `T: Plain`, so the zeros and whatever the OS writes are a valid `T`.
        unsafe { get_unchecked(sock, level, name) }
    }

    /// [`get`] for a `T` that is not [`Plain`] by declaration.
    ///
    /// # Safety
    ///
    /// `T` must be as [`Plain`] requires: any bytes, zeros included, a valid `T`.
    pub unsafe fn get_unchecked<T>(
        sock: &impl AsRawSocket,
        level: i32,
        name: i32,
    ) -> io::Result<(T, usize)> {
        let mut value = core::mem::MaybeUninit::<T>::zeroed();
        let mut len = size_of::<T>() as i32;
        // SAFETY: `value` is a live, writable buffer of `len` bytes and the OS writes at
        // most `len` bytes into it, then stores in `len` how many it wrote.
        let rc = unsafe {
            getsockopt(
                sock.as_raw_socket() as SOCKET,
                level,
                name,
                value.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if rc == SOCKET_ERROR {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zeroed, then partly or wholly written by the OS; the caller vouches that
        // any such bytes are a valid `T`.
        let value = unsafe { value.assume_init() };
        Ok((value, usize::try_from(len).unwrap_or(0).min(size_of::<T>())))
    }

    /// `setsockopt(level, name)` with `value`, passed with its own size.
    pub fn set<T: Plain>(
        sock: &impl AsRawSocket,
        level: i32,
        name: i32,
        value: &T,
    ) -> io::Result<()> {
        // SAFETY: `value` is a live `T` and the length passed is its size.
        let rc = unsafe {
            setsockopt(
                sock.as_raw_socket() as SOCKET,
                level,
                name,
                (value as *const T).cast(),
                size_of::<T>() as i32,
            )
        };
        if rc == SOCKET_ERROR {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_nanos().div_ceil(1_000_000)).unwrap_or(u32::MAX)
}

fn keepalive_vals(
    sock: &SockRef<'_>,
    on: bool,
    idle: Duration,
    interval: Duration,
) -> io::Result<()> {
    let vals = tcp_keepalive {
        onoff: u32::from(on),
        keepalivetime: millis(idle),
        keepaliveinterval: millis(interval),
    };
    let mut returned: u32 = 0;
    // SAFETY: the socket is borrowed for the call; the input buffer is a live
    // `tcp_keepalive` of the size passed; no output buffer, no overlapped I/O.
    let rc = unsafe {
        WSAIoctl(
            raw(sock),
            SIO_KEEPALIVE_VALS,
            (&raw const vals).cast(),
            size_of::<tcp_keepalive>() as u32,
            core::ptr::null_mut(),
            0,
            &mut returned,
            core::ptr::null_mut(),
            None,
        )
    };
    if rc == SOCKET_ERROR {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn time(value: Option<KnobValue>) -> Option<Duration> {
    match value {
        Some(KnobValue::Time(d)) => Some(d),
        _ => None,
    }
}

/// Every written knob through its own option, then SO_KEEPALIVE = 1 last; a bare policy is
/// SO_KEEPALIVE alone, so the registry's KeepAliveTime / KeepAliveInterval stand. A build
/// that lacks TCP_KEEPCNT (before 10.0.15063, and Wine 8) answers WSAENOPROTOOPT:
/// [`Error::Unavailable`], or with `best_effort` the count is recorded as left out (the OS
/// then sends its fixed 10 probes) and the rest applied.
///
/// Windows' plan (keepalive-core's `ApplyPlan`) is the same for every kind of socket, and
/// accepted sockets inherit everything, so `_role` changes nothing here.
pub(crate) fn apply_enabled(
    sock: &SockRef<'_>,
    policy: &Policy,
    _role: keepalive_core::Role,
    mut best_effort: Option<&mut Applied>,
) -> Result<OptionsSet, Error> {
    let mut done = OptionsSet::EMPTY;
    if let Some(n) = policy.retries() {
        match set_int(sock, TCP_KEEPCNT, i32::try_from(n).unwrap_or(i32::MAX)) {
            Ok(()) => done.insert(Knob::Retries),
            Err(e) => super::refused(
                Knob::Retries,
                "TCP_KEEPCNT",
                e,
                done,
                best_effort.as_deref_mut(),
            )?,
        }
    }
    if let Some(d) = policy.user_timeout() {
        let secs = super::to_os(KnobValue::Time(d), Unit::Seconds);
        match set_int(sock, TCP_MAXRT, secs) {
            Ok(()) => done.insert(Knob::UserTimeout),
            Err(e) => super::refused(Knob::UserTimeout, "TCP_MAXRT", e, done, best_effort)?,
        }
    }
    let idle = time(policy.get(Knob::Timeout));
    let interval = time(policy.get(Knob::Interval));
    if idle.is_some() || interval.is_some() {
        set_times(sock, idle, interval, &mut done)?;
    }
    sock.set_keepalive(true)
        .map_err(|e| Error::set("SO_KEEPALIVE", None, e, done))?;
    done.set_keepalive(true);
    Ok(done)
}

/// The written times, each with its own option (TCP_KEEPIDLE, TCP_KEEPINTVL: whole
/// seconds, Windows 10 version 1709 and later), so an unwritten one keeps the registry's
/// value. Where a time is not whole seconds, or the build refuses those options
/// (WSAENOPROTOOPT), SIO_KEEPALIVE_VALS carries both in milliseconds, the unwritten one at
/// its documented default, recorded in [`OptionsSet::defaulted`].
fn set_times(
    sock: &SockRef<'_>,
    idle: Option<Duration>,
    interval: Option<Duration>,
    done: &mut OptionsSet,
) -> Result<(), Error> {
    let whole_seconds = |d: Option<Duration>| d.is_none_or(|d| d.subsec_nanos() == 0);
    if whole_seconds(idle) && whole_seconds(interval) {
        let options = [
            (Knob::Timeout, "TCP_KEEPIDLE", TCP_KEEPIDLE, idle),
            (Knob::Interval, "TCP_KEEPINTVL", TCP_KEEPINTVL, interval),
        ];
        let mut refused = false;
        for (knob, option, name, value) in options {
            let Some(d) = value else { continue };
            let secs = super::to_os(KnobValue::Time(d), Unit::Seconds);
            match set_int(sock, name, secs) {
                Ok(()) => done.insert(knob),
                Err(e) if is_no_such_option(&e) => {
                    refused = true;
                    break;
                }
                Err(e) => return Err(Error::set(option, Some(knob), e, *done)),
            }
        }
        if !refused {
            return Ok(());
        }
    }
    // Both values travel together here; an unwritten one is sent at its documented default,
    // never as 0 (which would mean 0 ms).
    let blamed = match (idle, interval) {
        (Some(_), None) => Some(Knob::Timeout),
        (None, Some(_)) => Some(Knob::Interval),
        _ => None,
    };
    keepalive_vals(
        sock,
        true,
        idle.unwrap_or(DEFAULT_IDLE),
        interval.unwrap_or(DEFAULT_INTERVAL),
    )
    .map_err(|e| Error::set("SIO_KEEPALIVE_VALS", blamed, e, *done))?;
    done.set_joint_times();
    for (knob, value) in [(Knob::Timeout, idle), (Knob::Interval, interval)] {
        match value {
            Some(_) => done.insert(knob),
            None => done.insert_defaulted(knob),
        }
    }
    Ok(())
}

/// Windows 10 1709 and later read the times back, in whole seconds, through TCP_KEEPIDLE
/// and TCP_KEEPINTVL. A build without the option (WSAENOPROTOOPT) makes the knob
/// unreadable rather than failing the whole read-back. TCP_MAXRT reads -1 where
/// retransmission goes on forever.
pub(crate) fn read_knob(sock: &SockRef<'_>, knob: Knob) -> Option<Result<Value, Error>> {
    let (name, option, unit) = match knob {
        Knob::Timeout => (TCP_KEEPIDLE, "TCP_KEEPIDLE", Unit::Seconds),
        Knob::Interval => (TCP_KEEPINTVL, "TCP_KEEPINTVL", Unit::Seconds),
        Knob::Retries => (TCP_KEEPCNT, "TCP_KEEPCNT", Unit::Count),
        Knob::UserTimeout => (TCP_MAXRT, "TCP_MAXRT", Unit::Seconds),
    };
    match sockopt::get::<i32>(&**sock, IPPROTO_TCP, name).map(|(v, _)| v) {
        Ok(-1) if knob == Knob::UserTimeout => Some(Ok(Value::Unlimited)),
        Ok(raw) => Some(Ok(super::from_os(raw, unit).into())),
        Err(e) if is_no_such_option(&e) => None,
        Err(source) => Some(Err(Error::Get { option, source })),
    }
}

/// Windows has no setting that probes a socket with keep-alive off.
pub(crate) const fn always_keepalive() -> Option<bool> {
    None
}

/// Accepted sockets inherit the listener's settings (Windows' plan has no `accepted`
/// steps); nothing to do.
pub(crate) fn after_accept(_sock: &SockRef<'_>, _policy: &Policy) -> Result<(), Error> {
    Ok(())
}

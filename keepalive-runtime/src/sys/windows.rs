//! Windows: TCP_KEEPCNT and TCP_MAXRT as socket options, then SIO_KEEPALIVE_VALS last,
//! which turns keep-alive on together with the idle time and the interval.

use core::time::Duration;
use std::io;
use std::os::windows::io::AsRawSocket;

use keepalive_core::{Knob, KnobValue, Policy, Unit};
use socket2::SockRef;
use windows_sys::Win32::Networking::WinSock::{
    IPPROTO_TCP, SIO_KEEPALIVE_VALS, SOCKET, SOCKET_ERROR, TCP_KEEPALIVE, TCP_KEEPCNT,
    TCP_KEEPINTVL, TCP_MAXRT, WSAIoctl, getsockopt, setsockopt, tcp_keepalive,
};

use crate::error::{Applied, Error};

/// The documented defaults sent for a time the policy leaves to the OS, because
/// SIO_KEEPALIVE_VALS carries both (sending 0 would mean 0 ms).
const DEFAULT_IDLE: Duration = Duration::from_secs(2 * 60 * 60);
const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

fn raw(sock: &SockRef<'_>) -> SOCKET {
    sock.as_raw_socket() as SOCKET
}

fn set_int(sock: &SockRef<'_>, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: the socket is borrowed for the call; `value` is a live i32 and the length
    // passed is its size.
    let rc = unsafe {
        setsockopt(
            raw(sock),
            IPPROTO_TCP,
            name,
            (&raw const value).cast(),
            size_of::<i32>() as i32,
        )
    };
    if rc == SOCKET_ERROR {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn get_int(sock: &SockRef<'_>, name: i32) -> io::Result<i32> {
    let mut value: i32 = 0;
    let mut len = size_of::<i32>() as i32;
    // SAFETY: the socket is borrowed for the call; `value` and `len` are live locals and
    // `len` holds the size of `value`.
    let rc = unsafe {
        getsockopt(
            raw(sock),
            IPPROTO_TCP,
            name,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    if rc == SOCKET_ERROR {
        Err(io::Error::last_os_error())
    } else {
        Ok(value)
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

pub(crate) fn apply_enabled(sock: &SockRef<'_>, policy: &Policy) -> Result<Applied, Error> {
    let mut done = Applied::EMPTY;
    if let Some(n) = policy.retries() {
        set_int(sock, TCP_KEEPCNT, i32::try_from(n).unwrap_or(i32::MAX))
            .map_err(|e| Error::set("TCP_KEEPCNT", Some(Knob::Retries), e, done))?;
        done.insert(Knob::Retries);
    }
    if let Some(d) = policy.user_timeout() {
        let secs = super::to_os(KnobValue::Time(d), Unit::Seconds);
        set_int(sock, TCP_MAXRT, secs)
            .map_err(|e| Error::set("TCP_MAXRT", Some(Knob::UserTimeout), e, done))?;
        done.insert(Knob::UserTimeout);
    }
    let idle = time(policy.get(Knob::Timeout));
    let interval = time(policy.get(Knob::Interval));
    keepalive_vals(
        sock,
        true,
        idle.unwrap_or(DEFAULT_IDLE),
        interval.unwrap_or(DEFAULT_INTERVAL),
    )
    .map_err(|e| Error::set("SIO_KEEPALIVE_VALS", Some(Knob::Timeout), e, done))?;
    match idle {
        Some(_) => done.insert(Knob::Timeout),
        None => done.insert_defaulted(Knob::Timeout),
    }
    match interval {
        Some(_) => done.insert(Knob::Interval),
        None => done.insert_defaulted(Knob::Interval),
    }
    done.set_keepalive(true);
    Ok(done)
}

/// Windows 10 1709 and later read the times back in seconds through TCP_KEEPALIVE and
/// TCP_KEEPINTVL.
pub(crate) fn read_knob(sock: &SockRef<'_>, knob: Knob) -> Option<Result<KnobValue, Error>> {
    let (name, option, unit) = match knob {
        Knob::Timeout => (TCP_KEEPALIVE, "TCP_KEEPALIVE", Unit::Seconds),
        Knob::Interval => (TCP_KEEPINTVL, "TCP_KEEPINTVL", Unit::Seconds),
        Knob::Retries => (TCP_KEEPCNT, "TCP_KEEPCNT", Unit::Count),
        Knob::UserTimeout => (TCP_MAXRT, "TCP_MAXRT", Unit::Seconds),
    };
    Some(
        get_int(sock, name)
            .map(|raw| super::from_os(raw, unit))
            .map_err(|source| Error::Get { option, source }),
    )
}

/// Accepted sockets inherit the listener's settings; nothing to do.
pub(crate) fn after_accept(_sock: &SockRef<'_>, _policy: &Policy) -> Result<(), Error> {
    Ok(())
}

//! The OS's own connection-info call, one system call per status: Linux and Android
//! `getsockopt(TCP_INFO)`, FreeBSD `getsockopt(TCP_INFO)`, Apple
//! `getsockopt(TCP_CONNECTION_INFO)`, Windows `WSAIoctl(SIO_TCP_INFO)`. Each fills only the
//! fields its OS reports; the rest stay `None`.

use crate::status::{Status, StatusError};

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_vendor = "apple"
))]
mod unix {
    use std::io;
    use std::os::fd::AsRawFd;

    use socket2::SockRef;

    /// `getsockopt(IPPROTO_TCP, name)` into a `T`. The kernels copy at most the length
    /// passed, so a struct shorter than the running kernel's is filled as far as it goes.
    pub(super) fn get_struct<T>(sock: &SockRef<'_>, name: libc::c_int) -> io::Result<T> {
        let mut value = core::mem::MaybeUninit::<T>::zeroed();
        let mut len = size_of::<T>() as libc::socklen_t;
        // SAFETY: the descriptor is borrowed for the call; `value` is a live, writable
        // buffer of `len` bytes and the kernel writes at most `len` bytes into it.
        let rc = unsafe {
            libc::getsockopt(
                sock.as_raw_fd(),
                libc::IPPROTO_TCP,
                name,
                value.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: zero-initialised, then partly or wholly written by the kernel; every
        // field of the C structs read here is an integer, for which all bits are valid.
        Ok(unsafe { value.assume_init() })
    }
}

/// Linux's `tcp_get_info` (net/ipv4/tcp.c): `tcpi_probes` is `icsk_probes_out` (keep-alive
/// and zero-window probes sent since the last ACK), `tcpi_unacked` is `packets_out`,
/// `tcpi_retransmits` the RTO retransmissions of the head segment, the `tcpi_last_*` fields
/// milliseconds since the event, `tcpi_rto` microseconds.
#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use core::time::Duration;

    use crate::status::{Status, StatusError, TcpState};

    /// The name of the call, for errors.
    pub(crate) const CALL: &str = "TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    /// The leading fields of `struct tcp_info` (include/uapi/linux/tcp.h), which libc does
    /// not export for Android; the kernel copies as many bytes as are asked for.
    #[cfg(target_os = "android")]
    #[repr(C)]
    #[allow(dead_code)] // Fields only keep the layout.
    struct tcp_info {
        tcpi_state: u8,
        tcpi_ca_state: u8,
        tcpi_retransmits: u8,
        tcpi_probes: u8,
        tcpi_backoff: u8,
        tcpi_options: u8,
        tcpi_snd_rcv_wscale: u8,
        tcpi_flags: u8,
        tcpi_rto: u32,
        tcpi_ato: u32,
        tcpi_snd_mss: u32,
        tcpi_rcv_mss: u32,
        tcpi_unacked: u32,
        tcpi_sacked: u32,
        tcpi_lost: u32,
        tcpi_retrans: u32,
        tcpi_fackets: u32,
        tcpi_last_data_sent: u32,
        tcpi_last_ack_sent: u32,
        tcpi_last_data_recv: u32,
        tcpi_last_ack_recv: u32,
        tcpi_pmtu: u32,
        tcpi_rcv_ssthresh: u32,
        tcpi_rtt: u32,
        tcpi_rttvar: u32,
        tcpi_snd_ssthresh: u32,
        tcpi_snd_cwnd: u32,
        tcpi_advmss: u32,
        tcpi_reordering: u32,
        tcpi_rcv_rtt: u32,
        tcpi_rcv_space: u32,
        tcpi_total_retrans: u32,
    }
    #[cfg(target_os = "linux")]
    use libc::tcp_info;

    /// include/net/tcp_states.h.
    fn state(raw: u8) -> TcpState {
        match raw {
            1 => TcpState::Established,
            2 => TcpState::SynSent,
            3 => TcpState::SynReceived,
            4 => TcpState::FinWait1,
            5 => TcpState::FinWait2,
            6 => TcpState::TimeWait,
            7 => TcpState::Closed,
            8 => TcpState::CloseWait,
            9 => TcpState::LastAck,
            10 => TcpState::Listen,
            11 => TcpState::Closing,
            other => TcpState::Other(u32::from(other)),
        }
    }

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let info: tcp_info = super::unix::get_struct(sock, libc::TCP_INFO)
            .map_err(|source| StatusError::Failed { call: CALL, source })?;
        let ms = |v: u32| Some(Duration::from_millis(u64::from(v)));
        Ok(Status {
            state: Some(state(info.tcpi_state)),
            since_data_received: ms(info.tcpi_last_data_recv),
            since_ack_received: ms(info.tcpi_last_ack_recv),
            since_data_sent: ms(info.tcpi_last_data_sent),
            probes: Some(u32::from(info.tcpi_probes)),
            unacked_segments: Some(info.tcpi_unacked),
            unacked_bytes: None,
            retransmits: Some(u32::from(info.tcpi_retransmits)),
            backoff: Some(u32::from(info.tcpi_backoff)),
            retransmitted_segments: Some(u64::from(info.tcpi_total_retrans)),
            retransmitted_bytes: None,
            rto: Some(Duration::from_micros(u64::from(info.tcpi_rto))),
        })
    }
}

/// FreeBSD's `tcp_fill_info` (sys/netinet/tcp_usrreq.c) fills the state,
/// `tcpi_last_data_recv` (ticks since `t_rcvtime`, the time keep-alive counts from, times
/// `tick`: microseconds despite the name), `tcpi_rto` (microseconds) and
/// `tcpi_snd_rexmitpack`. The `__tcpi_*` fields (probes, backoff, unacked) it leaves at
/// zero, so they are absent here.
#[cfg(target_os = "freebsd")]
mod freebsd {
    use core::time::Duration;

    use crate::status::{Status, StatusError};

    pub(crate) const CALL: &str = "TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let info: libc::tcp_info = super::unix::get_struct(sock, libc::TCP_INFO)
            .map_err(|source| StatusError::Failed { call: CALL, source })?;
        let us = |v: u32| Some(Duration::from_micros(u64::from(v)));
        Ok(Status {
            state: Some(super::bsd_state(u32::from(info.tcpi_state))),
            since_data_received: us(info.tcpi_last_data_recv),
            rto: us(info.tcpi_rto),
            retransmitted_segments: Some(u64::from(info.tcpi_snd_rexmitpack)),
            ..Status::NONE
        })
    }
}

/// XNU's `tcp_connection_info` (bsd/netinet/tcp.h, filled by `tcp_connection_fill_info`
/// in bsd/netinet/tcp_usrreq.c): the state, `tcpi_rto` (milliseconds,
/// while the retransmission timer runs) and `tcpi_txretransmitbytes`. It carries no
/// keep-alive probe count and no time since the last segment received.
#[cfg(target_vendor = "apple")]
mod apple {
    use core::time::Duration;

    use crate::status::{Status, StatusError};

    pub(crate) const CALL: &str = "TCP_CONNECTION_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let info: libc::tcp_connection_info =
            super::unix::get_struct(sock, libc::TCP_CONNECTION_INFO)
                .map_err(|source| StatusError::Failed { call: CALL, source })?;
        Ok(Status {
            state: Some(super::bsd_state(u32::from(info.tcpi_state))),
            // XNU reports `t_rxtcur` (milliseconds) only while the retransmission timer
            // runs, and 0 otherwise.
            rto: (info.tcpi_rto > 0).then(|| Duration::from_millis(u64::from(info.tcpi_rto))),
            retransmitted_bytes: Some(info.tcpi_txretransmitbytes),
            ..Status::NONE
        })
    }
}

/// The BSD `TCPS_*` numbering (netinet/tcp_fsm.h), shared by FreeBSD and XNU.
#[cfg(any(target_os = "freebsd", target_vendor = "apple"))]
fn bsd_state(raw: u32) -> crate::status::TcpState {
    use crate::status::TcpState;
    match raw {
        0 => TcpState::Closed,
        1 => TcpState::Listen,
        2 => TcpState::SynSent,
        3 => TcpState::SynReceived,
        4 => TcpState::Established,
        5 => TcpState::CloseWait,
        6 => TcpState::FinWait1,
        7 => TcpState::Closing,
        8 => TcpState::LastAck,
        9 => TcpState::FinWait2,
        10 => TcpState::TimeWait,
        other => TcpState::Other(other),
    }
}

/// `SIO_TCP_INFO` with version 0 (Windows 10 1703 and later): `TCP_INFO_v0` has the state,
/// the bytes in flight, the bytes retransmitted and no keep-alive counters.
#[cfg(windows)]
mod windows {
    use std::io;
    use std::os::windows::io::AsRawSocket;

    use windows_sys::Win32::Networking::WinSock::{
        SIO_TCP_INFO, SOCKET, SOCKET_ERROR, TCP_INFO_v0, WSAEINVAL, WSAENOPROTOOPT, WSAEOPNOTSUPP,
        WSAIoctl,
    };

    use crate::status::{Status, StatusError, TcpState};

    pub(crate) const CALL: &str = "SIO_TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    /// TCPSTATE in mstcpip.h.
    fn state(raw: i32) -> TcpState {
        match raw {
            0 => TcpState::Closed,
            1 => TcpState::Listen,
            2 => TcpState::SynSent,
            3 => TcpState::SynReceived,
            4 => TcpState::Established,
            5 => TcpState::FinWait1,
            6 => TcpState::FinWait2,
            7 => TcpState::CloseWait,
            8 => TcpState::Closing,
            9 => TcpState::LastAck,
            10 => TcpState::TimeWait,
            other => TcpState::Other(other as u32),
        }
    }

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let version: u32 = 0;
        // SAFETY: TCP_INFO_v0 is plain integers and a bool; all-zero is a valid value.
        let mut info: TCP_INFO_v0 = unsafe { core::mem::zeroed() };
        let mut returned: u32 = 0;
        // SAFETY: the socket is borrowed for the call; the input is a live u32 and the
        // output a live, writable TCP_INFO_v0, each of the size passed; no overlapped I/O.
        let rc = unsafe {
            WSAIoctl(
                sock.as_raw_socket() as SOCKET,
                SIO_TCP_INFO,
                (&raw const version).cast(),
                size_of::<u32>() as u32,
                (&raw mut info).cast(),
                size_of::<TCP_INFO_v0>() as u32,
                &mut returned,
                core::ptr::null_mut(),
                None,
            )
        };
        if rc == SOCKET_ERROR {
            let source = io::Error::last_os_error();
            // Builds before 10.0.15063 (and Wine) do not know the control code.
            let lacks = matches!(
                source.raw_os_error(),
                Some(WSAEOPNOTSUPP | WSAEINVAL | WSAENOPROTOOPT)
            );
            return Err(if lacks {
                StatusError::Unavailable { call: CALL, source }
            } else {
                StatusError::Failed { call: CALL, source }
            });
        }
        Ok(Status {
            state: Some(state(info.State)),
            unacked_bytes: Some(u64::from(info.BytesInFlight)),
            retransmitted_bytes: Some(u64::from(info.BytesRetrans)),
            ..Status::NONE
        })
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
use linux as os;

#[cfg(target_os = "freebsd")]
use freebsd as os;

#[cfg(target_vendor = "apple")]
use apple as os;

#[cfg(windows)]
use windows as os;

/// No connection-info call this crate reads on this OS (NetBSD, OpenBSD, illumos, ...).
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_vendor = "apple",
    windows
)))]
mod os {
    use crate::status::{Status, StatusError};

    pub(crate) const NAME: Option<&str> = None;

    pub(crate) fn read(_sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        Err(StatusError::Unsupported)
    }
}

/// One connection-info call on `sock`.
pub(crate) fn read_status(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
    os::read(sock)
}

/// The name of the call `read_status` makes.
pub(crate) const CALL: Option<&str> = os::NAME;

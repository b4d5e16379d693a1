//! The OS's own connection-info call, one system call per status: Linux and Android
//! `getsockopt(TCP_INFO)`, FreeBSD, NetBSD and OpenBSD `getsockopt(TCP_INFO)`, Apple
//! `getsockopt(TCP_CONNECTION_INFO)`, Windows `WSAIoctl(SIO_TCP_INFO)`. Each fills only the
//! fields its OS reports, in the unit its kernel's source shows (PLATFORMS.md, "Reading
//! status"); the rest stay `None`.
//!
//! Every struct read here is this crate's own `#[repr(C)]` copy of the kernel header's
//! leading fields (or, on Windows, the SDK's), with its size and the offset of each field
//! read asserted at compile time: a wrong offset fails the build for that target
//! (`.ci/cross-check` builds each one). A field is read only where the length the kernel
//! returned covers it; a shorter copy (an older kernel's struct) leaves it `None`.

use crate::status::{Status, StatusError};

/// Fails the build where the struct's size or a field's offset differs from the numbers
/// taken from the kernel header.
#[allow(unused_macros)] // Not every target has a struct.
macro_rules! assert_layout {
    ($t:ty, size $size:expr, { $($field:ident: $offset:expr),* $(,)? }) => {
        const _: () = {
            assert!(
                size_of::<$t>() == $size,
                concat!(stringify!($t), ": size differs from the kernel header's")
            );
            $(
                assert!(
                    core::mem::offset_of!($t, $field) == $offset,
                    concat!(
                        stringify!($t), ".", stringify!($field),
                        ": offset differs from the kernel header's"
                    )
                );
            )*
        };
    };
}

/// `field` of the struct in `got`, or `None` where the kernel's copy stops short of it.
#[allow(unused_macros)]
macro_rules! field {
    ($got:expr, $t:ty, $field:ident) => {
        $got.get(core::mem::offset_of!($t, $field), |s: &$t| &s.$field)
    };
}

/// A struct as the kernel filled it and how many bytes of it the kernel wrote.
#[allow(dead_code)] // Not every target reads through it.
struct Got<T> {
    value: T,
    len: usize,
}

#[allow(dead_code)]
impl<T> Got<T> {
    /// The field at `offset` (read by `read`), where the `len` bytes written cover it.
    fn get<F: Copy>(&self, offset: usize, read: impl Fn(&T) -> &F) -> Option<F> {
        (self.len >= offset + size_of::<F>()).then(|| *read(&self.value))
    }
}

/// The state field, which every call must return; a kernel that wrote less is reported as
/// a failed call rather than read as "closed".
#[allow(dead_code)]
fn required<F>(value: Option<F>, call: &'static str, len: usize) -> Result<F, StatusError> {
    value.ok_or_else(|| StatusError::Failed {
        call,
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the kernel returned {len} bytes, too few for the connection state"),
        ),
    })
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_vendor = "apple"
))]
mod unix {
    use socket2::SockRef;

    use super::Got;
    use crate::status::StatusError;

    /// `getsockopt(IPPROTO_TCP, name)` into a `T`, with the length the kernel wrote. The
    /// kernels copy at most the length passed (and report what they copied), so a struct
    /// shorter than the running kernel's is filled as far as it goes.
    pub(super) fn get_struct<T>(
        sock: &SockRef<'_>,
        name: libc::c_int,
        call: &'static str,
    ) -> Result<Got<T>, StatusError> {
        // SAFETY: every field of the structs read here is an integer, for which all bits
        // are valid.
        match unsafe { crate::sys::sockopt::get_unchecked::<T>(&**sock, libc::IPPROTO_TCP, name) } {
            Ok((value, len)) => Ok(Got { value, len }),
            // "No such option" here is no proof that the OS lacks the call: a socket that
            // is not TCP answers the same.
            Err(source) => Err(StatusError::Failed { call, source }),
        }
    }
}

/// Linux's `tcp_get_info` (net/ipv4/tcp.c; PLATFORMS.md S-Linux rows): `tcpi_probes` is
/// `icsk_probes_out` (keep-alive and zero-window probes sent since the last ACK),
/// `tcpi_unacked` is `packets_out` (on a listener, the accept backlog), `tcpi_retransmits`
/// the RTO retransmissions of the head segment, the `tcpi_last_*` fields milliseconds since
/// the event, `tcpi_rto` microseconds, `tcpi_notsent_bytes` the bytes queued and not sent.
#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use core::time::Duration;

    use super::{Got, required};
    use crate::status::{Kernel, Status, StatusError, TcpState};

    /// The name of the call, for errors.
    pub(crate) const CALL: &str = "TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    /// The leading fields of `struct tcp_info` (include/uapi/linux/tcp.h), up to
    /// `tcpi_notsent_bytes` (Linux 4.6); the kernel copies as many bytes as are asked for.
    /// The two u64 pacing rates and the two byte counters are kept as u32 pairs so that the
    /// layout is the same on 32-bit targets, where a u64 may be 4-byte aligned.
    #[repr(C)]
    #[allow(dead_code)] // Fields only keep the layout.
    pub(super) struct TcpInfo {
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
        tcpi_pacing_rate_and_bytes: [u32; 8],
        tcpi_segs_out: u32,
        tcpi_segs_in: u32,
        tcpi_notsent_bytes: u32,
    }

    assert_layout!(TcpInfo, size 148, {
        tcpi_state: 0,
        tcpi_retransmits: 2,
        tcpi_probes: 3,
        tcpi_backoff: 4,
        tcpi_rto: 8,
        tcpi_unacked: 24,
        tcpi_last_data_sent: 44,
        tcpi_last_data_recv: 52,
        tcpi_last_ack_recv: 56,
        tcpi_total_retrans: 100,
        tcpi_notsent_bytes: 144,
    });

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
        let got: Got<TcpInfo> = super::unix::get_struct(sock, libc::TCP_INFO, CALL)?;
        from(&got)
    }

    pub(super) fn from(got: &Got<TcpInfo>) -> Result<Status, StatusError> {
        let ms = |v: Option<u32>| v.map(|v| Duration::from_millis(u64::from(v)));
        let state = state(required(field!(got, TcpInfo, tcpi_state), CALL, got.len)?);
        let unacked = field!(got, TcpInfo, tcpi_unacked);
        // On a listener `tcp_get_info` puts the accept queue's length in tcpi_unacked, and
        // the per-connection fields (times, probes, RTO) describe no connection.
        if state == TcpState::Listen {
            return Ok(Status {
                kernel: Kernel::Linux,
                state: Some(state),
                accept_queue: unacked,
                ..Status::NONE
            });
        }
        Ok(Status {
            kernel: Kernel::Linux,
            state: Some(state),
            since_data_received: ms(field!(got, TcpInfo, tcpi_last_data_recv)),
            since_ack_received: ms(field!(got, TcpInfo, tcpi_last_ack_recv)),
            since_data_sent: ms(field!(got, TcpInfo, tcpi_last_data_sent)),
            probes: field!(got, TcpInfo, tcpi_probes).map(u32::from),
            unacked_segments: unacked,
            unsent_bytes: field!(got, TcpInfo, tcpi_notsent_bytes),
            retransmits: field!(got, TcpInfo, tcpi_retransmits).map(u32::from),
            backoff: field!(got, TcpInfo, tcpi_backoff).map(u32::from),
            retransmitted_segments: field!(got, TcpInfo, tcpi_total_retrans).map(u64::from),
            rto: field!(got, TcpInfo, tcpi_rto).map(|v| Duration::from_micros(u64::from(v))),
            ..Status::NONE
        })
    }
}

/// The leading fields of the BSDs' `struct tcp_info` (sys/netinet/tcp.h; PLATFORMS.md
/// S-FreeBSD-1, S-NetBSD-1, S-OpenBSD-1), up to `tcpi_rcv_space`: the first block follows
/// Linux's layout. Bytes 6 and 7 hold the window scales (FreeBSD and NetBSD: two 4-bit
/// fields in byte 6; OpenBSD: one byte each), which nothing here reads; every field read
/// is at the same offset in the three headers.
#[cfg(any(target_os = "freebsd", target_os = "netbsd", target_os = "openbsd"))]
mod bsd_info {
    #[repr(C)]
    #[allow(dead_code)] // Fields only keep the layout.
    pub(super) struct Head {
        pub(super) tcpi_state: u8,
        tcpi_ca_state: u8,
        tcpi_retransmits: u8,
        tcpi_probes: u8,
        tcpi_backoff: u8,
        tcpi_options: u8,
        tcpi_wscale: u8,
        tcpi_pad: u8,
        pub(super) tcpi_rto: u32,
        tcpi_ato: u32,
        tcpi_snd_mss: u32,
        tcpi_rcv_mss: u32,
        tcpi_unacked: u32,
        tcpi_sacked: u32,
        tcpi_lost: u32,
        tcpi_retrans: u32,
        tcpi_fackets: u32,
        pub(super) tcpi_last_data_sent: u32,
        tcpi_last_ack_sent: u32,
        pub(super) tcpi_last_data_recv: u32,
        pub(super) tcpi_last_ack_recv: u32,
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
    }

    /// FreeBSD's and NetBSD's extension fields after the head, up to the retransmitted
    /// segments. Not OpenBSD's: its block has no `tcpi_snd_bwnd`, which puts its
    /// `tcpi_snd_rexmitpack` at 116, not 120 (PLATFORMS.md S-OpenBSD-1).
    #[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
    #[repr(C)]
    #[allow(dead_code)]
    pub(super) struct TcpInfo {
        pub(super) head: Head,
        tcpi_snd_wnd: u32,
        tcpi_snd_bwnd: u32,
        tcpi_snd_nxt: u32,
        tcpi_rcv_nxt: u32,
        tcpi_toe_tid: u32,
        pub(super) tcpi_snd_rexmitpack: u32,
    }

    // The same numbers in FreeBSD's, NetBSD's and OpenBSD's header (PLATFORMS.md
    // S-OpenBSD-1 counts OpenBSD's, tier 3 and so built by no check here).
    assert_layout!(Head, size 100, {
        tcpi_state: 0,
        tcpi_rto: 8,
        tcpi_last_data_sent: 44,
        tcpi_last_data_recv: 52,
        tcpi_last_ack_recv: 56,
        tcpi_rcv_space: 96,
    });

    #[cfg(any(target_os = "freebsd", target_os = "netbsd"))]
    assert_layout!(TcpInfo, size 124, { head: 0, tcpi_snd_rexmitpack: 120 });

    /// A `Head` field through the whole struct `$t` (`head` first, at offset 0).
    macro_rules! head_field {
        ($got:expr, $t:ty, $field:ident) => {
            $got.get(
                core::mem::offset_of!($t, head) + core::mem::offset_of!(Head, $field),
                |s: &$t| &s.head.$field,
            )
        };
    }
    pub(super) use head_field;
}

/// FreeBSD's `tcp_fill_info` (sys/netinet/tcp_usrreq.c; PLATFORMS.md S-FreeBSD rows)
/// fills the state, `tcpi_last_data_recv` (`ticks - t_rcvtime` times `tick`: time since
/// any segment arrived, the time keep-alive counts from, in microseconds stored in a u32,
/// so known only modulo 2^32 µs), `tcpi_rto` (microseconds) and `tcpi_snd_rexmitpack`. The
/// `__tcpi_*` fields (probes, backoff, unacked) it leaves at zero, so they are absent here.
#[cfg(target_os = "freebsd")]
mod freebsd {
    use core::time::Duration;

    use super::bsd_info::{Head, TcpInfo, head_field};
    use super::{Got, required};
    use crate::status::{Kernel, MICROS_U32_WRAP, Status, StatusError};

    pub(crate) const CALL: &str = "TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let got: Got<TcpInfo> = super::unix::get_struct(sock, libc::TCP_INFO, CALL)?;
        let us = |v: Option<u32>| v.map(|v| Duration::from_micros(u64::from(v)));
        let state = required(head_field!(got, TcpInfo, tcpi_state), CALL, got.len)?;
        Ok(Status {
            kernel: Kernel::FreeBsd,
            state: Some(super::bsd_state(u32::from(state))),
            since_data_received: us(head_field!(got, TcpInfo, tcpi_last_data_recv)),
            received_wraps_every: Some(MICROS_U32_WRAP),
            rto: us(head_field!(got, TcpInfo, tcpi_rto)),
            retransmitted_segments: field!(got, TcpInfo, tcpi_snd_rexmitpack).map(u64::from),
            ..Status::NONE
        })
    }
}

/// NetBSD's `tcp_fill_info` (sys/netinet/tcp_usrreq.c; PLATFORMS.md S-NetBSD rows): the
/// state and `tcpi_snd_rexmitpack` hold what they say. Its times do not: it subtracts
/// `t_rcvtime`, stamped from `tcp_now` (500 ms slow ticks, tcp_timer.c), from
/// `hardclock_ticks`, and multiplies `t_rxtcur` (slow ticks) by `tick` (microseconds per
/// hardclock tick), so neither the idle time nor the RTO is read here.
#[cfg(target_os = "netbsd")]
mod netbsd {
    use super::bsd_info::{Head, TcpInfo, head_field};
    use super::{Got, required};
    use crate::status::{Kernel, Status, StatusError};

    pub(crate) const CALL: &str = "TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let got: Got<TcpInfo> = super::unix::get_struct(sock, libc::TCP_INFO, CALL)?;
        let state = required(head_field!(got, TcpInfo, tcpi_state), CALL, got.len)?;
        Ok(Status {
            kernel: Kernel::NetBsd,
            state: Some(super::bsd_state(u32::from(state))),
            retransmitted_segments: field!(got, TcpInfo, tcpi_snd_rexmitpack).map(u64::from),
            ..Status::NONE
        })
    }
}

/// OpenBSD's `tcp_fill_info` (sys/netinet/tcp_usrreq.c; PLATFORMS.md S-OpenBSD rows): the
/// state, `tcpi_rto` (`t_rxtcur`, milliseconds, times 1000: microseconds) and
/// `tcpi_last_data_recv` (`(now - t_rcvtime) * 1000`, `t_rcvtime` stamped by any segment:
/// microseconds in a u32, known only modulo 2^32 µs), filled for every caller. The
/// extension fields (retransmitted segments among them) it fills for root only, so they
/// are not read. OpenBSD is a tier-3 target: this branch is not compiled by this
/// project's checks, so it reads as little as it can: the 100-byte `Head`, whose offsets
/// are counted from OpenBSD's own header (S-OpenBSD-1), of a 212-byte struct that
/// `sys_getsockopt` copies as far as the length passed.
#[cfg(target_os = "openbsd")]
mod openbsd {
    use core::time::Duration;

    use super::bsd_info::Head;
    use super::{Got, required};
    use crate::status::{Kernel, MICROS_U32_WRAP, Status, StatusError};

    pub(crate) const CALL: &str = "TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    // sys/netinet/tcp.h (PLATFORMS.md S-OpenBSD-1).
    const _: () = assert!(
        libc::TCP_INFO == 0x09,
        "TCP_INFO differs from OpenBSD's tcp.h"
    );

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let got: Got<Head> = super::unix::get_struct(sock, libc::TCP_INFO, CALL)?;
        let us = |v: Option<u32>| v.map(|v| Duration::from_micros(u64::from(v)));
        let state = required(field!(got, Head, tcpi_state), CALL, got.len)?;
        Ok(Status {
            kernel: Kernel::OpenBsd,
            state: Some(super::bsd_state(u32::from(state))),
            since_data_received: us(field!(got, Head, tcpi_last_data_recv)),
            received_wraps_every: Some(MICROS_U32_WRAP),
            rto: us(field!(got, Head, tcpi_rto)),
            ..Status::NONE
        })
    }
}

/// XNU's `tcp_connection_info` (bsd/netinet/tcp.h, filled by `tcp_connection_fill_info`
/// in bsd/netinet/tcp_usrreq.c; PLATFORMS.md S-XNU rows): the state, `tcpi_rto`
/// (milliseconds, while the retransmission timer runs), `tcpi_txretransmitbytes` and
/// `tcpi_txretransmitpackets`. It carries no keep-alive probe count and no time since the
/// last segment received.
#[cfg(target_vendor = "apple")]
mod apple {
    use core::time::Duration;

    use super::{Got, required};
    use crate::status::{Kernel, Status, StatusError};

    pub(crate) const CALL: &str = "TCP_CONNECTION_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    /// `struct tcp_connection_info` as XNU lays it out: the fifteen one-bit TFO fields and
    /// `__pad2:17` share one u32 (libc declares them as sixteen u32s, which puts every
    /// counter after them 64 bytes too far), and the u64 counters are 8-byte aligned.
    #[repr(C)]
    #[allow(dead_code)] // Fields only keep the layout.
    pub(super) struct TcpConnectionInfo {
        tcpi_state: u8,
        tcpi_snd_wscale: u8,
        tcpi_rcv_wscale: u8,
        pad1: u8,
        tcpi_options: u32,
        tcpi_flags: u32,
        tcpi_rto: u32,
        tcpi_maxseg: u32,
        tcpi_snd_ssthresh: u32,
        tcpi_snd_cwnd: u32,
        tcpi_snd_wnd: u32,
        tcpi_snd_sbbytes: u32,
        tcpi_rcv_wnd: u32,
        tcpi_rttcur: u32,
        tcpi_srtt: u32,
        tcpi_rttvar: u32,
        tcpi_tfo_bits: u32,
        tcpi_txpackets: u64,
        tcpi_txbytes: u64,
        tcpi_txretransmitbytes: u64,
        tcpi_rxpackets: u64,
        tcpi_rxbytes: u64,
        tcpi_rxoutoforderbytes: u64,
        tcpi_txretransmitpackets: u64,
    }

    assert_layout!(TcpConnectionInfo, size 112, {
        tcpi_state: 0,
        tcpi_rto: 12,
        tcpi_tfo_bits: 52,
        tcpi_txpackets: 56,
        tcpi_txretransmitbytes: 72,
        tcpi_txretransmitpackets: 104,
    });

    pub(crate) fn read(sock: &socket2::SockRef<'_>) -> Result<Status, StatusError> {
        let got: Got<TcpConnectionInfo> =
            super::unix::get_struct(sock, libc::TCP_CONNECTION_INFO, CALL)?;
        let state = required(field!(got, TcpConnectionInfo, tcpi_state), CALL, got.len)?;
        Ok(Status {
            kernel: Kernel::Xnu,
            state: Some(super::bsd_state(u32::from(state))),
            // XNU reports `t_rxtcur` (milliseconds) only while the retransmission timer
            // runs, and 0 otherwise.
            rto: field!(got, TcpConnectionInfo, tcpi_rto)
                .filter(|&ms| ms > 0)
                .map(|ms| Duration::from_millis(u64::from(ms))),
            retransmitted_bytes: field!(got, TcpConnectionInfo, tcpi_txretransmitbytes),
            retransmitted_segments: field!(got, TcpConnectionInfo, tcpi_txretransmitpackets),
            ..Status::NONE
        })
    }
}

/// The BSD `TCPS_*` numbering (netinet/tcp_fsm.h), shared by FreeBSD, NetBSD, OpenBSD and
/// XNU.
#[cfg(any(
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_vendor = "apple"
))]
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

    use super::Got;
    use crate::status::{Kernel, Status, StatusError, TcpState};

    pub(crate) const CALL: &str = "SIO_TCP_INFO";
    pub(crate) const NAME: Option<&str> = Some(CALL);

    // mstcpip.h: TCPSTATE State, ULONG Mss, ULONG64 ConnectionTimeMs, BOOLEAN
    // TimestampsEnabled, then ULONGs RttUs, MinRttUs, BytesInFlight, ..., ULONG64 BytesOut
    // and BytesIn, ULONGs BytesReordered, BytesRetrans, ..., UCHAR SynRetrans.
    assert_layout!(TCP_INFO_v0, size 88, {
        State: 0,
        BytesInFlight: 28,
        BytesRetrans: 68,
    });

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
        // `returned` is the size of the data stored, and with no overlapped structure a
        // successful call does not leave it at zero (PLATFORMS.md S-Windows-1). So a field
        // past it was not written, and a 0 here is a provider breaking that contract:
        // reported as a failed call below rather than read as a closed connection.
        let got = Got {
            value: info,
            len: (returned as usize).min(size_of::<TCP_INFO_v0>()),
        };
        let state = super::required(field!(got, TCP_INFO_v0, State), CALL, got.len)?;
        Ok(Status {
            kernel: Kernel::Windows,
            state: Some(self::state(state)),
            unacked_bytes: field!(got, TCP_INFO_v0, BytesInFlight).map(u64::from),
            retransmitted_bytes: field!(got, TCP_INFO_v0, BytesRetrans).map(u64::from),
            ..Status::NONE
        })
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
use linux as os;

#[cfg(target_os = "freebsd")]
use freebsd as os;

#[cfg(target_os = "netbsd")]
use netbsd as os;

#[cfg(target_os = "openbsd")]
use openbsd as os;

#[cfg(target_vendor = "apple")]
use apple as os;

#[cfg(windows)]
use windows as os;

/// No connection-info call this crate reads on this OS (illumos, DragonFly, ...).
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
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

#[cfg(all(test, any(target_os = "linux", target_os = "android")))]
mod tests {
    use super::Got;
    use super::linux::{TcpInfo, from};

    /// A kernel whose struct ends before `tcpi_notsent_bytes` (before Linux 4.6) leaves
    /// that field unknown rather than read as zero; one that wrote nothing fails.
    #[test]
    fn a_short_copy_leaves_the_fields_past_it_unknown() {
        // SAFETY: integers only; all-zero is valid.
        let mut value: TcpInfo = unsafe { core::mem::zeroed() };
        // SAFETY: as above; the first byte is tcpi_state (asserted at offset 0).
        unsafe { *(&raw mut value).cast::<u8>() = 1 };
        let short = Got { value, len: 104 };
        let status = from(&short).expect("the state is covered");
        assert!(status.probes().is_some() && status.retransmitted_segments().is_some());
        assert_eq!(status.unsent_bytes(), None);
        // SAFETY: as above.
        let zeroed = unsafe { core::mem::zeroed::<TcpInfo>() };
        let none = Got {
            value: zeroed,
            len: 0,
        };
        assert!(from(&none).is_err());
    }
}

//! The watched connections read through `NETLINK_SOCK_DIAG` (what `ss` uses): one dump of
//! the network namespace's TCP sockets with `INET_DIAG_INFO` (the kernel's `tcp_info`),
//! each message matched to a watched socket by its cookie (`idiag_cookie`, the same number
//! as `SO_COOKIE`) into a table allocated once. The wire format is netlink-packet-core's
//! and netlink-packet-sock-diag's; only the port filter's two bytecode ops are written
//! here, since the crates have no type for them.

use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};

use netlink_packet_core::{
    DefaultNla, Emitable, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR, NetlinkBuffer,
    NetlinkHeader, NetlinkMessage, NetlinkPayload, NlasIterator, Parseable,
};
use netlink_packet_sock_diag::inet::nlas::Nla;
use netlink_packet_sock_diag::inet::{
    ExtensionFlags, InetRequest, InetResponseBuffer, InetResponseHeader, SocketId, StateFlags,
    Timer,
};
use netlink_packet_sock_diag::{
    AF_INET, INET_DIAG_INFO, IPPROTO_TCP, SOCK_DIAG_BY_FAMILY, SockDiagMessage,
};
use netlink_sys::{Socket, SocketAddr, protocols::NETLINK_SOCK_DIAG};

/// Linux v6.18 include/uapi/linux/inet_diag.h: the request attribute that carries a filter,
/// and the op that compares the destination port (neither is named by the crates).
const INET_DIAG_REQ_BYTECODE: u16 = 1;
const INET_DIAG_BC_D_EQ: u8 = 12;

/// Linux fills each read of a dump up to 32 KiB (net/netlink/af_netlink.c at v6.18,
/// `netlink_recvmsg` caps `max_recvmsg_len` there): a larger buffer gains nothing.
const RECV_BUFFER: usize = 32 * 1024;

/// `inet_diag_msg`, before the attributes.
const MSG_LEN: usize = size_of::<InetResponseBuffer>();

/// What one dump found about one watched socket.
#[derive(Clone, Copy)]
pub(crate) struct Row {
    /// The poll that last saw it (a socket the dump no longer lists is closed, or gone
    /// to another namespace: a watch would read it on its own).
    seen: u32,
    /// `idiag_state`.
    pub(crate) state: u8,
    /// `idiag_timer`: 0 none, 1 retransmission, 2 keep-alive, 3 time-wait, 4 zero-window
    /// probe.
    pub(crate) timer: u8,
    /// `idiag_retrans`: for the keep-alive timer, the probes sent unanswered
    /// (`icsk_probes_out`, net/ipv4/inet_diag.c at v6.18, `inet_sk_diag_fill`).
    pub(crate) retrans: u8,
    /// `idiag_expires`: when the timer fires.
    pub(crate) expires: Duration,
    /// `INET_DIAG_INFO`.
    pub(crate) info: libc::tcp_info,
    /// When the message was read, if the table stamps.
    pub(crate) at: Option<Instant>,
}

/// The watched sockets' rows, found by cookie; allocated once.
pub(crate) struct Table {
    index: HashMap<u64, usize>,
    pub(crate) rows: Vec<Row>,
    epoch: u32,
    matched: usize,
    /// Whether each row found notes the instant (for the timer comparison, not timed).
    pub(crate) stamp: bool,
}

impl Table {
    /// One row per cookie, in the same order.
    pub(crate) fn new(cookies: &[u64]) -> Table {
        let row = Row {
            seen: 0,
            state: 0,
            timer: 0,
            retrans: 0,
            expires: Duration::ZERO,
            // SAFETY: `tcp_info` is integers only: all zeros is a valid value.
            info: unsafe { core::mem::zeroed() },
            at: None,
        };
        Table {
            index: cookies.iter().enumerate().map(|(i, &c)| (c, i)).collect(),
            rows: vec![row; cookies.len()],
            epoch: 0,
            matched: 0,
            stamp: false,
        }
    }

    fn begin(&mut self) {
        self.epoch += 1;
        self.matched = 0;
    }

    fn row(&mut self, cookie: [u8; 8]) -> Option<&mut Row> {
        // `idiag_cookie` is two u32 in host order, the low half first
        // (net/core/sock_diag.c at v6.18, `sock_diag_save_cookie`).
        let [a, b, c, d, e, f, g, h] = cookie;
        let cookie = u64::from(u32::from_ne_bytes([a, b, c, d]))
            | u64::from(u32::from_ne_bytes([e, f, g, h])) << 32;
        let &i = self.index.get(&cookie)?;
        let row = &mut self.rows[i];
        row.seen = self.epoch;
        if self.stamp {
            row.at = Some(Instant::now());
        }
        self.matched += 1;
        Some(row)
    }

    /// Rows the last poll did not find.
    pub(crate) fn missing(&self) -> usize {
        self.rows.iter().filter(|r| r.seen != self.epoch).count()
    }
}

/// What one dump returned.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Dumped {
    /// Socket messages received.
    pub(crate) messages: usize,
    /// Of them, watched sockets found in the table.
    pub(crate) matched: usize,
}

/// Which sockets a dump asks for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Filter {
    /// Every TCP socket of the namespace in a state a connection still held can be in.
    All,
    /// Those whose destination port is the watched connections' (bytecode run by the
    /// kernel on each socket).
    ByPort,
}

/// A `NETLINK_SOCK_DIAG` socket and its two requests, built once.
pub(crate) struct Diag {
    socket: Socket,
    all: Vec<u8>,
    by_port: Vec<u8>,
    buffer: Vec<u8>,
}

impl Diag {
    /// `port`: the destination port of every watched connection.
    pub(crate) fn new(port: u16) -> io::Result<Diag> {
        let mut socket = Socket::new(NETLINK_SOCK_DIAG)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        Ok(Diag {
            socket,
            all: request(None),
            by_port: request(Some(&dport_is(port))),
            buffer: vec![0; RECV_BUFFER],
        })
    }

    /// One dump; each socket's message (netlink header included) goes to `each`.
    fn dump(&mut self, filter: Filter, mut each: impl FnMut(&[u8])) -> io::Result<usize> {
        let request = match filter {
            Filter::All => &self.all,
            Filter::ByPort => &self.by_port,
        };
        self.socket.send(request, 0)?;
        let mut messages = 0;
        loop {
            let len = self.socket.recv(&mut &mut self.buffer[..], 0)?;
            let mut rest = &self.buffer[..len];
            while !rest.is_empty() {
                let header = NetlinkBuffer::new_checked(rest)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
                let length = header.length() as usize;
                let message = &rest[..length];
                match header.message_type() {
                    NLMSG_DONE => return Ok(messages),
                    NLMSG_ERROR => {
                        let error = NetlinkMessage::<SockDiagMessage>::deserialize(message);
                        return Err(io::Error::other(format!("sock_diag: {error:?}")));
                    }
                    SOCK_DIAG_BY_FAMILY => {
                        messages += 1;
                        each(message);
                    }
                    _ => {}
                }
                // The next message starts 4-byte aligned (NLMSG_ALIGN); the last of a read
                // may end the buffer without its padding.
                rest = rest.get((length + 3) & !3..).unwrap_or_default();
            }
        }
    }

    /// The dump alone: messages received, none read.
    pub(crate) fn dump_only(&mut self, filter: Filter) -> io::Result<Dumped> {
        let messages = self.dump(filter, |message| {
            std::hint::black_box(message);
        })?;
        Ok(Dumped {
            messages,
            matched: 0,
        })
    }

    /// The dump read into `table` through the crates' borrowed views: the message's
    /// header parsed (`InetResponseHeader`), the attributes walked (`NlasIterator`),
    /// `tcp_info` copied into the row. Allocates nothing.
    pub(crate) fn poll(&mut self, filter: Filter, table: &mut Table) -> io::Result<Dumped> {
        table.begin();
        let messages = self.dump(filter, |message| {
            let payload = NetlinkBuffer::new(message).payload();
            let Ok(header) = InetResponseHeader::parse(payload) else {
                return;
            };
            let Some(row) = table.row(header.socket_id.cookie) else {
                return;
            };
            row.state = header.state;
            (row.timer, row.expires) = timer(header.timer.as_ref());
            // The crate's `Timer::KeepAlive` drops `idiag_retrans`, the fourth byte.
            row.retrans = payload[3];
            for nla in NlasIterator::new(&payload[MSG_LEN..]).flatten() {
                if nla.kind() == INET_DIAG_INFO {
                    copy_info(&mut row.info, nla.value());
                }
            }
        })?;
        Ok(Dumped {
            messages,
            matched: table.matched,
        })
    }

    /// The dump read into `table` through the crates' owned messages
    /// (`NetlinkMessage<SockDiagMessage>::deserialize`), as their example does: a box per
    /// message, a vector per attribute it does not name and for `tcp_info`.
    pub(crate) fn poll_owned(&mut self, filter: Filter, table: &mut Table) -> io::Result<Dumped> {
        table.begin();
        let messages = self.dump(filter, |message| {
            let Ok(message) = NetlinkMessage::<SockDiagMessage>::deserialize(message) else {
                return;
            };
            let NetlinkPayload::InnerMessage(SockDiagMessage::InetResponse(response)) =
                message.payload
            else {
                return;
            };
            let Some(row) = table.row(response.header.socket_id.cookie) else {
                return;
            };
            row.state = response.header.state;
            (row.timer, row.expires) = timer(response.header.timer.as_ref());
            row.retrans = match response.header.timer {
                Some(Timer::Retransmit(_, n)) => n,
                _ => 0,
            };
            for nla in &response.nlas {
                if let Nla::TcpInfo(bytes) = nla {
                    copy_info(&mut row.info, bytes);
                }
            }
        })?;
        Ok(Dumped {
            messages,
            matched: table.matched,
        })
    }
}

/// `idiag_timer` and `idiag_expires` back from the crate's [`Timer`].
fn timer(timer: Option<&Timer>) -> (u8, Duration) {
    match timer {
        None => (0, Duration::ZERO),
        Some(Timer::Retransmit(expires, _)) => (1, *expires),
        Some(Timer::KeepAlive(expires)) => (2, *expires),
        Some(Timer::TimeWait) => (3, Duration::ZERO),
        Some(Timer::Probe(expires)) => (4, *expires),
    }
}

/// `tcp_info` as the kernel sent it, cut or zero-filled to libc's length, as
/// `getsockopt(TCP_INFO)` would.
fn copy_info(into: &mut libc::tcp_info, bytes: &[u8]) {
    let size = size_of::<libc::tcp_info>();
    let n = bytes.len().min(size);
    let into = (into as *mut libc::tcp_info).cast::<u8>();
    // SAFETY: `into` is writable for `size` bytes and `tcp_info` is integers only, so any
    // bytes are a valid value; `bytes` is readable for `n <= size` of them.
    unsafe {
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), into, n);
        core::ptr::write_bytes(into.add(n), 0, size - n);
    }
}

/// A dump request for IPv4 TCP sockets with `tcp_info`, with a bytecode filter if given.
fn request(bytecode: Option<&[u8]>) -> Vec<u8> {
    // A connection the application still holds; not listeners, not time-wait (no socket of
    // the application's), not the closed (unhashed: never dumped).
    let states = StateFlags::ESTABLISHED
        | StateFlags::SYN_SENT
        | StateFlags::FIN_WAIT1
        | StateFlags::FIN_WAIT2
        | StateFlags::CLOSE_WAIT
        | StateFlags::LAST_ACK
        | StateFlags::CLOSING;
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    let mut message = NetlinkMessage::new(
        header,
        SockDiagMessage::InetRequest(InetRequest {
            family: AF_INET,
            protocol: IPPROTO_TCP,
            extensions: ExtensionFlags::INFO,
            states,
            socket_id: SocketId::new_v4(),
        })
        .into(),
    );
    message.finalize();
    let mut bytes = vec![0; message.buffer_len()];
    message.serialize(&mut bytes);
    if let Some(code) = bytecode {
        let nla = DefaultNla::new(INET_DIAG_REQ_BYTECODE, code.to_vec());
        let start = bytes.len();
        bytes.resize(start + nla.buffer_len(), 0);
        nla.emit(&mut bytes[start..]);
        let len = u32::try_from(bytes.len()).unwrap();
        NetlinkBuffer::new(&mut bytes[..]).set_length(len);
    }
    bytes
}

/// Bytecode for "destination port is `port`": `struct inet_diag_bc_op { u8 code; u8 yes;
/// u16 no; }` twice, the operand in the second's `no`. `yes` (8) steps to the end, which
/// accepts; `no` (12) steps 4 bytes past it, which rejects (net/ipv4/inet_diag.c at v6.18,
/// `inet_diag_bc_run` and `inet_diag_bc_audit`).
fn dport_is(port: u16) -> [u8; 8] {
    let [n0, n1] = 12u16.to_ne_bytes();
    let [p0, p1] = port.to_ne_bytes();
    [INET_DIAG_BC_D_EQ, 8, n0, n1, 0, 0, p0, p1]
}

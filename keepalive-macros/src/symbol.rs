//! Every key and type name the macro recognises, spelled once.

// The keys are keepalive-core's, so the attribute and configuration files spell them alike.
pub(crate) use keepalive_core::keys::{
    APPLY, ATTRIBUTE_KEYS as KEYS, BEST_EFFORT, BOUNDS, CRATE, DETECT_IDLE_ONLY, ENABLED, INTERVAL,
    MAX_DETECT, RETRIES, TIMEOUT, USER_TIMEOUT,
};
/// The field marker, `#[keepalive(socket)]`.
pub(crate) const SOCKET: &str = "socket";

/// `apply = "..."` values.
pub(crate) const BEFORE_CONNECT: &str = "before_connect";
pub(crate) const AFTER_CONNECT: &str = "after_connect";

/// Last path segments of the TCP socket types the runtime accepts (tokio's owned halves
/// reach their stream).
pub(crate) const TCP_TYPES: &[&str] = &[
    "TcpStream",
    "TcpListener",
    "TcpSocket",
    "Socket",
    "OwnedReadHalf",
    "OwnedWriteHalf",
];

/// Last path segments of the wrappers the runtime reaches the socket through
/// (`keepalive_runtime::SocketField`): the macro looks at their type argument.
pub(crate) const WRAPPERS: &[&str] = &[
    "Box",
    "Arc",
    "Rc",
    "Option",
    "BufReader",
    "BufWriter",
    "BufStream",
];

/// Last path segments of socket types without TCP keep-alive, and why.
pub(crate) const NOT_TCP_TYPES: &[(&str, &str)] = &[
    (
        "UdpSocket",
        "a datagram socket has no connection to keep alive",
    ),
    (
        "UnixDatagram",
        "a datagram socket has no connection to keep alive",
    ),
    ("UnixStream", "a local stream has no TCP keep-alive"),
    ("UnixListener", "a local stream has no TCP keep-alive"),
    ("UnixSocket", "a local stream has no TCP keep-alive"),
];

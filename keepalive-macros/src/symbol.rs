//! Every key and type name the macro recognises, spelled once.

pub(crate) const TIMEOUT: &str = "timeout";
pub(crate) const INTERVAL: &str = "interval";
pub(crate) const RETRIES: &str = "retries";
pub(crate) const USER_TIMEOUT: &str = "user_timeout";
pub(crate) const ENABLED: &str = "enabled";
pub(crate) const APPLY: &str = "apply";
pub(crate) const MAX_DETECT: &str = "max_detect";
pub(crate) const BOUNDS: &str = "bounds";
pub(crate) const CRATE: &str = "crate";
/// The field marker, `#[keepalive(socket)]`.
pub(crate) const SOCKET: &str = "socket";

/// The keys of the struct attribute, in the order the documentation lists them.
pub(crate) const KEYS: &[&str] = &[
    TIMEOUT,
    INTERVAL,
    RETRIES,
    USER_TIMEOUT,
    ENABLED,
    APPLY,
    MAX_DETECT,
    BOUNDS,
    CRATE,
];

/// Names other tools and the kernel use for the same knobs.
pub(crate) const SYNONYMS: &[(&str, &str)] = &[
    ("idle", TIMEOUT),
    ("time", TIMEOUT),
    ("keepidle", TIMEOUT),
    ("idle_time", TIMEOUT),
    ("keepalive_time", TIMEOUT),
    ("probes", RETRIES),
    ("count", RETRIES),
    ("keepcnt", RETRIES),
    ("retry", RETRIES),
    ("intvl", INTERVAL),
    ("keepintvl", INTERVAL),
    ("keepalive_intvl", INTERVAL),
    ("usertimeout", USER_TIMEOUT),
    ("enable", ENABLED),
    ("max_detection", MAX_DETECT),
    ("policy", BOUNDS),
];

/// `apply = "..."` values.
pub(crate) const BEFORE_CONNECT: &str = "before_connect";
pub(crate) const AFTER_CONNECT: &str = "after_connect";

/// Last path segments of the TCP socket types the runtime accepts.
pub(crate) const TCP_TYPES: &[&str] = &["TcpStream", "TcpListener", "TcpSocket", "Socket"];

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

#[cfg(test)]
mod tests {
    use keepalive_core::Knob;

    #[test]
    fn knob_keys_are_core_keys() {
        let ours = [
            super::TIMEOUT,
            super::INTERVAL,
            super::RETRIES,
            super::USER_TIMEOUT,
        ];
        for (knob, key) in Knob::ALL.iter().zip(ours) {
            assert_eq!(knob.key(), key);
        }
    }

    #[test]
    fn synonyms_point_at_keys() {
        for (_, key) in super::SYNONYMS {
            assert!(super::KEYS.contains(key), "{key}");
        }
    }
}

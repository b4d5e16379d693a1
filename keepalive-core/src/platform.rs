//! Which socket option carries each knob on each OS, in which unit, within which range.
//!
//! The attribute checks policies against the row of the target being compiled, and the
//! runtime checks values that arrive at run time against the same row. Every number names
//! the header or document it comes from.

use crate::policy::Knob;

/// The unit a socket option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Whole seconds.
    Seconds,
    /// Whole milliseconds.
    Millis,
    /// A plain count (probes).
    Count,
}

impl Unit {
    /// The symbol shown after a number (`s`, `ms`, or nothing for counts).
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Millis => "ms",
            Unit::Count => "",
        }
    }
}

/// A socket option that sets one knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionSpec {
    /// The option's name in the OS headers (`TCP_KEEPIDLE`).
    pub name: &'static str,
    /// What the option's value counts.
    pub unit: Unit,
    /// Smallest accepted value, in `unit`.
    pub min: u64,
    /// Largest accepted value, in `unit`.
    pub max: u64,
    /// What happens where the option is refused at run time (older OS builds), if known.
    pub fallback: Option<&'static str>,
}

/// How an OS treats one knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Support {
    /// A per-socket option sets it.
    Option(OptionSpec),
    /// No per-socket option exists; the text says what the OS offers instead.
    Unsupported(&'static str),
}

impl Support {
    /// The option, if there is one.
    pub const fn option(&self) -> Option<&OptionSpec> {
        match self {
            Support::Option(spec) => Some(spec),
            Support::Unsupported(_) => None,
        }
    }
}

/// One row of the platform table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Platform {
    /// Name used in messages (`Linux`, `macOS/iOS`).
    pub name: &'static str,
    /// The `target_os` values this row covers.
    pub target_os: &'static [&'static str],
    /// `timeout`: idle time before the first probe.
    pub timeout: Support,
    /// `interval`: time between unanswered probes.
    pub interval: Support,
    /// `retries`: unanswered probes before the connection is dropped.
    pub retries: Support,
    /// `user_timeout`: longest time sent data may stay unacknowledged.
    pub user_timeout: Support,
}

impl Platform {
    /// How this platform treats `knob`.
    pub const fn support(&self, knob: Knob) -> &Support {
        match knob {
            Knob::Timeout => &self.timeout,
            Knob::Interval => &self.interval,
            Knob::Retries => &self.retries,
            Knob::UserTimeout => &self.user_timeout,
        }
    }

    /// The row whose `target_os` list holds `os`, if any.
    pub const fn for_target_os(os: &str) -> Option<&'static Platform> {
        let mut i = 0;
        while i < PLATFORMS.len() {
            let row = PLATFORMS[i];
            let mut j = 0;
            while j < row.target_os.len() {
                if str_eq(row.target_os[j], os) {
                    return Some(row);
                }
                j += 1;
            }
            i += 1;
        }
        None
    }
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn seconds(name: &'static str, min: u64, max: u64) -> Support {
    Support::Option(OptionSpec {
        name,
        unit: Unit::Seconds,
        min,
        max,
        fallback: None,
    })
}

const fn millis(name: &'static str, min: u64, max: u64) -> Support {
    Support::Option(OptionSpec {
        name,
        unit: Unit::Millis,
        min,
        max,
        fallback: None,
    })
}

const fn count(name: &'static str, min: u64, max: u64) -> Support {
    Support::Option(OptionSpec {
        name,
        unit: Unit::Count,
        min,
        max,
        fallback: None,
    })
}

/// `i32::MAX`, the bound of options read as a C `int`.
const INT_MAX: u64 = i32::MAX as u64;
/// `u32::MAX`, the bound of options read as a C `unsigned int` / Windows `u_long`.
const UINT_MAX: u64 = u32::MAX as u64;

const LINUX_USER_TIMEOUT: Support = millis(
    // net/ipv4/tcp.c do_tcp_setsockopt: only `val < 0` is EINVAL (an int, so at most
    // INT_MAX); 0 means "system default", so a written value starts at 1 ms.
    "TCP_USER_TIMEOUT",
    1,
    INT_MAX,
);

/// Linux. include/net/tcp.h: MAX_TCP_KEEPIDLE 32767, MAX_TCP_KEEPINTVL 32767,
/// MAX_TCP_KEEPCNT 127; net/ipv4/tcp.c refuses `val < 1` for all three (EINVAL).
pub const LINUX: Platform = Platform {
    name: "Linux",
    target_os: &["linux"],
    timeout: seconds("TCP_KEEPIDLE", 1, 32_767),
    interval: seconds("TCP_KEEPINTVL", 1, 32_767),
    retries: count("TCP_KEEPCNT", 1, 127),
    user_timeout: LINUX_USER_TIMEOUT,
};

/// Android runs the Linux kernel: the same options and limits.
pub const ANDROID: Platform = Platform {
    name: "Android",
    target_os: &["android"],
    ..LINUX
};

/// macOS, iOS and the other Apple systems (XNU bsd/netinet/tcp_usrreq.c, tcp_ctloutput).
pub const APPLE: Platform = Platform {
    name: "macOS/iOS",
    target_os: &["macos", "ios", "tvos", "watchos", "visionos"],
    // TCP_KEEPALIVE (Apple's name for the idle time): `optval > UINT32_MAX / TCP_RETRANSHZ`
    // is EINVAL with TCP_RETRANSHZ 1000 (tcp_var.h); 0 would mean "system default".
    timeout: seconds("TCP_KEEPALIVE", 1, UINT_MAX / 1000),
    // TCP_KEEPINTVL: the same check as TCP_KEEPALIVE.
    interval: seconds("TCP_KEEPINTVL", 1, UINT_MAX / 1000),
    // TCP_KEEPCNT: `optval < 0 || optval > INT32_MAX` is EINVAL.
    retries: count("TCP_KEEPCNT", 1, INT_MAX),
    // TCP_RXT_CONNDROPTIME: seconds, only `optval < 0` refused, stored as
    // `optval * TCP_RETRANSHZ` in a u_int32_t, so larger values would wrap.
    user_timeout: seconds("TCP_RXT_CONNDROPTIME", 1, UINT_MAX / 1000),
};

/// FreeBSD (sys/netinet/tcp_usrreq.c): TCP_KEEPIDLE/TCP_KEEPINTVL are seconds, refused when
/// `ui > UINT_MAX / hz`; the maximum below assumes the default kern.hz = 1000. 0 means
/// "system default" (TP_KEEPIDLE in tcp_timer.h), so a written value starts at 1.
pub const FREEBSD: Platform = Platform {
    name: "FreeBSD",
    target_os: &["freebsd", "dragonfly"],
    timeout: seconds("TCP_KEEPIDLE", 1, UINT_MAX / 1000),
    interval: seconds("TCP_KEEPINTVL", 1, UINT_MAX / 1000),
    // TCP_KEEPCNT: an unsigned int with no range check.
    retries: count("TCP_KEEPCNT", 1, UINT_MAX),
    user_timeout: Support::Unsupported(
        "FreeBSD has no per-socket user timeout (no TCP_USER_TIMEOUT)",
    ),
};

/// NetBSD (sys/netinet/tcp_usrreq.c, tcp_ctloutput): `ui > 0` required for
/// TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT; values are kept in slow-timer ticks bounded by
/// TCP_TIMER_MAXTICKS = INT_MAX / (hz / PR_SLOWHZ), 42949672 with hz = 100 and PR_SLOWHZ = 2.
/// tcp(4) documents the times in seconds.
pub const NETBSD: Platform = Platform {
    name: "NetBSD",
    target_os: &["netbsd"],
    timeout: seconds("TCP_KEEPIDLE", 1, INT_MAX / 50),
    interval: seconds("TCP_KEEPINTVL", 1, INT_MAX / 50),
    retries: count("TCP_KEEPCNT", 1, INT_MAX / 50),
    user_timeout: Support::Unsupported("NetBSD has no per-socket user timeout"),
};

/// OpenBSD (sys/netinet/tcp.h): only SO_KEEPALIVE per socket; the timings are the global
/// sysctls net.inet.tcp.keepidle and net.inet.tcp.keepintvl.
pub const OPENBSD: Platform = Platform {
    name: "OpenBSD",
    target_os: &["openbsd"],
    timeout: Support::Unsupported(
        "OpenBSD has no per-socket idle time; only the global sysctl net.inet.tcp.keepidle",
    ),
    interval: Support::Unsupported(
        "OpenBSD has no per-socket probe interval; only the global sysctl net.inet.tcp.keepintvl",
    ),
    retries: Support::Unsupported("OpenBSD has no per-socket probe count"),
    user_timeout: Support::Unsupported("OpenBSD has no per-socket user timeout"),
};

/// illumos and Solaris (uts/common/inet/tcp/tcp_opt_data.c, tcp_opt_set; tunables in
/// tcp_tunables.c).
pub const ILLUMOS: Platform = Platform {
    name: "illumos/Solaris",
    target_os: &["illumos", "solaris"],
    // TCP_KEEPIDLE, seconds, multiplied by 1000 and checked against
    // tcps_keepalive_interval_low/high = 10 s .. 10 days.
    timeout: seconds("TCP_KEEPIDLE", 10, 864_000),
    // TCP_KEEPINTVL, seconds, × 1000 must lie within tcp_rto_min..tcp_rto_max
    // (400 ms .. 60 s by default): whole seconds 1 ..= 60.
    interval: seconds("TCP_KEEPINTVL", 1, 60),
    // TCP_KEEPCNT: 0 is EINVAL; count × interval must stay within the abort interval
    // bounds (0 .. UINT32_MAX ms).
    retries: count("TCP_KEEPCNT", 1, UINT_MAX),
    user_timeout: Support::Unsupported(
        "illumos/Solaris have no TCP_USER_TIMEOUT (TCP_ABORT_THRESHOLD, which bounds retransmissions, is not mapped)",
    ),
};

/// Windows (SIO_KEEPALIVE_VALS and IPPROTO_TCP socket options, Microsoft Docs).
pub const WINDOWS: Platform = Platform {
    name: "Windows",
    target_os: &["windows"],
    // SIO_KEEPALIVE_VALS: struct tcp_keepalive { u_long onoff, keepalivetime,
    // keepaliveinterval }, milliseconds; both times travel together, so an unset one is sent
    // as the documented default (2 h idle, 1 s interval), never as 0.
    timeout: millis("SIO_KEEPALIVE_VALS", 1, UINT_MAX),
    interval: millis("SIO_KEEPALIVE_VALS", 1, UINT_MAX),
    // TCP_KEEPCNT, Windows 10 version 1703 (10.0.15063) and later: "illegal to set ...
    // greater than 255".
    retries: Support::Option(OptionSpec {
        name: "TCP_KEEPCNT",
        unit: Unit::Count,
        min: 1,
        max: 255,
        fallback: Some(
            "Windows before 10.0.15063 refuses TCP_KEEPCNT (WSAENOPROTOOPT) and always sends 10 probes",
        ),
    }),
    // TCP_MAXRT: DWORD seconds (-1 means retransmit forever), the role TCP_USER_TIMEOUT
    // plays on Linux.
    user_timeout: seconds("TCP_MAXRT", 1, INT_MAX),
};

/// Every row, one per OS family.
pub const PLATFORMS: &[&Platform] = &[
    &LINUX, &ANDROID, &APPLE, &FREEBSD, &NETBSD, &OPENBSD, &ILLUMOS, &WINDOWS,
];

/// The row of the target this crate is compiled for, or `None` for an OS outside the table.
pub const TARGET: Option<&Platform> = target_platform();

const fn target_platform() -> Option<&'static Platform> {
    if cfg!(target_os = "linux") {
        Some(&LINUX)
    } else if cfg!(target_os = "android") {
        Some(&ANDROID)
    } else if cfg!(target_vendor = "apple") {
        Some(&APPLE)
    } else if cfg!(any(target_os = "freebsd", target_os = "dragonfly")) {
        Some(&FREEBSD)
    } else if cfg!(target_os = "netbsd") {
        Some(&NETBSD)
    } else if cfg!(target_os = "openbsd") {
        Some(&OPENBSD)
    } else if cfg!(any(target_os = "illumos", target_os = "solaris")) {
        Some(&ILLUMOS)
    } else if cfg!(windows) {
        Some(&WINDOWS)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_found_by_target_os() {
        for row in PLATFORMS {
            for os in row.target_os {
                assert_eq!(Platform::for_target_os(os), Some(*row));
            }
        }
        assert_eq!(Platform::for_target_os("macos").unwrap().name, "macOS/iOS");
        assert_eq!(Platform::for_target_os("wasi"), None);
    }

    #[test]
    fn every_option_has_a_sane_range() {
        for row in PLATFORMS {
            for knob in Knob::ALL {
                if let Some(spec) = row.support(knob).option() {
                    assert!(1 <= spec.min && spec.min <= spec.max, "{} {knob}", row.name);
                    let count = matches!(spec.unit, Unit::Count);
                    assert_eq!(count, knob == Knob::Retries, "{} {knob}", row.name);
                }
            }
        }
    }

    #[test]
    fn target_row_matches_the_host() {
        let expected = Platform::for_target_os(std::env::consts::OS);
        assert_eq!(TARGET, expected);
    }
}

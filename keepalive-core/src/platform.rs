//! Which socket option carries each knob on each OS, in which unit, within which range.
//!
//! The attribute checks policies against the row of the target being compiled, and the
//! runtime checks values that arrive at run time against the same row. Every number names
//! the header or document it comes from; the kernel facts behind the rows, with the source
//! file and revision each rests on, are written once in the repository's PLATFORMS.md
//! ("Applying options": which options, in which order, on which socket, and their ranges),
//! and each row's [`ApplyPlan`] holds that order as data.

use crate::knob::Knob;
use crate::plan::{
    APPLE_PLAN, ApplyPlan, FREEBSD_PLAN, INHERITING_PLAN, LINUX_PLAN, NETBSD_PLAN, OPENBSD_PLAN,
};
use crate::text::str_eq;
use core::time::Duration;

/// The unit a socket option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Whole seconds.
    Seconds,
    /// Whole milliseconds.
    Millis,
    /// Slow-timer ticks of 500 ms (NetBSD's `PR_SLOWHZ` = 2 per second).
    SlowTicks,
    /// Clock ticks of 10 ms (DragonFly's default `hz` = 100), sent as milliseconds: the
    /// option takes milliseconds and the kernel truncates them to whole ticks, so only
    /// multiples of 10 ms are set as written (PLATFORMS.md A6).
    CentiTicks,
    /// A plain count (probes).
    Count,
}

impl Unit {
    /// The symbol shown after a number (`s`, `ms`, or nothing for counts).
    pub const fn symbol(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Millis => "ms",
            Unit::SlowTicks => "× 500 ms",
            Unit::CentiTicks => "× 10 ms",
            Unit::Count => "",
        }
    }

    /// The length of one step of a time unit in nanoseconds; `None` for counts. Every
    /// conversion between a [`Duration`](core::time::Duration) and an option value goes
    /// through it.
    pub const fn step_nanos(self) -> Option<u64> {
        match self {
            Unit::Seconds => Some(1_000_000_000),
            Unit::Millis => Some(1_000_000),
            Unit::SlowTicks => Some(500_000_000),
            Unit::CentiTicks => Some(10_000_000),
            Unit::Count => None,
        }
    }

    /// The time one of the option's own numbers stands for, in nanoseconds (a step, except
    /// for [`Unit::CentiTicks`], whose numbers are milliseconds); `None` for counts. What a
    /// value read back from the OS converts with.
    pub const fn sent_nanos(self) -> Option<u64> {
        match self {
            Unit::Seconds => Some(1_000_000_000),
            Unit::Millis | Unit::CentiTicks => Some(1_000_000),
            Unit::SlowTicks => Some(500_000_000),
            Unit::Count => None,
        }
    }

    /// How many of the option's own numbers make one step: 10 for [`Unit::CentiTicks`]
    /// (one 10 ms tick is sent as 10 ms), 1 for every other unit.
    pub const fn sent_per_step(self) -> u64 {
        match self {
            Unit::CentiTicks => 10,
            _ => 1,
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

/// What keep-alive does while sent data is unacknowledged, and what the `user_timeout`
/// option does to keep-alive: the two facts that decide the worst-case detection time of a
/// connection with data in flight, and whether `user_timeout` must agree with `retries`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InFlight {
    /// Keep-alive does not probe while data is unacknowledged, and a set user timeout also
    /// ends keep-alive probing, whatever the count. Linux `tcp_keepalive_timer`
    /// (net/ipv4/tcp_timer.c) returns early while `packets_out` is non-zero and, with
    /// `icsk_user_timeout` set, drops at the first probe past it; measured here (PLATFORMS.md L2).
    UserTimeoutEndsProbing,
    /// The OS does not document probing while data is unacknowledged, and its user-timeout
    /// option bounds retransmission only. Windows: `TCP_MAXRT` "the number of seconds a
    /// TCP connection will wait for a response ... before it is dropped"
    /// (learn.microsoft.com, IPPROTO_TCP socket options); nothing there says it touches
    /// keep-alive probes.
    UserTimeoutBoundsRetransmission,
    /// The keep-alive timer counts from the last segment received, data in flight or not,
    /// so the probe sequence bounds both cases; a user timeout (where there is one) only
    /// ends a retransmission episode sooner. XNU bsd/netinet/tcp_timer.c (`TCPT_KEEP`:
    /// `idle_time >= TCP_CONN_KEEPIDLE + TCP_CONN_MAXIDLE` drops, no check of unacknowledged
    /// data; `TCPT_REXMT` alone reads `t_rxt_conndroptime`), FreeBSD and DragonFly
    /// `tcp_timer_keep` (`ticks - t_rcvtime`), NetBSD `tcp_timer_keep`, illumos
    /// uts/common/inet/tcp/tcp_timers.c `tcp_keepalive_timer` (`idletime` since
    /// `tcp_last_recv_time`).
    ProbesCover,
}

/// One row of the platform table. What each row rests on, kernel source file and revision,
/// is written once in the repository's PLATFORMS.md ("Applying options" for the options,
/// their order and their ranges).
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
    /// Keep-alive with data in flight, and what `user_timeout` does to probing.
    pub in_flight: InFlight,
    /// Which options are set, in which order, on a connected socket, a listener and an
    /// accepted socket ([`ApplyPlan`]; PLATFORMS.md, "Applying options").
    pub apply: ApplyPlan,
    /// The longest `timeout + interval × retries` the kernel's keep-alive timer counts
    /// without its tick arithmetic wrapping, where that is shorter than what the knobs'
    /// ranges allow; `None` where the count of probes, not a time, ends probing (Linux,
    /// Windows) or nothing is per socket (OpenBSD). PLATFORMS.md A10.
    pub longest_probe_span: Option<Duration>,
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

const fn option(name: &'static str, unit: Unit, min: u64, max: u64) -> Support {
    Support::Option(OptionSpec {
        name,
        unit,
        min,
        max,
        fallback: None,
    })
}

const fn seconds(name: &'static str, min: u64, max: u64) -> Support {
    option(name, Unit::Seconds, min, max)
}

const fn millis(name: &'static str, min: u64, max: u64) -> Support {
    option(name, Unit::Millis, min, max)
}

const fn count(name: &'static str, min: u64, max: u64) -> Support {
    option(name, Unit::Count, min, max)
}

/// `i32::MAX`: every option here is passed as a C `int` (a Windows `DWORD` read as one), so
/// no value above it reaches the OS unchanged, whatever type the kernel stores it in.
const INT_MAX: u64 = i32::MAX as u64;
/// `u32::MAX`, the bound of Windows' `u_long` fields in `struct tcp_keepalive`.
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
    in_flight: InFlight::UserTimeoutEndsProbing,
    apply: LINUX_PLAN,
    // Probing ends on the count of probes (`icsk_probes_out`), not on a time.
    longest_probe_span: None,
};

/// Android runs the Linux kernel: the same options and limits.
pub const ANDROID: Platform = Platform {
    name: "Android",
    target_os: &["android"],
    ..LINUX
};

/// macOS, iOS and the other Apple systems (XNU bsd/netinet/tcp_usrreq.c, tcp_ctloutput,
/// as in apple-oss-distributions/xnu and apple/darwin-xnu).
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
    // `optval * TCP_RETRANSHZ` in a u_int32_t, so larger values would wrap. Read only by
    // the retransmission timer (tcp_timer.c, TCPT_REXMT): it ends a retransmission
    // episode, never keep-alive probing.
    user_timeout: seconds("TCP_RXT_CONNDROPTIME", 1, UINT_MAX / 1000),
    in_flight: InFlight::ProbesCover,
    apply: APPLE_PLAN,
    // `TCP_CONN_KEEPIDLE + TCP_CONN_MAXIDLE` (keep-alive count × interval) in u_int32_t
    // milliseconds (tcp_timer.h, tcp_timer.c TCPT_KEEP): 2^32 ms, about 49.7 days.
    longest_probe_span: Some(Duration::from_millis(u32::MAX as u64)),
};

/// FreeBSD (sys/netinet/tcp_usrreq.c, tcp_default_ctloutput): TCP_KEEPIDLE/TCP_KEEPINTVL
/// are seconds, refused when `ui > UINT_MAX / hz`; the maximum below assumes the default
/// kern.hz = 1000. 0 means "system default" (TP_KEEPIDLE in tcp_timer.h), so a written
/// value starts at 1.
pub const FREEBSD: Platform = Platform {
    name: "FreeBSD",
    target_os: &["freebsd"],
    timeout: seconds("TCP_KEEPIDLE", 1, UINT_MAX / 1000),
    interval: seconds("TCP_KEEPINTVL", 1, UINT_MAX / 1000),
    // TCP_KEEPCNT: an unsigned int with no range check; passed as a C int.
    retries: count("TCP_KEEPCNT", 1, INT_MAX),
    // TCP_MAXUNACKTIME (FreeBSD 14 and later; tcp(4): seconds within which at least one
    // byte must be acknowledged, else the connection is reset). Stored in ticks and
    // compared with `TSTMP_GT` (a signed difference) in `tcp_maxunacktime_check`
    // (tcp_timer.c), which only the retransmission and persist timers call: at most
    // INT_MAX ticks, 2147483 s at hz = 1000 (PLATFORMS.md A5).
    user_timeout: Support::Option(OptionSpec {
        name: "TCP_MAXUNACKTIME",
        unit: Unit::Seconds,
        min: 1,
        max: INT_MAX / 1000,
        fallback: Some(
            "FreeBSD before 14.0 has no TCP_MAXUNACKTIME (ENOPROTOOPT); sent data then stays bounded by keep-alive alone",
        ),
    }),
    in_flight: InFlight::ProbesCover,
    apply: FREEBSD_PLAN,
    // `ticks - t_rcvtime >= TP_KEEPIDLE + TP_MAXIDLE` (tcp_timer.c tcp_timer_keep), an int
    // tick difference: INT_MAX ticks, 24.8 days at hz = 1000.
    longest_probe_span: Some(Duration::from_millis(i32::MAX as u64)),
};

/// DragonFly BSD (sys/netinet/tcp_usrreq.c, tcp_ctloutput, DragonFlyBSD/DragonFlyBSD at
/// e368a6e9): TCP_KEEPIDLE and TCP_KEEPINTVL are **milliseconds**,
/// `opthz = ((int64_t)optval * hz) / 1000`, EINVAL unless `opthz >= 1`: with the default
/// hz = 100 the kernel keeps whole 10 ms ticks (15 ms becomes 10 ms), so the table counts
/// 10 ms steps, the rules reject a time that is not a multiple and the runtime sends
/// steps × 10 ms. `opthz` is stored in an int: at most INT_MAX ticks, and INT_MAX / 10 ms
/// sent. TCP_KEEPCNT: `optval > 0`.
pub const DRAGONFLY: Platform = Platform {
    name: "DragonFly BSD",
    target_os: &["dragonfly"],
    timeout: option("TCP_KEEPIDLE", Unit::CentiTicks, 1, INT_MAX / 10),
    interval: option("TCP_KEEPINTVL", Unit::CentiTicks, 1, INT_MAX / 10),
    retries: count("TCP_KEEPCNT", 1, INT_MAX),
    user_timeout: Support::Unsupported(
        "DragonFly BSD has no per-socket user timeout (no TCP_USER_TIMEOUT)",
    ),
    in_flight: InFlight::ProbesCover,
    apply: INHERITING_PLAN,
    // The same comparison in int ticks at hz = 100: 248 days.
    longest_probe_span: Some(Duration::from_millis(i32::MAX as u64 * 10)),
};

/// NetBSD (sys/netinet/tcp_usrreq.c, tcp_ctloutput, rev. 1.209; sys/netinet/tcp_timer.h,
/// rev. 1.30.34.1): TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT need `ui > 0` and store `ui`
/// as it is in `t_keepidle` / `t_keepintvl`, which `TCP_TIMER_ARM` counts in slow-timer
/// ticks ("typically 500 ms (with PR_SLOWHZ at 2)"). tcp(4) calls the times seconds, but
/// the kernel reads 30 as 15 s, so times are sent in 500 ms ticks. `TCP_TIMER_ARM`
/// schedules `nticks * (hz / PR_SLOWHZ)` callout ticks in an int: at most
/// TCP_TIMER_MAXTICKS = INT_MAX / (hz / PR_SLOWHZ), 42949672 with the default hz = 100.
pub const NETBSD: Platform = Platform {
    name: "NetBSD",
    target_os: &["netbsd"],
    timeout: option("TCP_KEEPIDLE", Unit::SlowTicks, 1, INT_MAX / 50),
    interval: option("TCP_KEEPINTVL", Unit::SlowTicks, 1, INT_MAX / 50),
    // `t_maxidle = t_keepcnt * t_keepintvl` must stay a valid tick count too.
    retries: count("TCP_KEEPCNT", 1, INT_MAX / 50),
    user_timeout: Support::Unsupported("NetBSD has no per-socket user timeout"),
    in_flight: InFlight::ProbesCover,
    apply: NETBSD_PLAN,
    // `t_maxidle = t_keepcnt * t_keepintvl` is armed as TCPT_2MSL in FIN_WAIT_2
    // (change_keepalive): at most TCP_TIMER_MAXTICKS slow ticks, 248.5 days at hz = 100.
    longest_probe_span: Some(Duration::from_millis((i32::MAX / 50) as u64 * 500)),
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
    in_flight: InFlight::ProbesCover,
    apply: OPENBSD_PLAN,
    longest_probe_span: None,
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
    // TCP_KEEPCNT: 0 is EINVAL; passed as a C int.
    retries: count("TCP_KEEPCNT", 1, INT_MAX),
    user_timeout: Support::Unsupported(
        "illumos/Solaris have no TCP_USER_TIMEOUT; TCP_ABORT_THRESHOLD bounds retransmission of sent data but is not mapped, and keep-alive already covers data in flight there",
    ),
    in_flight: InFlight::ProbesCover,
    apply: INHERITING_PLAN,
    // `tcp_ka_abort_thres = tcp_ka_rinterval * tcp_ka_cnt` in uint32_t milliseconds
    // (tcp_opt_data.c), with the idle time added in the same unit by tcp_keepalive_timer.
    longest_probe_span: Some(Duration::from_millis(u32::MAX as u64)),
};

/// Windows (IPPROTO_TCP socket options and SIO_KEEPALIVE_VALS, learn.microsoft.com).
///
/// A written time goes through its own option, TCP_KEEPIDLE or TCP_KEEPINTVL (DWORD
/// seconds, Windows 10 version 1709 and later); an unwritten one is not touched. Where
/// those are refused (older builds) or a time is not whole seconds, SIO_KEEPALIVE_VALS
/// carries both times in milliseconds, the unwritten one at its documented default (2 h
/// idle, 1 s interval), and the outcome says so. The times' unit below is therefore
/// SIO_KEEPALIVE_VALS' milliseconds, the finest Windows accepts; the named options
/// themselves take seconds, and `sys/windows.rs` sends them seconds (PLATFORMS.md A9).
pub const WINDOWS: Platform = Platform {
    name: "Windows",
    target_os: &["windows"],
    timeout: Support::Option(OptionSpec {
        name: "TCP_KEEPIDLE",
        unit: Unit::Millis,
        min: 1,
        max: UINT_MAX,
        fallback: Some(
            "Windows before 10.0.16299 (1709) refuses TCP_KEEPIDLE and TCP_KEEPINTVL; both times then travel in SIO_KEEPALIVE_VALS, an unwritten one at its default (2 h idle, 1 s interval)",
        ),
    }),
    interval: millis("TCP_KEEPINTVL", 1, UINT_MAX),
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
    // TCP_MAXRT: DWORD seconds a connection waits for an acknowledgement before it is
    // dropped; -1 means "retransmit forever", which a policy never writes.
    user_timeout: seconds("TCP_MAXRT", 1, INT_MAX),
    in_flight: InFlight::UserTimeoutBoundsRetransmission,
    apply: INHERITING_PLAN,
    // Probing ends on the count of probes (TCP_KEEPCNT).
    longest_probe_span: None,
};

/// Every row, one per OS family.
pub const PLATFORMS: &[&Platform] = &[
    &LINUX, &ANDROID, &APPLE, &FREEBSD, &DRAGONFLY, &NETBSD, &OPENBSD, &ILLUMOS, &WINDOWS,
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
    } else if cfg!(target_os = "freebsd") {
        Some(&FREEBSD)
    } else if cfg!(target_os = "dragonfly") {
        Some(&DRAGONFLY)
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
    fn dragonfly_counts_milliseconds_and_netbsd_half_seconds() {
        let dragonfly = Platform::for_target_os("dragonfly").unwrap();
        assert_eq!(dragonfly.name, "DragonFly BSD");
        let idle = dragonfly.timeout.option().unwrap();
        assert_eq!((idle.unit, idle.min), (Unit::CentiTicks, 1));
        assert_eq!(idle.unit.step_nanos(), Some(10_000_000));
        assert_eq!(idle.unit.sent_per_step(), 10);
        let netbsd = Platform::for_target_os("netbsd").unwrap();
        let idle = netbsd.timeout.option().unwrap();
        assert_eq!(idle.unit, Unit::SlowTicks);
        assert_eq!(idle.unit.step_nanos(), Some(500_000_000));
        assert_eq!(idle.max, 42_949_672);
    }

    #[test]
    fn no_option_takes_more_than_a_c_int() {
        for row in PLATFORMS {
            for knob in Knob::ALL {
                if let Some(spec) = row.support(knob).option() {
                    let int_max = i32::MAX as u64;
                    // Windows' times may exceed it in SIO_KEEPALIVE_VALS (u_long ms).
                    let limit = match (row.name, spec.unit) {
                        ("Windows", Unit::Millis) => u32::MAX as u64,
                        _ => int_max,
                    };
                    assert!(spec.max <= limit, "{} {knob}", row.name);
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

/// The plan of every row, read through the row's own option names (the plans are
/// plan.rs's data; the names are this table's).
#[cfg(test)]
mod plan_tests {
    use super::{PLATFORMS, Platform};
    use crate::knob::Knob::{self, Timeout, UserTimeout};
    use crate::plan::Step::{KeepAlive, Set};
    use crate::plan::*;

    fn row(os: &str) -> &'static Platform {
        Platform::for_target_os(os).expect("a row")
    }

    /// The option names a plan's steps set, in order, by the row's own names.
    fn names(row: &Platform, steps: Steps) -> Vec<&'static str> {
        steps
            .iter()
            .map(|step| match step {
                Set(knob) => row.support(*knob).option().map_or("-", |spec| spec.name),
                KeepAlive(true) => "SO_KEEPALIVE=1",
                KeepAlive(false) => "SO_KEEPALIVE=0",
            })
            .filter(|name| *name != "-")
            .collect()
    }

    #[test]
    fn linux_plan_is_every_timing_then_keepalive_and_nothing_after_accept() {
        for os in ["linux", "android"] {
            let linux = row(os);
            let want = [
                "TCP_KEEPIDLE",
                "TCP_KEEPINTVL",
                "TCP_KEEPCNT",
                "TCP_USER_TIMEOUT",
                "SO_KEEPALIVE=1",
            ];
            assert_eq!(names(linux, linux.apply.connected), want);
            assert_eq!(names(linux, linux.apply.listener), want);
            assert!(linux.apply.accepted.is_empty());
        }
    }

    #[test]
    fn apple_sets_so_keepalive_before_tcp_keepalive_on_a_connected_socket() {
        let apple = row("macos");
        let steps = apple.apply.connected;
        let on = position(steps, KeepAlive(true), 0).expect("SO_KEEPALIVE is set");
        let idle_after = position(steps, Set(Timeout), on + 1);
        assert!(idle_after.is_some(), "TCP_KEEPALIVE after SO_KEEPALIVE");
        // Every timing still comes before SO_KEEPALIVE once, so a refusal of one leaves
        // keep-alive as it was.
        for knob in Knob::ALL {
            assert!(position(steps, Set(knob), 0).unwrap() < on, "{knob}");
        }
        assert_eq!(
            names(apple, steps),
            [
                "TCP_KEEPALIVE",
                "TCP_KEEPINTVL",
                "TCP_KEEPCNT",
                "TCP_RXT_CONNDROPTIME",
                "SO_KEEPALIVE=1",
                "TCP_KEEPALIVE",
            ]
        );
    }

    #[test]
    fn apple_listener_has_no_idle_time_and_accept_sets_it() {
        let apple = row("ios");
        assert!(!apple.apply.sets(Role::Listener, Timeout));
        assert!(!apple.apply.sets(Role::Listener, UserTimeout));
        assert_eq!(
            names(apple, apple.apply.accepted),
            ["TCP_KEEPALIVE", "TCP_RXT_CONNDROPTIME"]
        );
    }

    #[test]
    fn listener_on_netbsd_carries_no_timings() {
        let netbsd = row("netbsd");
        for knob in Knob::ALL {
            assert!(!netbsd.apply.sets(Role::Listener, knob), "{knob}");
        }
        assert_eq!(names(netbsd, netbsd.apply.listener), ["SO_KEEPALIVE=1"]);
        // Accepted sockets get every timing with SO_KEEPALIVE off around them, so the
        // timer is armed at the idle time, not the interval.
        assert_eq!(
            names(netbsd, netbsd.apply.accepted),
            [
                "SO_KEEPALIVE=0",
                "TCP_KEEPIDLE",
                "TCP_KEEPINTVL",
                "TCP_KEEPCNT",
                "SO_KEEPALIVE=1"
            ]
        );
        let on = position(netbsd.apply.connected, KeepAlive(true), 0).unwrap();
        assert_eq!(on, netbsd.apply.connected.len() - 1, "timings first");
    }

    #[test]
    fn freebsd_sets_the_user_timeout_again_after_accept() {
        let freebsd = row("freebsd");
        assert_eq!(names(freebsd, freebsd.apply.accepted), ["TCP_MAXUNACKTIME"]);
    }

    /// Every option of every row reaches every kind of socket: set on a connected socket,
    /// and on an accepted one either inherited from the listener or set after accept; and
    /// SO_KEEPALIVE is turned on, last or before a final re-arm only.
    #[test]
    fn every_plan_covers_every_option_of_its_row() {
        for row in PLATFORMS {
            let plan = row.apply;
            for knob in Knob::ALL {
                if row.support(knob).option().is_some() {
                    assert!(plan.carries(Role::Connected, knob), "{} {knob}", row.name);
                    assert!(plan.carries(Role::Accepted, knob), "{} {knob}", row.name);
                }
            }
            for steps in [plan.connected, plan.listener, plan.accepted] {
                assert!(steps.len() <= MAX_STEPS, "{}", row.name);
            }
            for steps in [plan.connected, plan.listener] {
                assert!(
                    position(steps, KeepAlive(true), 0).is_some(),
                    "{}",
                    row.name
                );
                assert!(
                    position(steps, KeepAlive(false), 0).is_none(),
                    "{}",
                    row.name
                );
            }
        }
    }
}

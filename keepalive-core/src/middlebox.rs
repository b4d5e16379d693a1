//! The boxes on a connection's path that drop a flow idle for too long: load balancers,
//! NAT gateways, connection trackers, each with its published idle timeout, whether it is
//! configurable, the source and the date it was read. A `Bounds` goes through them
//! ([`crate::Bounds::through`]) and the rules then hold a policy's `timeout` to the
//! shortest: the longest silence the flow sees is the idle time before the first probe
//! (and again after each answered probe), as the kernel really fires that timer (up to
//! an eighth late plus a tick, [`latest_first_probe`]). A box that keep-alive probes do
//! not refresh (a proxy that counts only payload) is a violation of its own: only
//! application-level pings keep such a flow.
//!
//! ```
//! use core::time::Duration;
//! use keepalive_core::middlebox::{AWS_NLB, largest_timeout_within};
//!
//! assert_eq!(AWS_NLB.idle, Duration::from_secs(350));
//! // 340 s fires up to 382.52 s after the last segment: past the NLB's 350 s.
//! assert_eq!(largest_timeout_within(AWS_NLB.idle), Some(Duration::from_secs(311)));
//! ```

use core::time::Duration;

use crate::duration::parse_duration;

/// A box on the path with an idle timeout: the figure, and what is published about it.
/// Small and `Copy` (a duration and a reference), so that bounds built from it stay small.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Middlebox {
    /// The idle timeout (the default where it is configurable) after which it drops the
    /// flow.
    pub idle: Duration,
    /// What it is and where the figure is published.
    pub about: &'static About,
}

/// What is published about a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct About {
    /// The const's name (`AWS_NLB`), or `idle_limit` for a figure of the user's own.
    pub key: &'static str,
    /// What it is, as messages name it.
    pub name: &'static str,
    /// Whether the idle timeout can be changed, and the range where one is published.
    pub configurable: Option<Option<(Duration, Duration)>>,
    /// Whether a TCP keep-alive probe (no payload) counts as traffic for its idle timer.
    pub refreshed_by_keepalive: bool,
    /// Where the figure is published (empty for a figure of the user's own).
    pub source: &'static str,
    /// When the figure was read: `"2026-12-02"` for a page read at the source for this
    /// table, `"2026-12-02 (issue 19)"` for a figure taken from the issue that asked for
    /// the table, its page not read here.
    pub read: &'static str,
}

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

const fn mins(m: u64) -> Duration {
    Duration::from_secs(m * 60)
}

/// AWS Network Load Balancer: 350 s for TCP, configurable 60–6 000 s.
pub const AWS_NLB: Middlebox = Middlebox {
    idle: secs(350),
    about: &About {
        key: "AWS_NLB",
        name: "AWS Network Load Balancer",
        configurable: Some(Some((secs(60), secs(6000)))),
        refreshed_by_keepalive: true,
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#connection-idle-timeout",
        read: "2026-12-02 (issue 19)",
    },
};

/// AWS NAT Gateway: 350 s, fixed ("NAT Gateway, Amazon VPC Endpoints, and Network Load
/// Balancer currently have a fixed idle timeout of 350 seconds. Packets sent after the idle
/// timeout expired aren't delivered", the AWS networking blog).
pub const AWS_NAT_GATEWAY: Middlebox = Middlebox {
    idle: secs(350),
    about: &About {
        key: "AWS_NAT_GATEWAY",
        name: "AWS NAT Gateway",
        configurable: None,
        refreshed_by_keepalive: true,
        source: "https://aws.amazon.com/blogs/networking-and-content-delivery/implementing-long-running-tcp-connections-within-vpc-networking/",
        read: "2026-12-02",
    },
};

/// GCP Cloud NAT: 1 200 s for established TCP connections, configurable.
pub const GCP_CLOUD_NAT: Middlebox = Middlebox {
    idle: secs(1200),
    about: &About {
        key: "GCP_CLOUD_NAT",
        name: "GCP Cloud NAT",
        configurable: Some(None),
        refreshed_by_keepalive: true,
        source: "https://cloud.google.com/nat/docs/tune-nat-configuration",
        read: "2026-12-02 (issue 19)",
    },
};

/// GCP internal passthrough Network Load Balancer: 600 s of connection tracking.
pub const GCP_INTERNAL_PASSTHROUGH_LB: Middlebox = Middlebox {
    idle: secs(600),
    about: &About {
        key: "GCP_INTERNAL_PASSTHROUGH_LB",
        name: "GCP internal passthrough Network Load Balancer",
        configurable: Some(None),
        refreshed_by_keepalive: true,
        source: "https://cloud.google.com/load-balancing/docs/internal#connection-tracking",
        read: "2026-12-02 (issue 19)",
    },
};

/// Azure Load Balancer: 4 min by default, configurable 4–100 min; the drop is silent
/// unless TCP reset on idle is enabled.
pub const AZURE_LOAD_BALANCER: Middlebox = Middlebox {
    idle: mins(4),
    about: &About {
        key: "AZURE_LOAD_BALANCER",
        name: "Azure Load Balancer",
        configurable: Some(Some((mins(4), mins(100)))),
        refreshed_by_keepalive: true,
        source: "https://learn.microsoft.com/azure/load-balancer/load-balancer-tcp-idle-timeout",
        read: "2026-12-02 (issue 19)",
    },
};

/// Azure NAT Gateway: 4 min by default.
pub const AZURE_NAT_GATEWAY: Middlebox = Middlebox {
    idle: mins(4),
    about: &About {
        key: "AZURE_NAT_GATEWAY",
        name: "Azure NAT Gateway",
        configurable: Some(None),
        refreshed_by_keepalive: true,
        source: "https://learn.microsoft.com/azure/nat-gateway/nat-gateway-resource#tcp-idle-timeout",
        read: "2026-12-02 (issue 19)",
    },
};

/// Docker Swarm's routing mesh (IPVS): 900 s, IPVS's TCP timeout on the node.
pub const DOCKER_SWARM_IPVS: Middlebox = Middlebox {
    idle: secs(900),
    about: &About {
        key: "DOCKER_SWARM_IPVS",
        name: "Docker Swarm routing mesh (IPVS)",
        configurable: Some(None),
        refreshed_by_keepalive: true,
        source: "https://github.com/moby/moby/issues/31208",
        read: "2026-12-02 (issue 19)",
    },
};

/// kube-proxy in IPVS mode: 900 s, IPVS's TCP timeout (`--ipvs-tcp-timeout`).
pub const KUBE_PROXY_IPVS: Middlebox = Middlebox {
    idle: secs(900),
    about: &About {
        key: "KUBE_PROXY_IPVS",
        name: "kube-proxy in IPVS mode",
        configurable: Some(None),
        refreshed_by_keepalive: true,
        source: "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/",
        read: "2026-12-02 (issue 19)",
    },
};

/// Linux conntrack, established TCP: 432 000 s (5 days),
/// `net.netfilter.nf_conntrack_tcp_timeout_established`.
pub const LINUX_CONNTRACK: Middlebox = Middlebox {
    idle: secs(432_000),
    about: &About {
        key: "LINUX_CONNTRACK",
        name: "Linux conntrack (established TCP)",
        configurable: Some(None),
        refreshed_by_keepalive: true,
        source: "https://docs.kernel.org/networking/nf_conntrack-sysctl.html",
        read: "2026-12-02 (issue 19)",
    },
};

/// RFC 5382 REQ-5: a NAT's established idle timeout must not be less than 2 h 4 min, the
/// least a compliant NAT keeps.
pub const RFC5382_NAT_MINIMUM: Middlebox = Middlebox {
    idle: secs(2 * 3600 + 4 * 60),
    about: &About {
        key: "RFC5382_NAT_MINIMUM",
        name: "a NAT at RFC 5382's minimum",
        configurable: None,
        refreshed_by_keepalive: true,
        source: "https://www.rfc-editor.org/rfc/rfc5382#section-5",
        read: "2026-12-02 (issue 19)",
    },
};

/// AWS Application Load Balancer: a proxy whose idle timeout (60 s by default) counts
/// payload only, so keep-alive probes do not refresh it.
pub const AWS_ALB: Middlebox = Middlebox {
    idle: secs(60),
    about: &About {
        key: "AWS_ALB",
        name: "AWS Application Load Balancer",
        configurable: Some(Some((secs(1), secs(4000)))),
        refreshed_by_keepalive: false,
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout",
        read: "2026-12-02 (issue 19)",
    },
};

/// AWS Classic Load Balancer: 60 s by default; "TCP keep-alive probes do not prevent the
/// load balancer from terminating the connection because they do not send data in the
/// payload".
pub const AWS_CLB: Middlebox = Middlebox {
    idle: secs(60),
    about: &About {
        key: "AWS_CLB",
        name: "AWS Classic Load Balancer",
        configurable: Some(Some((secs(1), secs(4000)))),
        refreshed_by_keepalive: false,
        source: "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/config-idle-timeout.html",
        read: "2026-12-02",
    },
};

/// Every box of the table.
pub const ALL: &[Middlebox] = &[
    AWS_NLB,
    AWS_NAT_GATEWAY,
    GCP_CLOUD_NAT,
    GCP_INTERNAL_PASSTHROUGH_LB,
    AZURE_LOAD_BALANCER,
    AZURE_NAT_GATEWAY,
    DOCKER_SWARM_IPVS,
    KUBE_PROXY_IPVS,
    LINUX_CONNTRACK,
    RFC5382_NAT_MINIMUM,
    AWS_ALB,
    AWS_CLB,
];

/// A box of the user's own figure: `idle_limit("300s")`, in the duration grammar. A
/// malformed figure fails constant evaluation with the grammar's message.
pub const fn idle_limit(figure: &'static str) -> Middlebox {
    let idle = match parse_duration(figure) {
        Ok(d) => d,
        Err(e) => {
            let message = e.message();
            panic!("{}", message.as_str());
        }
    };
    Middlebox {
        idle,
        about: &OWN_FIGURE,
    }
}

/// What [`idle_limit`] says about a figure of the user's own.
const OWN_FIGURE: About = About {
    key: "idle_limit",
    name: "a limit of your own (`idle_limit`)",
    configurable: None,
    refreshed_by_keepalive: true,
    source: "",
    read: "",
};

/// How late Linux may fire a keep-alive timer of delay `t`: the timer wheel files it in a
/// level whose buckets are about an eighth of the delay wide, plus a tick or two of
/// expiry, the model of the status forecast (PLATFORMS.md S-Slack). Measured on 6.18 for
/// first probes (PLATFORMS.md S-Slack): 40 s fired at 40.14 s, 100 s at 101.58 s, 300 s
/// at 304.33 s, all within it.
pub const fn latest_first_probe(t: Duration) -> Duration {
    let eighth = Duration::from_nanos((t.as_nanos() / 8) as u64);
    t.saturating_add(eighth)
        .saturating_add(Duration::from_millis(20))
}

/// The largest `timeout` in whole seconds (the unit of TCP_KEEPIDLE) whose latest first
/// probe falls within `idle`, if any.
pub const fn largest_timeout_within(idle: Duration) -> Option<Duration> {
    // t + t/8 + 20 ms <= idle  <=>  t <= (idle - 20 ms) * 8 / 9.
    let Some(room) = idle.checked_sub(Duration::from_millis(20)) else {
        return None;
    };
    let mut t = (room.as_millis() * 8 / 9 / 1000) as u64;
    // Integer division of `t/8` in `latest_first_probe` rounds down; step back if a
    // rounding put the candidate past the limit.
    while t > 0 && latest_first_probe(Duration::from_secs(t)).as_nanos() > idle.as_nanos() {
        t -= 1;
    }
    if t == 0 {
        None
    } else {
        Some(Duration::from_secs(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_timeout_holds_and_one_more_second_does_not() {
        for b in ALL {
            let t = largest_timeout_within(b.idle).unwrap();
            assert!(latest_first_probe(t) <= b.idle, "{}", b.about.key);
            assert!(latest_first_probe(t + secs(1)) > b.idle, "{}", b.about.key);
        }
        assert_eq!(largest_timeout_within(AWS_NLB.idle), Some(secs(311)));
        assert_eq!(
            largest_timeout_within(DOCKER_SWARM_IPVS.idle),
            Some(secs(799))
        );
        assert_eq!(largest_timeout_within(Duration::from_millis(500)), None);
    }

    #[test]
    fn a_figure_of_one_s_own() {
        const MINE: Middlebox = idle_limit("5m");
        assert_eq!(MINE.idle, secs(300));
        assert_eq!(MINE.about.key, "idle_limit");
    }
}

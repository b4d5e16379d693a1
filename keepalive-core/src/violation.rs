//! A broken rule as typed data, and its one message, built in `const` context so that the
//! same words reach a user from the macro, from a failed constant evaluation and from the
//! runtime.

use core::fmt;
use core::time::Duration;

use crate::bounds::{BoundKind, BoundViolation, Bounds};
use crate::knob::{Knob, KnobValue};
use crate::platform::{InFlight, OptionSpec, Unit};
use crate::policy::Policy;
use crate::text::Message;

/// A bound that `best_effort` must not undermine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Certified {
    /// The attribute's `max_detect`.
    MaxDetect,
    /// An organisation's bounds.
    Bounds(Bounds),
}

/// One broken rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// `enabled = false` together with a knob, which would then have no effect.
    DisabledWith {
        /// The knob written anyway.
        knob: Knob,
    },
    /// A zero duration or zero retries: the OS refuses it or reads it as "default".
    Zero {
        /// The zero knob.
        knob: Knob,
    },
    /// The target has no per-socket option for this knob.
    Unsupported {
        /// The knob.
        knob: Knob,
        /// The platform's name.
        platform: &'static str,
        /// What the platform offers instead.
        why: &'static str,
    },
    /// A time finer than the option's unit (sub-second where the OS counts seconds).
    Granularity {
        /// The knob.
        knob: Knob,
        /// The value written.
        value: Duration,
        /// The platform's name.
        platform: &'static str,
        /// The option that would carry it.
        option: OptionSpec,
    },
    /// Below the option's minimum.
    BelowMin {
        /// The knob.
        knob: Knob,
        /// The value written.
        value: KnobValue,
        /// The platform's name.
        platform: &'static str,
        /// The option that would carry it.
        option: OptionSpec,
    },
    /// Above the option's maximum.
    AboveMax {
        /// The knob.
        knob: Knob,
        /// The value written.
        value: KnobValue,
        /// The platform's name.
        platform: &'static str,
        /// The option that would carry it.
        option: OptionSpec,
    },
    /// `user_timeout` and `retries` written together but ending the connection at
    /// different times. On Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT.
    UserTimeoutDisagrees {
        /// The user timeout written.
        user_timeout: Duration,
        /// `timeout + interval × retries`.
        probes_end: Duration,
        /// The retries written.
        retries: u32,
        /// When the connection really ends (the first probe past the user timeout).
        actual: Duration,
    },
    /// `user_timeout` with `retries` but without the knob needed to check that they agree.
    UserTimeoutNeeds {
        /// The knob left to the OS.
        missing: Knob,
    },
    /// `max_detect` set but the worst case rests on an OS default.
    DetectionNeeds {
        /// The knob left to the OS.
        missing: Knob,
    },
    /// `max_detect` set with keep-alive off.
    DetectionDisabled,
    /// The worst case exceeds `max_detect`.
    DetectionAbove {
        /// The computed worst case.
        worst: Duration,
        /// The bound.
        bound: Duration,
        /// The policy, to name the largest term.
        policy: Policy,
        /// Whether the case is a connection with data in flight (bounded by
        /// `user_timeout`) rather than an idle one.
        in_flight: bool,
    },
    /// The worst case overflows.
    DetectionOverflow,
    /// `timeout + interval × retries` longer than the platform's keep-alive timer counts:
    /// each knob is in range, but the kernel's tick arithmetic would wrap and drop the
    /// connection at the wrong time ([`Platform::longest_probe_span`](crate::Platform)).
    ProbeSpanWraps {
        /// The platform's name.
        platform: &'static str,
        /// `timeout + interval × retries`, as written.
        span: Duration,
        /// The longest span the platform counts.
        longest: Duration,
    },
    /// `max_detect` on a target where keep-alive does not probe while sent data is
    /// unacknowledged, without the `user_timeout` that bounds that case there.
    DetectionInFlight {
        /// The platform's name.
        platform: &'static str,
        /// What keep-alive does with data in flight there.
        in_flight: InFlight,
        /// The option that carries `user_timeout` there, if any.
        option: Option<&'static str>,
        /// The value to write: the end of the probe sequence, on the option's grid.
        suggested: Duration,
    },
    /// `best_effort` would leave out, on this platform, a knob that a bound rests on.
    BestEffortUncertified {
        /// The knob the platform has no option for.
        knob: Knob,
        /// The platform's name.
        platform: &'static str,
        /// The bound resting on it.
        bound: Certified,
    },
    /// An organisation's bound is broken.
    Bound(BoundViolation),
}

/// What a violation is about, for pointing an error at the token that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A knob's own value (zero, range, granularity, support).
    Knob(Knob),
    /// `user_timeout` against `retries`.
    UserTimeout,
    /// `max_detect` (and `detect_idle_only`).
    Detection,
    /// `bounds`.
    Bounds,
    /// Anything.
    Any,
}

impl Topic {
    pub(crate) const fn covers(self, v: &Violation) -> bool {
        match (self, v.topic()) {
            (Topic::Any, _) => true,
            (Topic::Knob(a), Topic::Knob(b)) => a as u8 == b as u8,
            (Topic::UserTimeout, Topic::UserTimeout)
            | (Topic::Detection, Topic::Detection)
            | (Topic::Bounds, Topic::Bounds) => true,
            _ => false,
        }
    }
}

impl Violation {
    /// What the violation is about: the rule that found it.
    pub const fn topic(&self) -> Topic {
        match self {
            Violation::DisabledWith { knob }
            | Violation::Zero { knob }
            | Violation::Unsupported { knob, .. }
            | Violation::Granularity { knob, .. }
            | Violation::BelowMin { knob, .. }
            | Violation::AboveMax { knob, .. } => Topic::Knob(*knob),
            Violation::ProbeSpanWraps { .. } => Topic::Knob(Knob::Retries),
            Violation::UserTimeoutDisagrees { .. } | Violation::UserTimeoutNeeds { .. } => {
                Topic::UserTimeout
            }
            Violation::DetectionNeeds { .. }
            | Violation::DetectionDisabled
            | Violation::DetectionAbove { .. }
            | Violation::DetectionOverflow
            | Violation::DetectionInFlight { .. }
            | Violation::BestEffortUncertified {
                bound: Certified::MaxDetect,
                ..
            } => Topic::Detection,
            Violation::Bound(_)
            | Violation::BestEffortUncertified {
                bound: Certified::Bounds(_),
                ..
            } => Topic::Bounds,
        }
    }
}

impl Violation {
    /// The knob at fault, for pointing at the right token; `None` for rules about the
    /// whole policy.
    pub const fn knob(&self) -> Option<Knob> {
        if let Topic::Knob(knob) = self.topic() {
            return Some(knob);
        }
        match self {
            Violation::UserTimeoutDisagrees { .. } => Some(Knob::UserTimeout),
            Violation::UserTimeoutNeeds { missing } | Violation::DetectionNeeds { missing } => {
                Some(*missing)
            }
            Violation::BestEffortUncertified { knob, .. } => Some(*knob),
            _ => None,
        }
    }

    /// Whether the rule depends on the platform (and so is checked for the compiled target).
    pub const fn is_platform_specific(&self) -> bool {
        matches!(
            self,
            Violation::Unsupported { .. }
                | Violation::Granularity { .. }
                | Violation::BelowMin { .. }
                | Violation::AboveMax { .. }
                | Violation::UserTimeoutDisagrees { .. }
                | Violation::UserTimeoutNeeds { .. }
                | Violation::DetectionInFlight { .. }
                | Violation::ProbeSpanWraps { .. }
                | Violation::BestEffortUncertified { .. }
                | Violation::DetectionAbove {
                    in_flight: true,
                    ..
                }
        )
    }

    /// The message, built in `const` context.
    pub const fn message(&self) -> Message {
        let mut m = Message::new();
        match *self {
            Violation::DisabledWith { knob } => {
                m.push("`enabled = false` turns keep-alive off, so `");
                m.push(knob.key());
                m.push("` would have no effect; remove `");
                m.push(knob.key());
                m.push("`, or remove `enabled = false` to keep keep-alive on");
            }
            Violation::Zero {
                knob: Knob::Retries,
            } => {
                m.push("`retries = 0` would drop the connection without a single probe (or be read as the OS default); write at least 1");
            }
            Violation::Zero { knob } => {
                m.push("`");
                m.push(knob.key());
                m.push("` is zero, which the OS refuses or reads as \"use the default\"; write at least \"1s\", or leave `");
                m.push(knob.key());
                m.push("` out to keep the OS default");
            }
            Violation::Unsupported {
                knob,
                platform,
                why,
            } => {
                m.push("`");
                m.push(knob.key());
                m.push("` cannot be honoured on ");
                m.push(platform);
                m.push(": ");
                m.push(why);
                m.push("; remove `");
                m.push(knob.key());
                m.push(
                    "`, or add `best_effort = true` to apply the rest and report what is left out",
                );
            }
            Violation::Granularity {
                knob,
                value,
                platform,
                option,
            } => {
                let step = match option.unit.step_nanos() {
                    Some(step) => step as u128,
                    None => 1_000_000_000,
                };
                let unit = match option.unit {
                    Unit::Millis => "whole milliseconds",
                    Unit::SlowTicks => "steps of 500 ms",
                    Unit::CentiTicks => "steps of 10 ms",
                    _ => "whole seconds",
                };
                // The two neighbours on the option's grid, each kept only if the option
                // accepts it (check_knob_on reports values outside the range first).
                let down = value.as_nanos() / step;
                let up = down + 1;
                let (min, max) = (option.min as u128, option.max as u128);
                m.push(platform);
                m.push(" counts `");
                m.push(knob.key());
                m.push("` in ");
                m.push(unit);
                m.push(" (");
                m.push(option.name);
                m.push("), so ");
                m.push_duration(value);
                m.push(" would be cut; write \"");
                if down >= min {
                    m.push_duration(duration_from_nanos(down * step));
                    if up <= max {
                        m.push("\" or \"");
                    }
                }
                if up <= max {
                    m.push_duration(duration_from_nanos(up * step));
                }
                m.push("\"");
            }
            Violation::BelowMin {
                knob,
                value,
                platform,
                option,
            } => push_out_of_range(&mut m, knob, value, platform, &option, false),
            Violation::AboveMax {
                knob,
                value,
                platform,
                option,
            } => push_out_of_range(&mut m, knob, value, platform, &option, true),
            Violation::UserTimeoutDisagrees {
                user_timeout,
                probes_end,
                retries,
                actual,
            } => {
                m.push("`user_timeout = \"");
                m.push_duration(user_timeout);
                if user_timeout.as_nanos() < probes_end.as_nanos() {
                    m.push("\"` is shorter than timeout + interval × retries = ");
                    m.push_duration(probes_end);
                    m.push(", so the user timeout wins (Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT) and the connection ends after ");
                    m.push_duration(actual);
                    m.push(", before `retries = ");
                    m.push_u64(retries as u64);
                    m.push("` is reached");
                } else {
                    m.push("\"` is longer than timeout + interval × retries = ");
                    m.push_duration(probes_end);
                    m.push(", so the user timeout wins (Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT) and probing goes on past `retries = ");
                    m.push_u64(retries as u64);
                    m.push("` until ");
                    m.push_duration(actual);
                }
                m.push("; write `user_timeout = \"");
                m.push_duration(probes_end);
                m.push("\"` to match, or remove `retries`");
            }
            Violation::UserTimeoutNeeds { missing } => {
                m.push("`user_timeout` together with `retries` needs `");
                m.push(missing.key());
                m.push("` written out, to check that the two end the connection at the same time; add `");
                m.push(missing.key());
                m.push("` or remove `retries`");
            }
            Violation::DetectionNeeds { missing } => {
                m.push("`max_detect` needs `");
                m.push(missing.key());
                m.push("` written out: without it the worst case rests on an OS default that an administrator may change (Linux: net.ipv4.tcp_keepalive_");
                m.push(match missing {
                    Knob::Timeout => "time",
                    Knob::Interval => "intvl",
                    _ => "probes",
                });
                m.push(")");
            }
            Violation::DetectionDisabled => {
                m.push("`max_detect` with `enabled = false`: with keep-alive off a silent peer is never detected; remove one of them");
            }
            Violation::DetectionAbove {
                worst,
                bound,
                policy,
                in_flight,
            } => {
                m.push("worst-case dead-peer detection ");
                let probes_end = match policy.probe_sequence_end() {
                    Ok(end) => end.as_nanos(),
                    Err(_) => 0,
                };
                if in_flight {
                    m.push("with data in flight (user_timeout) ");
                } else if probes_end == worst.as_nanos() {
                    m.push("timeout + interval × retries ");
                } else {
                    // Linux: a user timeout ends the probing at the first probe past it.
                    m.push("(first probe past user_timeout) ");
                }
                m.push("= ");
                m.push_duration(worst);
                m.push(" exceeds `max_detect = \"");
                m.push_duration(bound);
                m.push("\"`; lower ");
                if in_flight {
                    m.push("`user_timeout`");
                } else {
                    push_largest_term(&mut m, &policy);
                }
            }
            Violation::DetectionOverflow => {
                m.push("timeout + interval × retries overflows; lower one of them");
            }
            Violation::ProbeSpanWraps {
                platform,
                span,
                longest,
            } => {
                m.push("timeout + interval × retries = ");
                m.push_duration(span);
                m.push(" is longer than ");
                m.push(platform);
                m.push("'s keep-alive timer counts (");
                m.push_duration(longest);
                m.push("): the kernel's tick count would wrap and drop the connection at the wrong time; lower `retries` or `interval`");
            }
            Violation::DetectionInFlight {
                platform,
                in_flight,
                option,
                suggested,
            } => {
                m.push("`max_detect` covers connections with data in flight too, and ");
                push_no_probes(&mut m, platform, in_flight);
                match option {
                    Some(option) => {
                        m.push("bound that case with `user_timeout = \"");
                        m.push_duration(suggested);
                        m.push("\"` (");
                        m.push(option);
                        m.push("), or add `detect_idle_only = true` if the bound is meant for idle connections only");
                    }
                    None => {
                        m.push(platform);
                        m.push(" has no per-socket bound on retransmission, so nothing bounds that case there; add `detect_idle_only = true` if the bound is meant for idle connections only");
                    }
                }
            }
            Violation::BestEffortUncertified {
                knob,
                platform,
                bound,
            } => {
                m.push("`best_effort = true` leaves `");
                m.push(knob.key());
                m.push("` out on ");
                m.push(platform);
                m.push(", which has no option for it, but ");
                match bound {
                    Certified::MaxDetect => m.push("`max_detect`"),
                    Certified::Bounds(b) => {
                        m.push(b.owner());
                        m.push("::");
                        m.push(b.name());
                    }
                }
                m.push(" rests on `");
                m.push(knob.key());
                m.push("`: a bound is certified only for what the target applies; remove `");
                m.push(knob.key());
                m.push("` or `best_effort = true`, or drop the bound");
            }
            Violation::Bound(b) => return b.message(),
        }
        m
    }
}

impl BoundViolation {
    /// The message, built in `const` context.
    pub const fn message(&self) -> Message {
        let mut m = Message::new();
        m.push("this policy breaks ");
        m.push(self.bounds.owner());
        m.push("::");
        m.push(self.bounds.name());
        m.push(": ");
        match self.kind {
            BoundKind::RequireEnabled => {
                m.push("keep-alive is required; remove `enabled = false`");
            }
            BoundKind::Required(knob) => {
                m.push("`");
                m.push(knob.key());
                m.push("` must be written out");
                if let Some(limit) = self.limit {
                    m.push(" (the bound is ");
                    m.push_value(limit);
                    m.push(")");
                }
                m.push("; add `");
                m.push(knob.key());
                m.push(" = ...`");
            }
            BoundKind::AtMost(knob) | BoundKind::AtLeast(knob) => {
                let most = matches!(self.kind, BoundKind::AtMost(_));
                m.push("`");
                m.push(knob.key());
                m.push(" = ");
                if let Some(value) = self.value {
                    m.push_value(value);
                }
                m.push(if most {
                    "` is above its maximum of "
                } else {
                    "` is below its minimum of "
                });
                if let Some(limit) = self.limit {
                    m.push_value(limit);
                }
                m.push(if most {
                    "; write at most "
                } else {
                    "; write at least "
                });
                if let Some(limit) = self.limit {
                    m.push_value(limit);
                }
            }
            BoundKind::MaxDetection => {
                m.push("worst-case dead-peer detection ");
                match self.value {
                    Some(value) => m.push_value(value),
                    None => m.push("(overflows)"),
                }
                m.push(" exceeds the bound of ");
                if let Some(limit) = self.limit {
                    m.push_value(limit);
                }
                m.push("; lower `timeout`, `interval` or `retries`");
            }
            BoundKind::InFlight {
                platform,
                in_flight,
                option,
            } => {
                m.push("its detection bound covers connections with data in flight, and ");
                push_no_probes(&mut m, platform, in_flight);
                match (option, self.limit) {
                    (Some(option), Some(suggested)) => {
                        m.push("bound that case with `user_timeout = ");
                        m.push_value(suggested);
                        m.push("` (");
                        m.push(option);
                        m.push(")");
                    }
                    _ => {
                        m.push(platform);
                        m.push(" has no per-socket bound on retransmission, so this bound cannot be met there");
                    }
                }
            }
        }
        m
    }
}

/// "<platform> sends no keep-alive probe while sent data is unacknowledged; ", or where the
/// OS only does not document it, says that.
pub(crate) const fn push_no_probes(m: &mut Message, platform: &str, in_flight: InFlight) {
    m.push(platform);
    match in_flight {
        InFlight::UserTimeoutBoundsRetransmission => {
            m.push(" does not document keep-alive probes while sent data is unacknowledged; ")
        }
        _ => m.push(" sends no keep-alive probe while sent data is unacknowledged; "),
    }
}

/// "`timeout = "5s"` is below the minimum illumos accepts for TCP_KEEPIDLE (10 s); write
/// at least "10s"", or the same for the maximum.
const fn push_out_of_range(
    m: &mut Message,
    knob: Knob,
    value: KnobValue,
    platform: &str,
    option: &OptionSpec,
    above: bool,
) {
    let limit = if above { option.max } else { option.min };
    m.push("`");
    m.push(knob.key());
    m.push(" = ");
    m.push_value(value);
    m.push(if above {
        "` is above the maximum "
    } else {
        "` is below the minimum "
    });
    m.push(platform);
    m.push(" accepts for ");
    m.push(option.name);
    m.push(" (");
    push_limit(m, limit, option.unit);
    m.push(if above {
        "); write at most "
    } else {
        "); write at least "
    });
    push_limit_literal(m, limit, option.unit);
}

pub(crate) const fn duration_from_nanos(nanos: u128) -> Duration {
    Duration::new(
        (nanos / 1_000_000_000) as u64,
        (nanos % 1_000_000_000) as u32,
    )
}

const fn push_limit(m: &mut Message, n: u64, unit: Unit) {
    m.push_u64(n);
    match unit {
        Unit::Count => {}
        _ => {
            m.push(" ");
            m.push(unit.symbol());
        }
    }
}

/// The limit as the user would write it: `"32767s"` or `127`.
const fn push_limit_literal(m: &mut Message, n: u64, unit: Unit) {
    match unit.step_nanos() {
        None => m.push_u64(n),
        Some(step) => {
            m.push("\"");
            m.push_duration(duration_from_nanos(n as u128 * step as u128));
            m.push("\"");
        }
    }
}

const fn push_largest_term(m: &mut Message, policy: &Policy) {
    let (Some(timeout), Some(interval)) = (policy.timeout(), policy.interval()) else {
        m.push("`timeout`");
        return;
    };
    let probes = match policy.retries() {
        Some(n) => interval.as_nanos() * n as u128,
        None => interval.as_nanos(),
    };
    if timeout.as_nanos() >= probes {
        m.push("`timeout` (");
        m.push_duration(timeout);
        m.push("), the largest term");
    } else {
        m.push("`interval` (");
        m.push_duration(interval);
        m.push(") or `retries`, whose product is the largest term");
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message().as_str())
    }
}

impl std::error::Error for Violation {}

/// Writes `violations` one after the other, `separator` between them: the one way every
/// error that carries several violations shows them.
pub fn write_violations(
    f: &mut fmt::Formatter<'_>,
    violations: &[Violation],
    separator: &str,
) -> fmt::Result {
    for (i, v) in violations.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{v}")?;
    }
    Ok(())
}

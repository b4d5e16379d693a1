//! The rules a policy must satisfy, each a typed [`Violation`] with one message, shared by
//! the macro (compile time), constant evaluation (policies from `const` items) and the
//! runtime (values from configuration).

use core::fmt;
use core::time::Duration;

use crate::platform::{OptionSpec, Platform, Support, Unit};
use crate::policy::{DetectionError, Knob, KnobValue, Policy};
use crate::text::Message;

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
    },
    /// The worst case overflows.
    DetectionOverflow,
}

impl Violation {
    /// The knob at fault, for pointing at the right token; `None` for rules about the
    /// whole policy.
    pub const fn knob(&self) -> Option<Knob> {
        match self {
            Violation::DisabledWith { knob }
            | Violation::Zero { knob }
            | Violation::Unsupported { knob, .. }
            | Violation::Granularity { knob, .. }
            | Violation::BelowMin { knob, .. }
            | Violation::AboveMax { knob, .. } => Some(*knob),
            Violation::UserTimeoutDisagrees { .. } => Some(Knob::UserTimeout),
            Violation::UserTimeoutNeeds { missing } | Violation::DetectionNeeds { missing } => {
                Some(*missing)
            }
            Violation::DetectionDisabled
            | Violation::DetectionAbove { .. }
            | Violation::DetectionOverflow => None,
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
                let (unit, step) = match option.unit {
                    Unit::Millis => ("milliseconds", 1_000_000u128),
                    _ => ("seconds", 1_000_000_000u128),
                };
                let nanos = value.as_nanos();
                let down = nanos / step * step;
                m.push(platform);
                m.push(" counts `");
                m.push(knob.key());
                m.push("` in whole ");
                m.push(unit);
                m.push(" (");
                m.push(option.name);
                m.push("), so ");
                m.push_duration(value);
                m.push(" would be cut; write \"");
                if down > 0 {
                    m.push_duration(duration_from_nanos(down));
                    m.push("\" or \"");
                }
                m.push_duration(duration_from_nanos(down + step));
                m.push("\"");
            }
            Violation::BelowMin {
                knob,
                value,
                platform,
                option,
            } => {
                m.push("`");
                m.push(knob.key());
                m.push(" = ");
                m.push_value(value);
                m.push("` is below the minimum ");
                m.push(platform);
                m.push(" accepts for ");
                m.push(option.name);
                m.push(" (");
                push_limit(&mut m, option.min, option.unit);
                m.push("); write at least ");
                push_limit_literal(&mut m, option.min, option.unit);
            }
            Violation::AboveMax {
                knob,
                value,
                platform,
                option,
            } => {
                m.push("`");
                m.push(knob.key());
                m.push(" = ");
                m.push_value(value);
                m.push("` is above the maximum ");
                m.push(platform);
                m.push(" accepts for ");
                m.push(option.name);
                m.push(" (");
                push_limit(&mut m, option.max, option.unit);
                m.push("); write at most ");
                push_limit_literal(&mut m, option.max, option.unit);
            }
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
            } => {
                m.push("worst-case dead-peer detection ");
                match policy.user_timeout() {
                    Some(_) => m.push("(first probe past user_timeout) "),
                    None => m.push("timeout + interval × retries "),
                }
                m.push("= ");
                m.push_duration(worst);
                m.push(" exceeds `max_detect = \"");
                m.push_duration(bound);
                m.push("\"`; lower ");
                push_largest_term(&mut m, &policy);
            }
            Violation::DetectionOverflow => {
                m.push("timeout + interval × retries overflows; lower one of them");
            }
        }
        m
    }
}

const fn duration_from_nanos(nanos: u128) -> Duration {
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
    match unit {
        Unit::Count => m.push_u64(n),
        Unit::Seconds => {
            m.push("\"");
            m.push_duration(Duration::from_secs(n));
            m.push("\"");
        }
        Unit::Millis => {
            m.push("\"");
            m.push_duration(Duration::from_millis(n));
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

const fn is_zero(value: KnobValue) -> bool {
    match value {
        KnobValue::Time(d) => d.is_zero(),
        KnobValue::Count(n) => n == 0,
    }
}

/// The platform-independent rule for one knob: zero, or written while keep-alive is off.
pub const fn check_knob(policy: &Policy, knob: Knob) -> Option<Violation> {
    let Some(value) = policy.get(knob) else {
        return None;
    };
    if !policy.is_enabled() {
        return Some(Violation::DisabledWith { knob });
    }
    if is_zero(value) {
        return Some(Violation::Zero { knob });
    }
    None
}

/// The rule of `platform` for one knob: supported, whole units, within range.
pub const fn check_knob_on(policy: &Policy, knob: Knob, platform: &Platform) -> Option<Violation> {
    let Some(value) = policy.get(knob) else {
        return None;
    };
    if !policy.is_enabled() || is_zero(value) {
        // Reported by check_knob, whatever the platform.
        return None;
    }
    let option = match platform.support(knob) {
        Support::Option(spec) => *spec,
        Support::Unsupported(why) => {
            return Some(Violation::Unsupported {
                knob,
                platform: platform.name,
                why,
            });
        }
    };
    let amount: u128 = match (value, option.unit) {
        (KnobValue::Count(n), _) => n as u128,
        (KnobValue::Time(d), Unit::Millis) => {
            if d.subsec_nanos() % 1_000_000 != 0 {
                return Some(Violation::Granularity {
                    knob,
                    value: d,
                    platform: platform.name,
                    option,
                });
            }
            d.as_millis()
        }
        (KnobValue::Time(d), _) => {
            if d.subsec_nanos() != 0 {
                return Some(Violation::Granularity {
                    knob,
                    value: d,
                    platform: platform.name,
                    option,
                });
            }
            d.as_secs() as u128
        }
    };
    if amount < option.min as u128 {
        return Some(Violation::BelowMin {
            knob,
            value,
            platform: platform.name,
            option,
        });
    }
    if amount > option.max as u128 {
        return Some(Violation::AboveMax {
            knob,
            value,
            platform: platform.name,
            option,
        });
    }
    None
}

/// The rule for `user_timeout` written together with `retries`: they must end the
/// connection at the same time.
pub const fn check_user_timeout(policy: &Policy) -> Option<Violation> {
    let (Some(user_timeout), Some(retries)) = (policy.user_timeout(), policy.retries()) else {
        return None;
    };
    if !policy.is_enabled() || user_timeout.is_zero() || retries == 0 {
        return None;
    }
    let probes_end = match policy.probe_sequence_end() {
        Ok(end) => end,
        Err(DetectionError::Missing(missing)) => {
            return Some(Violation::UserTimeoutNeeds { missing });
        }
        Err(_) => return Some(Violation::DetectionOverflow),
    };
    if user_timeout.as_nanos() == probes_end.as_nanos() {
        return None;
    }
    let actual = match policy.worst_case_detection() {
        Ok(actual) => actual,
        Err(_) => return Some(Violation::DetectionOverflow),
    };
    Some(Violation::UserTimeoutDisagrees {
        user_timeout,
        probes_end,
        retries,
        actual,
    })
}

/// The `max_detect` rule: every term written, and the worst case within the bound.
pub const fn check_detection(policy: &Policy, bound: Duration) -> Option<Violation> {
    if !policy.is_enabled() {
        return Some(Violation::DetectionDisabled);
    }
    // The bound needs every term written, even where user_timeout makes retries moot:
    // a reader of the attribute sees the whole sequence.
    let mut i = 0;
    while i < 3 {
        let knob = Knob::ALL[i];
        if policy.get(knob).is_none() {
            return Some(Violation::DetectionNeeds { missing: knob });
        }
        i += 1;
    }
    match policy.worst_case_detection() {
        Ok(worst) if worst.as_nanos() > bound.as_nanos() => Some(Violation::DetectionAbove {
            worst,
            bound,
            policy: *policy,
        }),
        Ok(_) => None,
        Err(_) => Some(Violation::DetectionOverflow),
    }
}

/// Every rule at once: the platform-independent ones, then the platform's (if given).
pub fn validate(policy: &Policy, platform: Option<&Platform>) -> Result<(), Vec<Violation>> {
    let mut found = Vec::new();
    for knob in Knob::ALL {
        found.extend(check_knob(policy, knob));
        if let Some(platform) = platform {
            found.extend(check_knob_on(policy, knob, platform));
        }
    }
    found.extend(check_user_timeout(policy));
    if found.is_empty() { Ok(()) } else { Err(found) }
}

/// The first violation of [`validate`], computed in `const` context.
pub const fn first_violation(policy: &Policy, platform: Option<&Platform>) -> Option<Violation> {
    let mut i = 0;
    while i < Knob::ALL.len() {
        let knob = Knob::ALL[i];
        if let Some(v) = check_knob(policy, knob) {
            return Some(v);
        }
        if let Some(platform) = platform {
            if let Some(v) = check_knob_on(policy, knob, platform) {
                return Some(v);
            }
        }
        i += 1;
    }
    check_user_timeout(policy)
}

/// Fails constant evaluation with the violation's message. Used by generated code for
/// policies whose values come from `const` items the macro cannot read.
pub const fn panic_on(violation: Option<Violation>) {
    if let Some(v) = violation {
        let message = v.message();
        panic!("{}", message.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::{APPLE, ILLUMOS, LINUX, OPENBSD, WINDOWS};

    const fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn linux(policy: Policy) -> Vec<String> {
        match validate(&policy, Some(&LINUX)) {
            Ok(()) => vec![],
            Err(vs) => vs.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_windows_defaults_pass_everywhere_they_can() {
        let p = Policy::new().with_timeout(s(7200)).with_interval(s(1));
        for row in crate::PLATFORMS {
            let result = validate(&p, Some(row));
            if row.name == "OpenBSD" {
                assert_eq!(result.unwrap_err().len(), 2);
            } else {
                assert_eq!(result, Ok(()), "{}", row.name);
            }
        }
    }

    #[test]
    fn disabled_with_knobs() {
        let p = Policy::disabled().with_interval(s(1)).with_retries(3);
        let found = validate(&p, Some(&LINUX)).unwrap_err();
        assert_eq!(
            found,
            vec![
                Violation::DisabledWith {
                    knob: Knob::Interval
                },
                Violation::DisabledWith {
                    knob: Knob::Retries
                }
            ]
        );
        assert!(
            found[0]
                .to_string()
                .starts_with("`enabled = false` turns keep-alive off")
        );
        assert_eq!(validate(&Policy::disabled(), Some(&LINUX)), Ok(()));
    }

    #[test]
    fn zeros() {
        let p = Policy::new().with_timeout(s(0)).with_retries(0);
        assert_eq!(
            validate(&p, Some(&LINUX)).unwrap_err(),
            vec![
                Violation::Zero {
                    knob: Knob::Timeout
                },
                Violation::Zero {
                    knob: Knob::Retries
                }
            ]
        );
    }

    #[test]
    fn linux_limits() {
        assert_eq!(
            linux(Policy::new().with_timeout(s(32_767))),
            Vec::<String>::new()
        );
        assert_eq!(
            linux(Policy::new().with_timeout(s(32_768))),
            [
                "`timeout = \"9h 6m 8s\"` is above the maximum Linux accepts for TCP_KEEPIDLE (32767 s); write at most \"9h 6m 7s\""
            ]
        );
        assert_eq!(
            linux(Policy::new().with_retries(128)),
            [
                "`retries = 128` is above the maximum Linux accepts for TCP_KEEPCNT (127); write at most 127"
            ]
        );
        assert_eq!(
            linux(Policy::new().with_interval(Duration::from_millis(1500))),
            [
                "Linux counts `interval` in whole seconds (TCP_KEEPINTVL), so 1s 500ms would be cut; write \"1s\" or \"2s\""
            ]
        );
        assert_eq!(
            linux(Policy::new().with_timeout(Duration::from_millis(500))),
            [
                "Linux counts `timeout` in whole seconds (TCP_KEEPIDLE), so 500ms would be cut; write \"1s\""
            ]
        );
        // TCP_USER_TIMEOUT counts milliseconds.
        assert!(linux(Policy::new().with_user_timeout(Duration::from_millis(2500))).is_empty());
    }

    #[test]
    fn other_platforms() {
        let p = Policy::new().with_timeout(s(5));
        assert_eq!(
            check_knob_on(&p, Knob::Timeout, &ILLUMOS)
                .unwrap()
                .to_string(),
            "`timeout = \"5s\"` is below the minimum illumos/Solaris accepts for TCP_KEEPIDLE (10 s); write at least \"10s\""
        );
        let p = Policy::new().with_timeout(Duration::from_millis(1500));
        assert_eq!(check_knob_on(&p, Knob::Timeout, &WINDOWS), None);
        assert!(matches!(
            check_knob_on(&p, Knob::Timeout, &APPLE),
            Some(Violation::Granularity { .. })
        ));
        let p = Policy::new().with_retries(3);
        assert!(
            check_knob_on(&p, Knob::Retries, &OPENBSD)
                .unwrap()
                .to_string()
                .starts_with("`retries` cannot be honoured on OpenBSD")
        );
        let p = Policy::new().with_retries(256);
        assert!(matches!(
            check_knob_on(&p, Knob::Retries, &WINDOWS),
            Some(Violation::AboveMax { .. })
        ));
    }

    #[test]
    fn user_timeout_against_retries() {
        let base = Policy::new()
            .with_timeout(s(1))
            .with_interval(s(1))
            .with_retries(3);
        assert_eq!(check_user_timeout(&base.with_user_timeout(s(4))), None);
        let short = check_user_timeout(&base.with_user_timeout(Duration::from_millis(2500)));
        assert_eq!(
            short.unwrap().to_string(),
            "`user_timeout = \"2s 500ms\"` is shorter than timeout + interval × retries = 4s, so the user timeout wins (Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT) and the connection ends after 3s, before `retries = 3` is reached; write `user_timeout = \"4s\"` to match, or remove `retries`"
        );
        let long = check_user_timeout(&base.with_user_timeout(Duration::from_millis(6500)));
        assert!(
            long.unwrap()
                .to_string()
                .contains("probing goes on past `retries = 3` until 7s")
        );
        let p = Policy::new()
            .with_retries(3)
            .with_user_timeout(s(4))
            .with_timeout(s(1));
        assert_eq!(
            check_user_timeout(&p),
            Some(Violation::UserTimeoutNeeds {
                missing: Knob::Interval
            })
        );
    }

    #[test]
    fn detection_bound() {
        let p = Policy::new()
            .with_timeout(s(7200))
            .with_interval(s(1))
            .with_retries(10);
        let v = check_detection(&p, s(60)).unwrap();
        assert_eq!(
            v.to_string(),
            "worst-case dead-peer detection timeout + interval × retries = 2h 10s exceeds `max_detect = \"1m\"`; lower `timeout` (2h), the largest term"
        );
        assert_eq!(check_detection(&p, s(7210)), None);
        let v = check_detection(&p.without(Knob::Retries), s(60)).unwrap();
        assert_eq!(
            v,
            Violation::DetectionNeeds {
                missing: Knob::Retries
            }
        );
        assert!(v.to_string().contains("net.ipv4.tcp_keepalive_probes"));
        let p = Policy::new()
            .with_timeout(s(1))
            .with_interval(s(30))
            .with_retries(10);
        assert!(
            check_detection(&p, s(60))
                .unwrap()
                .to_string()
                .contains("lower `interval` (30s) or `retries`")
        );
    }

    #[test]
    fn const_evaluation_agrees() {
        const P: Policy = Policy::new().with_timeout(Duration::from_secs(40_000));
        const FIRST: Option<Violation> = first_violation(&P, Some(&LINUX));
        assert_eq!(
            FIRST,
            validate(&P, Some(&LINUX)).unwrap_err().first().copied()
        );
        const OK: () = panic_on(first_violation(&Policy::new(), Some(&LINUX)));
        let () = OK;
        // That panic_on(FIRST) fails compilation with this text is shown by the UI case
        // fail/const-timeout-above-linux-max.rs.
        let text = FIRST.unwrap().message();
        assert!(text.as_str().contains("above the maximum Linux accepts"));
    }
}

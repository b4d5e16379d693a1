//! Organisation bounds: limits that a team publishes in a crate of its own and that
//! connection types opt into (`#[keepalive(bounds = my_org::PRODUCTION, ...)]`), checked
//! during constant evaluation of the crate that uses them.

use core::time::Duration;

use crate::platform::Platform;
use crate::policy::{Knob, KnobValue, Policy};
use crate::violation::Violation;

/// Which bound a policy broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BoundKind {
    /// Keep-alive must be on.
    RequireEnabled,
    /// The knob must be written out rather than left to the OS.
    Required(Knob),
    /// The knob must not exceed the limit.
    AtMost(Knob),
    /// The knob must not fall below the limit.
    AtLeast(Knob),
    /// The worst-case detection time must not exceed the limit.
    MaxDetection,
    /// The detection bound covers data in flight, which keep-alive does not probe on the
    /// target: `user_timeout` must bound it (the limit holds the value to write).
    InFlight {
        /// The platform's name.
        platform: &'static str,
        /// What keep-alive does with data in flight there.
        in_flight: crate::InFlight,
        /// The option carrying `user_timeout` there, if any.
        option: Option<&'static str>,
    },
}

/// Limits on a policy, published by an organisation as a `const`. The detection bound
/// covers connections with data in flight too, by the same rule as `max_detect`.
///
/// ```
/// use core::time::Duration;
/// use keepalive_core::rules::{check, Enforcement};
/// use keepalive_core::{Bounds, Policy, APPLE};
///
/// pub const PRODUCTION: Bounds = Bounds::new(env!("CARGO_PKG_NAME"), "PRODUCTION")
///     .require_enabled()
///     .at_most_timeout(Duration::from_secs(600))
///     .max_detection(Duration::from_secs(120));
///
/// let ok = Policy::new()
///     .with_timeout(Duration::from_secs(60))
///     .with_interval(Duration::from_secs(10))
///     .with_retries(5);
/// assert!(check(&ok, Some(&APPLE), &Enforcement::new().with_bounds(PRODUCTION)).is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bounds {
    owner: &'static str,
    name: &'static str,
    require_enabled: bool,
    max_timeout: Option<Duration>,
    max_interval: Option<Duration>,
    min_retries: Option<u32>,
    max_retries: Option<u32>,
    max_user_timeout: Option<Duration>,
    max_detection: Option<Duration>,
}

impl Bounds {
    /// No limits yet. `owner` is the crate that publishes them (`env!("CARGO_PKG_NAME")`),
    /// `name` the const's name; both appear in every message.
    pub const fn new(owner: &'static str, name: &'static str) -> Self {
        Bounds {
            owner,
            name,
            require_enabled: false,
            max_timeout: None,
            max_interval: None,
            min_retries: None,
            max_retries: None,
            max_user_timeout: None,
            max_detection: None,
        }
    }

    /// Keep-alive may not be turned off.
    pub const fn with_enabled_required(mut self) -> Self {
        self.require_enabled = true;
        self
    }

    /// `timeout` must be written and at most `limit`.
    pub const fn with_max_timeout(mut self, limit: Duration) -> Self {
        self.max_timeout = Some(limit);
        self
    }

    /// `interval` must be written and at most `limit`.
    pub const fn with_max_interval(mut self, limit: Duration) -> Self {
        self.max_interval = Some(limit);
        self
    }

    /// `retries` must be written and at least `limit`.
    pub const fn with_min_retries(mut self, limit: u32) -> Self {
        self.min_retries = Some(limit);
        self
    }

    /// `retries` must be written and at most `limit`.
    pub const fn with_max_retries(mut self, limit: u32) -> Self {
        self.max_retries = Some(limit);
        self
    }

    /// `user_timeout` must be written and at most `limit`.
    pub const fn with_max_user_timeout(mut self, limit: Duration) -> Self {
        self.max_user_timeout = Some(limit);
        self
    }

    /// The worst-case detection time must be computable and at most `limit` (implies
    /// keep-alive on).
    pub const fn with_max_detection(mut self, limit: Duration) -> Self {
        self.max_detection = Some(limit);
        self.require_enabled = true;
        self
    }

    /// The publishing crate.
    pub const fn owner(&self) -> &'static str {
        self.owner
    }

    /// The const's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

/// A broken bound: which, the value found, the limit, and who set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BoundViolation {
    /// The bound.
    pub kind: BoundKind,
    /// The policy's value (`None` where it was not written or keep-alive is off).
    pub value: Option<KnobValue>,
    /// The limit.
    pub limit: Option<KnobValue>,
    /// The bounds broken.
    pub bounds: Bounds,
}

const fn time_above(
    value: Option<Duration>,
    limit: Option<Duration>,
    knob: Knob,
    b: &Bounds,
) -> Option<BoundViolation> {
    let Some(limit) = limit else {
        return None;
    };
    let value_kv = match value {
        Some(v) => Some(KnobValue::Time(v)),
        None => None,
    };
    let kind = match value {
        None => BoundKind::Required(knob),
        Some(v) if v.as_nanos() > limit.as_nanos() => BoundKind::AtMost(knob),
        Some(_) => return None,
    };
    Some(BoundViolation {
        kind,
        value: value_kv,
        limit: Some(KnobValue::Time(limit)),
        bounds: *b,
    })
}

/// `retries` against a lower (`at_most == false`) or upper bound, if the bounds set one.
const fn count_bound(
    value: Option<u32>,
    limit: Option<u32>,
    at_most: bool,
    bounds: &Bounds,
) -> Option<BoundViolation> {
    let Some(limit) = limit else {
        return None;
    };
    let (kind, value) = match value {
        None => (BoundKind::Required(Knob::Retries), None),
        Some(n) if at_most && n > limit => (BoundKind::AtMost(Knob::Retries), Some(n)),
        Some(n) if !at_most && n < limit => (BoundKind::AtLeast(Knob::Retries), Some(n)),
        Some(_) => return None,
    };
    let value = match value {
        Some(n) => Some(KnobValue::Count(n)),
        None => None,
    };
    let limit = Some(KnobValue::Count(limit));
    Some(BoundViolation {
        kind,
        value,
        limit,
        bounds: *bounds,
    })
}

impl Bounds {
    /// Whether one of these bounds rests on `knob` on `platform`, so that leaving it out
    /// there (best effort) would leave the bound uncertified. The detection bound rests on
    /// `user_timeout` only where keep-alive does not probe data in flight.
    pub const fn rests_on(&self, knob: Knob, platform: &Platform) -> bool {
        let probes_cover = matches!(platform.in_flight, crate::InFlight::ProbesCover);
        match knob {
            Knob::Timeout => self.max_timeout.is_some() || self.max_detection.is_some(),
            Knob::Interval => self.max_interval.is_some() || self.max_detection.is_some(),
            Knob::Retries => {
                self.min_retries.is_some()
                    || self.max_retries.is_some()
                    || self.max_detection.is_some()
            }
            Knob::UserTimeout => {
                self.max_user_timeout.is_some() || (self.max_detection.is_some() && !probes_cover)
            }
        }
    }
}

/// The first bound `policy` breaks on `platform` (`None`: the bounds that hold on every
/// platform), as a [`Violation::Bound`]. The detection bound goes through the same rule as
/// `max_detect` (crate::rules).
pub(crate) const fn bound_violation(
    policy: &Policy,
    platform: Option<&Platform>,
    bounds: &Bounds,
) -> Option<Violation> {
    match first_broken(policy, platform, bounds) {
        Some(v) => Some(Violation::Bound(v)),
        None => None,
    }
}

const fn first_broken(
    policy: &Policy,
    platform: Option<&Platform>,
    bounds: &Bounds,
) -> Option<BoundViolation> {
    if !policy.is_enabled() {
        if bounds.require_enabled {
            return Some(BoundViolation {
                kind: BoundKind::RequireEnabled,
                value: None,
                limit: None,
                bounds: *bounds,
            });
        }
        return None;
    }
    if let Some(v) = time_above(policy.timeout(), bounds.max_timeout, Knob::Timeout, bounds) {
        return Some(v);
    }
    if let Some(v) = time_above(
        policy.interval(),
        bounds.max_interval,
        Knob::Interval,
        bounds,
    ) {
        return Some(v);
    }
    if let Some(v) = count_bound(policy.retries(), bounds.min_retries, false, bounds) {
        return Some(v);
    }
    if let Some(v) = count_bound(policy.retries(), bounds.max_retries, true, bounds) {
        return Some(v);
    }
    let user_timeout = policy.user_timeout();
    if let Some(v) = time_above(
        user_timeout,
        bounds.max_user_timeout,
        Knob::UserTimeout,
        bounds,
    ) {
        return Some(v);
    }
    let Some(limit) = bounds.max_detection else {
        return None;
    };
    let limit_kv = Some(KnobValue::Time(limit));
    let (kind, value, limit) = match crate::rules::detection(policy, platform, limit, false) {
        None => return None,
        Some(Violation::DetectionNeeds { missing }) => {
            (BoundKind::Required(missing), None, limit_kv)
        }
        Some(Violation::DetectionAbove { worst, .. }) => (
            BoundKind::MaxDetection,
            Some(KnobValue::Time(worst)),
            limit_kv,
        ),
        Some(Violation::DetectionInFlight {
            platform,
            in_flight,
            option,
            suggested,
        }) => (
            BoundKind::InFlight {
                platform,
                in_flight,
                option,
            },
            None,
            Some(KnobValue::Time(suggested)),
        ),
        Some(_) => (BoundKind::MaxDetection, None, limit_kv),
    };
    Some(BoundViolation {
        kind,
        value,
        limit,
        bounds: *bounds,
    })
}

impl BoundViolation {
    /// The message, built in `const` context.
    pub const fn message(&self) -> crate::Message {
        let mut m = crate::Message::new();
        m.push("this policy breaks ");
        m.push(self.bounds.owner);
        m.push("::");
        m.push(self.bounds.name);
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
                crate::violation::push_no_probes(&mut m, platform, in_flight);
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

impl core::fmt::Display for BoundViolation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message().as_str())
    }
}

impl std::error::Error for BoundViolation {}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    const ORG: Bounds = Bounds::new("acme-policy", "PRODUCTION")
        .with_enabled_required()
        .with_max_timeout(s(600))
        .with_min_retries(3)
        .with_max_detection(s(120));

    fn check_bounds(policy: &Policy, bounds: &Bounds) -> Option<BoundViolation> {
        first_broken(policy, None, bounds)
    }

    #[test]
    fn the_detection_bound_covers_data_in_flight() {
        let ok = Policy::new()
            .with_timeout(s(60))
            .with_interval(s(10))
            .with_retries(5);
        // Linux: keep-alive does not probe with data in flight; TCP_USER_TIMEOUT must bound it.
        let v = first_broken(&ok, Some(&crate::LINUX), &ORG).unwrap();
        assert_eq!(
            v.to_string(),
            "this policy breaks acme-policy::PRODUCTION: its detection bound covers connections with data in flight, and Linux sends no keep-alive probe while sent data is unacknowledged; bound that case with `user_timeout = \"1m 50s\"` (TCP_USER_TIMEOUT)"
        );
        let bounded = ok.with_user_timeout(s(110));
        assert_eq!(first_broken(&bounded, Some(&crate::LINUX), &ORG), None);
        // macOS: the keep-alive timer counts from the last segment received either way.
        assert_eq!(first_broken(&ok, Some(&crate::APPLE), &ORG), None);
        assert!(ORG.rests_on(Knob::UserTimeout, &crate::LINUX));
        assert!(!ORG.rests_on(Knob::UserTimeout, &crate::FREEBSD));
        assert!(!Bounds::new("a", "B").rests_on(Knob::Timeout, &crate::LINUX));
    }

    #[test]
    fn each_bound() {
        let ok = Policy::new()
            .with_timeout(s(60))
            .with_interval(s(10))
            .with_retries(5);
        assert_eq!(check_bounds(&ok, &ORG), None);
        let off = check_bounds(&Policy::disabled(), &ORG).unwrap();
        assert_eq!(
            off.to_string(),
            "this policy breaks acme-policy::PRODUCTION: keep-alive is required; remove `enabled = false`"
        );
        let long = check_bounds(&ok.with_timeout(s(7200)), &ORG).unwrap();
        assert_eq!(
            long.to_string(),
            "this policy breaks acme-policy::PRODUCTION: `timeout = \"2h\"` is above its maximum of \"10m\"; write at most \"10m\""
        );
        let few = check_bounds(&ok.with_retries(2), &ORG).unwrap();
        assert_eq!(few.kind, BoundKind::AtLeast(Knob::Retries));
        let slow = check_bounds(&ok.with_interval(s(20)), &ORG).unwrap();
        assert_eq!(slow.kind, BoundKind::MaxDetection);
        assert!(
            slow.to_string()
                .contains("detection \"2m 40s\" exceeds the bound of \"2m\"")
        );
        let missing = check_bounds(&ok.without(Knob::Timeout), &ORG).unwrap();
        assert_eq!(missing.kind, BoundKind::Required(Knob::Timeout));
    }
}

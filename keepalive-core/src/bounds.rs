//! Organisation bounds: limits that a team publishes in a crate of its own and that
//! connection types opt into (`#[keepalive(bounds = my_org::PRODUCTION, ...)]`), checked
//! during constant evaluation of the crate that uses them.

use core::time::Duration;

use crate::policy::{Knob, KnobValue, Policy};

/// Which bound a policy broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
}

/// Limits on a policy, published by an organisation as a `const`.
///
/// ```
/// use core::time::Duration;
/// use keepalive_core::{check_bounds, Bounds, Policy};
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
/// assert_eq!(check_bounds(&ok, &PRODUCTION), None);
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
    pub const fn require_enabled(mut self) -> Self {
        self.require_enabled = true;
        self
    }

    /// `timeout` must be written and at most `limit`.
    pub const fn at_most_timeout(mut self, limit: Duration) -> Self {
        self.max_timeout = Some(limit);
        self
    }

    /// `interval` must be written and at most `limit`.
    pub const fn at_most_interval(mut self, limit: Duration) -> Self {
        self.max_interval = Some(limit);
        self
    }

    /// `retries` must be written and at least `limit`.
    pub const fn at_least_retries(mut self, limit: u32) -> Self {
        self.min_retries = Some(limit);
        self
    }

    /// `retries` must be written and at most `limit`.
    pub const fn at_most_retries(mut self, limit: u32) -> Self {
        self.max_retries = Some(limit);
        self
    }

    /// `user_timeout` must be written and at most `limit`.
    pub const fn at_most_user_timeout(mut self, limit: Duration) -> Self {
        self.max_user_timeout = Some(limit);
        self
    }

    /// The worst-case detection time must be computable and at most `limit` (implies
    /// keep-alive on).
    pub const fn max_detection(mut self, limit: Duration) -> Self {
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

/// The first bound `policy` breaks, if any; `const`, for constant evaluation.
pub const fn check_bounds(policy: &Policy, bounds: &Bounds) -> Option<BoundViolation> {
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
    if let Some(limit) = bounds.max_detection {
        let limit_kv = Some(KnobValue::Time(limit));
        match policy.worst_case_detection() {
            Ok(worst) if worst.as_nanos() <= limit.as_nanos() => {}
            Ok(worst) => {
                return Some(BoundViolation {
                    kind: BoundKind::MaxDetection,
                    value: Some(KnobValue::Time(worst)),
                    limit: limit_kv,
                    bounds: *bounds,
                });
            }
            Err(crate::DetectionError::Missing(knob)) => {
                return Some(BoundViolation {
                    kind: BoundKind::Required(knob),
                    value: None,
                    limit: limit_kv,
                    bounds: *bounds,
                });
            }
            Err(_) => {
                return Some(BoundViolation {
                    kind: BoundKind::MaxDetection,
                    value: None,
                    limit: limit_kv,
                    bounds: *bounds,
                });
            }
        }
    }
    None
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

/// Fails constant evaluation with the broken bound's message.
pub const fn panic_on_bound(violation: Option<BoundViolation>) {
    if let Some(v) = violation {
        let message = v.message();
        panic!("{}", message.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    const ORG: Bounds = Bounds::new("acme-policy", "PRODUCTION")
        .require_enabled()
        .at_most_timeout(s(600))
        .at_least_retries(3)
        .max_detection(s(120));

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

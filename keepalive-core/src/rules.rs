//! Every rule a policy must satisfy, written once and run by one driver, [`check`]: by the
//! macro for literal values (once without a platform, then once per row of the table for
//! the target-specific rules), by constant evaluation for values behind `const` paths, by
//! run-time overrides and by the runtime before it applies a policy built at run time.
//!
//! ```
//! use core::time::Duration;
//! use keepalive_core::rules::{check, Enforcement};
//! use keepalive_core::{Policy, LINUX};
//!
//! let policy = Policy::new()
//!     .with_timeout(Duration::from_secs(30))
//!     .with_interval(Duration::from_secs(5))
//!     .with_retries(4);
//! let strict = Enforcement::new().with_max_detect(Duration::from_secs(60));
//! let found = check(&policy, Some(&LINUX), &strict);
//! // Linux does not probe while sent data is unacknowledged: the bound needs user_timeout.
//! assert!(found.first().unwrap().to_string().contains("user_timeout = \"50s\""));
//! assert!(check(&policy.with_user_timeout(Duration::from_secs(50)), Some(&LINUX), &strict).is_empty());
//! ```

use core::time::Duration;

use crate::bounds::{BoundKind, BoundViolation, Bounds};
use crate::knob::{Knob, KnobValue};
use crate::platform::{InFlight, Platform, Support};
use crate::policy::{DetectionError, Policy};
pub use crate::setting::same_setting;
pub use crate::violation::Topic;
use crate::violation::Violation;

/// What a type enforces beyond the platform's limits: the attribute's `max_detect`,
/// `detect_idle_only`, `bounds` and `best_effort`. Travels with the type, so a policy
/// changed at run time is held to the same rules as the one written in the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Enforcement {
    max_detect: Option<Duration>,
    idle_only: bool,
    bounds: Option<Bounds>,
    best_effort: bool,
}

impl Enforcement {
    /// Nothing beyond the platform's limits.
    pub const fn new() -> Self {
        Enforcement {
            max_detect: None,
            idle_only: false,
            bounds: None,
            best_effort: false,
        }
    }

    /// `max_detect`: a bound on the worst-case dead-peer detection time, idle or with data in
    /// flight.
    pub const fn with_max_detect(mut self, bound: Duration) -> Self {
        self.max_detect = Some(bound);
        self
    }

    /// `detect_idle_only = true`: `max_detect` is stated for idle connections only, so it
    /// does not need a per-socket bound on retransmission.
    pub const fn with_detect_idle_only(mut self, idle_only: bool) -> Self {
        self.idle_only = idle_only;
        self
    }

    /// `bounds = ...`: an organisation's limits.
    pub const fn with_bounds(mut self, bounds: Bounds) -> Self {
        self.bounds = Some(bounds);
        self
    }

    /// `best_effort = true`: a knob the target has no option for is left out at run time
    /// and reported, not a violation, unless a bound rests on it.
    pub const fn with_best_effort(mut self, best_effort: bool) -> Self {
        self.best_effort = best_effort;
        self
    }

    /// The `max_detect` bound, if any.
    pub const fn max_detect(&self) -> Option<Duration> {
        self.max_detect
    }

    /// Whether `max_detect` covers idle connections only.
    pub const fn is_idle_only(&self) -> bool {
        self.idle_only
    }

    /// The organisation's bounds, if any.
    pub const fn bounds(&self) -> Option<Bounds> {
        self.bounds
    }

    /// Whether knobs the target lacks are left out rather than refused.
    pub const fn is_best_effort(&self) -> bool {
        self.best_effort
    }
}

/// The violations [`check`] found, in rule order. A fixed-size `Copy` list, so the driver
/// runs in `const` context; beyond [`Violations::CAPACITY`] the rest are counted, not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Violations {
    found: [Option<Violation>; Violations::CAPACITY],
    len: usize,
    dropped: usize,
}

impl Violations {
    /// How many violations are kept.
    pub const CAPACITY: usize = 8;

    const fn new() -> Self {
        Violations {
            found: [None; Violations::CAPACITY],
            len: 0,
            dropped: 0,
        }
    }

    const fn push(&mut self, violation: Option<Violation>) {
        let Some(v) = violation else { return };
        if self.len < Self::CAPACITY {
            self.found[self.len] = Some(v);
            self.len += 1;
        } else {
            self.dropped += 1;
        }
    }

    /// Whether no rule is broken.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many were found, kept or not.
    pub const fn count(&self) -> usize {
        self.len + self.dropped
    }

    /// The first violation, if any.
    pub const fn first(&self) -> Option<Violation> {
        self.found[0]
    }

    /// The first violation about `topic`, if any.
    pub const fn first_about(&self, topic: Topic) -> Option<Violation> {
        let mut i = 0;
        while i < self.len {
            if let Some(v) = self.found[i] {
                if topic.covers(&v) {
                    return Some(v);
                }
            }
            i += 1;
        }
        None
    }

    /// The violations, in rule order.
    pub fn iter(&self) -> impl Iterator<Item = &Violation> + '_ {
        self.found[..self.len].iter().flatten()
    }
}

impl From<Violations> for Vec<Violation> {
    fn from(v: Violations) -> Vec<Violation> {
        v.iter().copied().collect()
    }
}

/// The one rule driver: every rule, in order, for `policy` on `platform` (`None`: only the
/// rules that hold on every platform) under what the type enforces.
///
/// - each knob: not zero, not written while keep-alive is off; on the platform: an option
///   exists (or `best_effort` leaves it out), whole units, within range;
/// - where `user_timeout` ends keep-alive probing (Linux), it agrees with `retries`;
/// - `max_detect`: every term written, the worst case within the bound idle and, unless
///   stated idle-only, with data in flight;
/// - `bounds`: the organisation's limits, its detection bound by the same rule;
/// - `best_effort` never leaves out a knob that `max_detect` or `bounds` rests on.
pub const fn check(
    policy: &Policy,
    platform: Option<&Platform>,
    enforcement: &Enforcement,
) -> Violations {
    let mut found = Violations::new();
    let mut i = 0;
    while i < Knob::ALL.len() {
        let knob = Knob::ALL[i];
        let general = knob_anywhere(policy, knob);
        let is_general = general.is_some();
        found.push(general);
        if let (false, Some(platform)) = (is_general, platform) {
            found.push(match knob_on(policy, knob, platform) {
                Some(Violation::Unsupported { .. }) if enforcement.best_effort => {
                    uncertified(policy, knob, platform, enforcement)
                }
                other => other,
            });
        }
        i += 1;
    }
    if let Some(platform) = platform {
        if found.is_empty() {
            found.push(probe_span(policy, platform));
        }
        if matches!(platform.in_flight, InFlight::UserTimeoutEndsProbing) {
            found.push(user_timeout_agrees(policy));
        }
    }
    if let Some(bound) = enforcement.max_detect {
        found.push(max_detect_violation(
            policy,
            platform,
            bound,
            enforcement.idle_only,
        ));
    }
    if let Some(bounds) = &enforcement.bounds {
        found.push(bound_violation(policy, platform, bounds));
    }
    found
}

/// Every rule at once, as a list: [`check`] without a type's enforcement.
pub fn validate(policy: &Policy, platform: Option<&Platform>) -> Result<(), Vec<Violation>> {
    let found = check(policy, platform, &Enforcement::new());
    if found.is_empty() {
        Ok(())
    } else {
        Err(found.into())
    }
}

/// Fails constant evaluation with the violation's message. Used by generated code for
/// policies whose values come from `const` items the macro cannot read.
pub const fn panic_on(violation: Option<Violation>) {
    if let Some(v) = violation {
        let message = v.message();
        panic!("{}", message.as_str());
    }
}

/// The first rule of build-wide `bounds` ([`Bounds::from_setting`]) that a type's policy
/// breaks on `platform`: the bounds themselves, and, where the type is `best_effort`, a knob
/// the target would leave out that they rest on. The type's own rules are [`check`]'s.
pub const fn build_violation(
    policy: &Policy,
    platform: Option<&Platform>,
    enforcement: &Enforcement,
    bounds: &Bounds,
) -> Option<Violation> {
    if let Some(v) = bound_violation(policy, platform, bounds) {
        return Some(v);
    }
    let (true, Some(platform)) = (enforcement.best_effort, platform) else {
        return None;
    };
    let build = Enforcement::new().with_bounds(*bounds);
    let mut i = 0;
    while i < Knob::ALL.len() {
        let knob = Knob::ALL[i];
        if let Some(Violation::Unsupported { .. }) = knob_on(policy, knob, platform) {
            if let Some(v) = uncertified(policy, knob, platform, &build) {
                return Some(v);
            }
        }
        i += 1;
    }
    None
}

/// The bounds of a build-wide setting, or a failed constant evaluation whose message names
/// the setting and the byte ([`crate::SettingError`]).
pub const fn setting_or_panic(setting: &'static str) -> Bounds {
    match Bounds::from_setting(setting) {
        Ok(bounds) => bounds,
        Err(e) => {
            let message = e.message();
            panic!("{}", message.as_str());
        }
    }
}

/// Fails constant evaluation with a build-wide bound's violation, naming the type
/// (`module::name`, which starts with its crate) before the rule's message.
pub const fn panic_on_build(violation: Option<Violation>, module: &str, name: &str) {
    if let Some(v) = violation {
        let mut m = crate::text::Message::new();
        m.push("`");
        m.push(module);
        m.push("::");
        m.push(name);
        m.push("`: ");
        m.push(v.message().as_str());
        panic!("{}", m.as_str());
    }
}

const fn is_zero(value: KnobValue) -> bool {
    match value {
        KnobValue::Time(d) => d.is_zero(),
        KnobValue::Count(n) => n == 0,
    }
}

/// One knob on every platform: zero, or written while keep-alive is off.
const fn knob_anywhere(policy: &Policy, knob: Knob) -> Option<Violation> {
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

/// A knob that `best_effort` would leave out on `platform`: fine, unless `max_detect` or the
/// organisation's bounds rest on it, which would then certify what the target never applies.
const fn uncertified(
    policy: &Policy,
    knob: Knob,
    platform: &Platform,
    enforcement: &Enforcement,
) -> Option<Violation> {
    use crate::violation::Certified;
    // user_timeout carries the bound only where keep-alive leaves data in flight unprobed.
    let probes_cover = matches!(platform.in_flight, InFlight::ProbesCover);
    let detection_term = matches!(knob, Knob::Timeout | Knob::Interval | Knob::Retries)
        || (matches!(knob, Knob::UserTimeout) && !enforcement.idle_only && !probes_cover);
    if enforcement.max_detect.is_some() && detection_term {
        return Some(Violation::BestEffortUncertified {
            knob,
            platform: platform.name,
            bound: Certified::MaxDetect,
        });
    }
    if let Some(bounds) = &enforcement.bounds {
        if bounds.rests_on(knob, platform) {
            return Some(Violation::BestEffortUncertified {
                knob,
                platform: platform.name,
                bound: Certified::Bounds(*bounds),
            });
        }
    }
    let _ = policy;
    None
}

/// The rule of `platform` for one knob: supported, whole units, within range.
const fn knob_on(policy: &Policy, knob: Knob, platform: &Platform) -> Option<Violation> {
    let Some(value) = policy.get(knob) else {
        return None;
    };
    if !policy.is_enabled() || is_zero(value) {
        // Reported by knob_anywhere, whatever the platform.
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
    // Range first, on the exact value: a value above the maximum is reported as such, so
    // no suggestion for it can lie outside the range.
    let (amount, exact) = match (value, option.unit.step_nanos()) {
        (KnobValue::Count(n), _) => (n as u128, true),
        (KnobValue::Time(d), Some(step)) => {
            let nanos = d.as_nanos();
            let step = step as u128;
            (nanos / step, nanos % step == 0)
        }
        (KnobValue::Time(d), None) => (d.as_secs() as u128, d.subsec_nanos() == 0),
    };
    // Just under the minimum and off the grid (500 ms where 1 s is the least): the
    // granularity message, which suggests the minimum, reads better.
    if amount < option.min as u128 && (exact || amount + 1 < option.min as u128) {
        return Some(Violation::BelowMin {
            knob,
            value,
            platform: platform.name,
            option,
        });
    }
    if amount > option.max as u128 || (amount == option.max as u128 && !exact) {
        return Some(Violation::AboveMax {
            knob,
            value,
            platform: platform.name,
            option,
        });
    }
    if !exact {
        if let KnobValue::Time(d) = value {
            return Some(Violation::Granularity {
                knob,
                value: d,
                platform: platform.name,
                option,
            });
        }
    }
    None
}

/// Where a set user timeout ends keep-alive probing (Linux), `user_timeout` written
/// together with `retries` must end the connection when the probes would.
/// `timeout + interval × retries` within what the platform's keep-alive timer counts
/// ([`Platform::longest_probe_span`]), where `interval` and `retries` are both written (an
/// unwritten `timeout` counts as zero; the OS defaults are far inside every limit).
const fn probe_span(policy: &Policy, platform: &Platform) -> Option<Violation> {
    let (Some(longest), Some(interval), Some(retries)) = (
        platform.longest_probe_span,
        policy.interval(),
        policy.retries(),
    ) else {
        return None;
    };
    if !policy.is_enabled() {
        return None;
    }
    let timeout = match policy.timeout() {
        Some(t) => t,
        None => Duration::ZERO,
    };
    let span = match interval.checked_mul(retries) {
        Some(probes) => timeout.checked_add(probes),
        None => None,
    };
    match span {
        Some(span) if span.as_nanos() <= longest.as_nanos() => None,
        // An overflow of Duration itself is far past every limit: report the limit alone.
        _ => Some(Violation::ProbeSpanWraps {
            platform: platform.name,
            span: match span {
                Some(span) => span,
                None => Duration::MAX,
            },
            longest,
        }),
    }
}

const fn user_timeout_agrees(policy: &Policy) -> Option<Violation> {
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
    let actual = match policy.detection_with(InFlight::UserTimeoutEndsProbing) {
        Ok(d) => d.idle,
        Err(_) => return Some(Violation::DetectionOverflow),
    };
    Some(Violation::UserTimeoutDisagrees {
        user_timeout,
        probes_end,
        retries,
        actual,
    })
}

/// How a policy misses a detection bound: the one finding of the detection rule, which
/// [`max_detect_violation`] reports for `max_detect` and [`bound_violation`] for an
/// organisation's detection bound.
#[derive(Clone, Copy)]
enum Missed {
    /// Keep-alive is off.
    Disabled,
    /// A term of the probe sequence is left to the OS.
    Needs(Knob),
    /// The worst case does not fit in a `Duration`.
    Overflow,
    /// The worst case, idle or with data in flight, exceeds the bound.
    Above { worst: Duration, in_flight: bool },
    /// Nothing the policy sets bounds a connection with data in flight on the platform.
    InFlight {
        platform: &'static str,
        in_flight: InFlight,
        option: Option<&'static str>,
        suggested: Duration,
    },
}

/// The detection rule, for `max_detect` and for an organisation's detection bound alike:
/// keep-alive on, every term of the probe sequence written, the idle worst case within
/// `bound`, and (unless `idle_only`) the worst case with data in flight on `platform` too.
const fn detection(
    policy: &Policy,
    platform: Option<&Platform>,
    bound: Duration,
    idle_only: bool,
) -> Option<Missed> {
    if !policy.is_enabled() {
        return Some(Missed::Disabled);
    }
    // Every term written, even where user_timeout makes retries moot: a reader of the
    // attribute sees the whole sequence.
    let probes_end = match policy.probe_sequence_end() {
        Ok(end) => end,
        Err(DetectionError::Missing(missing)) => {
            return Some(Missed::Needs(missing));
        }
        Err(_) => return Some(Missed::Overflow),
    };
    let in_flight = match platform {
        Some(platform) => platform.in_flight,
        // Without a platform only the idle case, which is the probe sequence everywhere
        // (where a user timeout shortens it, it must agree with it).
        None => InFlight::ProbesCover,
    };
    let worst = match policy.detection_with(in_flight) {
        Ok(d) => d,
        Err(_) => return Some(Missed::Overflow),
    };
    if worst.idle.as_nanos() > bound.as_nanos() {
        return Some(Missed::Above {
            worst: worst.idle,
            in_flight: false,
        });
    }
    if idle_only {
        return None;
    }
    match (worst.in_flight, platform) {
        (Some(d), _) if d.as_nanos() > bound.as_nanos() => Some(Missed::Above {
            worst: d,
            in_flight: true,
        }),
        (Some(_), _) | (None, None) => None,
        (None, Some(platform)) => Some(Missed::InFlight {
            platform: platform.name,
            in_flight: platform.in_flight,
            option: match platform.user_timeout {
                Support::Option(spec) => Some(spec.name),
                Support::Unsupported(_) => None,
            },
            suggested: round_up_to(probes_end, platform.user_timeout),
        }),
    }
}

/// The detection rule's finding against `max_detect = bound`.
const fn max_detect_violation(
    policy: &Policy,
    platform: Option<&Platform>,
    bound: Duration,
    idle_only: bool,
) -> Option<Violation> {
    let Some(missed) = detection(policy, platform, bound, idle_only) else {
        return None;
    };
    Some(match missed {
        Missed::Disabled => Violation::DetectionDisabled,
        Missed::Needs(missing) => Violation::DetectionNeeds { missing },
        Missed::Overflow => Violation::DetectionOverflow,
        Missed::Above { worst, in_flight } => Violation::DetectionAbove {
            worst,
            bound,
            policy: *policy,
            in_flight,
        },
        Missed::InFlight {
            platform,
            in_flight,
            option,
            suggested,
        } => Violation::DetectionInFlight {
            platform,
            in_flight,
            option,
            suggested,
        },
    })
}

/// The first bound `policy` breaks on `platform` (`None`: the bounds that hold on every
/// platform), as a [`Violation::Bound`]. The detection bound goes through the same rule as
/// `max_detect`, [`detection`].
const fn bound_violation(
    policy: &Policy,
    platform: Option<&Platform>,
    bounds: &Bounds,
) -> Option<Violation> {
    match first_broken(policy, platform, bounds) {
        Some(v) => Some(Violation::Bound(v)),
        None => None,
    }
}

/// The middleboxes on the path: the first probe, as late as the kernel may fire it, must
/// come before the shortest idle timeout drops the flow (crate::middlebox).
const fn idle_silence(policy: &Policy, bounds: &Bounds) -> Option<BoundViolation> {
    use crate::middlebox::{largest_timeout_within, latest_first_probe};
    let Some(middlebox) = bounds.through else {
        return None;
    };
    let limit = match largest_timeout_within(middlebox.idle) {
        Some(t) => Some(KnobValue::Time(t)),
        None => None,
    };
    let Some(timeout) = policy.timeout() else {
        return Some(BoundViolation {
            kind: BoundKind::Required(Knob::Timeout),
            value: None,
            limit,
            bounds: *bounds,
        });
    };
    let silence = latest_first_probe(timeout);
    if silence.as_nanos() <= middlebox.idle.as_nanos() {
        return None;
    }
    Some(BoundViolation {
        kind: BoundKind::IdleSilence { middlebox, silence },
        value: Some(KnobValue::Time(timeout)),
        limit,
        bounds: *bounds,
    })
}

pub(crate) const fn first_broken(
    policy: &Policy,
    platform: Option<&Platform>,
    bounds: &Bounds,
) -> Option<BoundViolation> {
    if let Some(middlebox) = bounds.not_refreshed {
        return Some(BoundViolation {
            kind: BoundKind::NotRefreshed(middlebox),
            value: None,
            limit: None,
            bounds: *bounds,
        });
    }
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
    if let Some(v) = idle_silence(policy, bounds) {
        return Some(v);
    }
    let Some(limit) = bounds.max_detection else {
        return None;
    };
    let limit_kv = Some(KnobValue::Time(limit));
    let (kind, value, limit) = match detection(policy, platform, limit, false) {
        None => return None,
        Some(Missed::Needs(missing)) => (BoundKind::Required(missing), None, limit_kv),
        Some(Missed::Above { worst, .. }) => (
            BoundKind::MaxDetection,
            Some(KnobValue::Time(worst)),
            limit_kv,
        ),
        Some(Missed::InFlight {
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
        // Keep-alive off is `RequireEnabled`, above; an overflow has no value to show.
        Some(Missed::Disabled | Missed::Overflow) => (BoundKind::MaxDetection, None, limit_kv),
    };
    Some(BoundViolation {
        kind,
        value,
        limit,
        bounds: *bounds,
    })
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

/// `d` rounded up to the grid of `support`'s unit, so the suggestion is a value the option
/// takes.
const fn round_up_to(d: Duration, support: Support) -> Duration {
    let step = match support {
        Support::Option(spec) => match spec.unit.step_nanos() {
            Some(step) => step as u128,
            None => return d,
        },
        Support::Unsupported(_) => return d,
    };
    let nanos = d.as_nanos().div_ceil(step) * step;
    Duration::new(
        (nanos / 1_000_000_000) as u64,
        (nanos % 1_000_000_000) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::{knob_on as check_knob_on, user_timeout_agrees as check_user_timeout};
    use crate::messages::duration_from_nanos;

    fn check_detection(policy: &Policy, bound: Duration) -> Option<Violation> {
        max_detect_violation(policy, None, bound, false)
    }
    use crate::platform::{APPLE, FREEBSD, ILLUMOS, LINUX, NETBSD, OPENBSD, WINDOWS};

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
    fn suggestions_stay_within_the_range() {
        // Off the grid just below the maximum: both neighbours, the upper one the maximum.
        let near_max = Policy::new().with_timeout(Duration::from_millis(32_766_500));
        assert_eq!(
            linux(near_max),
            [
                "Linux counts `timeout` in whole seconds (TCP_KEEPIDLE), so 9h 6m 6s 500ms would be cut; write \"9h 6m 6s\" or \"9h 6m 7s\""
            ]
        );
        // Off the grid above the maximum: the maximum, never a value past it.
        for d in [Duration::from_millis(32_767_500), Duration::MAX] {
            let found = linux(Policy::new().with_timeout(d));
            assert!(
                found[0].ends_with("write at most \"9h 6m 7s\""),
                "{found:?}"
            );
        }
        // Every suggestion of every row parses back into a value the row accepts.
        for row in crate::PLATFORMS {
            for knob in [Knob::Timeout, Knob::Interval, Knob::UserTimeout] {
                let Some(spec) = row.support(knob).option() else {
                    continue;
                };
                let step = spec.unit.step_nanos().unwrap();
                for nanos in [
                    u128::from(spec.min) * u128::from(step) - 1,
                    u128::from(spec.min) * u128::from(step) + 1,
                    u128::from(spec.max) * u128::from(step) - 1,
                    u128::from(spec.max) * u128::from(step) + 1,
                ] {
                    let d = duration_from_nanos(nanos);
                    let p = Policy::new().with(knob, KnobValue::Time(d)).unwrap();
                    let Some(v) = check_knob_on(&p, knob, row) else {
                        continue;
                    };
                    let text = v.to_string();
                    let advice = &text[text.rfind("write").unwrap()..];
                    let suggestions: Vec<&str> = advice.split('"').skip(1).step_by(2).collect();
                    assert!(!suggestions.is_empty(), "{text}");
                    for quoted in suggestions {
                        let suggested = crate::parse_duration(quoted).unwrap();
                        let p = Policy::new()
                            .with(knob, KnobValue::Time(suggested))
                            .unwrap();
                        assert_eq!(check_knob_on(&p, knob, row), None, "{}: {text}", row.name);
                    }
                }
            }
        }
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

    /// Each knob within its range, the sum past what the kernel's timer counts: rejected
    /// where the kernel would wrap, accepted where it counts probes (Linux) or has room.
    #[test]
    fn a_probe_span_the_kernel_would_wrap_is_rejected() {
        let p = Policy::new()
            .with_timeout(s(3_600))
            .with_interval(s(1_000_000))
            .with_retries(5);
        for row in [&APPLE, &FREEBSD] {
            let found: Vec<Violation> = check(&p, Some(row), &Enforcement::new()).into();
            assert!(
                matches!(found[..], [Violation::ProbeSpanWraps { .. }]),
                "{}: {found:?}",
                row.name
            );
        }
        assert_eq!(
            check(&p, Some(&APPLE), &Enforcement::new())
                .first()
                .unwrap()
                .to_string(),
            "timeout + interval × retries = 1389h 53m 20s is longer than macOS/iOS's keep-alive timer counts (1193h 2m 47s 295ms): the kernel's tick count would wrap and drop the connection at the wrong time; lower `retries` or `interval`"
        );
        assert!(check(&p, Some(&NETBSD), &Enforcement::new()).is_empty());
        assert!(check(&p, Some(&WINDOWS), &Enforcement::new()).is_empty());
        // Just inside Apple's 2^32 ms.
        let inside = Policy::new().with_interval(s(858_993)).with_retries(5);
        assert!(check(&inside, Some(&APPLE), &Enforcement::new()).is_empty());
        let over = Policy::new().with_interval(s(858_994)).with_retries(5);
        assert!(!check(&over, Some(&APPLE), &Enforcement::new()).is_empty());
        // Linux's own limits stay as they were: the largest policy it accepts passes.
        let linux_max = Policy::new()
            .with_timeout(s(32_767))
            .with_interval(s(32_767))
            .with_retries(127);
        assert!(check(&linux_max, Some(&LINUX), &Enforcement::new()).is_empty());
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
        const FOUND: Violations = check(&P, Some(&LINUX), &Enforcement::new());
        assert_eq!(
            FOUND.first(),
            validate(&P, Some(&LINUX)).unwrap_err().first().copied()
        );
        const OK: () = panic_on(check(&Policy::new(), Some(&LINUX), &Enforcement::new()).first());
        let () = OK;
        // That panic_on(FIRST) fails compilation with this text is shown by the UI case
        // fail/const-timeout-above-linux-max.rs.
        let text = FOUND.first().unwrap().message();
        assert!(text.as_str().contains("above the maximum Linux accepts"));
    }

    #[test]
    fn max_detect_per_target() {
        let p = Policy::new()
            .with_timeout(s(1))
            .with_interval(s(1))
            .with_retries(3);
        let strict = Enforcement::new().with_max_detect(s(10));
        let on = |p: &Policy, row| check(p, Some(row), &strict).first();
        let v = on(&p, &LINUX).unwrap();
        assert_eq!(
            v.to_string(),
            "`max_detect` covers connections with data in flight too, and Linux sends no keep-alive probe while sent data is unacknowledged; bound that case with `user_timeout = \"4s\"` (TCP_USER_TIMEOUT), or add `detect_idle_only = true` if the bound is meant for idle connections only"
        );
        assert!(v.is_platform_specific());
        // The suggestion is accepted there.
        assert_eq!(on(&p.with_user_timeout(s(4)), &LINUX), None);
        // Windows: TCP_MAXRT, whole seconds.
        let v = on(&p.with_timeout(Duration::from_millis(1500)), &WINDOWS).unwrap();
        assert!(
            v.to_string()
                .contains("`user_timeout = \"5s\"` (TCP_MAXRT)"),
            "{v}"
        );
        // Apple and the BSDs probe with data in flight: nothing more needed.
        assert_eq!(on(&p, &APPLE), None);
        assert_eq!(on(&p, &crate::FREEBSD), None);
        // Stated idle-only: nothing more needed anywhere.
        let idle = strict.with_detect_idle_only(true);
        assert!(check(&p, Some(&LINUX), &idle).is_empty());
        // A user timeout past the bound is the in-flight worst case (Windows, no agreement rule).
        let v = on(&p.with_user_timeout(s(30)), &WINDOWS).unwrap();
        assert!(
            v.to_string().starts_with(
                "worst-case dead-peer detection with data in flight (user_timeout) = 30s exceeds"
            ),
            "{v}"
        );
    }

    #[test]
    fn user_timeout_agreement_is_linux_only() {
        let p = Policy::new()
            .with_timeout(s(1))
            .with_interval(s(1))
            .with_retries(3)
            .with_user_timeout(Duration::from_millis(2500));
        assert!(matches!(
            check(&p, Some(&LINUX), &Enforcement::new()).first(),
            Some(Violation::UserTimeoutDisagrees { .. })
        ));
        for row in [&APPLE, &WINDOWS] {
            let p = p.with_user_timeout(s(2));
            assert!(
                check(&p, Some(row), &Enforcement::new()).is_empty(),
                "{}",
                row.name
            );
        }
        assert!(check(&p, None, &Enforcement::new()).is_empty());
    }

    #[test]
    fn best_effort_never_leaves_out_what_a_bound_rests_on() {
        let p = Policy::new()
            .with_timeout(s(10))
            .with_interval(s(1))
            .with_retries(3)
            .with_user_timeout(s(13));
        let loose = Enforcement::new().with_best_effort(true);
        // FreeBSD has no user timeout: left out, fine.
        assert!(check(&p, Some(&crate::FREEBSD), &loose).is_empty());
        // max_detect does not rest on it there: the keep-alive timer covers data in flight.
        let bounded = loose.with_max_detect(s(60));
        assert!(check(&p, Some(&crate::FREEBSD), &bounded).is_empty());
        // It rests on every term of the probe sequence.
        let v = check(&p, Some(&OPENBSD), &bounded).first().unwrap();
        assert!(matches!(
            v,
            Violation::BestEffortUncertified {
                knob: Knob::Timeout,
                ..
            }
        ));
        assert!(
            v.to_string()
                .starts_with("`best_effort = true` leaves `timeout` out on OpenBSD"),
            "{v}"
        );
        // OpenBSD lacks every timing: refused by max_detect and by bounds.
        let org = crate::Bounds::new("acme", "PROD").with_max_timeout(s(600));
        let v = check(&p, Some(&OPENBSD), &loose.with_bounds(org))
            .first()
            .unwrap();
        assert!(
            v.to_string().contains("acme::PROD rests on `timeout`"),
            "{v}"
        );
    }
}

#[cfg(test)]
mod bound_tests {
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

#[cfg(test)]
mod build_tests {
    use super::*;
    use core::time::Duration;

    const fn setting(text: &'static str) -> Bounds {
        setting_or_panic(text)
    }

    #[test]
    fn build_bounds_hold_a_policy_that_never_opted_in() {
        let b = setting("max_timeout=5m, require_enabled");
        let long = Policy::new().with_timeout(Duration::from_secs(600));
        let found = build_violation(&long, Some(&crate::LINUX), &Enforcement::new(), &b);
        let text = found.unwrap().to_string();
        assert!(
            text.starts_with("this policy breaks the build-wide bounds `KEEPALIVE_BOUNDS = \"max_timeout=5m, require_enabled\"`"),
            "{text}"
        );
        let short = Policy::new().with_timeout(Duration::from_secs(60));
        assert_eq!(
            build_violation(&short, Some(&crate::LINUX), &Enforcement::new(), &b),
            None
        );
        let off = build_violation(&Policy::disabled(), None, &Enforcement::new(), &b);
        assert!(off.unwrap().to_string().contains("keep-alive is required"));
    }

    #[test]
    fn best_effort_cannot_leave_out_a_knob_the_build_bounds_rest_on() {
        let b = setting("max_user_timeout=1m");
        let policy = Policy::new().with_user_timeout(Duration::from_secs(30));
        let best_effort = Enforcement::new().with_best_effort(true);
        let found = build_violation(&policy, Some(&crate::OPENBSD), &best_effort, &b);
        assert!(
            matches!(
                found,
                Some(Violation::BestEffortUncertified {
                    knob: Knob::UserTimeout,
                    ..
                })
            ),
            "{found:?}"
        );
        assert_eq!(
            build_violation(&policy, Some(&crate::LINUX), &best_effort, &b),
            None
        );
    }
}

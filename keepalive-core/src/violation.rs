//! A broken rule as typed data, and what it is about ([`Topic`]); its message is written
//! in messages.rs.

use core::time::Duration;

use crate::bounds::{BoundViolation, Bounds};
use crate::knob::{Knob, KnobValue};
use crate::platform::{InFlight, OptionSpec};
use crate::policy::Policy;

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
}

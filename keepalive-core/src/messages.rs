//! Every message of the crate's const errors, in one place and one style (the `say!` macro
//! of text.rs): a broken rule ([`Violation`]), a broken organisation bound
//! ([`BoundViolation`]), a duration outside the grammar ([`DurationError`]) and a detection
//! time with no answer ([`DetectionError`]). Built in `const` context, so the same words reach
//! a user from the macro, from a failed constant evaluation and from the runtime.

use core::fmt;
use core::time::Duration;

use crate::bounds::{BoundKind, BoundViolation};
use crate::duration::{DurationError, DurationErrorKind};
use crate::knob::{Knob, KnobValue};
use crate::platform::{InFlight, OptionSpec, Unit};
use crate::policy::{DetectionError, Policy};
use crate::text::{Message, say};
use crate::violation::{Certified, Violation};

impl Violation {
    /// The message, built in `const` context, its advice in the words of the attribute.
    pub const fn message(&self) -> Message {
        self.words(Reader::Attribute)
    }

    /// The message for `reader`: the same finding, with advice only of what that reader can
    /// write (an override cannot remove a key of the type's default, nor add `best_effort`).
    pub(crate) const fn words(&self, reader: Reader) -> Message {
        let attribute = matches!(reader, Reader::Attribute);
        let mut m = Message::new();
        match *self {
            Violation::DisabledWith { knob } if attribute => say!(m;
                "`enabled = false` turns keep-alive off, so `" key(knob) "` would have no effect; remove `"
                key(knob) "`, or remove `enabled = false` to keep keep-alive on"),
            Violation::DisabledWith { knob } => say!(m;
                "`enabled = false` turns keep-alive off, so `" key(knob) "` would have no effect; leave `"
                key(knob) "` out of the override, or write `enabled = true` to keep keep-alive on"),
            Violation::Zero {
                knob: Knob::Retries,
            } => say!(m;
                "`retries = 0` would drop the connection without a single probe (or be read as the OS default); write at least 1"),
            Violation::Zero { knob } => {
                say!(m; "`" key(knob) "` is zero, which the OS refuses or reads as \"use the default\"; write at least \"1s\", or leave `" key(knob));
                if attribute {
                    say!(m; "` out to keep the OS default");
                } else {
                    say!(m; "` out of the override to keep the type's default");
                }
            }
            Violation::Unsupported {
                knob,
                platform,
                why,
            } => {
                say!(m; "`" key(knob) "` cannot be honoured on " str(platform) ": " str(why));
                if attribute {
                    say!(m; "; remove `" key(knob) "`, or add `best_effort = true` to apply the rest and report what is left out");
                } else {
                    say!(m; "; leave `" key(knob) "` out of the override");
                }
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
                // accepts it (the rule reports values outside the range first).
                let down = value.as_nanos() / step;
                let up = down + 1;
                let (min, max) = (option.min as u128, option.max as u128);
                say!(m; str(platform) " counts `" key(knob) "` in " str(unit) " (" str(option.name)
                    "), so " dur(value) " would be cut; write \"");
                if down >= min {
                    say!(m; dur(duration_from_nanos(down * step)));
                    if up <= max {
                        say!(m; "\" or \"");
                    }
                }
                if up <= max {
                    say!(m; dur(duration_from_nanos(up * step)));
                }
                say!(m; "\"");
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
                say!(m; "`user_timeout = \"" dur(user_timeout));
                if user_timeout.as_nanos() < probes_end.as_nanos() {
                    say!(m; "\"` is shorter than timeout + interval × retries = " dur(probes_end)
                        ", so the user timeout wins (Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT) and the connection ends after "
                        dur(actual) ", before `retries = " num(retries) "` is reached");
                } else {
                    say!(m; "\"` is longer than timeout + interval × retries = " dur(probes_end)
                        ", so the user timeout wins (Linux TCP_USER_TIMEOUT replaces TCP_KEEPCNT) and probing goes on past `retries = "
                        num(retries) "` until " dur(actual));
                }
                say!(m; "; write `user_timeout = \"" dur(probes_end) "\"` to match");
                if attribute {
                    say!(m; ", or remove `retries`");
                }
            }
            Violation::UserTimeoutNeeds { missing } => {
                say!(m; "`user_timeout` together with `retries` needs `" key(missing)
                    "` written out, to check that the two end the connection at the same time; add `"
                    key(missing) "`");
                if attribute {
                    say!(m; " or remove `retries`");
                }
            }
            Violation::DetectionNeeds { missing } => say!(m;
                "`max_detect` needs `" key(missing)
                "` written out: without it the worst case rests on an OS default that an administrator may change (Linux: net.ipv4.tcp_keepalive_"
                str(match missing {
                    Knob::Timeout => "time",
                    Knob::Interval => "intvl",
                    _ => "probes",
                }) ")"),
            Violation::DetectionDisabled if attribute => say!(m;
                "`max_detect` with `enabled = false`: with keep-alive off a silent peer is never detected; remove one of them"),
            Violation::DetectionDisabled => say!(m;
                "the type's `max_detect` with `enabled = false`: with keep-alive off a silent peer is never detected; leave `enabled = false` out of the override"),
            Violation::DetectionAbove {
                worst,
                bound,
                policy,
                in_flight,
            } => {
                let probes_end = match policy.probe_sequence_end() {
                    Ok(end) => end.as_nanos(),
                    Err(_) => 0,
                };
                say!(m; "worst-case dead-peer detection ");
                if in_flight {
                    say!(m; "with data in flight (user_timeout) ");
                } else if probes_end == worst.as_nanos() {
                    say!(m; "timeout + interval × retries ");
                } else {
                    // Linux: a user timeout ends the probing at the first probe past it.
                    say!(m; "(first probe past user_timeout) ");
                }
                say!(m; "= " dur(worst) " exceeds `max_detect = \"" dur(bound) "\"`; lower ");
                if in_flight {
                    say!(m; "`user_timeout`");
                } else {
                    push_largest_term(&mut m, &policy);
                }
            }
            Violation::DetectionOverflow => {
                say!(m; "timeout + interval × retries overflows; lower one of them")
            }
            Violation::ProbeSpanWraps {
                platform,
                span,
                longest,
            } => say!(m;
                "timeout + interval × retries = " dur(span) " is longer than " str(platform)
                "'s keep-alive timer counts (" dur(longest)
                "): the kernel's tick count would wrap and drop the connection at the wrong time; lower `retries` or `interval`"),
            Violation::DetectionInFlight {
                platform,
                in_flight,
                option,
                suggested,
            } => {
                say!(m; "`max_detect` covers connections with data in flight too, and ");
                push_no_probes(&mut m, platform, in_flight);
                match option {
                    Some(option) => say!(m;
                        "bound that case with `user_timeout = \"" dur(suggested) "\"` (" str(option) ")"),
                    None => say!(m;
                        str(platform) " has no per-socket bound on retransmission, so nothing bounds that case there"),
                }
                if attribute {
                    say!(m; str(if option.is_some() { ", or" } else { ";" })
                        " add `detect_idle_only = true` if the bound is meant for idle connections only");
                }
            }
            Violation::BestEffortUncertified {
                knob,
                platform,
                bound,
            } => {
                say!(m; "`best_effort = true` leaves `" key(knob) "` out on " str(platform)
                    ", which has no option for it, but ");
                match bound {
                    Certified::MaxDetect => say!(m; "`max_detect`"),
                    Certified::Bounds(b) => say!(m; str(b.owner()) "::" str(b.name())),
                }
                say!(m; " rests on `" key(knob) "`: a bound is certified only for what the target applies; ");
                if attribute {
                    say!(m; "remove `" key(knob) "` or `best_effort = true`, or drop the bound");
                } else {
                    say!(m; "leave `" key(knob) "` out of the override");
                }
            }
            Violation::Bound(b) => return b.words(reader),
        }
        m
    }
}

/// Who reads a message, and so what its advice may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reader {
    /// The author of a `#[keepalive(...)]` attribute, who can write or remove any key.
    Attribute,
    /// The author of a run-time override (a configuration file, the environment), who can
    /// write keys but not remove one the type's default writes, nor change what the type
    /// enforces.
    Override,
}

impl BoundViolation {
    /// The message, built in `const` context.
    pub const fn message(&self) -> Message {
        self.words(Reader::Attribute)
    }

    /// The message for `reader` ([`Violation::words`]).
    pub(crate) const fn words(&self, reader: Reader) -> Message {
        let attribute = matches!(reader, Reader::Attribute);
        let mut m = Message::new();
        match self.bounds.setting() {
            Some(setting) => say!(m; "this policy breaks the build-wide bounds `"
                str(crate::setting::BUILD_BOUNDS_VAR) " = \"" str(setting) "\"` ("
                str(crate::setting::ORIGIN) "): "),
            None => {
                say!(m; "this policy breaks " str(self.bounds.owner()) "::" str(self.bounds.name()) ": ")
            }
        }
        match self.kind {
            BoundKind::RequireEnabled if attribute => {
                say!(m; "keep-alive is required; remove `enabled = false`")
            }
            BoundKind::RequireEnabled => {
                say!(m; "keep-alive is required; leave `enabled = false` out of the override")
            }
            BoundKind::Required(knob) => {
                say!(m; "`" key(knob) "` must be written out");
                if let Some(limit) = self.limit {
                    say!(m; " (the bound is " val(limit) ")");
                }
                say!(m; "; add `" key(knob) " = ...`");
            }
            BoundKind::AtMost(knob) | BoundKind::AtLeast(knob) => {
                let most = matches!(self.kind, BoundKind::AtMost(_));
                say!(m; "`" key(knob) " = ");
                if let Some(value) = self.value {
                    say!(m; val(value));
                }
                say!(m; str(if most { "` is above its maximum of " } else { "` is below its minimum of " }));
                if let Some(limit) = self.limit {
                    say!(m; val(limit));
                }
                say!(m; str(if most { "; write at most " } else { "; write at least " }));
                if let Some(limit) = self.limit {
                    say!(m; val(limit));
                }
            }
            BoundKind::MaxDetection => {
                say!(m; "worst-case dead-peer detection ");
                match self.value {
                    Some(value) => say!(m; val(value)),
                    None => say!(m; "(overflows)"),
                }
                say!(m; " exceeds the bound of ");
                if let Some(limit) = self.limit {
                    say!(m; val(limit));
                }
                say!(m; "; lower `timeout`, `interval` or `retries`");
            }
            BoundKind::IdleSilence { middlebox, silence } => {
                say!(m; "`timeout = ");
                if let Some(value) = self.value {
                    say!(m; val(value));
                }
                say!(m; "` lets the flow sit idle for up to " dur(silence)
                    " (the kernel fires the first probe up to an eighth of the timeout late, plus 20 ms), longer than the "
                    dur(middlebox.idle) " idle timeout of ");
                push_about(&mut m, middlebox.about);
                say!(m; ", which then drops it; ");
                match self.limit {
                    Some(limit) => say!(m; "write at most `timeout = " val(limit) "`"),
                    None => say!(m; "no timeout is short enough for it"),
                }
            }
            BoundKind::NotRefreshed(about) => {
                say!(m; "TCP keep-alive cannot keep a flow through ");
                push_about(&mut m, about);
                say!(m; " alive: its idle timer counts payload only, and keep-alive probes carry none; application-level pings (an HTTP/2 PING, a WebSocket ping, a request) sent more often than its idle timeout are needed, with `"
                    str(about.key) "` left out of these bounds");
            }
            BoundKind::InFlight {
                platform,
                in_flight,
                option,
            } => {
                say!(m; "its detection bound covers connections with data in flight, and ");
                push_no_probes(&mut m, platform, in_flight);
                match (option, self.limit) {
                    (Some(option), Some(suggested)) => say!(m;
                        "bound that case with `user_timeout = " val(suggested) "` (" str(option) ")"),
                    _ => say!(m;
                        str(platform) " has no per-socket bound on retransmission, so this bound cannot be met there"),
                }
            }
        }
        m
    }
}

/// "AWS Network Load Balancer (`AWS_NLB`, configurable 60–6000 s; <source>, read <date>)",
/// or for a figure of the user's own "a limit of your own (`idle_limit`)".
const fn push_about(m: &mut Message, b: &crate::middlebox::About) {
    if b.source.is_empty() {
        say!(m; str(b.name));
        return;
    }
    say!(m; str(b.name) " (`" str(b.key) "`");
    match b.configurable {
        Some(Some((low, high))) => {
            say!(m; ", configurable " num(low.as_secs()) "–" num(high.as_secs()) " s")
        }
        Some(None) => say!(m; ", configurable"),
        None => {}
    }
    say!(m; "; " str(b.source) ", read " str(b.read) ")");
}

/// "<platform> sends no keep-alive probe while sent data is unacknowledged; ", or where the
/// OS only does not document it, says that.
const fn push_no_probes(m: &mut Message, platform: &str, in_flight: InFlight) {
    say!(m; str(platform) str(match in_flight {
        InFlight::UserTimeoutBoundsRetransmission => {
            " does not document keep-alive probes while sent data is unacknowledged; "
        }
        _ => " sends no keep-alive probe while sent data is unacknowledged; ",
    }));
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
    let (side, write) = if above {
        ("maximum", "write at most")
    } else {
        ("minimum", "write at least")
    };
    say!(m; "`" key(knob) " = " val(value) "` is " str(if above { "above" } else { "below" })
        " the " str(side) " " str(platform) " accepts for " str(option.name) " (" num(limit));
    if !matches!(option.unit, Unit::Count) {
        say!(m; " " str(option.unit.symbol()));
    }
    say!(m; "); " str(write) " ");
    // The limit as the user would write it: `"32767s"` or `127`.
    match option.unit.step_nanos() {
        None => say!(m; num(limit)),
        Some(step) => say!(m; "\"" dur(duration_from_nanos(limit as u128 * step as u128)) "\""),
    }
}

pub(crate) const fn duration_from_nanos(nanos: u128) -> Duration {
    Duration::new(
        (nanos / 1_000_000_000) as u64,
        (nanos % 1_000_000_000) as u32,
    )
}

const fn push_largest_term(m: &mut Message, policy: &Policy) {
    let (Some(timeout), Some(interval)) = (policy.timeout(), policy.interval()) else {
        say!(m; "`timeout`");
        return;
    };
    let probes = match policy.retries() {
        Some(n) => interval.as_nanos() * n as u128,
        None => interval.as_nanos(),
    };
    if timeout.as_nanos() >= probes {
        say!(m; "`timeout` (" dur(timeout) "), the largest term");
    } else {
        say!(m; "`interval` (" dur(interval) ") or `retries`, whose product is the largest term");
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

impl core::fmt::Display for BoundViolation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message().as_str())
    }
}

impl std::error::Error for BoundViolation {}

impl DurationError {
    /// The message without the byte offset, for callers that point at the input
    /// themselves (the attribute macro spans the literal).
    ///
    /// ```
    /// let err = keepalive_runtime::config::parse_duration("5").unwrap_err();
    /// assert_eq!(err.message().as_str(), "`5` has no unit; write \"5s\" (units: ms, s, m, h)");
    /// ```
    pub const fn message(&self) -> Message {
        let mut out = Message::new();
        self.write(&mut out);
        out
    }

    /// The message, without the offset, as a const-evaluable string.
    pub(crate) const fn write(&self, out: &mut Message) {
        let found = self.found.as_str();
        match self.kind {
            DurationErrorKind::Empty => {
                say!(out; "empty duration; write a number with a unit, such as \"30s\"")
            }
            DurationErrorKind::ExpectedNumber => say!(out;
                "expected a number at `" str(found)
                "`; a duration is a number with a unit, such as \"30s\" or \"1h 30m\""),
            DurationErrorKind::Negative => {
                say!(out; "a duration cannot be negative; remove the `-`")
            }
            DurationErrorKind::Fraction => say!(out;
                "fractions are not part of the grammar; use a smaller unit, such as \"1500ms\" for 1.5 s or \"90m\" for 1.5 h"),
            DurationErrorKind::MissingUnit { value } => say!(out;
                "`" str(found) "` has no unit; write \"" num(value) "s\" (units: ms, s, m, h)"),
            DurationErrorKind::UnknownUnit { suggestion } => {
                say!(out; "unknown unit `" str(found));
                match suggestion {
                    Some(unit) => say!(out; "`; write `" str(unit.symbol()) "`"),
                    None => say!(out; "`; units are ms, s, m (or min) and h"),
                }
            }
            DurationErrorKind::UnitOrder { unit, after } => say!(out;
                "`" str(unit.symbol()) "` after `" str(after.symbol())
                "`; write each unit once, largest first, such as \"1h 30m\""),
            DurationErrorKind::Overflow => {
                say!(out; "duration too large: the total must fit in u64::MAX milliseconds")
            }
        }
    }
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Message::new();
        self.write(&mut out);
        write!(f, "{} (at byte {})", out.as_str(), self.offset)
    }
}

impl std::error::Error for DurationError {}

impl fmt::Display for DetectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetectionError::Disabled => f.write_str("keep-alive is off"),
            DetectionError::Missing(knob) => {
                write!(
                    f,
                    "`{knob}` is left to the OS default, so the bound is unknown"
                )
            }
            DetectionError::Overflow => f.write_str("timeout + interval × retries overflows"),
        }
    }
}

impl std::error::Error for DetectionError {}

//! The keep-alive policy: what to set on a socket, as plain `const`-constructible data.

use core::fmt;
use core::time::Duration;

use crate::knob::{Knob, KnobValue};
use crate::platform::{InFlight, Platform};
use crate::text::Message;

/// A TCP keep-alive policy: keep-alive on with some timings written out (the rest left as
/// the OS has them), or deliberately off.
///
/// Built in `const` context, so a policy can be checked while the crate compiles:
///
/// ```
/// use core::time::Duration;
/// use keepalive_runtime::Policy;
///
/// const POLICY: Policy = Policy::new()
///     .with_timeout(Duration::from_secs(30))
///     .with_interval(Duration::from_secs(5))
///     .with_retries(4);
/// assert_eq!(POLICY.worst_case_detection(), Ok(Duration::from_secs(50)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Policy {
    enabled: bool,
    timeout: Option<Duration>,
    interval: Option<Duration>,
    retries: Option<u32>,
    user_timeout: Option<Duration>,
}

impl Default for Policy {
    fn default() -> Self {
        Self::new()
    }
}

/// The policy in the attribute's own syntax, each written knob in the attribute's order:
/// `timeout = "2h", interval = "1s", retries = 5` (and `user_timeout = ...`). A disabled
/// policy starts with `enabled = false`. A policy that writes no knob and leaves keep-alive
/// on (`Policy::new()`, the attribute alone) shows as `enabled = true`, which the attribute
/// reads as that same policy, so the text is never empty. Durations are in the grammar of
/// [`format_duration`](crate::format_duration): whole milliseconds, as the attribute writes
/// them.
///
/// ```
/// use core::time::Duration;
/// use keepalive_runtime::Policy;
///
/// let policy = Policy::new()
///     .with_timeout(Duration::from_secs(7200))
///     .with_interval(Duration::from_secs(1))
///     .with_retries(5);
/// assert_eq!(policy.to_string(), r#"timeout = "2h", interval = "1s", retries = 5"#);
/// assert_eq!(Policy::disabled().to_string(), "enabled = false");
/// assert_eq!(Policy::new().to_string(), "enabled = true");
/// ```
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        if !self.enabled {
            f.write_str("enabled = false")?;
            first = false;
        }
        for knob in Knob::ALL {
            let Some(value) = self.get(knob) else {
                continue;
            };
            let mut shown = Message::new();
            shown.push_value(value);
            let separator = if first { "" } else { ", " };
            write!(f, "{separator}{knob} = {}", shown.as_str())?;
            first = false;
        }
        if first {
            f.write_str("enabled = true")?;
        }
        Ok(())
    }
}

/// The worst-case time to detect a dead peer on one target ([`Policy::detection_on`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Detection {
    /// An idle connection: the end of the probe sequence.
    pub idle: Duration,
    /// A connection with sent data unacknowledged; `None` where nothing the policy sets
    /// bounds it (Linux and Windows without `user_timeout`: retransmissions go on for the
    /// OS's own limit, about 15 minutes with Linux's default `tcp_retries2`). Linux checks
    /// the user timeout when the retransmission timer fires, so the connection ends up to
    /// one retransmission timeout past this value (measured: 4.42 s for 4 s with a 0.2 s
    /// timeout, tests/tests/dead_peer_in_flight.rs).
    pub in_flight: Option<Duration>,
}

/// Why [`Policy::worst_case_detection`] has no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectionError {
    /// Keep-alive is off: a silent peer is never detected by probes.
    Disabled,
    /// A knob the bound depends on is left to the OS, whose default an administrator may
    /// change (Linux: `net.ipv4.tcp_keepalive_*`).
    Missing(Knob),
    /// The sum does not fit in a [`Duration`].
    Overflow,
}

impl Policy {
    /// Keep-alive on, every timing left to the OS (`#[keepalive]` alone).
    pub const fn new() -> Self {
        Policy {
            enabled: true,
            timeout: None,
            interval: None,
            retries: None,
            user_timeout: None,
        }
    }

    /// Keep-alive deliberately off (`#[keepalive(enabled = false)]`).
    pub const fn disabled() -> Self {
        Policy {
            enabled: false,
            ..Policy::new()
        }
    }

    /// Sets the idle time before the first probe.
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the time between unanswered probes.
    pub const fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Sets the number of unanswered probes before the connection is dropped.
    pub const fn with_retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// Sets the longest time sent data may stay unacknowledged (Linux `TCP_USER_TIMEOUT`).
    pub const fn with_user_timeout(mut self, user_timeout: Duration) -> Self {
        self.user_timeout = Some(user_timeout);
        self
    }

    /// Sets one knob from a value of the right kind; a mismatched kind is returned unchanged
    /// as `Err`.
    pub const fn with(self, knob: Knob, value: KnobValue) -> Result<Self, KnobValue> {
        match (knob, value) {
            (Knob::Timeout, KnobValue::Time(d)) => Ok(self.with_timeout(d)),
            (Knob::Interval, KnobValue::Time(d)) => Ok(self.with_interval(d)),
            (Knob::UserTimeout, KnobValue::Time(d)) => Ok(self.with_user_timeout(d)),
            (Knob::Retries, KnobValue::Count(n)) => Ok(self.with_retries(n)),
            (_, value) => Err(value),
        }
    }

    /// Leaves one knob to the OS again.
    pub const fn without(mut self, knob: Knob) -> Self {
        match knob {
            Knob::Timeout => self.timeout = None,
            Knob::Interval => self.interval = None,
            Knob::Retries => self.retries = None,
            Knob::UserTimeout => self.user_timeout = None,
        }
        self
    }

    /// Whether keep-alive is on.
    pub const fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// Idle time before the first probe, if written.
    pub const fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Time between unanswered probes, if written.
    pub const fn interval(&self) -> Option<Duration> {
        self.interval
    }

    /// Unanswered probes before the connection is dropped, if written.
    pub const fn retries(&self) -> Option<u32> {
        self.retries
    }

    /// Longest time sent data may stay unacknowledged, if written.
    pub const fn user_timeout(&self) -> Option<Duration> {
        self.user_timeout
    }

    /// The value of one knob, if written.
    pub const fn get(&self, knob: Knob) -> Option<KnobValue> {
        match knob {
            Knob::Timeout => match self.timeout {
                Some(d) => Some(KnobValue::Time(d)),
                None => None,
            },
            Knob::Interval => match self.interval {
                Some(d) => Some(KnobValue::Time(d)),
                None => None,
            },
            Knob::Retries => match self.retries {
                Some(n) => Some(KnobValue::Count(n)),
                None => None,
            },
            Knob::UserTimeout => match self.user_timeout {
                Some(d) => Some(KnobValue::Time(d)),
                None => None,
            },
        }
    }

    /// The worst-case dead-peer detection time of an idle connection on the compilation
    /// target ([`TARGET`](crate::TARGET); the probe sequence where the OS is outside the
    /// table): [`Policy::detection_on`]'s `idle`. On Linux a set `user_timeout` ends the
    /// probing at the first probe past it, whatever the count.
    pub const fn worst_case_detection(&self) -> Result<Duration, DetectionError> {
        let in_flight = match crate::TARGET {
            Some(platform) => platform.in_flight,
            None => InFlight::ProbesCover,
        };
        match self.detection_with(in_flight) {
            Ok(d) => Ok(d.idle),
            Err(e) => Err(e),
        }
    }

    /// The worst-case dead-peer detection time on `platform`, for an idle connection and for
    /// one with sent data unacknowledged, from what each OS's source says (see
    /// [`InFlight`]).
    ///
    /// - Idle: `timeout + interval × retries`. On Linux, with `user_timeout` set, the
    ///   connection ends at the first probe sent after the user timeout has passed, whatever
    ///   the count (`tcp_keepalive_timer` in net/ipv4/tcp_timer.c; measured here: idle 1 s,
    ///   interval 1 s, retries 3 and a user timeout of 2.5 s ends after 3 s, of 6.5 s after
    ///   7 s), so `retries` is not needed there.
    /// - Data in flight: on Linux and Windows keep-alive does not probe (Linux measured: no
    ///   error within 30 s with 1 s + 3 × 1 s), so only `user_timeout` bounds it
    ///   (TCP_USER_TIMEOUT, TCP_MAXRT) and `in_flight` is `None` without it. On the BSDs,
    ///   Apple and illumos the keep-alive timer counts from the last segment received, so
    ///   the idle answer holds.
    ///
    /// ```
    /// use core::time::Duration;
    /// use keepalive_runtime::Policy;
    /// use keepalive_runtime::platform::{APPLE, LINUX};
    ///
    /// let p = Policy::new()
    ///     .with_timeout(Duration::from_secs(1))
    ///     .with_interval(Duration::from_secs(1))
    ///     .with_retries(3);
    /// let linux = p.detection_on(&LINUX)?;
    /// assert_eq!((linux.idle, linux.in_flight), (Duration::from_secs(4), None));
    /// let apple = p.detection_on(&APPLE)?;
    /// assert_eq!(apple.in_flight, Some(Duration::from_secs(4)));
    /// let bounded = p.with_user_timeout(Duration::from_secs(4)).detection_on(&LINUX)?;
    /// assert_eq!(bounded.in_flight, Some(Duration::from_secs(4)));
    /// # Ok::<(), keepalive_runtime::rules::DetectionError>(())
    /// ```
    pub const fn detection_on(&self, platform: &Platform) -> Result<Detection, DetectionError> {
        self.detection_with(platform.in_flight)
    }

    pub(crate) const fn detection_with(
        &self,
        in_flight: InFlight,
    ) -> Result<Detection, DetectionError> {
        if !self.enabled {
            return Err(DetectionError::Disabled);
        }
        let Some(timeout) = self.timeout else {
            return Err(DetectionError::Missing(Knob::Timeout));
        };
        let Some(interval) = self.interval else {
            return Err(DetectionError::Missing(Knob::Interval));
        };
        let ends_probing = matches!(in_flight, InFlight::UserTimeoutEndsProbing);
        let probes = match (self.user_timeout, self.retries) {
            (Some(user_timeout), _) if ends_probing => {
                Self::probes_until(timeout, interval, user_timeout)
            }
            (_, Some(n)) => n as u128,
            (_, None) => return Err(DetectionError::Missing(Knob::Retries)),
        };
        let idle = match Self::probe_sequence(timeout, interval, probes) {
            Ok(idle) => idle,
            Err(e) => return Err(e),
        };
        let in_flight = match in_flight {
            InFlight::ProbesCover => Some(idle),
            InFlight::UserTimeoutEndsProbing | InFlight::UserTimeoutBoundsRetransmission => {
                self.user_timeout
            }
        };
        Ok(Detection { idle, in_flight })
    }

    /// `timeout + interval × retries` from written values only; `user_timeout` is not
    /// consulted.
    pub const fn probe_sequence_end(&self) -> Result<Duration, DetectionError> {
        let Some(timeout) = self.timeout else {
            return Err(DetectionError::Missing(Knob::Timeout));
        };
        let Some(interval) = self.interval else {
            return Err(DetectionError::Missing(Knob::Interval));
        };
        let Some(retries) = self.retries else {
            return Err(DetectionError::Missing(Knob::Retries));
        };
        Self::probe_sequence(timeout, interval, retries as u128)
    }

    const fn probe_sequence(
        timeout: Duration,
        interval: Duration,
        probes: u128,
    ) -> Result<Duration, DetectionError> {
        // Duration's own arithmetic where the count fits its multiplier: no 128-bit
        // division, which costs more than the rest of a status forecast together.
        if probes <= u32::MAX as u128 {
            return match interval.checked_mul(probes as u32) {
                Some(span) => match timeout.checked_add(span) {
                    Some(total) => Ok(total),
                    None => Err(DetectionError::Overflow),
                },
                None => Err(DetectionError::Overflow),
            };
        }
        // In nanoseconds as u128: no step of this can overflow, only the final Duration.
        let total = timeout.as_nanos() + interval.as_nanos() * probes;
        let secs = total / 1_000_000_000;
        if secs > u64::MAX as u128 {
            return Err(DetectionError::Overflow);
        }
        Ok(Duration::new(secs as u64, (total % 1_000_000_000) as u32))
    }

    /// The smallest `k ≥ 1` with `timeout + interval × k ≥ user_timeout`.
    const fn probes_until(timeout: Duration, interval: Duration, user_timeout: Duration) -> u128 {
        let (t, i, u) = (
            timeout.as_nanos(),
            interval.as_nanos(),
            user_timeout.as_nanos(),
        );
        if u <= t + i || i == 0 {
            return 1;
        }
        (u - t).div_ceil(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn detection_is_timeout_plus_interval_times_retries() {
        let p = Policy::new()
            .with_timeout(s(1))
            .with_interval(s(1))
            .with_retries(3);
        assert_eq!(p.worst_case_detection(), Ok(s(4)));
        let p = Policy::new()
            .with_timeout(s(7200))
            .with_interval(s(1))
            .with_retries(10);
        assert_eq!(p.worst_case_detection(), Ok(s(7210)));
    }

    #[test]
    fn detection_names_what_is_missing() {
        let p = Policy::new().with_interval(s(1)).with_retries(3);
        assert_eq!(
            p.worst_case_detection(),
            Err(DetectionError::Missing(Knob::Timeout))
        );
        let p = Policy::new().with_timeout(s(1)).with_retries(3);
        assert_eq!(
            p.worst_case_detection(),
            Err(DetectionError::Missing(Knob::Interval))
        );
        let p = Policy::new().with_timeout(s(1)).with_interval(s(1));
        assert_eq!(
            p.worst_case_detection(),
            Err(DetectionError::Missing(Knob::Retries))
        );
        assert_eq!(
            Policy::disabled().worst_case_detection(),
            Err(DetectionError::Disabled)
        );
    }

    #[test]
    fn detection_overflow_is_an_error() {
        let p = Policy::new()
            .with_timeout(Duration::MAX)
            .with_interval(Duration::MAX)
            .with_retries(u32::MAX);
        assert_eq!(p.worst_case_detection(), Err(DetectionError::Overflow));
        let p = Policy::new()
            .with_timeout(Duration::MAX)
            .with_interval(s(1))
            .with_retries(1);
        assert_eq!(p.worst_case_detection(), Err(DetectionError::Overflow));
    }

    #[test]
    fn user_timeout_ends_at_the_first_probe_past_it() {
        // PLATFORMS.md L2: 2.5 s -> 3 s, 6.5 s -> 7 s, count ignored.
        let base = Policy::new()
            .with_timeout(s(1))
            .with_interval(s(1))
            .with_retries(3);
        let linux = |p: Policy| p.detection_on(&crate::LINUX).map(|d| d.idle);
        let p = base.with_user_timeout(Duration::from_millis(2_500));
        assert_eq!(linux(p), Ok(s(3)));
        let p = base.with_user_timeout(Duration::from_millis(6_500));
        assert_eq!(linux(p), Ok(s(7)));
        // At least one probe is always sent.
        let p = base.with_user_timeout(Duration::from_millis(100));
        assert_eq!(linux(p), Ok(s(2)));
        // Retries need not be written once the user timeout decides.
        let p = base.without(Knob::Retries).with_user_timeout(s(4));
        assert_eq!(linux(p), Ok(s(4)));
        // Elsewhere the user timeout leaves probing alone: the count decides.
        let p = base.with_user_timeout(Duration::from_millis(2_500));
        assert_eq!(p.detection_on(&crate::APPLE).map(|d| d.idle), Ok(s(4)));
        assert_eq!(
            p.detection_on(&crate::WINDOWS).map(|d| d.in_flight),
            Ok(Some(Duration::from_millis(2_500)))
        );
    }

    #[test]
    fn knobs_by_name() {
        let p = Policy::new()
            .with(Knob::Retries, KnobValue::Count(5))
            .unwrap();
        assert_eq!(p.get(Knob::Retries), Some(KnobValue::Count(5)));
        assert_eq!(p.get(Knob::Timeout), None);
        assert_eq!(
            Policy::new().with(Knob::Timeout, KnobValue::Count(5)),
            Err(KnobValue::Count(5))
        );
        assert_eq!(p.without(Knob::Retries), Policy::new());
        assert_eq!(Knob::UserTimeout.to_string(), "user_timeout");
    }
}

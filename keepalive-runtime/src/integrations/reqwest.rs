//! reqwest (feature `reqwest`): a policy type mapped onto reqwest's `ClientBuilder`.
//!
//! reqwest makes its sockets itself and only logs an option the OS refuses, so the policy
//! goes in through its setters. Copying a policy into them by hand goes wrong twice over:
//! reqwest takes `None` as "keep-alive off" (so "on, with the OS's timings" cannot be
//! written), and it sets defaults of its own for every knob a policy leaves to the OS (idle
//! 15 s, interval 15 s, 3 probes and, on Linux, a 30 s TCP_USER_TIMEOUT, which there
//! replaces the probe count). [`configure`] sets every knob the policy writes, clears
//! reqwest's default for every knob it leaves to the OS (the OS's value then stands) and
//! names each in the returned [`Mapping`], and refuses what reqwest cannot express.
//!
//! ```no_run
//! use keepalive_runtime::integrations::reqwest::configure;
//! use keepalive_runtime::keepalive;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
//! struct Api;
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let (builder, mapping) = configure::<Api>(reqwest::Client::builder())?;
//! for change in mapping.changes() {
//!     println!("{change}"); // nothing here: the policy writes every knob
//! }
//! let client = builder.build()?;
//! # Ok(()) }
//! ```

use core::fmt;
use core::time::Duration;

use ::reqwest::ClientBuilder;
use keepalive_core::rules::validate;
use keepalive_core::{Knob, KnobValue, TARGET, Violation, format_duration};

use crate::ConnectPolicy;

/// reqwest 0.13's defaults (`ClientBuilder::new`), read in its source.
const REQWEST_IDLE: Duration = Duration::from_secs(15);
const REQWEST_INTERVAL: Duration = Duration::from_secs(15);
const REQWEST_RETRIES: u32 = 3;
/// Set by reqwest on Linux, Android and Fuchsia only.
#[cfg_attr(
    not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")),
    allow(dead_code)
)]
const REQWEST_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// Windows sends idle time and interval in one call (SIO_KEEPALIVE_VALS): socket2, under
/// reqwest, sends an unset one as 0 ms, so an unset one is sent as the documented default.
#[cfg(windows)]
const WINDOWS_IDLE: Duration = Duration::from_secs(2 * 60 * 60);
#[cfg(windows)]
const WINDOWS_INTERVAL: Duration = Duration::from_secs(1);

/// Sets the policy type `P` on `builder`: every knob `P` writes, and `None` (leave the OS's
/// value) for every knob `P` leaves to the OS that reqwest would otherwise set. The
/// [`Mapping`] names each of those, and each knob the mapping could not leave to the OS.
///
/// Refused, with [`Unexpressible`]:
/// - keep-alive on with every timing left to the OS (`#[keepalive]` alone, or with
///   `user_timeout` only): reqwest turns keep-alive on only together with a timing;
/// - a knob reqwest cannot set on this target (`user_timeout` outside Linux, Android and
///   Fuchsia; `retries` on Windows, which hyper-util drops), unless `P` is
///   `best_effort = true`: then the knob is left out and named in the mapping;
/// - a policy the target cannot honour (a policy type written by hand, out of range):
///   reqwest would only log the OS's refusal.
pub fn configure<P: ConnectPolicy>(
    builder: ClientBuilder,
) -> Result<(ClientBuilder, Mapping), Unexpressible> {
    let policy = P::POLICY;
    if let Err(mut violations) = validate(&policy, TARGET) {
        if P::BEST_EFFORT {
            violations.retain(|v| !matches!(v, Violation::Unsupported { .. }));
        }
        if !violations.is_empty() {
            return Err(Unexpressible::Invalid(violations));
        }
    }
    let mut mapping = Mapping::default();
    let mut builder = builder;

    if !policy.is_enabled() {
        // No keep-alive setter called: a new socket has SO_KEEPALIVE off.
        mapping.push(
            Knob::Timeout,
            Change::Cleared(KnobValue::Time(REQWEST_IDLE)),
        );
        mapping.push(
            Knob::Interval,
            Change::Cleared(KnobValue::Time(REQWEST_INTERVAL)),
        );
        mapping.push(
            Knob::Retries,
            Change::Cleared(KnobValue::Count(REQWEST_RETRIES)),
        );
        builder = builder
            .tcp_keepalive(None)
            .tcp_keepalive_interval(None)
            .tcp_keepalive_retries(None);
        builder = user_timeout(builder, None, &mut mapping);
        return Ok((builder, mapping));
    }

    let (timeout, interval, retries) = (policy.timeout(), policy.interval(), policy.retries());
    if timeout.is_none() && interval.is_none() && retries.is_none() {
        return Err(Unexpressible::OsTimings);
    }

    #[cfg(windows)]
    let (timeout, interval) = {
        let mut sent = |knob, value: Option<Duration>, default| {
            value.or_else(|| {
                mapping.push(knob, Change::SentOsDefault(KnobValue::Time(default)));
                Some(default)
            })
        };
        (
            sent(Knob::Timeout, timeout, WINDOWS_IDLE),
            sent(Knob::Interval, interval, WINDOWS_INTERVAL),
        )
    };
    if timeout.is_none() {
        mapping.push(
            Knob::Timeout,
            Change::Cleared(KnobValue::Time(REQWEST_IDLE)),
        );
    }
    if interval.is_none() {
        mapping.push(
            Knob::Interval,
            Change::Cleared(KnobValue::Time(REQWEST_INTERVAL)),
        );
    }
    builder = builder
        .tcp_keepalive(timeout)
        .tcp_keepalive_interval(interval);

    // hyper-util, under reqwest, drops a retry count on Windows without a word.
    let retries = if cfg!(windows) && retries.is_some() {
        if !P::BEST_EFFORT {
            return Err(Unexpressible::NoSetter(Knob::Retries));
        }
        mapping.push(Knob::Retries, Change::LeftOut);
        None
    } else {
        if retries.is_none() {
            mapping.push(
                Knob::Retries,
                Change::Cleared(KnobValue::Count(REQWEST_RETRIES)),
            );
        }
        retries
    };
    builder = builder.tcp_keepalive_retries(retries);

    let wanted = policy.user_timeout();
    let builder = user_timeout_checked(builder, wanted, P::BEST_EFFORT, &mut mapping)?;
    Ok((builder, mapping))
}

#[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
fn user_timeout_checked(
    builder: ClientBuilder,
    wanted: Option<Duration>,
    _best_effort: bool,
    mapping: &mut Mapping,
) -> Result<ClientBuilder, Unexpressible> {
    Ok(user_timeout(builder, wanted, mapping))
}

#[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
fn user_timeout_checked(
    builder: ClientBuilder,
    wanted: Option<Duration>,
    best_effort: bool,
    mapping: &mut Mapping,
) -> Result<ClientBuilder, Unexpressible> {
    if wanted.is_some() {
        if !best_effort {
            return Err(Unexpressible::NoSetter(Knob::UserTimeout));
        }
        mapping.push(Knob::UserTimeout, Change::LeftOut);
    }
    Ok(builder)
}

/// reqwest's TCP_USER_TIMEOUT setter, where it has one: the policy's value, or `None`
/// instead of reqwest's 30 s default.
#[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
fn user_timeout(
    builder: ClientBuilder,
    wanted: Option<Duration>,
    mapping: &mut Mapping,
) -> ClientBuilder {
    if wanted.is_none() {
        mapping.push(
            Knob::UserTimeout,
            Change::Cleared(KnobValue::Time(REQWEST_USER_TIMEOUT)),
        );
    }
    builder.tcp_user_timeout(wanted)
}

#[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
fn user_timeout(builder: ClientBuilder, _: Option<Duration>, _: &mut Mapping) -> ClientBuilder {
    builder
}

/// What [`configure`] did differently from copying the policy into reqwest's setters: one
/// [`Change`] per knob at most. `Copy`, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mapping {
    changes: [Option<(Knob, Change)>; 4],
}

impl Mapping {
    fn push(&mut self, knob: Knob, change: Change) {
        self.changes[knob as usize] = Some((knob, change));
    }

    /// The knobs reqwest would have set differently, in [`Knob::ALL`] order.
    pub fn changes(&self) -> impl Iterator<Item = KnobChange> + '_ {
        self.changes
            .iter()
            .flatten()
            .map(|&(knob, change)| KnobChange { knob, change })
    }

    /// What happened to `knob`, if anything differs from the policy as written.
    pub fn change(&self, knob: Knob) -> Option<Change> {
        self.changes[knob as usize].map(|(_, change)| change)
    }
}

/// One knob of a [`Mapping`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnobChange {
    /// The knob.
    pub knob: Knob,
    /// What was done to it.
    pub change: Change,
}

/// How a knob's setting differs from reqwest's behaviour or from the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The policy leaves the knob to the OS; reqwest would have set this default of its
    /// own. It was cleared (`None`): the OS's value stands.
    Cleared(KnobValue),
    /// The policy leaves the knob to the OS, but the OS takes it only together with another
    /// one (Windows SIO_KEEPALIVE_VALS): the OS's documented default was sent.
    SentOsDefault(KnobValue),
    /// reqwest cannot set the knob on this target; left out (`best_effort = true`).
    LeftOut,
}

impl fmt::Display for KnobChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = |f: &mut fmt::Formatter<'_>, v: KnobValue| match v {
            KnobValue::Time(d) => write!(f, "{}", format_duration(d)),
            KnobValue::Count(n) => write!(f, "{n}"),
        };
        write!(f, "{}: ", self.knob)?;
        match self.change {
            Change::Cleared(v) => {
                f.write_str("reqwest's default of ")?;
                value(f, v)?;
                f.write_str(" cleared; the OS's value stands")
            }
            Change::SentOsDefault(v) => {
                f.write_str("the OS's documented default of ")?;
                value(f, v)?;
                f.write_str(" sent, since the OS sets it together with the other timing")
            }
            Change::LeftOut => f.write_str("reqwest cannot set it on this OS; left out"),
        }
    }
}

/// A policy reqwest cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unexpressible {
    /// Keep-alive on with every timing left to the OS: reqwest (through hyper-util) turns
    /// keep-alive on only together with a timing, and `None` means off. Write `timeout`.
    OsTimings,
    /// reqwest has no setter for this knob on this target.
    NoSetter(Knob),
    /// The policy is out of the target's range (a policy type written by hand): reqwest
    /// would only log the OS's refusal.
    Invalid(Vec<Violation>),
}

impl fmt::Display for Unexpressible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unexpressible::OsTimings => f.write_str(
                "reqwest cannot turn keep-alive on with the OS's timings (its `None` turns \
                 keep-alive off): write `timeout` in the policy",
            ),
            Unexpressible::NoSetter(knob) => write!(
                f,
                "reqwest cannot set `{knob}` on this OS; drop it from the policy or add \
                 `best_effort = true`"
            ),
            Unexpressible::Invalid(violations) => {
                f.write_str("the policy is out of this OS's range: ")?;
                keepalive_core::write_violations(f, violations, "; ")
            }
        }
    }
}

impl std::error::Error for Unexpressible {}

#[cfg(test)]
mod tests {
    //! The mapping per target; the sockets reqwest makes are read in tests/integrations.rs.
    //! These also run on Windows (under Wine in CI), where the mapping differs most.
    use super::*;
    use crate::{Apply, KeepAlivePolicy, Policy};

    macro_rules! policy_type {
        ($name:ident = $policy:expr) => {
            struct $name;
            impl KeepAlivePolicy for $name {
                const POLICY: Policy = $policy;
                const APPLY: Apply = Apply::BeforeConnect;
            }
            impl ConnectPolicy for $name {}
        };
        ($name:ident = $policy:expr, best_effort) => {
            struct $name;
            impl KeepAlivePolicy for $name {
                const POLICY: Policy = $policy;
                const APPLY: Apply = Apply::BeforeConnect;
                const BEST_EFFORT: bool = true;
            }
            impl ConnectPolicy for $name {}
        };
    }

    const fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    policy_type!(IdleOnly = Policy::new().with_timeout(secs(45)));
    policy_type!(IntervalOnly = Policy::new().with_interval(secs(5)));
    policy_type!(Counted = Policy::new().with_timeout(secs(30)).with_retries(4));
    policy_type!(
        CountedBestEffort = Policy::new().with_timeout(secs(30)).with_retries(4),
        best_effort
    );
    policy_type!(Bare = Policy::new());

    fn mapping<P: ConnectPolicy>() -> Result<Mapping, Unexpressible> {
        configure::<P>(ClientBuilder::new()).map(|(_, mapping)| mapping)
    }

    #[test]
    fn keepalive_on_with_the_os_timings_is_refused_on_every_os() {
        assert_eq!(mapping::<Bare>().unwrap_err(), Unexpressible::OsTimings);
    }

    #[test]
    fn an_unwritten_interval_is_cleared_or_sent_as_the_os_default() {
        let change = mapping::<IdleOnly>().unwrap().change(Knob::Interval);
        if cfg!(windows) {
            // socket2 would send an unset interval as 0 ms in SIO_KEEPALIVE_VALS.
            assert_eq!(
                change,
                Some(Change::SentOsDefault(KnobValue::Time(secs(1))))
            );
        } else {
            assert_eq!(change, Some(Change::Cleared(KnobValue::Time(secs(15)))));
        }
    }

    #[test]
    fn an_unwritten_idle_time_is_cleared_or_sent_as_the_os_default() {
        let change = mapping::<IntervalOnly>().unwrap().change(Knob::Timeout);
        if cfg!(windows) {
            assert_eq!(
                change,
                Some(Change::SentOsDefault(KnobValue::Time(secs(2 * 60 * 60))))
            );
        } else {
            assert_eq!(change, Some(Change::Cleared(KnobValue::Time(secs(15)))));
        }
    }

    #[test]
    fn a_retry_count_is_refused_where_hyper_util_drops_it() {
        let strict = mapping::<Counted>();
        let best_effort = mapping::<CountedBestEffort>().unwrap();
        if cfg!(windows) {
            assert_eq!(strict.unwrap_err(), Unexpressible::NoSetter(Knob::Retries));
            assert_eq!(best_effort.change(Knob::Retries), Some(Change::LeftOut));
        } else {
            assert_eq!(strict.unwrap().change(Knob::Retries), None);
            assert_eq!(best_effort.change(Knob::Retries), None);
        }
    }

    #[test]
    fn reqwest_user_timeout_is_cleared_where_reqwest_sets_one() {
        let change = mapping::<IdleOnly>().unwrap().change(Knob::UserTimeout);
        if cfg!(any(
            target_os = "android",
            target_os = "fuchsia",
            target_os = "linux"
        )) {
            assert_eq!(change, Some(Change::Cleared(KnobValue::Time(secs(30)))));
        } else {
            assert_eq!(change, None);
        }
    }
}

//! reqwest (feature `reqwest`): a policy mapped onto reqwest's `ClientBuilder`.
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
//! A reqwest client's connections cannot be registered in a `watch::Watch` (feature
//! `watch`): its one hook on them, `ClientBuilder::connector_layer`, must hand back
//! reqwest's own `Conn`, which holds its socket in a private field and is not to be
//! wrapped (reqwest 0.13.5, `src/async_impl/client.rs` at `connector_layer` and
//! `src/connect.rs` at `mod sealed`); to watch a pool, make the requests with hyper-util's
//! client on `integrations::hyper_util::Connector::watched`, or watch the connections
//! where they are accepted.
//!
//! ```no_run
//! use keepalive_runtime::integrations::reqwest::configure;
//! use keepalive_runtime::prelude::*;
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 4, user_timeout = "50s")]
//! struct Api;
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let configured = configure(reqwest::Client::builder(), Api::policy())?;
//! for change in configured.mapping().changes() {
//!     println!("{change}"); // nothing here: the policy writes every knob
//! }
//! let client = configured.build()?;
//! # Ok(()) }
//! ```

use core::fmt;
use core::time::Duration;

use ::reqwest::ClientBuilder;
use keepalive_core::{Knob, KnobValue, Policy, format_duration};

use crate::CheckedPolicy;
use crate::socket::ConnectPolicy;

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

/// Sets `policy` on `builder`: every knob the policy writes, and `None` (leave the OS's
/// value) for every knob it leaves to the OS that reqwest would otherwise set. The
/// [`Mapping`] names each of those, and each knob the mapping could not leave to the OS.
///
/// The result is no bare builder: reqwest's keep-alive setters are not to be called after
/// this, since a later `.tcp_keepalive(None)` would silently mix reqwest's values with the
/// policy's. [`Configured::with`] reaches the builder's other settings and sets the policy
/// again afterwards, so nothing written there can undo it; [`Configured::build`] builds the
/// client.
///
/// Refused, with [`Unexpressible`]:
/// - keep-alive on with every timing left to the OS (`#[keepalive]` alone, or with
///   `user_timeout` only): reqwest turns keep-alive on only together with a timing;
/// - a knob reqwest cannot set on this target (`user_timeout` outside Linux, Android and
///   Fuchsia; `retries` on Windows, which hyper-util drops), unless the policy type is
///   `best_effort = true`: then the knob is left out and named in the mapping.
pub fn configure<P: ConnectPolicy + ?Sized>(
    builder: ClientBuilder,
    policy: CheckedPolicy<P>,
) -> Result<Configured, Unexpressible> {
    let (setters, mapping) = Setters::of(policy.as_policy(), policy.is_best_effort())?;
    Ok(Configured {
        builder: setters.onto(builder),
        setters,
        mapping,
    })
}

/// A `reqwest::ClientBuilder` carrying a policy, from [`configure`]: build it, or change its
/// other settings through [`with`](Self::with), which keeps the policy.
///
/// ```
/// use keepalive_runtime::integrations::reqwest::configure;
/// use keepalive_runtime::prelude::*;
///
/// #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
/// struct Api;
///
/// # fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = configure(reqwest::Client::builder(), Api::policy())?
///     .with(|builder| builder.timeout(std::time::Duration::from_secs(10)))
///     // Undone at once: the policy is set again after `with`.
///     .with(|builder| builder.tcp_keepalive(None))
///     .build()?;
/// # drop(client);
/// # Ok(()) }
/// # run().unwrap();
/// ```
#[derive(Debug)]
pub struct Configured {
    builder: ClientBuilder,
    setters: Setters,
    mapping: Mapping,
}

impl Configured {
    /// What the mapping did differently from copying the policy into reqwest's setters.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The builder's other settings (`timeout`, `pool_idle_timeout`, TLS, ...) through
    /// `change`; the policy's setters are called again afterwards, so a keep-alive setter
    /// called in `change` changes nothing.
    pub fn with(self, change: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Self {
        Configured {
            builder: self.setters.onto(change(self.builder)),
            ..self
        }
    }

    /// The client, with the policy on every connection it makes.
    pub fn build(self) -> ::reqwest::Result<::reqwest::Client> {
        self.builder.build()
    }

    /// The builder itself, for an API that takes one; calling a keep-alive setter on it
    /// after this undoes the policy unnoticed, which [`with`](Self::with) prevents.
    pub fn into_builder(self) -> ClientBuilder {
        self.builder
    }
}

/// The values for reqwest's four keep-alive setters.
#[derive(Debug, Clone, Copy)]
struct Setters {
    timeout: Option<Duration>,
    interval: Option<Duration>,
    retries: Option<u32>,
    user_timeout: Option<Duration>,
}

impl Setters {
    fn onto(self, builder: ClientBuilder) -> ClientBuilder {
        let builder = builder
            .tcp_keepalive(self.timeout)
            .tcp_keepalive_interval(self.interval)
            .tcp_keepalive_retries(self.retries);
        user_timeout(builder, self.user_timeout)
    }

    fn of(policy: &Policy, best_effort: bool) -> Result<(Setters, Mapping), Unexpressible> {
        let mut mapping = Mapping::default();
        if !policy.is_enabled() {
            // No keep-alive timing: a new socket has SO_KEEPALIVE off.
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
            clear_user_timeout(None, &mut mapping);
            let off = Setters {
                timeout: None,
                interval: None,
                retries: None,
                user_timeout: None,
            };
            return Ok((off, mapping));
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

        // hyper-util, under reqwest, drops a retry count on Windows without a word.
        let retries = if cfg!(windows) && retries.is_some() {
            if !best_effort {
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

        let user_timeout = user_timeout_checked(policy.user_timeout(), best_effort, &mut mapping)?;
        let setters = Setters {
            timeout,
            interval,
            retries,
            user_timeout,
        };
        Ok((setters, mapping))
    }
}

#[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
fn user_timeout_checked(
    wanted: Option<Duration>,
    _best_effort: bool,
    mapping: &mut Mapping,
) -> Result<Option<Duration>, Unexpressible> {
    clear_user_timeout(wanted, mapping);
    Ok(wanted)
}

#[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
fn user_timeout_checked(
    wanted: Option<Duration>,
    best_effort: bool,
    mapping: &mut Mapping,
) -> Result<Option<Duration>, Unexpressible> {
    if wanted.is_some() {
        if !best_effort {
            return Err(Unexpressible::NoSetter(Knob::UserTimeout));
        }
        mapping.push(Knob::UserTimeout, Change::LeftOut);
    }
    Ok(None)
}

/// Where reqwest sets a TCP_USER_TIMEOUT of its own, an unwritten one clears it.
#[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
fn clear_user_timeout(wanted: Option<Duration>, mapping: &mut Mapping) {
    if wanted.is_none() {
        mapping.push(
            Knob::UserTimeout,
            Change::Cleared(KnobValue::Time(REQWEST_USER_TIMEOUT)),
        );
    }
}

#[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
fn clear_user_timeout(_: Option<Duration>, _: &mut Mapping) {}

/// reqwest's TCP_USER_TIMEOUT setter, where it has one: the policy's value, or `None`
/// instead of reqwest's 30 s default.
#[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
fn user_timeout(builder: ClientBuilder, wanted: Option<Duration>) -> ClientBuilder {
    builder.tcp_user_timeout(wanted)
}

#[cfg(not(any(target_os = "android", target_os = "fuchsia", target_os = "linux")))]
fn user_timeout(builder: ClientBuilder, _: Option<Duration>) -> ClientBuilder {
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
        }
    }
}

impl std::error::Error for Unexpressible {}

#[cfg(test)]
mod tests {
    //! The mapping per target; the sockets reqwest makes are read in tests/integrations.rs.
    //! These also run on Windows (under Wine in CI), where the mapping differs most.
    use super::*;
    use crate::{ApplyAt, KeepAlivePolicy};
    use keepalive_core::rules::Enforcement;

    macro_rules! policy_type {
        ($name:ident = $policy:expr) => {
            struct $name;
            impl KeepAlivePolicy for $name {
                const POLICY: Policy = $policy;
                const APPLY: ApplyAt = ApplyAt::BeforeConnect;
            }
            impl ConnectPolicy for $name {}
        };
        ($name:ident = $policy:expr, best_effort) => {
            struct $name;
            impl KeepAlivePolicy for $name {
                const POLICY: Policy = $policy;
                const APPLY: ApplyAt = ApplyAt::BeforeConnect;
                const ENFORCEMENT: Enforcement = Enforcement::new().with_best_effort(true);
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
        Setters::of(&P::POLICY, P::ENFORCEMENT.is_best_effort()).map(|(_, mapping)| mapping)
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

//! Organisation bounds: limits that a team publishes in a crate of its own and that
//! connection types opt into (`#[keepalive(bounds = my_org::PRODUCTION, ...)]`), checked
//! during constant evaluation of the crate that uses them.

use core::time::Duration;

use crate::knob::{Knob, KnobValue};
use crate::middlebox::{About, Middlebox};
use crate::platform::{InFlight, Platform};

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
    /// The first probe, fired as late as the kernel may, comes after the middlebox has
    /// dropped the idle flow (the limit holds the largest `timeout` that holds).
    IdleSilence {
        /// The box with the shortest idle timeout on the path.
        middlebox: Middlebox,
        /// The longest silence the flow sees under the policy.
        silence: Duration,
    },
    /// A box on the path that keep-alive probes do not refresh: only application-level
    /// pings keep the flow.
    NotRefreshed(&'static About),
    /// The detection bound covers data in flight, which keep-alive does not probe on the
    /// target: `user_timeout` must bound it (the limit holds the value to write).
    InFlight {
        /// The platform's name.
        platform: &'static str,
        /// What keep-alive does with data in flight there.
        in_flight: InFlight,
        /// The option carrying `user_timeout` there, if any.
        option: Option<&'static str>,
    },
}

/// Limits on a policy, published by an organisation as a `const`. The detection bound
/// covers connections with data in flight too, by the same rule as `max_detect`.
///
/// ```
/// use core::time::Duration;
/// use keepalive_runtime::platform::APPLE;
/// use keepalive_runtime::rules::{check, Enforcement};
/// use keepalive_runtime::{Bounds, Policy};
///
/// pub const PRODUCTION: Bounds = Bounds::new(env!("CARGO_PKG_NAME"), "PRODUCTION")
///     .with_enabled_required()
///     .with_max_timeout(Duration::from_secs(600))
///     .with_max_detection(Duration::from_secs(120));
///
/// let ok = Policy::new()
///     .with_timeout(Duration::from_secs(60))
///     .with_interval(Duration::from_secs(10))
///     .with_retries(5);
/// assert!(check(&ok, Some(&APPLE), &Enforcement::new().with_bounds(PRODUCTION)).is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bounds {
    pub(crate) owner: &'static str,
    pub(crate) name: &'static str,
    pub(crate) require_enabled: bool,
    pub(crate) max_timeout: Option<Duration>,
    pub(crate) max_interval: Option<Duration>,
    pub(crate) min_retries: Option<u32>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) max_user_timeout: Option<Duration>,
    pub(crate) max_detection: Option<Duration>,
    /// The build-wide setting these bounds were read from ([`Bounds::from_setting`]).
    pub(crate) setting: Option<&'static str>,
    /// The box on the path with the shortest idle timeout that keep-alive refreshes.
    pub(crate) through: Option<Middlebox>,
    /// A box on the path that keep-alive does not refresh, if any.
    pub(crate) not_refreshed: Option<&'static About>,
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
            setting: None,
            through: None,
            not_refreshed: None,
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

    /// The connection goes through `middlebox`, which drops a flow idle longer than its
    /// timeout: `timeout` must be written and its first probe, as late as the kernel may
    /// fire it, must come within the shortest such timeout on the path (implies keep-alive
    /// on). A box that keep-alive does not refresh makes every policy a violation, whose
    /// message says application-level pings are needed. Called once per box:
    ///
    /// ```
    /// use keepalive_core::Bounds;
    /// use keepalive_core::middlebox::{AWS_NLB, DOCKER_SWARM_IPVS, idle_limit};
    ///
    /// pub const PATH: Bounds = Bounds::new("my-app", "PATH")
    ///     .through(AWS_NLB)
    ///     .through(DOCKER_SWARM_IPVS)
    ///     .through(idle_limit("20m"));
    /// assert_eq!(PATH.idle_limit().map(|b| b.about.key), Some("AWS_NLB"));
    /// ```
    pub const fn through(mut self, middlebox: Middlebox) -> Self {
        self.require_enabled = true;
        if !middlebox.about.refreshed_by_keepalive {
            if self.not_refreshed.is_none() {
                self.not_refreshed = Some(middlebox.about);
            }
            return self;
        }
        match self.through {
            Some(b) if b.idle.as_nanos() <= middlebox.idle.as_nanos() => {}
            _ => self.through = Some(middlebox),
        }
        self
    }

    /// The box on the path whose idle timeout is the shortest, if any.
    pub const fn idle_limit(&self) -> Option<Middlebox> {
        self.through
    }

    /// The publishing crate.
    pub const fn owner(&self) -> &'static str {
        self.owner
    }

    /// The const's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The build-wide setting these bounds were read from, if they were
    /// ([`Bounds::from_setting`]).
    pub const fn setting(&self) -> Option<&'static str> {
        self.setting
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

impl Bounds {
    /// Whether one of these bounds rests on `knob` on `platform`, so that leaving it out
    /// there (best effort) would leave the bound uncertified. The detection bound rests on
    /// `user_timeout` only where keep-alive does not probe data in flight.
    pub const fn rests_on(&self, knob: Knob, platform: &Platform) -> bool {
        let probes_cover = matches!(platform.in_flight, InFlight::ProbesCover);
        match knob {
            Knob::Timeout => {
                self.max_timeout.is_some() || self.max_detection.is_some() || self.through.is_some()
            }
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

//! The settings of a policy, named as the attribute names them, and their values.

use core::fmt;
use core::time::Duration;

/// One setting of a [`Policy`](crate::Policy), named as the attribute names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Knob {
    /// Idle time before the first probe (`timeout`).
    Timeout,
    /// Time between unanswered probes (`interval`).
    Interval,
    /// Unanswered probes before the connection is dropped (`retries`).
    Retries,
    /// Longest time sent data may stay unacknowledged (`user_timeout`).
    UserTimeout,
}

impl Knob {
    /// Every knob, in the order the runtime applies them.
    pub const ALL: [Knob; 4] = [
        Knob::Timeout,
        Knob::Interval,
        Knob::Retries,
        Knob::UserTimeout,
    ];

    /// The key that sets this knob in `#[keepalive(...)]` and in configuration files.
    pub const fn key(self) -> &'static str {
        match self {
            Knob::Timeout => crate::keys::TIMEOUT,
            Knob::Interval => crate::keys::INTERVAL,
            Knob::Retries => crate::keys::RETRIES,
            Knob::UserTimeout => crate::keys::USER_TIMEOUT,
        }
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The value of one knob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KnobValue {
    /// A time (`timeout`, `interval`, `user_timeout`).
    Time(Duration),
    /// A count (`retries`).
    Count(u32),
}

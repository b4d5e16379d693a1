//! Reading back what the kernel holds and comparing it with a policy.

use core::fmt;
use core::time::Duration;

use keepalive_core::{Knob, KnobValue, Policy, format_duration};
use socket2::SockRef;

use crate::error::Error;
use crate::outcome::option_name;
use crate::socket::KeepAliveSocket;
use crate::sys;

/// A value of one option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value {
    /// SO_KEEPALIVE.
    Flag(bool),
    /// A time (idle time, interval, user timeout).
    Time(Duration),
    /// A count (probes).
    Count(u32),
    /// No limit: the OS's own "forever" value (Windows TCP_MAXRT = -1, retransmit forever).
    Unlimited,
}

impl From<KnobValue> for Value {
    fn from(v: KnobValue) -> Value {
        match v {
            KnobValue::Time(d) => Value::Time(d),
            KnobValue::Count(n) => Value::Count(n),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Flag(true) => f.write_str("on"),
            Value::Flag(false) => f.write_str("off"),
            Value::Time(d) if d.is_zero() => f.write_str("0 (OS default)"),
            Value::Time(d) => write!(f, "{}", format_duration(*d)),
            Value::Count(n) => write!(f, "{n}"),
            Value::Unlimited => f.write_str("no limit"),
        }
    }
}

/// How one option compares with the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// The kernel holds what the policy says.
    Matches(Value),
    /// The kernel holds something else.
    Differs {
        /// What the policy says.
        expected: Value,
        /// What the kernel holds.
        actual: Value,
    },
    /// The policy leaves it to the OS; this is what the OS has.
    NotSet(Value),
    /// This OS has no way to read it.
    Unreadable,
}

/// One option of a [`Report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The option's name on this OS (`SO_KEEPALIVE`, `TCP_KEEPIDLE`).
    pub option: &'static str,
    /// The knob it carries; `None` for SO_KEEPALIVE.
    pub knob: Option<Knob>,
    /// How it compares.
    pub state: State,
}

impl Entry {
    /// Whether the kernel holds what the policy asks for (or the policy asks nothing).
    pub const fn is_ok(&self) -> bool {
        matches!(self.state, State::Matches(_) | State::NotSet(_))
    }
}

/// What the kernel holds for each keep-alive option, next to the policy: SO_KEEPALIVE and
/// the four knobs, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Report {
    entries: [Entry; 5],
}

impl Report {
    /// Every entry: SO_KEEPALIVE, then the knobs in [`Knob::ALL`] order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The SO_KEEPALIVE entry.
    pub fn keepalive(&self) -> &Entry {
        &self.entries[0]
    }

    /// The entry of one knob.
    pub fn knob(&self, knob: Knob) -> &Entry {
        let i = Knob::ALL.iter().position(|k| *k == knob).unwrap_or(0);
        &self.entries[1 + i]
    }

    /// Whether every option holds what the policy asks for (unreadable ones aside).
    pub fn all_match(&self) -> bool {
        self.entries
            .iter()
            .all(|e| e.is_ok() || e.state == State::Unreadable)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let key = e.knob.map_or("", Knob::key);
            write!(f, "{:<20} {key:<13} ", e.option)?;
            // Value's Display writes pieces; padding needs the whole text.
            let cell = |v: Value| v.to_string();
            match e.state {
                State::Matches(v) => write!(f, "{:<16} matches the policy", cell(v)),
                State::Differs { expected, actual } => write!(
                    f,
                    "{:<16} DIFFERS: the policy says {expected}",
                    cell(actual)
                ),
                State::NotSet(v) => write!(f, "{:<16} left to the OS", cell(v)),
                State::Unreadable => write!(f, "{:<16} not readable on this OS", "?"),
            }?;
        }
        Ok(())
    }
}

fn state(expected: Option<Value>, actual: Value) -> State {
    match expected {
        Some(expected) if expected == actual => State::Matches(actual),
        Some(expected) => State::Differs { expected, actual },
        None => State::NotSet(actual),
    }
}

/// Reads SO_KEEPALIVE, the idle time, the interval, the probe count and the user timeout
/// from the kernel (one `getsockopt` each) and compares them with `policy`.
pub fn read_back<S: KeepAliveSocket + ?Sized>(
    socket: &S,
    policy: &Policy,
) -> Result<Report, Error> {
    read_sock(&socket.sock_ref(), policy)
}

pub(crate) fn read_sock(sock: &SockRef<'_>, policy: &Policy) -> Result<Report, Error> {
    let on = sock.keepalive().map_err(|source| Error::Get {
        option: "SO_KEEPALIVE",
        source,
    })?;
    let keepalive = Entry {
        option: "SO_KEEPALIVE",
        knob: None,
        state: state(Some(Value::Flag(policy.is_enabled())), Value::Flag(on)),
    };
    let mut entries = [keepalive; 5];
    for (slot, knob) in entries[1..].iter_mut().zip(Knob::ALL) {
        let state = match sys::read_knob(sock, knob) {
            None => State::Unreadable,
            Some(actual) => {
                let expected = policy.get(knob).filter(|_| policy.is_enabled());
                state(expected.map(Value::from), actual?)
            }
        };
        *slot = Entry {
            option: option_name(knob),
            knob: Some(knob),
            state,
        };
    }
    Ok(Report { entries })
}

//! Reading back what the kernel holds and comparing it with a policy.

use core::fmt;
use core::time::Duration;

use keepalive_core::rules::{self, Enforcement};
use keepalive_core::{Knob, KnobValue, Platform, Policy, Violation, format_duration};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    entries: [Entry; 5],
    /// The first rule of the connection type that the policy the socket holds breaks
    /// (from [`KeepAlive::keepalive_report`](crate::KeepAlive::keepalive_report)).
    broken: Option<Violation>,
}

// By hand: `Violation` has no `Hash`; leaving it out keeps equal reports hashing equal.
impl core::hash::Hash for Report {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.entries.hash(state);
    }
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

    /// Whether every option was read and holds what the policy asks for (or the policy
    /// leaves it to the OS), and the policy the socket holds breaks no rule of the type.
    /// An option this OS cannot read is no match: see [`Report::unreadable`].
    pub fn all_match(&self) -> bool {
        self.broken.is_none() && self.entries.iter().all(Entry::is_ok)
    }

    /// The entries this OS has no way to read: neither matching nor differing, so
    /// [`Report::all_match`] is false while there is one.
    pub fn unreadable(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.state == State::Unreadable)
    }

    /// The first rule of the connection type (its `max_detect`, `bounds`, the target's
    /// limits, as `policy_with` checks) that the policy the socket holds breaks, where a
    /// connection type's report found one; the entries then compare with the type's own
    /// policy.
    pub const fn broken_rule(&self) -> Option<&Violation> {
        self.broken.as_ref()
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
        let unreadable = self.unreadable().count();
        if unreadable > 0 {
            write!(
                f,
                "\n{unreadable} of {} options not readable on this OS: not verified",
                self.entries.len()
            )?;
        }
        if let Some(rule) = &self.broken {
            write!(
                f,
                "\nthe socket holds a policy the type's rules refuse: {rule}"
            )?;
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
    Ok(Report {
        entries,
        broken: None,
    })
}

/// What the kernel holds for an entry, where it was read.
const fn actual(state: State) -> Option<Value> {
    match state {
        State::Matches(v) | State::NotSet(v) | State::Differs { actual: v, .. } => Some(v),
        State::Unreadable => None,
    }
}

/// `report`'s readings compared with `policy` instead.
fn compared_with(report: &Report, policy: &Policy) -> Report {
    let mut entries = report.entries;
    for entry in &mut entries {
        let Some(actual) = actual(entry.state) else {
            continue;
        };
        let expected = match entry.knob {
            None => Some(Value::Flag(policy.is_enabled())),
            Some(knob) => policy
                .get(knob)
                .filter(|_| policy.is_enabled())
                .map(Value::from),
        };
        entry.state = state(expected, actual);
    }
    Report {
        entries,
        broken: report.broken,
    }
}

/// The policy a socket holds, from `report` (read against `given`, the policy its type
/// declares): keep-alive off is a disabled policy; otherwise each knob the kernel reports
/// where `given` sets it, or where the kernel holds what only a setter leaves (a user
/// timeout other than 0 on Linux). A knob the OS cannot read, or one `given` leaves to
/// the OS whose value is the OS's, keeps `given`'s value. A user timeout of 0 (Linux) or
/// no limit (Windows) is none.
pub(crate) fn held_policy(report: &Report, given: &Policy) -> Policy {
    if actual(report.keepalive().state) == Some(Value::Flag(false)) {
        return Policy::disabled();
    }
    let base = if given.is_enabled() {
        *given
    } else {
        Policy::new()
    };
    Knob::ALL.into_iter().fold(base, |held, knob| {
        let Some(actual) = actual(report.knob(knob).state) else {
            return held;
        };
        let none = |v: Value| {
            knob == Knob::UserTimeout && matches!(v, Value::Unlimited | Value::Time(Duration::ZERO))
        };
        // A knob `given` leaves to the OS is taken only where the OS's own value cannot be
        // mistaken for a setter's: Linux's TCP_USER_TIMEOUT, 0 until set. Elsewhere the
        // OS's defaults are not known here (Windows' TCP_MAXRT, Apple's
        // TCP_RXT_CONNDROPTIME), so the knob stays the OS's.
        let os_unset_is_zero = cfg!(any(target_os = "linux", target_os = "android"));
        if given.get(knob).is_none()
            && (knob != Knob::UserTimeout || !os_unset_is_zero || none(actual))
        {
            return held;
        }
        match actual {
            v if none(v) => held.without(knob),
            Value::Time(d) => held.with(knob, KnobValue::Time(d)).unwrap_or(held),
            Value::Count(n) => held.with(knob, KnobValue::Count(n)).unwrap_or(held),
            Value::Flag(_) | Value::Unlimited => held,
        }
    })
}

/// The report of a connection type's socket: read once, then compared with the policy the
/// socket holds where that passes the type's rules (`enforcement` and `platform`'s limits,
/// as `policy_with` checks a run-time change), so that a connection made with
/// `P::policy_with(..)` reports what it was given. Where the held policy breaks a rule,
/// the entries compare with `given` and [`Report::broken_rule`] names the rule.
pub(crate) fn held_report(
    sock: &SockRef<'_>,
    given: &Policy,
    platform: Option<&Platform>,
    enforcement: &Enforcement,
) -> Result<Report, Error> {
    let (read, held) = held(sock, given)?;
    if held == *given {
        return Ok(read);
    }
    Ok(match rules::check(&held, platform, enforcement).first() {
        None => compared_with(&read, &held),
        Some(rule) => Report {
            broken: Some(rule),
            ..read
        },
    })
}

/// The options `sock` holds (one `getsockopt` each, no allocation), compared with `given`,
/// and the policy they make ([`held_policy`]).
pub(crate) fn held(sock: &SockRef<'_>, given: &Policy) -> Result<(Report, Policy), Error> {
    let read = read_sock(sock, given)?;
    let held = held_policy(&read, given);
    Ok((read, held))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(knob: Option<Knob>, state: State) -> Entry {
        Entry {
            option: knob.map_or("SO_KEEPALIVE", option_name),
            knob,
            state,
        }
    }

    /// What a write-only OS reads: SO_KEEPALIVE, and no knob. Nothing was verified, so
    /// nothing matches, and the report says how many it could not read.
    #[test]
    fn unreadable_entries_are_no_match_and_counted_apart() {
        let mut entries = [entry(None, State::Matches(Value::Flag(true))); 5];
        for (slot, knob) in entries[1..].iter_mut().zip(Knob::ALL) {
            *slot = entry(Some(knob), State::Unreadable);
        }
        let report = Report {
            entries,
            broken: None,
        };
        assert!(!report.all_match());
        assert_eq!(report.unreadable().count(), 4);
        let text = report.to_string();
        assert!(
            text.ends_with("\n4 of 5 options not readable on this OS: not verified"),
            "{text}"
        );

        let policy = Policy::new().with_timeout(Duration::from_secs(30));
        entries[1] = entry(
            Some(Knob::Timeout),
            State::Matches(Value::Time(Duration::from_secs(30))),
        );
        for slot in &mut entries[2..] {
            slot.state = State::NotSet(Value::Count(9));
        }
        let read = compared_with(
            &Report {
                entries,
                broken: None,
            },
            &policy,
        );
        assert!(read.all_match(), "{read}");
        assert_eq!(read.unreadable().count(), 0);
    }
}

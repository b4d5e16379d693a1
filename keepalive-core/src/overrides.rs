//! Changes to a policy that arrive at run time (configuration files, the environment, a
//! builder), checked by the same rules as the attribute.

use core::fmt;
use core::time::Duration;

use crate::duration::{DurationError, parse_duration};
use crate::keys;
use crate::knob::{Knob, KnobValue};
use crate::messages::Reader;
use crate::platform::Platform;
use crate::policy::Policy;
use crate::rules::{self, Enforcement};
use crate::text::{Text, shown};
use crate::violation::Violation;

/// Changes to a [`Policy`]: each key either left alone or replaced.
///
/// ```
/// use core::time::Duration;
/// use keepalive_runtime::platform::LINUX;
/// use keepalive_runtime::{Policy, PolicyOverride};
///
/// const LIBRARY_DEFAULT: Policy = Policy::new()
///     .with_timeout(Duration::from_secs(7200))
///     .with_interval(Duration::from_secs(1));
///
/// let mut change = PolicyOverride::new().with_retries(4);
/// change.set("timeout", "30s")?;
/// let policy = change.apply_to(LIBRARY_DEFAULT, Some(&LINUX))?;
/// assert_eq!(policy.timeout(), Some(Duration::from_secs(30)));
/// assert_eq!(policy.interval(), Some(Duration::from_secs(1)));
///
/// let err = PolicyOverride::new().set("timeout", "2hrs").unwrap_err();
/// assert_eq!(err.to_string(), "keep-alive override `timeout = \"2hrs\"`: unknown unit `hrs`; write `h` (at byte 1)");
/// # Ok::<(), keepalive_runtime::config::OverrideError>(())
/// ```
///
/// Two overrides are equal when they change the same keys to the same values, wherever
/// they were read from.
#[derive(Debug, Clone, Copy, Default)]
pub struct PolicyOverride {
    enabled: Option<bool>,
    timeout: Option<Duration>,
    interval: Option<Duration>,
    retries: Option<u32>,
    user_timeout: Option<Duration>,
    /// The environment prefix the values were read under, if any, so that errors name the
    /// variables ([`PolicyOverride::with_env_prefix`]).
    env_prefix: Option<Text<{ PolicyOverride::PREFIX_CAPACITY }>>,
}

impl PolicyOverride {
    /// The longest environment prefix an override records.
    const PREFIX_CAPACITY: usize = 64;

    /// What the override changes, without where it was read from.
    const fn changes(&self) -> (Option<bool>, [Option<KnobValue>; 4]) {
        (
            self.enabled,
            [
                self.get(Knob::ALL[0]),
                self.get(Knob::ALL[1]),
                self.get(Knob::ALL[2]),
                self.get(Knob::ALL[3]),
            ],
        )
    }
}

impl PartialEq for PolicyOverride {
    fn eq(&self, other: &Self) -> bool {
        self.changes() == other.changes()
    }
}

impl Eq for PolicyOverride {}

impl core::hash::Hash for PolicyOverride {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.changes().hash(state);
    }
}

/// A rejected override, naming the key and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OverrideError {
    /// A key that is not a policy key.
    UnknownKey {
        /// The key as written.
        key: String,
        /// The key it most likely meant.
        suggestion: Option<&'static str>,
    },
    /// A duration outside the grammar.
    Duration {
        /// The key.
        key: &'static str,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        error: DurationError,
    },
    /// A value of the wrong kind (not a whole number for `retries`, not a bool for
    /// `enabled`).
    Value {
        /// The key.
        key: &'static str,
        /// The value as written.
        value: String,
        /// What the key takes.
        expected: &'static str,
    },
    /// The resulting policy breaks one or more rules of the platform or of the type. The
    /// message says which values the override wrote and which the type's default kept.
    Invalid {
        /// The rules broken, in rule order.
        violations: Vec<Violation>,
        /// Who wrote what: the override as given and the policy it was applied to.
        sides: Box<Sides>,
    },
    /// The type's default turns keep-alive off and the override sets a timing without
    /// turning it on: the timing would have no effect.
    OnDisabledBase {
        /// The first timing the override sets.
        knob: Knob,
    },
    /// One key set twice, in the same spelling or two (`timeout` and `Timeout`,
    /// `user_timeout` and `user-timeout`): neither is taken silently.
    Duplicate {
        /// The key both spellings name.
        key: &'static str,
        /// The first spelling, as written (a variable name for the environment).
        first: String,
        /// The second spelling, as written.
        second: String,
    },
    /// A value of a type that no key takes (a list, a table, a date, a fraction), from a
    /// configuration format that types its values.
    WrongType {
        /// The key.
        key: &'static str,
        /// What was found, in words.
        found: &'static str,
        /// What the key takes.
        expected: &'static str,
    },
    /// An environment variable whose name starts with the prefix but is not Unicode, so
    /// its key cannot be read.
    NotUnicode {
        /// The name, with each byte that is not UTF-8 shown as U+FFFD.
        name: String,
    },
    /// An environment variable that would name a key but for the case of its prefix
    /// (`kat_timeout` under `KAT_`): variables are case-sensitive (on Unix `kat_timeout`
    /// and `KAT_TIMEOUT` are two variables), so it is not read, and said so rather than
    /// ignored.
    PrefixCase {
        /// The variable's name.
        name: String,
        /// The prefix as given.
        prefix: String,
    },
    /// A value read from an environment variable is rejected.
    Variable {
        /// The variable's name.
        name: String,
        /// What is wrong with its value.
        error: Box<OverrideError>,
    },
}

/// The two sides of a rejected override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sides {
    /// The override as given.
    pub change: PolicyOverride,
    /// The policy it was applied to (the type's default).
    pub base: Policy,
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideError::UnknownKey {
                key,
                suggestion: Some(s),
            } => {
                write!(
                    f,
                    "unknown keep-alive key `{}`; did you mean `{s}`?",
                    shown(key)
                )
            }
            OverrideError::UnknownKey {
                key,
                suggestion: None,
            } => write!(
                f,
                "unknown keep-alive key `{}`; the keys are {}",
                shown(key),
                keys::POLICY_KEYS.join(", ")
            ),
            OverrideError::Duration { key, value, error } => {
                write!(
                    f,
                    "keep-alive override `{key} = {:?}`: {error}",
                    shown(value)
                )
            }
            OverrideError::Value {
                key,
                value,
                expected,
            } => {
                write!(
                    f,
                    "keep-alive override `{key} = {:?}`: expected {expected}",
                    shown(value)
                )
            }
            OverrideError::Duplicate { key, first, second } if first == second => write!(
                f,
                "keep-alive key `{key}` is set twice, both times as `{}`; keep one",
                shown(first)
            ),
            OverrideError::Duplicate { key, first, second } => write!(
                f,
                "keep-alive key `{key}` is set twice, as `{}` and as `{}`; keep one",
                shown(first),
                shown(second)
            ),
            OverrideError::WrongType {
                key,
                found,
                expected,
            } => write!(
                f,
                "keep-alive override `{key}`: expected {expected}, not {found}"
            ),
            OverrideError::NotUnicode { name } => write!(
                f,
                "environment variable `{}` has the keep-alive prefix but a name that is not UTF-8; rename or unset it",
                shown(name)
            ),
            OverrideError::PrefixCase { name, prefix } => write!(
                f,
                "environment variable `{}` is not read: it differs from the keep-alive prefix `{}` only in case, and variable names are case-sensitive; rename it `{}{}` or unset it",
                shown(name),
                shown(prefix),
                shown(prefix),
                shown(
                    &name
                        .get(prefix.len()..)
                        .unwrap_or_default()
                        .to_ascii_uppercase()
                ),
            ),
            OverrideError::Variable { name, error } => {
                write!(f, "environment variable `{}`: {error}", shown(name))
            }
            OverrideError::Invalid { violations, sides } => {
                f.write_str("keep-alive override rejected: ")?;
                for (i, v) in violations.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; and ")?;
                    }
                    // Advice an override can follow: it writes keys, it cannot remove one
                    // the type's default writes nor change what the type enforces.
                    f.write_str(v.words(Reader::Override).as_str())?;
                }
                write_sides(f, &sides.change, &sides.base)
            }
            OverrideError::OnDisabledBase { knob } => write!(
                f,
                "keep-alive override `{knob}`: the type's default turns keep-alive off (`enabled = false`), so `{knob}` would have no effect; add `enabled = true` to the override to turn keep-alive on"
            ),
        }
    }
}

impl OverrideError {
    /// `key` given a value of a type it never takes; `found` says what, in words
    /// ("a list"). An unknown key is reported as such.
    pub fn wrong_type(key: &str, found: &'static str) -> OverrideError {
        match policy_key(key) {
            Ok(key) => OverrideError::WrongType {
                key,
                found,
                expected: expected(key),
            },
            Err(unknown) => unknown,
        }
    }
}

/// `retries`' range, as an error says it when a count is past it.
const RETRIES_RANGE: &str =
    "a whole number of probes from 1 to 4294967295 (the largest u32); this one is out of range";

/// What is wrong with a `retries` text that is not all digits, in the words of an error's
/// "expected ...".
fn not_a_count(value: &str) -> &'static str {
    let digits = value.trim_start_matches(['+', '-']);
    if digits.len() != value.len() {
        "a whole number of probes with no sign, such as 5; this one has a sign"
    } else if digits.contains(['e', 'E']) && digits.starts_with(|c: char| c.is_ascii_digit()) {
        "a whole number of probes written out in digits, such as 100; an exponent is not read"
    } else if digits.contains('.') && digits.starts_with(|c: char| c.is_ascii_digit()) {
        "a whole number of probes, such as 5, not a fraction"
    } else {
        "a whole number of probes, such as 5"
    }
}

/// Whether a text is a date or a time of day (TOML's `1979-05-27T07:32:00Z`, which a
/// generic table hands over as text), so the error can say so rather than quote a unit.
fn looks_like_date(value: &str) -> bool {
    let b = value.as_bytes();
    let digits =
        |r: core::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    (digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-'))
        || (digits(0..2) && b.get(2) == Some(&b':') && digits(3..5))
}

/// What a key takes, in words.
fn expected(key: &str) -> &'static str {
    match key {
        keys::RETRIES => "a whole number of probes, such as 5",
        keys::ENABLED => "true or false",
        _ => "a duration with a unit, such as \"30s\"",
    }
}

impl std::error::Error for OverrideError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OverrideError::Duration { error, .. } => Some(error),
            OverrideError::Variable { error, .. } => Some(error.as_ref()),
            OverrideError::Invalid { violations, .. } if violations.len() == 1 => {
                Some(&violations[0])
            }
            _ => None,
        }
    }
}

impl PolicyOverride {
    /// Changes nothing.
    pub const fn new() -> Self {
        PolicyOverride {
            enabled: None,
            timeout: None,
            interval: None,
            retries: None,
            user_timeout: None,
            env_prefix: None,
        }
    }

    /// Records that the values were read from environment variables `<prefix><KEY>`, so
    /// that a rejection names the variables (`MYAPP_KEEPALIVE_RETRIES=8`) rather than the
    /// keys; the runtime's `from_env` does this. The name shown is the prefix and the key
    /// in capitals. A prefix longer than 64 bytes is not recorded (errors then name keys).
    pub fn with_env_prefix(mut self, prefix: &str) -> Self {
        self.env_prefix = (prefix.len() <= Self::PREFIX_CAPACITY)
            .then(|| Text::from_bytes(prefix.as_bytes(), 0, prefix.len()));
        self
    }

    /// Turns keep-alive on or (deliberately) off.
    pub const fn with_enabled(mut self, enabled: bool) -> Self {
        self.enabled = Some(enabled);
        self
    }

    /// Replaces the idle time before the first probe.
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Replaces the time between unanswered probes.
    pub const fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = Some(interval);
        self
    }

    /// Replaces the number of unanswered probes.
    pub const fn with_retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }

    /// Replaces the user timeout.
    pub const fn with_user_timeout(mut self, user_timeout: Duration) -> Self {
        self.user_timeout = Some(user_timeout);
        self
    }

    /// Whether nothing is changed.
    pub fn is_empty(&self) -> bool {
        *self == PolicyOverride::new()
    }

    /// Sets one key from text, as configuration files and the environment give it:
    /// durations in the grammar of [`parse_duration`], `retries` a whole number, `enabled`
    /// `true` or `false`.
    /// No sign is taken, in a duration (`"+5s"`) as in a count (`"+5"`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), OverrideError> {
        let key = policy_key(key)?;
        let value = value.trim();
        let duration = || {
            if looks_like_date(value) {
                return Err(OverrideError::Value {
                    key,
                    value: value.to_owned(),
                    expected: "a duration with a unit, such as \"30s\", not a date or a time of day",
                });
            }
            parse_duration(value).map_err(|error| OverrideError::Duration {
                key,
                value: value.to_owned(),
                error,
            })
        };
        match key {
            keys::TIMEOUT => self.timeout = Some(duration()?),
            keys::INTERVAL => self.interval = Some(duration()?),
            keys::USER_TIMEOUT => self.user_timeout = Some(duration()?),
            keys::RETRIES => {
                let error = |expected| OverrideError::Value {
                    key,
                    value: value.to_owned(),
                    expected,
                };
                // `str::parse` would take `+5`; the duration grammar takes no `+5s`.
                if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                    let count = value.parse().map_err(|_| error(RETRIES_RANGE))?;
                    self.retries = Some(count);
                } else {
                    return Err(error(not_a_count(value)));
                }
            }
            _ => {
                let on = match value {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(OverrideError::Value {
                            key,
                            value: value.to_owned(),
                            expected: "true or false",
                        });
                    }
                };
                self.enabled = Some(on);
            }
        }
        Ok(())
    }

    /// Sets `retries` from a number (configuration formats that type their values).
    pub fn set_count(&mut self, key: &str, value: i128) -> Result<(), OverrideError> {
        let key = policy_key(key)?;
        match (key, u32::try_from(value)) {
            (keys::RETRIES, Ok(count)) => {
                self.retries = Some(count);
                Ok(())
            }
            (keys::RETRIES, Err(_)) => Err(OverrideError::Value {
                key,
                value: value.to_string(),
                expected: RETRIES_RANGE,
            }),
            (keys::ENABLED, _) => Err(OverrideError::Value {
                key,
                value: value.to_string(),
                expected: "true or false",
            }),
            _ => Err(OverrideError::Value {
                key,
                value: value.to_string(),
                expected: "a duration with a unit, such as \"30s\"",
            }),
        }
    }

    /// Sets `enabled` from a bool (configuration formats that type their values).
    pub fn set_bool(&mut self, key: &str, value: bool) -> Result<(), OverrideError> {
        let key = policy_key(key)?;
        if key == keys::ENABLED {
            self.enabled = Some(value);
            return Ok(());
        }
        Err(OverrideError::Value {
            key,
            value: value.to_string(),
            expected: expected(key),
        })
    }

    /// The policy that results from applying these changes to `base`, checked by every rule
    /// (and by `platform`'s limits, if given). `enabled = false` discards the base's
    /// timings; `enabled = true` turns a disabled base on. A type's own rules
    /// (`max_detect`, `bounds`) are enforced by [`PolicyOverride::apply_enforced`], which
    /// the runtime's `policy_with` calls.
    pub fn apply_to(
        &self,
        base: Policy,
        platform: Option<&Platform>,
    ) -> Result<Policy, OverrideError> {
        self.apply_enforced(base, platform, &Enforcement::new())
    }

    /// [`PolicyOverride::apply_to`], held to everything a type enforces: its `max_detect`
    /// (idle and with data in flight), its organisation `bounds` and its `best_effort`, by
    /// the same rule driver the attribute runs. A change from configuration or the
    /// environment can therefore never weaken the type's bound.
    pub fn apply_enforced(
        &self,
        base: Policy,
        platform: Option<&Platform>,
        enforcement: &Enforcement,
    ) -> Result<Policy, OverrideError> {
        if self.enabled.is_none() && !base.is_enabled() {
            if let Some(knob) = Knob::ALL.into_iter().find(|&k| self.get(k).is_some()) {
                return Err(OverrideError::OnDisabledBase { knob });
            }
        }
        let mut policy = match (self.enabled, base.is_enabled()) {
            (Some(false), _) => Policy::disabled(),
            (Some(true), false) => Policy::new(),
            _ => base,
        };
        for knob in Knob::ALL {
            if let Some(value) = self.get(knob) {
                policy = policy.with(knob, value).unwrap_or(policy);
            }
        }
        let found = rules::check(&policy, platform, enforcement);
        if found.is_empty() {
            Ok(policy)
        } else {
            Err(OverrideError::Invalid {
                violations: found.into(),
                sides: Box::new(Sides {
                    change: *self,
                    base,
                }),
            })
        }
    }

    /// The value this override writes for `knob`, if any.
    pub const fn get(&self, knob: Knob) -> Option<KnobValue> {
        match knob {
            Knob::Retries => match self.retries {
                Some(n) => Some(KnobValue::Count(n)),
                None => None,
            },
            Knob::Timeout | Knob::Interval | Knob::UserTimeout => {
                let time = match knob {
                    Knob::Timeout => self.timeout,
                    Knob::Interval => self.interval,
                    _ => self.user_timeout,
                };
                match time {
                    Some(d) => Some(KnobValue::Time(d)),
                    None => None,
                }
            }
        }
    }
}

/// " (the override wrote `timeout = "2h"`; the type's default: `interval = "1s"`, ...)".
fn write_sides(f: &mut fmt::Formatter<'_>, change: &PolicyOverride, base: &Policy) -> fmt::Result {
    let mut wrote = Vec::new();
    let mut kept = Vec::new();
    let prefix = change.env_prefix.as_ref().map(Text::as_str);
    // `KAT_TIMEOUT="2h"` for a value from the environment, `timeout = "2h"` otherwise.
    let written = |key: &str, value: &str| match prefix {
        Some(prefix) => format!("`{prefix}{}={value}`", key.to_ascii_uppercase()),
        None => format!("`{key} = {value}`"),
    };
    if let Some(on) = change.enabled {
        wrote.push(written(keys::ENABLED, &on.to_string()));
    } else if !base.is_enabled() {
        kept.push("`enabled = false`".to_owned());
    }
    for knob in Knob::ALL {
        let shown = |value| {
            let mut m = crate::Message::new();
            m.push_value(value);
            format!("`{knob} = {}`", m.as_str())
        };
        match (change.get(knob), base.get(knob)) {
            (Some(value), _) => {
                let mut m = crate::Message::new();
                m.push_value(value);
                wrote.push(written(knob.key(), m.as_str()));
            }
            (None, Some(value)) if change.enabled != Some(false) => kept.push(shown(value)),
            _ => {}
        }
    }
    f.write_str(match prefix {
        Some(_) => " (the environment set ",
        None => " (the override wrote ",
    })?;
    if wrote.is_empty() {
        f.write_str("nothing")?;
    } else {
        f.write_str(&wrote.join(", "))?;
    }
    if !kept.is_empty() {
        write!(f, "; the type's default: {}", kept.join(", "))?;
    }
    f.write_str(")")
}

/// The policy key a configuration or environment spelling names: case and `-`/`_` do not
/// matter (`Timeout`, `USER-TIMEOUT`). A source that can hold several spellings of one key
/// reports them with [`OverrideError::Duplicate`].
pub fn policy_key(key: &str) -> Result<&'static str, OverrideError> {
    let normal = key.trim().to_ascii_lowercase().replace('-', "_");
    keys::POLICY_KEYS
        .iter()
        .copied()
        .find(|k| *k == normal)
        .ok_or_else(|| OverrideError::UnknownKey {
            key: key.to_owned(),
            suggestion: keys::suggest_key(key, keys::POLICY_KEYS),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LINUX;

    const fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    const BASE: Policy = Policy::new()
        .with_timeout(s(60))
        .with_interval(s(5))
        .with_retries(3);

    #[test]
    fn text_values() {
        let mut o = PolicyOverride::new();
        o.set("timeout", "30s").unwrap();
        o.set("interval", " 2s ").unwrap();
        o.set("RETRIES", "6").unwrap();
        let p = o.apply_to(BASE, Some(&LINUX)).unwrap();
        assert_eq!(
            (p.timeout(), p.interval(), p.retries()),
            (Some(s(30)), Some(s(2)), Some(6))
        );
    }

    #[test]
    fn each_failure_names_the_key() {
        let mut o = PolicyOverride::new();
        let e = o.set("idle", "30s").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown keep-alive key `idle`; did you mean `timeout`?"
        );
        let e = o.set("retries", "many").unwrap_err();
        assert_eq!(
            e.to_string(),
            "keep-alive override `retries = \"many\"`: expected a whole number of probes, such as 5"
        );
        let e = o.set("enabled", "yes").unwrap_err();
        assert!(e.to_string().contains("expected true or false"));
        let e = o.set_count("timeout", 30).unwrap_err();
        assert!(e.to_string().contains("a duration with a unit"));
        let e = o.set("retries", "+5").unwrap_err();
        assert_eq!(
            e.to_string(),
            "keep-alive override `retries = \"+5\"`: expected a whole number of probes with no sign, such as 5; this one has a sign"
        );
        assert!(o.set("timeout", "+5s").is_err());
        let e = o.set_count("retries", -1).unwrap_err();
        assert!(e.to_string().contains("`retries = \"-1\"`"));
    }

    #[test]
    fn the_type_s_bounds_hold_for_overrides() {
        use crate::rules::Enforcement;
        let org = crate::Bounds::new("acme", "PRODUCTION").with_max_timeout(s(600));
        let enforced = Enforcement::new().with_max_detect(s(120)).with_bounds(org);
        let base = Policy::new()
            .with_timeout(s(60))
            .with_interval(s(5))
            .with_retries(3)
            .with_user_timeout(s(75));
        let e = PolicyOverride::new()
            .with_timeout(s(7200))
            .apply_enforced(base, Some(&LINUX), &enforced)
            .unwrap_err();
        let text = e.to_string();
        // max_detect first, then the organisation's bound; then who wrote what.
        assert!(text.contains("exceeds `max_detect = \"2m\"`"), "{text}");
        assert!(
            text.contains("this policy breaks acme::PRODUCTION: `timeout = \"2h\"` is above its maximum of \"10m\""),
            "{text}"
        );
        assert!(
            text.ends_with("(the override wrote `timeout = \"2h\"`; the type's default: `interval = \"5s\"`, `retries = 3`, `user_timeout = \"1m 15s\"`)"),
            "{text}"
        );
        // Within the bounds: accepted.
        let ok = PolicyOverride::new()
            .with_timeout(s(30))
            .with_user_timeout(s(45))
            .apply_enforced(base, Some(&LINUX), &enforced);
        assert_eq!(ok.map(|p| p.timeout()), Ok(Some(s(30))));
    }

    #[test]
    fn a_timing_on_a_disabled_default_asks_to_turn_it_on() {
        let e = PolicyOverride::new()
            .with_timeout(s(30))
            .apply_to(Policy::disabled(), None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "keep-alive override `timeout`: the type's default turns keep-alive off (`enabled = false`), so `timeout` would have no effect; add `enabled = true` to the override to turn keep-alive on"
        );
    }

    #[test]
    fn rules_apply_to_the_result() {
        let e = PolicyOverride::new()
            .with_timeout(s(40_000))
            .apply_to(BASE, Some(&LINUX))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("above the maximum Linux accepts for TCP_KEEPIDLE"),
            "{e}"
        );
        let e = PolicyOverride::new()
            .with_user_timeout(s(10))
            .apply_to(BASE, Some(&LINUX))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("is shorter than timeout + interval × retries = 1m 15s"),
            "{e}"
        );
        let e = PolicyOverride::new()
            .with_enabled(false)
            .with_retries(2)
            .apply_to(BASE, None)
            .unwrap_err();
        assert!(
            matches!(&e, OverrideError::Invalid { violations, .. }
                if violations == &[Violation::DisabledWith { knob: Knob::Retries }]),
            "{e:?}"
        );
    }

    /// `Display for Policy` read back as a key list, each `key = value` through
    /// [`PolicyOverride::set`] (the attribute's key grammar as core has it), gives the same
    /// policy.
    #[test]
    fn a_displayed_policy_reads_back_as_itself() {
        fn read_back(text: &str) -> Policy {
            let mut change = PolicyOverride::new();
            for pair in text.split(", ") {
                let (key, value) = pair.split_once(" = ").expect("key = value");
                change.set(key, value.trim_matches('"')).expect(pair);
            }
            change.apply_to(Policy::new(), None).expect(text)
        }
        let shapes = [
            BASE,
            BASE.with_user_timeout(s(75)),
            Policy::new().with_timeout(Duration::from_millis(5_400_250)),
            Policy::new().with_interval(Duration::from_millis(1_500)),
            Policy::new().with_retries(9),
            Policy::new(),
            Policy::disabled(),
        ];
        for policy in shapes {
            let text = policy.to_string();
            assert_eq!(read_back(&text), policy, "{text}");
        }
        assert_eq!(
            BASE.with_user_timeout(s(75)).to_string(),
            r#"timeout = "1m", interval = "5s", retries = 3, user_timeout = "1m 15s""#
        );
        assert_eq!(
            Policy::new()
                .with_timeout(Duration::from_millis(5_400_250))
                .to_string(),
            r#"timeout = "1h 30m 250ms""#
        );
    }

    #[test]
    fn enabled_switches_the_base() {
        let off = PolicyOverride::new()
            .with_enabled(false)
            .apply_to(BASE, None)
            .unwrap();
        assert_eq!(off, Policy::disabled());
        let on = PolicyOverride::new()
            .with_enabled(true)
            .with_timeout(s(9))
            .apply_to(Policy::disabled(), None);
        assert_eq!(on, Ok(Policy::new().with_timeout(s(9))));
        assert_eq!(PolicyOverride::new().apply_to(BASE, None), Ok(BASE));
    }
}

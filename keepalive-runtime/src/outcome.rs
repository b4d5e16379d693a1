//! What an apply did: [`Applied`], the options set ([`OptionsSet`]) and each knob left out
//! and why ([`LeftOut`]; only a best-effort policy type leaves any out). Failures are
//! [`Error`](crate::Error)s.

use core::fmt;

use keepalive_core::{Knob, Policy, TARGET};

use crate::error::os_error_name;

/// The name of the option that carries `knob` on the compilation target (`TCP_KEEPIDLE`,
/// `TCP_KEEPALIVE` on Apple), or the knob's key where the
/// target has none.
pub fn option_name(knob: Knob) -> &'static str {
    match TARGET.and_then(|p| p.support(knob).option()) {
        Some(spec) => spec.name,
        None => knob.key(),
    }
}

/// The options an apply call has set, in the order it set them. A small `Copy` set: no
/// allocation, carried in errors ([`Error::already_set`](crate::Error::already_set)) to say
/// how far a failed apply got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OptionsSet {
    knobs: u8,
    defaulted: u8,
    keepalive: Option<bool>,
    /// The two times went together in one option (Windows SIO_KEEPALIVE_VALS).
    joint_times: bool,
    /// SO_KEEPALIVE=0 was written but the OS probes anyway (net.inet.tcp.always_keepalive).
    probed_anyway: bool,
}

const fn bit(knob: Knob) -> u8 {
    match knob {
        Knob::Timeout => 1,
        Knob::Interval => 2,
        Knob::Retries => 4,
        Knob::UserTimeout => 8,
    }
}

impl OptionsSet {
    /// Nothing set.
    pub const EMPTY: OptionsSet = OptionsSet {
        knobs: 0,
        defaulted: 0,
        keepalive: None,
        joint_times: false,
        probed_anyway: false,
    };

    /// Whether the option for `knob` was set.
    pub const fn contains(&self, knob: Knob) -> bool {
        self.knobs & bit(knob) != 0
    }

    /// Whether `knob` was not in the policy but had to be sent anyway, as the OS's
    /// documented default, because its option carries two values (Windows
    /// SIO_KEEPALIVE_VALS: 2 h idle time, 1 s interval).
    pub const fn defaulted(&self, knob: Knob) -> bool {
        self.defaulted & bit(knob) != 0
    }

    /// The option that set `knob`: the platform table's, or SIO_KEEPALIVE_VALS where
    /// Windows took both times in that one call (a build without TCP_KEEPIDLE, or a time
    /// that is not whole seconds).
    pub fn option_of(&self, knob: Knob) -> &'static str {
        if self.joint_times && matches!(knob, Knob::Timeout | Knob::Interval) {
            "SIO_KEEPALIVE_VALS"
        } else {
            option_name(knob)
        }
    }

    /// `Some(on)` once SO_KEEPALIVE (or its Windows equivalent) was written.
    pub const fn keepalive(&self) -> Option<bool> {
        self.keepalive
    }

    /// Whether SO_KEEPALIVE=0 was written but the OS probes the connection anyway, with its
    /// global timings: FreeBSD and DragonFly with `net.inet.tcp.always_keepalive = 1` (their
    /// default), or XNU with it set, read when the policy was applied (PLATFORMS.md A11).
    /// The socket holds what the policy asked; the host decides the rest, so this is
    /// reported, not an error.
    pub const fn probed_anyway(&self) -> bool {
        self.probed_anyway
    }

    /// Whether nothing at all was set.
    pub const fn is_empty(&self) -> bool {
        self.knobs == 0 && self.keepalive.is_none()
    }

    /// The knobs whose options were set, in apply order.
    pub fn knobs(&self) -> impl Iterator<Item = Knob> + '_ {
        Knob::ALL.into_iter().filter(|k| self.contains(*k))
    }

    pub(crate) fn insert(&mut self, knob: Knob) {
        self.knobs |= bit(knob);
    }

    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) fn insert_defaulted(&mut self, knob: Knob) {
        self.knobs |= bit(knob);
        self.defaulted |= bit(knob);
    }

    #[cfg_attr(not(windows), allow(dead_code))]
    pub(crate) fn set_joint_times(&mut self) {
        self.joint_times = true;
    }

    pub(crate) fn set_keepalive(&mut self, on: bool) {
        self.keepalive = Some(on);
    }

    pub(crate) fn set_probed_anyway(&mut self) {
        self.probed_anyway = true;
    }
}

impl fmt::Display for OptionsSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("nothing");
        }
        let mut first = true;
        let mut sep = |f: &mut fmt::Formatter<'_>| {
            let s = if first { "" } else { ", " };
            first = false;
            f.write_str(s)
        };
        for knob in self.knobs() {
            sep(f)?;
            write!(f, "{} ({knob})", self.option_of(knob))?;
            if self.defaulted(knob) {
                f.write_str(" [OS default sent]")?;
            }
        }
        if let Some(on) = self.keepalive {
            sep(f)?;
            write!(f, "SO_KEEPALIVE={}", u8::from(on))?;
            if self.probed_anyway {
                f.write_str(
                    " (but net.inet.tcp.always_keepalive = 1: the OS probes anyway, with its global timings)",
                )?;
            }
        }
        Ok(())
    }
}

/// A knob that an apply left out, and why: a policy type with `best_effort = true` leaves
/// out what the OS cannot honour. `Copy`, no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeftOut {
    /// The knob that was not set.
    pub knob: Knob,
    /// The option that would carry it, or the knob's key where this OS has none.
    pub option: &'static str,
    /// The OS error of the refusal (ENOPROTOOPT, WSAENOPROTOOPT), or `None` where the OS
    /// has no per-socket option for the knob at all (known while compiling, so nothing was
    /// tried).
    pub os_error: Option<i32>,
    /// What the OS does instead, from the platform table, if known ("always sends 10
    /// probes").
    pub instead: Option<&'static str>,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ", self.knob, self.option)?;
        match self.os_error {
            Some(code) => {
                f.write_str("refused (")?;
                if let Some(name) = os_error_name(code) {
                    write!(f, "{name}, ")?;
                }
                write!(f, "os error {code})")?;
            }
            None => f.write_str("does not exist on this OS")?,
        }
        if let Some(instead) = self.instead {
            write!(f, "; {instead}")?;
        }
        Ok(())
    }
}

/// What an apply did ([`apply`](crate::apply()), the connect paths, a
/// [`Listener`](crate::Listener)): the options set, and each knob of the policy that the OS
/// could not honour and that was left out, which only a policy type with
/// `best_effort = true` does (any other type fails instead). `Copy`, no allocation.
///
/// ```
/// use keepalive_runtime::prelude::*;
/// use keepalive_runtime::platform::Knob;
///
/// #[keepalive(timeout = "30s", retries = 4, best_effort = true)]
/// struct Api;
///
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let stream = std::net::TcpStream::connect(listener.local_addr()?)?;
/// let done = keepalive_runtime::apply(&stream, Api::policy())?;
/// for left_out in done.left_out() {
///     eprintln!("not applied: {left_out}"); // Windows before 10.0.15063: retries
/// }
/// # #[cfg(target_os = "linux")]
/// assert!(done.is_complete() && done.set().contains(Knob::Retries));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Applied {
    applied: OptionsSet,
    left_out: [Option<LeftOut>; 4],
}

impl Applied {
    /// The options that were set.
    pub const fn set(&self) -> OptionsSet {
        self.applied
    }

    /// Whether the option for `knob` was set: [`OptionsSet::contains`].
    pub const fn contains(&self, knob: Knob) -> bool {
        self.applied.contains(knob)
    }

    /// `Some(on)` once SO_KEEPALIVE (or its Windows equivalent) was written.
    pub const fn keepalive(&self) -> Option<bool> {
        self.applied.keepalive()
    }

    /// The knobs whose options were set, in apply order.
    pub fn knobs(&self) -> impl Iterator<Item = Knob> + '_ {
        self.applied.knobs()
    }

    /// Whether SO_KEEPALIVE=0 was written but the OS probes anyway: see
    /// [`OptionsSet::probed_anyway`].
    pub const fn probed_anyway(&self) -> bool {
        self.applied.probed_anyway()
    }

    /// The knobs left out, in [`Knob::ALL`] order.
    pub fn left_out(&self) -> impl Iterator<Item = &LeftOut> + '_ {
        self.left_out.iter().flatten()
    }

    /// Why `knob` was left out, if it was.
    pub fn left_out_of(&self, knob: Knob) -> Option<&LeftOut> {
        self.left_out().find(|l| l.knob == knob)
    }

    /// Whether every knob of the policy was set (always so unless the policy type is
    /// `best_effort = true`).
    pub fn is_complete(&self) -> bool {
        self.left_out().next().is_none()
    }

    /// `policy` without the knobs that were left out: what the socket holds, with the OS
    /// deciding the rest.
    pub const fn effective(&self, policy: &Policy) -> Policy {
        let mut out = *policy;
        let mut i = 0;
        while i < self.left_out.len() {
            if let Some(l) = &self.left_out[i] {
                out = out.without(l.knob);
            }
            i += 1;
        }
        out
    }

    /// `applied`, with nothing left out: built in place, so the strict apply path does not
    /// fill a record and copy it out.
    #[inline]
    pub(crate) const fn complete(applied: OptionsSet) -> Applied {
        Applied {
            applied,
            left_out: [None; 4],
        }
    }

    pub(crate) fn set_applied(&mut self, applied: OptionsSet) {
        self.applied = applied;
    }

    pub(crate) fn leave_out(&mut self, left_out: LeftOut) {
        let i = Knob::ALL
            .iter()
            .position(|k| *k == left_out.knob)
            .unwrap_or(0);
        self.left_out[i] = Some(left_out);
    }
}

impl fmt::Display for Applied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "set: {}", self.applied)?;
        if self.is_complete() {
            return f.write_str("; nothing left out");
        }
        f.write_str("; left out: ")?;
        for (i, l) in self.left_out().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{l}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disabled policy on a host that probes every connection says so.
    #[test]
    fn probed_anyway_is_shown() {
        let mut done = OptionsSet::EMPTY;
        done.set_keepalive(false);
        assert_eq!(done.to_string(), "SO_KEEPALIVE=0");
        assert!(!done.probed_anyway());
        done.set_probed_anyway();
        assert!(done.probed_anyway());
        assert_eq!(
            done.to_string(),
            "SO_KEEPALIVE=0 (but net.inet.tcp.always_keepalive = 1: the OS probes anyway, with its global timings)"
        );
    }
}

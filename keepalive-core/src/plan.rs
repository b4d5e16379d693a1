//! Which options the runtime sets, in which order, on a connected socket, on a listener and
//! on a socket just accepted from a listener: one plan per OS, as plain data, so the plan of
//! every OS is tested on any host (the runtime runs the plan of the target it is compiled
//! for). Each order is what that kernel's setsockopt and keep-alive timer code needs; the
//! facts are the rows A1–A11 of PLATFORMS.md, "Applying options".

use crate::knob::Knob;

/// One step of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Set this knob's option, if the policy writes it (skipped otherwise).
    Set(Knob),
    /// Set SO_KEEPALIVE to this value.
    KeepAlive(bool),
}

/// The steps for one kind of socket.
pub type Steps = &'static [Step];

/// How a policy that turns keep-alive on reaches each kind of socket on one OS. A policy
/// that turns it off writes SO_KEEPALIVE = 0 alone on a connected socket and a listener,
/// and nothing after accept (SO_KEEPALIVE is inherited by every OS in the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApplyPlan {
    /// A socket before or after `connect` (the same steps are right in both states).
    pub connected: Steps,
    /// A listening socket (set before `listen`), whose options accepted sockets inherit.
    pub listener: Steps,
    /// A socket returned by `accept`: what it did not inherit. With no written knob among
    /// its [`Step::Set`] steps, nothing is done.
    pub accepted: Steps,
}

impl ApplyPlan {
    /// The steps for `role`.
    pub const fn steps(&self, role: Role) -> Steps {
        match role {
            Role::Connected => self.connected,
            Role::Listener => self.listener,
            Role::Accepted => self.accepted,
        }
    }

    /// Whether the steps for `role` set `knob` at least once.
    pub const fn sets(&self, role: Role, knob: Knob) -> bool {
        position(self.steps(role), Step::Set(knob), 0).is_some()
    }

    /// Whether a socket of `role`'s kind (for [`Role::Listener`], every socket accepted
    /// from it) ends up holding `knob`'s option: set on it, or for an accepted socket set
    /// on the listener or after accept.
    pub const fn carries(&self, role: Role, knob: Knob) -> bool {
        match role {
            Role::Connected => self.sets(Role::Connected, knob),
            Role::Listener | Role::Accepted => {
                self.sets(Role::Listener, knob) || self.sets(Role::Accepted, knob)
            }
        }
    }
}

/// The kind of socket a plan is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A stream socket, connected or about to be.
    Connected,
    /// A listening socket.
    Listener,
    /// A socket just returned by `accept`.
    Accepted,
}

/// The step at `index`, if `steps` has one: for code that unrolls a plan into constants.
pub const fn nth(steps: Steps, index: usize) -> Option<Step> {
    if index < steps.len() {
        Some(steps[index])
    } else {
        None
    }
}

/// The most steps any plan has; code that unrolls plans handles this many.
pub const MAX_STEPS: usize = 6;

/// The index of the first `step` in `steps` at or after `from`.
pub const fn position(steps: Steps, step: Step, from: usize) -> Option<usize> {
    let mut i = from;
    while i < steps.len() {
        if step_eq(steps[i], step) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn step_eq(a: Step, b: Step) -> bool {
    match (a, b) {
        (Step::Set(a), Step::Set(b)) => a as u8 == b as u8,
        (Step::KeepAlive(a), Step::KeepAlive(b)) => a == b,
        _ => false,
    }
}

use Knob::{Interval, Retries, Timeout, UserTimeout};
use Step::{KeepAlive, Set};

/// Every timing, then SO_KEEPALIVE on: a refusal part-way leaves keep-alive as it was.
const TIMINGS_THEN_ON: Steps = &[
    Set(Timeout),
    Set(Interval),
    Set(Retries),
    Set(UserTimeout),
    KeepAlive(true),
];

/// Linux and Android (PLATFORMS.md A1): any order works, the timings are read when the
/// timer runs; accepted sockets inherit all five options (L3).
pub const LINUX_PLAN: ApplyPlan = ApplyPlan {
    connected: TIMINGS_THEN_ON,
    listener: TIMINGS_THEN_ON,
    accepted: &[],
};

/// XNU (A2–A4). Connected: TCP_KEEPALIVE re-arms the keep-alive timer of an established
/// connection with `TCP_CONN_KEEPIDLE`, which takes the socket's idle time only while
/// SO_KEEPALIVE is already on; setting SO_KEEPALIVE re-arms nothing. So the idle time is
/// set once more after SO_KEEPALIVE: the timings still come first (a refusal leaves
/// keep-alive as it was) and the last step sends again a value the kernel just accepted.
/// Listener: no idle time and no TCP_RXT_CONNDROPTIME (neither is copied to an accepted
/// socket, and before xnu-10002 TCP_KEEPALIVE arms the timer of the listening socket,
/// whose handler drops a socket not yet established); both are set after accept, where
/// SO_KEEPALIVE is already on (inherited), so the re-arm takes the policy's idle time.
pub const APPLE_PLAN: ApplyPlan = ApplyPlan {
    connected: &[
        Set(Timeout),
        Set(Interval),
        Set(Retries),
        Set(UserTimeout),
        KeepAlive(true),
        Set(Timeout),
    ],
    listener: &[Set(Interval), Set(Retries), KeepAlive(true)],
    accepted: &[Set(Timeout), Set(UserTimeout)],
};

/// FreeBSD (A5): TCP_KEEP* are copied to accepted sockets by the syncache; the user
/// timeout (TCP_MAXUNACKTIME) is set again after accept, as the runtime cannot show the
/// syncache copies it.
pub const FREEBSD_PLAN: ApplyPlan = ApplyPlan {
    connected: TIMINGS_THEN_ON,
    listener: TIMINGS_THEN_ON,
    accepted: &[Set(UserTimeout)],
};

/// DragonFly BSD, illumos and Windows (A6, A8, A9): accepted sockets inherit the options.
pub const INHERITING_PLAN: ApplyPlan = LINUX_PLAN;

/// NetBSD (A7). Every TCP_KEEP* setsockopt runs `change_keepalive`, which arms the
/// keep-alive timer in any state: at `t_keepidle` while SO_KEEPALIVE is off, at
/// `t_keepintvl` while it is on, and on a listening socket the timer's handler drops it
/// (not established). So the listener carries SO_KEEPALIVE only; accepted sockets, which
/// get the global defaults (`syn_cache_get` copies TF_NODELAY alone) and inherit
/// SO_KEEPALIVE on, have it turned off around the timings so the first probe waits the
/// idle time, not the interval. A connected socket gets the timings before SO_KEEPALIVE
/// for the same reason.
pub const NETBSD_PLAN: ApplyPlan = ApplyPlan {
    connected: &[Set(Timeout), Set(Interval), Set(Retries), KeepAlive(true)],
    listener: &[KeepAlive(true)],
    accepted: &[
        KeepAlive(false),
        Set(Timeout),
        Set(Interval),
        Set(Retries),
        KeepAlive(true),
    ],
};

/// OpenBSD: SO_KEEPALIVE alone (no per-socket timings), inherited on accept.
pub const OPENBSD_PLAN: ApplyPlan = ApplyPlan {
    connected: &[KeepAlive(true)],
    listener: &[KeepAlive(true)],
    accepted: &[],
};

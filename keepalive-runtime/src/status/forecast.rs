//! What keep-alive will do next on a connection: a status put together with a policy.

use core::fmt;
use core::time::Duration;

use keepalive_core::{Knob, Platform, Policy, format_duration};

use super::read::{Status, TcpState};
use super::{Secs, plural};

impl Status {
    /// What keep-alive will do next under `policy` (the policy the socket was given), in
    /// a form that prints as a sentence.
    ///
    /// The times follow the kernel's own keep-alive timer (PLATFORMS.md, "Reading
    /// status"). On Linux (`tcp_keepalive_timer`, net/ipv4/tcp_timer.c): the idle time
    /// counts from the last segment received, a probe goes out every `interval` after
    /// that, and the connection is declared dead after `retries` unanswered probes, or with
    /// a `user_timeout`, at the first probe past it (as [`Policy::worst_case_detection`]
    /// computes). Linux keep-alive sends no probe while sent data is unacknowledged or
    /// written data waits unsent; then only a `user_timeout` bounds the wait. Keep-alive
    /// switched on after the last segment arrived starts its clock then, up to one idle
    /// time later than predicted here. The BSDs and XNU count no probes: at each run of
    /// the timer, a connection idle `timeout + interval × retries` or longer is dropped
    /// without a probe, so one already idle that long when the policy is applied is
    /// dropped at the timer's next run ([`Outlook::DropDue`]). The states keep-alive runs
    /// in are the kernel's too (FIN-wait-1 and closing on the BSDs and XNU, FIN-wait-2 on
    /// XNU).
    ///
    /// Every `dead_within` is an upper bound, not the schedule: kernel timers fire late,
    /// Linux's by up to about an eighth of their delay plus a tick (its timer wheel files
    /// a timer in a bucket whose width grows with the delay), so each bound adds an eighth
    /// of the timers still to run and 20 ms per timer (PLATFORMS.md, S-Slack). Measured
    /// against cut peers (`tests/tests/status_dead_peer.rs`, `load_dead_peers.rs`): no
    /// connection outlived it. The one case it cannot see is the one above: a policy
    /// applied to a connection already idle, until its first probe (Linux arms the timer
    /// afresh when SO_KEEPALIVE is switched on, which apply writes last), where the end
    /// can come up to that earlier idle time later.
    pub fn forecast(&self, policy: &Policy) -> Forecast {
        Forecast {
            status: *self,
            outlook: Outlook::of(self, policy),
        }
    }
}

/// A [`Status`] put together with a policy: what keep-alive will do next. Prints as a
/// sentence ("2 of 5 probes unanswered; declared dead in at most 20.0 s").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Forecast {
    status: Status,
    outlook: Outlook,
}

impl Forecast {
    /// The status it was made from.
    pub const fn status(&self) -> &Status {
        &self.status
    }

    /// What keep-alive will do next.
    pub const fn outlook(&self) -> &Outlook {
        &self.outlook
    }

    /// The longest the connection can live from now if the peer is gone and stays silent,
    /// where something bounds it. See [`Outlook::dead_within`].
    pub const fn dead_within(&self) -> Option<Duration> {
        self.outlook.dead_within()
    }
}

impl fmt::Display for Forecast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keep-alive still runs in CLOSE-WAIT, so the outlook stands; but a reader
        // watching a dropped connection needs to know that the peer said goodbye.
        if self.status.state == Some(TcpState::CloseWait) {
            f.write_str("the peer closed its side (close-wait); ")?;
        }
        self.outlook.fmt(f)
    }
}

/// What keep-alive will do next on a connection, from a [`Status`] and a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outlook {
    /// The policy turns keep-alive off: nothing probes this connection, unless the OS
    /// probes every connection regardless (FreeBSD's and DragonFly's
    /// `net.inet.tcp.always_keepalive`, 1 by default), which the message then says.
    Off,
    /// The connection is not open: keep-alive does not run.
    NotOpen {
        /// The state it is in.
        state: TcpState,
    },
    /// No probe sent yet.
    Idle {
        /// Time since the last segment received.
        idle: Duration,
        /// The policy's idle time before the first probe; `None` where it is left to the OS.
        timeout: Option<Duration>,
        /// If the peer is gone now, it is declared dead within this.
        dead_within: Option<Duration>,
    },
    /// Probes are going out and none has been answered.
    Probing {
        /// Unanswered probes so far; `None` where the OS does not count them (FreeBSD).
        unanswered: Option<u32>,
        /// Probes sent before the connection is declared dead.
        of: Option<u32>,
        /// It is declared dead within this.
        dead_within: Option<Duration>,
    },
    /// Sent data is unacknowledged, so keep-alive sends no probes; only a user timeout
    /// bounds the wait.
    Paused {
        /// Segments sent and not acknowledged.
        unacked_segments: u32,
        /// Time since the peer last acknowledged anything (a keep-alive probe included):
        /// not how long the data has waited, which can be much less.
        since_ack_received: Option<Duration>,
        /// Time since data was last sent, retransmissions included.
        since_data_sent: Option<Duration>,
        /// Retransmissions of the oldest unacknowledged segment.
        retransmits: Option<u32>,
        /// The policy's user timeout, if it has one.
        user_timeout: Option<Duration>,
        /// The user timeout drops the connection within this. Linux counts it from the
        /// first timeout retransmission of the oldest unacknowledged segment, which comes
        /// within two retransmission timeouts of the last send; once it has gone out, its
        /// time follows from the retransmissions since and the doubled timeout.
        dead_within: Option<Duration>,
    },
    /// Written data waits unsent with nothing in flight (on Linux, a peer whose receive
    /// window is closed, say: zero-window probes go out instead), so keep-alive sends no
    /// probes: Linux's `tcp_keepalive_timer` re-arms while `!tcp_write_queue_empty`.
    Queued {
        /// Bytes written and not yet sent.
        unsent_bytes: u32,
        /// Zero-window probes sent and not answered (Linux counts them in `tcpi_probes`).
        probes: Option<u32>,
        /// The policy's user timeout, if it has one: it ends a connection whose probes
        /// go unanswered.
        user_timeout: Option<Duration>,
    },
    /// The connection has been idle at least `timeout + interval × retries` (the policy
    /// was applied to a connection already idle that long): the kernel's keep-alive timer
    /// drops it at its next run, without a probe (the BSDs and XNU test the time since the
    /// last segment before probing).
    DropDue {
        /// Time since the last segment received.
        idle: Duration,
        /// `timeout + interval × retries`.
        limit: Duration,
        /// The timer runs again within this.
        within: Duration,
    },
    /// The OS's figure for the time since the last segment wraps (FreeBSD and OpenBSD,
    /// about every 71.6 min) and the policy lets a connection stay idle that long (or leaves
    /// a knob to the OS), so the figure may be short by a multiple of the wrap: the time
    /// is unknown.
    IdleUnknown {
        /// How often the OS's figure wraps.
        wraps_every: Duration,
    },
    /// The OS reports no keep-alive progress (macOS, iOS, NetBSD, Windows): neither probes
    /// nor the time since the last segment received.
    Unreported,
}

/// A kernel timer of delay `d` fires up to `d / TIMER_SLACK_DIVISOR` late (Linux's timer
/// wheel, kernel/time/timer.c: level `n` has buckets of `8^n` ticks and holds delays from
/// about `8^(n+1)` ticks, so the rounding is under an eighth of the delay; PLATFORMS.md,
/// S-Slack). The BSDs' and XNU's callouts are held to the same allowance, not measured.
pub(crate) const TIMER_SLACK_DIVISOR: u32 = 8;

/// What each timer can fire late beyond its share of the delay: two ticks at the coarsest
/// common tick rate (HZ = 100, 10 ms): the bucket's own tick and the softirq's.
pub(crate) const TIMER_TICK_SLACK: Duration = Duration::from_millis(20);

/// The most the timers still to run can fire late in all: the one armed now (up to
/// `armed` ago, so its whole delay counts), those after it (`remaining` in all), and a
/// tick allowance for each of `firings`.
pub(crate) fn timer_slack(armed: Duration, remaining: Duration, firings: u32) -> Duration {
    (armed.saturating_add(remaining) / TIMER_SLACK_DIVISOR)
        .saturating_add(TIMER_TICK_SLACK.saturating_mul(firings))
}

impl Outlook {
    pub(crate) fn of(status: &Status, policy: &Policy) -> Outlook {
        if !policy.is_enabled() {
            return Outlook::Off;
        }
        let kernel = status.kernel;
        if let Some(state) = status.state.filter(|s| !kernel.keepalive_runs_in(*s)) {
            return Outlook::NotOpen { state };
        }
        if let Some(unacked) = status.unacked_segments.filter(|n| *n > 0) {
            let user_timeout = policy.user_timeout();
            return Outlook::Paused {
                unacked_segments: unacked,
                since_ack_received: status.since_ack_received,
                since_data_sent: status.since_data_sent,
                retransmits: status.retransmits,
                user_timeout,
                dead_within: paused_bound(status, user_timeout),
            };
        }
        if let Some(unsent) = status.unsent_bytes.filter(|n| *n > 0) {
            return Outlook::Queued {
                unsent_bytes: unsent,
                probes: status.probes,
                user_timeout: policy.user_timeout(),
            };
        }
        let timeout = policy.timeout();
        // The BSDs' and XNU's timer drops a connection idle this long at its next run.
        let idle_limit = match (timeout, policy.interval(), policy.retries()) {
            (Some(t), Some(i), Some(r)) => i.checked_mul(r).and_then(|p| t.checked_add(p)),
            _ => None,
        };
        let idle = match (status.since_last_received(), status.received_wraps_every) {
            (Some(idle), _) => idle,
            (None, Some(wraps_every)) => {
                // The idle time cannot pass the limit by more than one timer run.
                let longest = idle_limit.and_then(|l| l.checked_add(policy.interval()?));
                match longest.and_then(|l| status.since_last_received_within(l)) {
                    Some(idle) => idle,
                    None if status.last_received_raw().is_some() => {
                        return Outlook::IdleUnknown { wraps_every };
                    }
                    None => return Outlook::Unreported,
                }
            }
            (None, None) => return Outlook::Unreported,
        };
        let (worst, of) = if kernel.drops_by_idle() {
            if let (Some(limit), Some(t), Some(i)) = (idle_limit, timeout, policy.interval())
                && idle >= limit
            {
                let run = t.max(i);
                return Outlook::DropDue {
                    idle,
                    limit,
                    within: run.saturating_add(timer_slack(run, Duration::ZERO, 1)),
                };
            }
            // No user timeout takes part: the timer tests the idle time alone.
            (idle_limit, policy.retries())
        } else {
            let worst = policy.worst_case_detection().ok();
            // Probes the policy allows: `retries`, or with a user timeout, as many
            // intervals as fit before it (worst_case_detection's rule).
            let of = match (policy.user_timeout(), worst, timeout, policy.interval()) {
                (None, ..) => policy.retries(),
                (Some(_), Some(w), Some(t), Some(i)) if !i.is_zero() => {
                    u32::try_from((w.saturating_sub(t)).as_nanos() / i.as_nanos()).ok()
                }
                _ => None,
            };
            (worst, of)
        };
        let probes = status.probes;
        let probing = match probes {
            Some(n) => n > 0,
            // Without a probe count, the idle time says whether probing has begun.
            None => timeout.is_some_and(|t| idle >= t),
        };
        // From the last segment received, as the kernel's timer counts; where the status
        // contradicts that schedule (a first probe overdue: keep-alive was switched on
        // later, or paused by data in flight), the bound from now: the timer is due
        // within one idle time (no probe yet) or one interval.
        let anchored = worst.map(|w| w.saturating_sub(idle));
        let consistent = match (probes, timeout, policy.interval()) {
            // The timer wheel fires a timer this far out up to about an eighth late.
            (Some(0), Some(t), _) => idle < t.saturating_add(timer_slack(t, Duration::ZERO, 1)),
            (Some(n), Some(t), Some(i)) => {
                idle.saturating_add(TIMER_TICK_SLACK) >= t.saturating_add(i.saturating_mul(n - 1))
            }
            _ => true,
        };
        let schedule = if consistent {
            anchored
        } else {
            match (probes, of, timeout, policy.interval()) {
                (Some(0), _, _, _) => worst,
                (Some(n), Some(of), _, Some(i)) => {
                    Some(i.saturating_mul(of.saturating_sub(n).saturating_add(1)))
                }
                _ => None,
            }
        };
        // The timer armed now: the idle time's (no probe yet) or an interval's. Every probe
        // still to go, and the run that declares the connection dead, is a timer of its own.
        let armed = match (probing, timeout, policy.interval()) {
            (false, Some(t), _) => t,
            (true, _, Some(i)) => i,
            _ => Duration::ZERO,
        };
        let firings = of.map_or(1, |of| {
            of.saturating_sub(probes.unwrap_or(0)).saturating_add(1)
        });
        let dead_within = schedule.map(|s| s.saturating_add(timer_slack(armed, s, firings)));
        if probing {
            Outlook::Probing {
                unanswered: probes,
                of,
                dead_within,
            }
        } else {
            Outlook::Idle {
                idle,
                timeout,
                dead_within,
            }
        }
    }

    /// The longest the connection can live from now if the peer is gone and stays silent,
    /// where the policy and the status bound it: the end of the probe sequence, or with
    /// data in flight, the user timeout. `None` where nothing bounds it or the OS does not
    /// report enough.
    pub const fn dead_within(&self) -> Option<Duration> {
        match self {
            Outlook::Idle { dead_within, .. }
            | Outlook::Probing { dead_within, .. }
            | Outlook::Paused { dead_within, .. } => *dead_within,
            Outlook::DropDue { within, .. } => Some(*within),
            Outlook::Off
            | Outlook::NotOpen { .. }
            | Outlook::Queued { .. }
            | Outlook::IdleUnknown { .. }
            | Outlook::Unreported => None,
        }
    }
}

impl fmt::Display for Outlook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Outlook::Off if crate::sys::always_keepalive() == Some(true) => f.write_str(
                "keep-alive off on this socket, but net.inet.tcp.always_keepalive = 1: the OS probes it anyway, with its global timings",
            ),
            Outlook::Off => f.write_str("keep-alive off: nothing probes this connection"),
            Outlook::NotOpen { state } => {
                write!(f, "connection {state}: keep-alive does not run")
            }
            Outlook::Idle {
                idle,
                timeout,
                dead_within,
            } => {
                write!(f, "idle {}", Secs(idle))?;
                match timeout {
                    Some(t) => write!(f, " of {} before the first probe", format_duration(t))?,
                    None => f.write_str(" (the idle time before the first probe is the OS's)")?,
                }
                if let Some(d) = dead_within {
                    write!(
                        f,
                        "; if the peer is gone, declared dead in at most {}",
                        Secs(d)
                    )?;
                }
                Ok(())
            }
            Outlook::Probing {
                unanswered,
                of,
                dead_within,
            } => {
                match (unanswered, of) {
                    (Some(n), Some(of)) => write!(
                        f,
                        "{n} of {of} {} unanswered",
                        plural(of, "probe", "probes")
                    )?,
                    (Some(n), None) => {
                        write!(f, "{n} {} unanswered", plural(n, "probe", "probes"))?
                    }
                    (None, _) => f.write_str("probing (this OS does not count probes)")?,
                }
                if let Some(d) = dead_within {
                    write!(f, "; declared dead in at most {}", Secs(d))?;
                }
                Ok(())
            }
            Outlook::Paused {
                unacked_segments,
                since_ack_received,
                since_data_sent,
                retransmits,
                user_timeout,
                dead_within,
            } => {
                write!(
                    f,
                    "keep-alive paused: {unacked_segments} {} unacknowledged",
                    plural(unacked_segments, "segment", "segments")
                )?;
                // Each figure as what it is: the last ACK can be much older than the data.
                if let Some(d) = since_data_sent {
                    write!(f, ", data last sent {} ago", Secs(d))?;
                }
                if let Some(d) = since_ack_received {
                    write!(f, ", last ACK received {} ago", Secs(d))?;
                }
                if let Some(n) = retransmits.filter(|n| *n > 0) {
                    write!(
                        f,
                        ", {n} {}",
                        plural(n, "retransmission", "retransmissions")
                    )?;
                }
                match (user_timeout, dead_within) {
                    (Some(_), Some(d)) => write!(
                        f,
                        "; the user timeout drops the connection in at most {}",
                        Secs(d)
                    ),
                    (Some(u), None) => write!(
                        f,
                        "; the user timeout ({}) drops the connection",
                        format_duration(u)
                    ),
                    (None, _) => f.write_str(
                        "; nothing bounds this: no user_timeout (the OS's retransmission limit decides, about 15 min on Linux by default)",
                    ),
                }
            }
            Outlook::Queued {
                unsent_bytes,
                probes,
                user_timeout,
            } => {
                write!(
                    f,
                    "keep-alive paused: {unsent_bytes} bytes queued unsent, none in flight (the peer's receive window is closed, or sending is held back)"
                )?;
                if let Some(n) = probes.filter(|n| *n > 0) {
                    write!(
                        f,
                        "; {n} zero-window {} unanswered",
                        plural(n, "probe", "probes")
                    )?;
                }
                match user_timeout {
                    Some(u) => write!(
                        f,
                        "; if the peer is gone, the user timeout ({}) drops the connection",
                        format_duration(u)
                    ),
                    None => f.write_str(
                        "; if the peer is gone, nothing in the policy bounds this: no user_timeout (the OS's probe limit decides)",
                    ),
                }
            }
            Outlook::DropDue {
                idle,
                limit,
                within,
            } => write!(
                f,
                "idle {}, past the {} keep-alive allows: the OS drops the connection at its keep-alive timer's next run, without a probe, within {}",
                Secs(idle),
                format_duration(limit),
                Secs(within)
            ),
            Outlook::IdleUnknown { wraps_every } => write!(
                f,
                "time since the last segment unknown: this OS's figure wraps every {} and the policy lets a connection stay idle that long",
                format_duration(wraps_every)
            ),
            Outlook::Unreported => {
                f.write_str("this OS reports no keep-alive progress (probes, idle time)")
            }
        }
    }
}

/// How long a user timeout lets a connection with data in flight live. Linux counts it
/// from `retrans_stamp`, the time of the first timeout retransmission of the oldest
/// unacknowledged segment (`tcp_retransmit_skb`, `retransmits_timed_out` in
/// net/ipv4/tcp_timer.c; measured: a write into a vanished peer with a 4 s user timeout
/// fails 4.45 s later, the first retransmission having gone out after 0.45 s).
///
/// Before that retransmission, it comes within two retransmission timeouts of the last
/// send (a tail-loss probe, capped at the timeout, then the timeout itself). After `r` of
/// them, each timeout twice the one before, the first went out
/// `rto/2 + rto/4 + ... + rto/2^(r-1)` before the last one, `rto` being the current,
/// doubled timeout; where the timeouts did not double (capped at 120 s), that sum is less
/// than the time that really passed, so the result errs on the long side.
///
/// The retransmission timer fires late as every kernel timer does ([`timer_slack`]): the
/// bound adds the slack of the one armed now and of those still to run, at most one per
/// doubling of the current timeout until the user timeout.
fn paused_bound(status: &Status, user_timeout: Option<Duration>) -> Option<Duration> {
    let user_timeout = user_timeout?;
    let sent = status.since_data_sent?;
    let rto = status.rto?;
    let schedule = match status.retransmits? {
        0 => user_timeout
            .saturating_add(rto.saturating_mul(2))
            .saturating_sub(sent),
        r => {
            let since_first = sent.saturating_add(rto - rto / (1u32 << (r - 1).min(31)));
            user_timeout.saturating_sub(since_first)
        }
    };
    let doublings = match rto.as_nanos() {
        0 => 64,
        n => 128 - (schedule.as_nanos() / n).leading_zeros(),
    };
    // The timer armed now went out with the last send, for at most the current timeout:
    // Linux clamps it to what is left of the user timeout (`tcp_clamp_rto_to_user_timeout`).
    let armed = rto.min(sent.saturating_add(schedule));
    Some(schedule.saturating_add(timer_slack(armed, schedule, doublings + 1)))
}

/// `policy` as apply sets it on `platform`: with `best_effort`, less each knob the platform
/// has no option for (every apply leaves it out), so that a forecast does not count on a
/// user timeout that FreeBSD, say, never set.
pub(crate) fn as_set_on(policy: Policy, best_effort: bool, platform: Option<&Platform>) -> Policy {
    let Some(platform) = platform.filter(|_| best_effort) else {
        return policy;
    };
    Knob::ALL.into_iter().fold(policy, |policy, knob| {
        match platform.support(knob).option() {
            Some(_) => policy,
            None => policy.without(knob),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::read::MICROS_U32_WRAP;
    use crate::status::test_support::{Kernel, freebsd_status, linux_status};

    const SECS: fn(u64) -> Duration = Duration::from_secs;

    /// The bound a forecast gives for a schedule of `schedule` from now, the timer armed
    /// now of `armed`, and `firings` timers to run: the schedule and their slack.
    fn bound(schedule: Duration, armed: Duration, firings: u32) -> Duration {
        schedule + (armed + schedule) / 8 + Duration::from_millis(20) * firings
    }

    #[test]
    fn forecasts_read_as_sentences() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let idle = linux_status(0, 35_000, 0, 0).forecast(&policy);
        assert_eq!(
            idle.to_string(),
            "idle 35.0 s of 1m before the first probe; if the peer is gone, declared dead in at most 1m 32s"
        );
        let probing = linux_status(2, 80_000, 0, 0).forecast(&policy);
        assert_eq!(
            probing.to_string(),
            "2 of 5 probes unanswered; declared dead in at most 35.1 s"
        );
        assert_eq!(probing.dead_within(), Some(bound(SECS(30), SECS(10), 4)));
        let paused = linux_status(0, 4_200, 3, 2).forecast(&policy.with_user_timeout(SECS(20)));
        assert_eq!(
            paused.to_string(),
            "keep-alive paused: 3 segments unacknowledged, data last sent 4.2 s ago, last ACK received 4.2 s ago, 2 retransmissions; the user timeout drops the connection in at most 17.8 s"
        );
        let unbounded = linux_status(0, 4_200, 3, 2).forecast(&policy);
        assert_eq!(unbounded.dead_within(), None);
        assert!(
            unbounded
                .to_string()
                .contains("nothing bounds this: no user_timeout")
        );
        let off = linux_status(0, 1, 0, 0).forecast(&Policy::disabled());
        assert_eq!(*off.outlook(), Outlook::Off);
    }

    #[test]
    fn an_overdue_first_probe_falls_back_to_the_bound_from_now() {
        // Idle 90 s with a 60 s idle time and no probe: keep-alive's clock started later
        // than the last segment (switched on later); the timer is due within 60 s.
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let late = linux_status(0, 90_000, 0, 0).forecast(&policy);
        assert_eq!(late.dead_within(), Some(bound(SECS(110), SECS(60), 6)));
    }

    /// A best-effort policy's user timeout, which NetBSD has no option for, does not bound
    /// the forecast there: the probe sequence does.
    #[test]
    fn a_knob_left_out_on_the_platform_is_not_forecast() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5)
            .with_user_timeout(SECS(70));
        let netbsd = Platform::for_target_os("netbsd").expect("a NetBSD row");
        let linux = Platform::for_target_os("linux").expect("a Linux row");
        let there = as_set_on(policy, true, Some(netbsd));
        assert_eq!(there, policy.without(Knob::UserTimeout));
        assert_eq!(as_set_on(policy, true, Some(linux)), policy);
        // Without best_effort the policy compiled only where every knob has an option.
        assert_eq!(as_set_on(policy, false, Some(netbsd)), policy);
        let idle = linux_status(0, 0, 0, 0);
        assert_eq!(
            idle.forecast(&there).dead_within(),
            Some(bound(SECS(110), SECS(60), 6))
        );
        // Where the policy is set whole, Linux's TCP_USER_TIMEOUT also ends the probing;
        // Windows' TCP_MAXRT bounds retransmission only, so the probes bound an idle peer.
        let whole = if cfg!(any(target_os = "linux", target_os = "android")) {
            bound(SECS(70), SECS(60), 2)
        } else {
            bound(SECS(110), SECS(60), 6)
        };
        assert_eq!(idle.forecast(&policy).dead_within(), Some(whole));
    }

    /// FreeBSD's figure wraps every 2^32 µs: with a policy whose idle limit is below the
    /// wrap it is exact (the kernel drops the connection before it gets that far); with
    /// the default 2 h idle time, or a knob left to the OS, it is unknown, never a figure.
    #[test]
    fn a_wrapping_idle_figure_is_used_only_below_the_wrap() {
        assert_eq!(MICROS_U32_WRAP.as_secs(), 4_294);
        let now = freebsd_status(TcpState::Established, SECS(35));
        assert_eq!(now.since_last_received(), None);
        assert_eq!(now.since_data_received(), None);
        assert_eq!(now.since_last_received_within(SECS(600)), Some(SECS(35)));
        assert_eq!(now.since_last_received_within(SECS(7_200)), None);
        assert!(
            now.to_string()
                .contains("or that plus a multiple of 1h 11m 34s"),
            "{now}"
        );

        let short = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let forecast = now.forecast(&short);
        assert_eq!(
            forecast.dead_within(),
            Some(bound(SECS(75), SECS(60), 6)),
            "{forecast}"
        );
        let default_idle = Policy::new()
            .with_timeout(SECS(7_200))
            .with_interval(SECS(75))
            .with_retries(8);
        let unknown = now.forecast(&default_idle);
        assert_eq!(
            *unknown.outlook(),
            Outlook::IdleUnknown {
                wraps_every: MICROS_U32_WRAP
            }
        );
        assert_eq!(unknown.dead_within(), None);
        assert!(
            unknown
                .to_string()
                .starts_with("time since the last segment unknown")
        );
        let os_default = Policy::new().with_interval(SECS(10)).with_retries(5);
        assert!(matches!(
            now.forecast(&os_default).outlook(),
            Outlook::IdleUnknown { .. }
        ));
    }

    /// The BSDs and XNU test the idle time before probing: a connection already idle past
    /// `timeout + interval × retries` is dropped at the timer's next run, with no probe.
    /// Before that, the end is where the probes' schedule ends, as on Linux.
    #[test]
    fn the_bsds_drop_a_connection_idle_past_the_limit_at_the_next_run() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let overdue = freebsd_status(TcpState::Established, SECS(200)).forecast(&policy);
        assert_eq!(
            *overdue.outlook(),
            Outlook::DropDue {
                idle: SECS(200),
                limit: SECS(110),
                within: bound(SECS(60), SECS(60), 1) - SECS(60) / 8,
            }
        );
        assert!(overdue.to_string().contains("without a probe"), "{overdue}");
        let probing = freebsd_status(TcpState::Established, SECS(80)).forecast(&policy);
        assert!(
            matches!(
                probing.outlook(),
                Outlook::Probing {
                    unanswered: None,
                    of: Some(5),
                    dead_within: Some(d)
                } if *d == bound(SECS(30), SECS(10), 6)
            ),
            "{probing}"
        );
        // A user timeout does not take part in the BSDs' keep-alive timer.
        let with_user = policy.with_user_timeout(SECS(70));
        let idle = freebsd_status(TcpState::Established, SECS(35)).forecast(&with_user);
        assert_eq!(idle.dead_within(), Some(bound(SECS(75), SECS(60), 6)));
        // Linux, overdue by the same margin, sends its first probe and counts from there.
        let linux = linux_status(0, 200_000, 0, 0).forecast(&policy);
        assert_eq!(linux.dead_within(), Some(bound(SECS(110), SECS(60), 6)));
    }

    /// The states each kernel's timer runs in: FIN-wait-1 and closing on the BSDs and
    /// XNU, FIN-wait-2 on XNU only, neither on NetBSD; Linux all synchronised states.
    #[test]
    fn keep_alive_runs_in_the_states_each_kernel_says() {
        use TcpState::*;
        let runs = |kernel: Kernel| {
            [
                Established,
                CloseWait,
                FinWait1,
                Closing,
                FinWait2,
                LastAck,
                TimeWait,
                Listen,
                SynSent,
                Closed,
            ]
            .into_iter()
            .filter(|s| kernel.keepalive_runs_in(*s))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            runs(Kernel::FreeBsd),
            [Established, CloseWait, FinWait1, Closing]
        );
        assert_eq!(runs(Kernel::OpenBsd), runs(Kernel::FreeBsd));
        assert_eq!(
            runs(Kernel::Xnu),
            [Established, CloseWait, FinWait1, Closing, FinWait2]
        );
        assert_eq!(runs(Kernel::NetBsd), [Established, CloseWait]);
        assert_eq!(
            runs(Kernel::Linux),
            [Established, CloseWait, FinWait1, Closing, FinWait2, LastAck]
        );
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let fin_wait_1 = freebsd_status(FinWait1, SECS(5)).forecast(&policy);
        assert!(matches!(fin_wait_1.outlook(), Outlook::Idle { .. }));
        let fin_wait_2 = freebsd_status(FinWait2, SECS(5)).forecast(&policy);
        assert_eq!(*fin_wait_2.outlook(), Outlook::NotOpen { state: FinWait2 });
    }

    /// Linux pauses keep-alive while written data waits unsent, even with nothing in
    /// flight; on a listener, `tcpi_unacked` is the accept queue and not data in flight.
    #[test]
    fn unsent_data_pauses_linux_keep_alive_and_a_listener_has_no_data_in_flight() {
        let policy = Policy::new()
            .with_timeout(SECS(60))
            .with_interval(SECS(10))
            .with_retries(5);
        let queued = Status {
            unsent_bytes: Some(4_096),
            ..linux_status(2, 30_000, 0, 0)
        };
        let forecast = queued.forecast(&policy.with_user_timeout(SECS(120)));
        assert_eq!(
            *forecast.outlook(),
            Outlook::Queued {
                unsent_bytes: 4_096,
                probes: Some(2),
                user_timeout: Some(SECS(120)),
            }
        );
        assert_eq!(
            forecast.to_string(),
            "keep-alive paused: 4096 bytes queued unsent, none in flight (the peer's receive window is closed, or sending is held back); 2 zero-window probes unanswered; if the peer is gone, the user timeout (2m) drops the connection"
        );
        let listener = Status {
            state: Some(TcpState::Listen),
            accept_queue: Some(3),
            ..Status::NONE
        };
        assert_eq!(listener.data_in_flight(), None);
        assert_eq!(
            *listener.forecast(&policy).outlook(),
            Outlook::NotOpen {
                state: TcpState::Listen
            }
        );
        assert!(
            listener
                .to_string()
                .contains("3 connections waiting to be accepted")
        );
    }
}

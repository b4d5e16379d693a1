//! A [`Watch`] exported as metrics (feature `metrics`, through the [`metrics`] facade)
//! and as [`tracing`] events (feature `tracing`): one [`Exporter::poll`] polls the watch
//! once and hands what it saw to whichever recorder and subscriber the program installed.
//!
//! ```
//! use keepalive_runtime::prelude::*;
//! use keepalive_runtime::watch::export::Exporter;
//! use keepalive_runtime::watch::{Phase, Watch};
//!
//! #[keepalive(timeout = "30s", interval = "5s", retries = 3)]
//! struct Api;
//!
//! let listener = keepalive_runtime::Listener::bind("127.0.0.1:0", Api::policy())?;
//! let watch = Watch::new();
//! let client = watch.watch(std::net::TcpStream::connect(listener.local_addr()?)?, Api::policy())?;
//! let (_server, _) = listener.accept()?;
//!
//! // Once every few seconds, on a thread or task of its own: gauges set, deaths counted,
//! // events emitted.
//! let mut exporter = Exporter::new();
//! let counts = exporter.poll(&watch);
//! # #[cfg(target_os = "linux")]
//! assert_eq!(counts.get(Phase::Idle), 1);
//! drop(client);
//! // The policy type has no connection left: its gauges are set to 0.
//! assert_eq!(exporter.poll(&watch).total(), 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Names
//!
//! Metric names follow OpenTelemetry's conventions (dotted, the unit in the metadata,
//! durations in seconds); the label keys are the event fields' names too.
//!
//! | name | kind | unit | labels / fields | what |
//! |---|---|---|---|---|
//! | [`CONNECTIONS`] `keepalive.connection.count` | gauge | connections | [`PHASE`], [`POLICY`] | connections in each phase at the last poll; every phase of every policy type seen is set at each poll, 0 when empty |
//! | [`DEATHS`] `keepalive.connection.deaths` | counter | connections | [`CAUSE`], [`POLICY`] | deaths the watch saw; registered at 0 for each cause the watch reports as soon as a policy type is seen |
//! | [`DETECTION`] `keepalive.detection.duration` | histogram | seconds | [`CAUSE`], [`POLICY`] | for each death, the time from the last segment received to the poll that saw it ([`Change::detection`]) |
//! | [`DETECTION_RATIO`] `keepalive.detection.ratio` | histogram | 1 | [`CAUSE`], [`POLICY`] | that time over the policy's worst-case detection ([`Change::bound`]): above 1, the bound was missed (the time includes the wait for the poll, so allow for the poll's interval) |
//! | [`PHASE`] `keepalive.phase` | label, field | | | [`Phase::NAMES`]: `idle`, `active`, `probing`, `paused_bounded`, `paused_unbounded`, `closing`, `dead`, `off`, `unreported` |
//! | [`POLICY`] `keepalive.policy` | label, field | | | the policy type's name ([`Change::policy_type`]) |
//! | [`CAUSE`] `keepalive.cause` | label, field | | | [`cause_name`]: `keepalive_unanswered`, `data_unacknowledged`, `timed_out`, `reset`, `closed`, ... |
//! | [`TARGET`] `keepalive` | event target | | | every event's target |
//! | `keepalive.connection` | field | | | the connection's kernel identity ([`Change::id`]), in hex as the message writes it |
//! | `keepalive.peer` | field | | | the peer's address |
//! | `keepalive.from` | field | | | the phase at the previous poll, if any |
//! | `keepalive.probes.unanswered`, `keepalive.probes.limit` | fields | probes | | probes unanswered so far (n) and before the connection is declared dead (N), where known |
//! | `keepalive.detection.seconds`, `keepalive.bound.seconds` | fields | seconds | | for a death, the detection time; the policy's worst-case detection |
//!
//! Events, each with the fields above that apply and the [`Change`] written out as its
//! message:
//!
//! | level | when |
//! |---|---|
//! | `INFO` | a connection starts probing: keep-alive probes go out and none is answered |
//! | `WARN` | a connection is paused with data unacknowledged and nothing bounds the wait (no user timeout): a vanished peer is found only at the OS's retransmission limit, many minutes on |
//! | `WARN` | a connection dies, with its cause (`INFO` for `closed`: after an orderly close) |
//! | `DEBUG` | every other change: another unanswered probe, a bounded pause, back to idle, closing, a first poll |
//!
//! # Cost
//!
//! A poll is one [`Watch::poll`] and one [`Watch::for_each`] (no status read), then one
//! gauge update per phase and policy type. Buffers are kept across polls, and the handles
//! of the gauges and counters are registered once per policy type, so a poll in which
//! nothing dies allocates nothing once its policy types have been seen (a death registers
//! its histograms). Events are emitted, and the caller's callback called, after the watch
//! is unlocked: a slow subscriber does not hold up connections registering. The gauges
//! count the phases the poll left in the watch, read by [`Watch::for_each`] right after
//! it: a connection dropped in between is already out of them.
//!
//! Handles belong to the recorder installed when a policy type is first seen: install the
//! recorder before the first poll. One exporter serves one watch; the names carry no
//! label of the watch, so two watches exporting the same policy type write the same
//! series.

#![cfg_attr(docsrs, doc(cfg(any(feature = "metrics", feature = "tracing"))))]

use super::{Change, Counts, Watch};
#[cfg(doc)]
use super::{Phase, cause_name};

/// Gauge: connections per [`PHASE`] and [`POLICY`].
pub const CONNECTIONS: &str = "keepalive.connection.count";
/// Counter: deaths per [`CAUSE`] and [`POLICY`].
pub const DEATHS: &str = "keepalive.connection.deaths";
/// Histogram, seconds: each death's detection time, per [`CAUSE`] and [`POLICY`].
pub const DETECTION: &str = "keepalive.detection.duration";
/// Histogram, a ratio: each death's detection time over its policy's bound, per [`CAUSE`]
/// and [`POLICY`].
pub const DETECTION_RATIO: &str = "keepalive.detection.ratio";
/// Label (and event field): the phase's name, one of [`Phase::NAMES`].
pub const PHASE: &str = "keepalive.phase";
/// Label (and event field): the policy type's name.
pub const POLICY: &str = "keepalive.policy";
/// Label (and event field): the cause's name, from [`cause_name`].
pub const CAUSE: &str = "keepalive.cause";
/// The target of every event.
pub const TARGET: &str = "keepalive";

/// A [`Watch`] exported at each [`poll`](Exporter::poll). See the [module docs](self).
#[derive(Default)]
pub struct Exporter {
    // The changes of the poll in progress, handed on once the watch is unlocked.
    changes: Vec<Change>,
    #[cfg(feature = "metrics")]
    metrics: metrics_export::Tallies,
}

impl core::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut d = f.debug_struct("Exporter");
        #[cfg(feature = "metrics")]
        d.field("policy_types", &self.metrics.len());
        d.finish_non_exhaustive()
    }
}

impl Exporter {
    /// An exporter that has seen no policy type yet.
    pub fn new() -> Exporter {
        Exporter::default()
    }

    /// Polls `watch` once ([`Watch::poll`]), sets the gauges, counts the deaths and emits
    /// the events; returns the poll's counts.
    pub fn poll(&mut self, watch: &Watch) -> Counts {
        self.poll_with(watch, |_| {})
    }

    /// [`Exporter::poll`], handing each change to `on_change` too, after the watch is
    /// unlocked (so, unlike in [`Watch::poll`], `on_change` may register connections).
    pub fn poll_with(&mut self, watch: &Watch, mut on_change: impl FnMut(&Change)) -> Counts {
        let mut changes = core::mem::take(&mut self.changes);
        changes.clear();
        let counts = watch.poll(|change| changes.push(*change));
        #[cfg(feature = "metrics")]
        self.metrics.export(watch, &changes);
        for change in &changes {
            #[cfg(feature = "tracing")]
            tracing_export::emit(change);
            on_change(change);
        }
        self.changes = changes;
        counts
    }
}

#[cfg(feature = "metrics")]
mod metrics_export {
    use metrics::{Counter, Gauge, Unit};

    use super::{CAUSE, CONNECTIONS, DEATHS, DETECTION, DETECTION_RATIO, PHASE, POLICY};
    use crate::status::Cause;
    use crate::watch::{Change, Phase, Watch, cause_name};

    /// The causes a watch gives a death (`cause_of_death` in watch.rs): their counters are
    /// registered at 0, so a rate over them starts from the first death.
    const CAUSES: [&str; 5] = [
        cause_name(&Cause::KeepAliveUnanswered { probes: None }),
        cause_name(&Cause::DataUnacknowledged { retransmits: None }),
        cause_name(&Cause::TimedOut),
        cause_name(&Cause::Reset),
        cause_name(&Cause::Closed),
    ];

    /// One policy type's connections per phase at this poll, and its handles.
    struct Tally {
        policy_type: &'static str,
        counts: [usize; Phase::KINDS],
        // Registered after the watch is unlocked: the recorder is not called under it.
        handles: Option<Handles>,
    }

    struct Handles {
        connections: [Gauge; Phase::KINDS],
        deaths: [Counter; CAUSES.len()],
    }

    impl Handles {
        fn register(policy_type: &'static str) -> Handles {
            Handles {
                connections: core::array::from_fn(
                    |i| metrics::gauge!(CONNECTIONS, PHASE => Phase::NAMES[i], POLICY => policy_type),
                ),
                deaths: core::array::from_fn(|i| {
                    let counter =
                        metrics::counter!(DEATHS, CAUSE => CAUSES[i], POLICY => policy_type);
                    // Registered is not enough for every recorder to show the series.
                    counter.increment(0);
                    counter
                }),
            }
        }
    }

    /// Every policy type the exporter has seen, in order of first sight (a handful: a
    /// linear search beats hashing the type's name).
    #[derive(Default)]
    pub(super) struct Tallies {
        tallies: Vec<Tally>,
        described: bool,
    }

    impl Tallies {
        pub(super) fn len(&self) -> usize {
            self.tallies.len()
        }

        fn index(tallies: &mut Vec<Tally>, policy_type: &'static str) -> usize {
            if let Some(i) = tallies.iter().position(|t| t.policy_type == policy_type) {
                return i;
            }
            tallies.push(Tally {
                policy_type,
                counts: [0; Phase::KINDS],
                handles: None,
            });
            tallies.len() - 1
        }

        pub(super) fn export(&mut self, watch: &Watch, changes: &[Change]) {
            if !self.described {
                describe();
                self.described = true;
            }
            let tallies = &mut self.tallies;
            for tally in tallies.iter_mut() {
                tally.counts = [0; Phase::KINDS];
            }
            // The phases the poll just left in the watch (a connection registered since
            // has none yet, and is left for the next poll).
            watch.for_each(|policy_type, phase| {
                let i = Self::index(tallies, policy_type);
                if let Some(phase) = phase {
                    tallies[i].counts[phase.index()] += 1;
                }
            });
            for change in changes {
                // A connection dropped before any poll listed it still has a policy type.
                Self::index(tallies, change.policy_type);
            }
            for tally in tallies.iter_mut() {
                let handles = tally
                    .handles
                    .get_or_insert_with(|| Handles::register(tally.policy_type));
                for (gauge, n) in handles.connections.iter().zip(tally.counts) {
                    gauge.set(n as f64);
                }
            }
            for change in changes.iter().filter(|c| c.to == Phase::Dead) {
                let i = Self::index(tallies, change.policy_type);
                let Some(handles) = &tallies[i].handles else {
                    continue;
                };
                death(handles, change);
            }
        }
    }

    fn death(handles: &Handles, change: &Change) {
        // A death always comes with a cause (the watch reads one from its status).
        let cause = change
            .cause
            .as_ref()
            .map_or(cause_name(&Cause::TimedOut), cause_name);
        let policy_type = change.policy_type;
        match CAUSES.iter().position(|c| *c == cause) {
            Some(i) => handles.deaths[i].increment(1),
            None => metrics::counter!(DEATHS, CAUSE => cause, POLICY => policy_type).increment(1),
        }
        let Some(detection) = change.detection else {
            return;
        };
        let seconds = detection.as_secs_f64();
        metrics::histogram!(DETECTION, CAUSE => cause, POLICY => policy_type).record(seconds);
        if let Some(bound) = change.bound.filter(|b| !b.is_zero()) {
            metrics::histogram!(DETECTION_RATIO, CAUSE => cause, POLICY => policy_type)
                .record(seconds / bound.as_secs_f64());
        }
    }

    fn describe() {
        metrics::describe_gauge!(
            CONNECTIONS,
            Unit::Count,
            "Watched connections in each keep-alive phase at the last poll."
        );
        metrics::describe_counter!(
            DEATHS,
            Unit::Count,
            "Connections the watch saw dead, by cause."
        );
        metrics::describe_histogram!(
            DETECTION,
            Unit::Seconds,
            "Time from a dead connection's last segment received to the poll that saw it dead."
        );
        metrics::describe_histogram!(
            DETECTION_RATIO,
            "A death's detection time over its policy's worst-case detection (above 1: the bound was missed)."
        );
    }
}

#[cfg(feature = "tracing")]
mod tracing_export {
    use tracing::Level;

    use super::TARGET;
    use crate::status::Cause;
    use crate::watch::{Change, Phase, cause_name};

    /// One event for `change` at `$level`, with every field that applies.
    macro_rules! change_event {
        ($level:expr, $change:expr) => {{
            let change: &Change = $change;
            let (unanswered, limit) = probes(change);
            tracing::event!(
                target: TARGET,
                $level,
                keepalive.connection = %format_args!("{:#x}", change.id),
                keepalive.policy = change.policy_type,
                keepalive.peer = change.peer.map(tracing::field::display),
                keepalive.from = change.from.map(Phase::name),
                keepalive.phase = change.to.name(),
                keepalive.probes.unanswered = unanswered,
                keepalive.probes.limit = limit,
                keepalive.cause = change.cause.as_ref().map(cause_name),
                keepalive.detection.seconds = change.detection.map(|d| d.as_secs_f64()),
                keepalive.bound.seconds = change.bound.map(|d| d.as_secs_f64()),
                "{change}"
            )
        }};
    }

    /// Probes unanswered (n) and the limit (N): from the phase while probing, else from
    /// the status read and the policy.
    fn probes(change: &Change) -> (Option<u32>, Option<u32>) {
        match change.to {
            Phase::Probing { unanswered, of } => (unanswered, of),
            _ => (
                change.status.as_ref().and_then(|s| s.probes()),
                match change.from {
                    Some(Phase::Probing { of: Some(of), .. }) => Some(of),
                    _ => change.policy.retries(),
                },
            ),
        }
    }

    pub(super) fn emit(change: &Change) {
        match change.to {
            Phase::Probing { .. } if !matches!(change.from, Some(Phase::Probing { .. })) => {
                change_event!(Level::INFO, change)
            }
            // An orderly close the kernel finished while the application held the socket
            // is an end, not a failure.
            Phase::Dead if change.cause == Some(Cause::Closed) => {
                change_event!(Level::INFO, change)
            }
            Phase::Paused { bounded: false } | Phase::Dead => change_event!(Level::WARN, change),
            _ => change_event!(Level::DEBUG, change),
        }
    }
}

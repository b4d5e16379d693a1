//! The watch's export (features `metrics` and `tracing`) against the kernel: a loopback
//! connection reset by its peer, and, in private network namespaces, a peer that vanishes
//! from an idle connection and from one with data in flight. What a recorder
//! (metrics-util's `DebuggingRecorder`, installed for the test's thread alone) and a
//! subscriber that collects every event were given must match what the polls saw: the
//! gauges per phase the poll's counts, 0 once a phase empties; each death counted under
//! its cause, its detection time in the histograms; the events of probing, of an
//! unbounded pause and of a death with their fields.
#![cfg(target_os = "linux")]

use crate::support;

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keepalive_runtime::prelude::*;
use keepalive_runtime::watch::export::{
    CAUSE, CONNECTIONS, DEATHS, DETECTION, DETECTION_RATIO, Exporter, PHASE, POLICY, TARGET,
};
use keepalive_runtime::watch::{Change, Counts, Phase, Watch, cause_name};
use metrics_util::MetricKind;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use support::netns::{Peer, in_private_netns};
use tracing::field::{Field, Visit};

#[keepalive(timeout = "30s", interval = "5s", retries = 3)]
struct Loopback;

#[keepalive(timeout = "1s", interval = "1s", retries = 2)]
struct Vanishing;

/// An event as the subscriber got it: level, target, every field written out.
#[derive(Debug, Clone)]
struct Event {
    level: tracing::Level,
    target: String,
    fields: BTreeMap<String, String>,
}

impl Event {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
    fn seconds(&self, name: &str) -> f64 {
        self.field(name)
            .unwrap_or_else(|| panic!("no {name} in {self:?}"))
            .parse()
            .unwrap_or_else(|e| panic!("{name} in {self:?}: {e}"))
    }
}

/// A subscriber that keeps every event; spans are not used by the export.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<Event>>>);

impl Collect {
    fn events(&self) -> Vec<Event> {
        self.0.lock().unwrap().clone()
    }
}

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl tracing::Subscriber for Collect {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        self.0.lock().unwrap().push(Event {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields: fields.0,
        });
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// A metric's name and its labels, sorted.
type Series = (String, Vec<(String, String)>);

/// What the recorder was given, by name and labels: each gauge's last value, each
/// counter's total and every histogram value since the test began (a snapshot takes
/// counters and histogram values out), and each name's unit.
#[derive(Default)]
struct Recorded {
    gauges: BTreeMap<Series, f64>,
    counters: BTreeMap<Series, u64>,
    histograms: BTreeMap<Series, Vec<f64>>,
    units: BTreeMap<String, Option<metrics::Unit>>,
}

impl Recorded {
    fn read(&mut self, snapshotter: &Snapshotter) {
        for (key, unit, _, value) in snapshotter.snapshot().into_vec() {
            let (kind, key) = key.into_parts();
            self.units.insert(key.name().to_owned(), unit);
            let mut labels: Vec<(String, String)> = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            labels.sort();
            let id = (key.name().to_owned(), labels);
            match (kind, value) {
                (MetricKind::Gauge, DebugValue::Gauge(v)) => {
                    self.gauges.insert(id, v.into_inner());
                }
                // A snapshot takes counters out as the increments since the last one.
                (MetricKind::Counter, DebugValue::Counter(v)) => {
                    *self.counters.entry(id).or_default() += v;
                }
                (MetricKind::Histogram, DebugValue::Histogram(vs)) => self
                    .histograms
                    .entry(id)
                    .or_default()
                    .extend(vs.into_iter().map(|v| v.into_inner())),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut labels: Vec<_> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        labels
    }

    fn gauge(&self, phase: &str, policy: &str) -> Option<f64> {
        let id = (
            CONNECTIONS.to_owned(),
            Self::labels(&[(PHASE, phase), (POLICY, policy)]),
        );
        self.gauges.get(&id).copied()
    }

    fn deaths(&self, cause: &str, policy: &str) -> Option<u64> {
        let id = (
            DEATHS.to_owned(),
            Self::labels(&[(CAUSE, cause), (POLICY, policy)]),
        );
        self.counters.get(&id).copied()
    }

    fn histogram(&self, name: &str, cause: &str, policy: &str) -> &[f64] {
        let id = (
            name.to_owned(),
            Self::labels(&[(CAUSE, cause), (POLICY, policy)]),
        );
        self.histograms.get(&id).map_or(&[], Vec::as_slice)
    }

    /// Every phase's gauge for `policy` (the only policy type watched) equals the poll's
    /// count: present, and 0 where the phase is empty.
    fn assert_gauges(&self, counts: &Counts, policy: &str) {
        for (phase, n) in counts.iter() {
            assert_eq!(
                self.gauge(phase, policy),
                Some(n as f64),
                "gauge {phase} against the poll's {counts}"
            );
        }
    }
}

/// Polls through `exporter` every 50 ms until `done` or `limit`, checking the gauges
/// against each poll's counts; returns every change seen.
fn poll_until(
    exporter: &mut Exporter,
    watch: &Watch,
    snapshotter: &Snapshotter,
    recorded: &mut Recorded,
    policy: &str,
    limit: Duration,
    mut done: impl FnMut(&[Change]) -> bool,
) -> Vec<Change> {
    let deadline = Instant::now() + limit;
    let mut changes = Vec::new();
    while !done(&changes) && Instant::now() < deadline {
        let counts = exporter.poll_with(watch, |change| changes.push(*change));
        recorded.read(snapshotter);
        recorded.assert_gauges(&counts, policy);
        std::thread::sleep(Duration::from_millis(50));
    }
    changes
}

fn keepalive_events(collect: &Collect) -> Vec<Event> {
    let events = collect.events();
    events.into_iter().filter(|e| e.target == TARGET).collect()
}

fn close_enough(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn reset_peer_is_exported_as_a_death_of_reset() {
    let (client, server) = support::pair();
    let client_addr = client.local_addr().unwrap();
    let policy = core::any::type_name::<Loopback>();
    let bound = Loopback::POLICY.worst_case_detection().unwrap();
    let watch = Watch::new();
    let watched = watch.watch(server, Loopback::policy()).unwrap();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let collect = Collect::default();
    let mut recorded = Recorded::default();
    let mut exporter = Exporter::new();

    let changes = tracing::subscriber::with_default(collect.clone(), || {
        metrics::with_local_recorder(&recorder, || {
            let counts = exporter.poll(&watch);
            assert_eq!(counts.get(Phase::Idle), 1, "{counts}");
            recorded.read(&snapshotter);
            recorded.assert_gauges(&counts, policy);
            for cause in ["keepalive_unanswered", "reset", "closed"] {
                assert_eq!(recorded.deaths(cause, policy), Some(0), "{cause}");
            }

            socket2::SockRef::from(&client)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(client);
            let changes = poll_until(
                &mut exporter,
                &watch,
                &snapshotter,
                &mut recorded,
                policy,
                Duration::from_secs(5),
                |c| c.iter().any(|c| c.to == Phase::Dead),
            );
            // Dead, then dropped: the gauge of the dead phase goes back to 0.
            drop(watched);
            let counts = exporter.poll(&watch);
            assert_eq!(counts.total(), 0);
            recorded.read(&snapshotter);
            recorded.assert_gauges(&counts, policy);
            changes
        })
    });

    let death = changes
        .iter()
        .find(|c| c.to == Phase::Dead)
        .unwrap_or_else(|| panic!("no death: {changes:?}"));
    let cause = cause_name(death.cause.as_ref().expect("a cause"));
    assert_eq!(cause, "reset", "{death}");
    assert_eq!(recorded.deaths("reset", policy), Some(1));
    for other in ["keepalive_unanswered", "data_unacknowledged", "closed"] {
        assert_eq!(recorded.deaths(other, policy), Some(0), "{other}");
    }
    let detection = death.detection.expect("a detection time").as_secs_f64();
    assert_eq!(
        recorded.histogram(DETECTION, "reset", policy),
        [detection],
        "{death}"
    );
    let ratio = recorded.histogram(DETECTION_RATIO, "reset", policy);
    assert!(
        ratio.len() == 1 && close_enough(ratio[0], detection / bound.as_secs_f64()),
        "ratio {ratio:?}, detection {detection} s, bound {bound:?}"
    );

    assert_eq!(recorded.units[CONNECTIONS], Some(metrics::Unit::Count));
    assert_eq!(recorded.units[DEATHS], Some(metrics::Unit::Count));
    assert_eq!(recorded.units[DETECTION], Some(metrics::Unit::Seconds));

    let events = keepalive_events(&collect);
    let died: Vec<&Event> = events
        .iter()
        .filter(|e| e.field("keepalive.phase") == Some("dead"))
        .collect();
    assert_eq!(died.len(), 1, "{events:#?}");
    let died = died[0];
    assert_eq!(died.level, tracing::Level::WARN, "{died:?}");
    assert_eq!(died.field("keepalive.cause"), Some("reset"), "{died:?}");
    assert_eq!(died.field("keepalive.policy"), Some(policy), "{died:?}");
    // The same number as the message's, in the same form.
    let id = format!("{:#x}", death.id);
    assert_eq!(
        died.field("keepalive.connection"),
        Some(id.as_str()),
        "{died:?}"
    );
    assert!(
        death.to_string().starts_with(&format!("connection {id} ")),
        "{death}"
    );
    assert_eq!(
        died.field("keepalive.peer"),
        Some(client_addr.to_string().as_str()),
        "{died:?}"
    );
    assert!(close_enough(
        died.seconds("keepalive.detection.seconds"),
        detection
    ));
    assert!(close_enough(
        died.seconds("keepalive.bound.seconds"),
        bound.as_secs_f64()
    ));
    eprintln!(
        "reset: {} events, detection {detection:.4} s (bound {:.0} s)",
        events.len(),
        bound.as_secs_f64()
    );
}

#[test]
fn vanished_peer_is_exported_probing_then_dead_and_data_in_flight_paused_unbounded() {
    in_private_netns(
        module_path!(),
        "vanished_peer_is_exported_probing_then_dead_and_data_in_flight_paused_unbounded",
        || {
            let peer = Peer::new();
            let listener =
                keepalive_runtime::Listener::bind((Ipv4Addr::UNSPECIFIED, 0), Vanishing::policy())
                    .unwrap();
            let port = listener.local_addr().unwrap().port();
            let clients: Vec<TcpStream> = peer.within(move || {
                (0..2)
                    .map(|_| TcpStream::connect((Peer::NEAR, port)).unwrap())
                    .collect()
            });
            let idle_addr: SocketAddr = clients[0].local_addr().unwrap();
            let busy_addr: SocketAddr = clients[1].local_addr().unwrap();
            let watch = Watch::new();
            let mut servers = Vec::new();
            for _ in 0..2 {
                let (server, from) = listener.accept().unwrap();
                servers.push((from, watch.watch(server, Vanishing::policy()).unwrap()));
            }
            let policy = core::any::type_name::<Vanishing>();
            let bound = Vanishing::POLICY.worst_case_detection().unwrap();
            let limit = bound + bound / 10;
            let recorder = DebuggingRecorder::new();
            let snapshotter = recorder.snapshotter();
            let collect = Collect::default();
            let mut recorded = Recorded::default();
            let mut exporter = Exporter::new();

            let changes = tracing::subscriber::with_default(collect.clone(), || {
                metrics::with_local_recorder(&recorder, || {
                    let counts = exporter.poll(&watch);
                    assert_eq!(counts.get(Phase::Idle), 2, "{counts}");
                    recorded.read(&snapshotter);
                    recorded.assert_gauges(&counts, policy);

                    peer.vanish();
                    let busy = servers
                        .iter_mut()
                        .find(|(from, _)| *from == busy_addr)
                        .expect("the busy connection accepted");
                    busy.1.write_all(&[7; 1024]).unwrap();
                    poll_until(
                        &mut exporter,
                        &watch,
                        &snapshotter,
                        &mut recorded,
                        policy,
                        limit + Duration::from_secs(2),
                        |c| c.iter().any(|c| c.to == Phase::Dead),
                    )
                })
            });

            // The idle connection probed, then died of it.
            let events = keepalive_events(&collect);
            let idle_peer = idle_addr.to_string();
            let probing: Vec<&Event> = events
                .iter()
                .filter(|e| {
                    e.field("keepalive.phase") == Some("probing")
                        && e.field("keepalive.peer") == Some(idle_peer.as_str())
                })
                .collect();
            let first = probing
                .first()
                .unwrap_or_else(|| panic!("no probing event: {changes:?}"));
            assert_eq!(first.level, tracing::Level::INFO, "{first:?}");
            assert_eq!(first.field("keepalive.policy"), Some(policy), "{first:?}");
            let limit_probes = Vanishing::POLICY.retries().unwrap().to_string();
            assert_eq!(
                first.field("keepalive.probes.limit"),
                Some(limit_probes.as_str()),
                "{first:?}"
            );
            let unanswered: u32 = first
                .field("keepalive.probes.unanswered")
                .expect("probes unanswered")
                .parse()
                .unwrap();
            assert!(
                (1..=Vanishing::POLICY.retries().unwrap()).contains(&unanswered),
                "{first:?}"
            );
            // Later probes of the same run are DEBUG, not another INFO.
            assert!(
                probing[1..]
                    .iter()
                    .all(|e| e.level == tracing::Level::DEBUG),
                "{probing:#?}"
            );

            let death = changes
                .iter()
                .find(|c| c.to == Phase::Dead)
                .unwrap_or_else(|| panic!("no death: {changes:?}"));
            assert_eq!(death.peer, Some(idle_addr), "{death}");
            assert_eq!(
                death.cause.as_ref().map(cause_name),
                Some("keepalive_unanswered"),
                "{death}"
            );
            let detection = death.detection.expect("a detection time");
            assert!(detection <= limit, "{death}: bound + 10 % is {limit:?}");
            assert_eq!(recorded.deaths("keepalive_unanswered", policy), Some(1));
            assert_eq!(recorded.deaths("reset", policy), Some(0));
            let seconds = detection.as_secs_f64();
            assert_eq!(
                recorded.histogram(DETECTION, "keepalive_unanswered", policy),
                [seconds]
            );
            let ratio = recorded.histogram(DETECTION_RATIO, "keepalive_unanswered", policy);
            assert!(
                ratio.len() == 1 && close_enough(ratio[0], seconds / bound.as_secs_f64()),
                "ratio {ratio:?}, detection {seconds} s, bound {bound:?}"
            );

            let died: Vec<&Event> = events
                .iter()
                .filter(|e| e.field("keepalive.phase") == Some("dead"))
                .collect();
            assert_eq!(died.len(), 1, "{events:#?}");
            let died = died[0];
            assert_eq!(died.level, tracing::Level::WARN, "{died:?}");
            assert_eq!(died.field("keepalive.cause"), Some("keepalive_unanswered"));
            assert_eq!(died.field("keepalive.from"), Some("probing"), "{died:?}");
            assert_eq!(died.field("keepalive.peer"), Some(idle_peer.as_str()));
            assert!(close_enough(
                died.seconds("keepalive.detection.seconds"),
                seconds
            ));
            assert!(close_enough(
                died.seconds("keepalive.bound.seconds"),
                bound.as_secs_f64()
            ));

            // The connection with data in flight: paused, nothing bounding the wait.
            let paused: Vec<&Event> = events
                .iter()
                .filter(|e| e.field("keepalive.phase") == Some("paused_unbounded"))
                .collect();
            assert_eq!(paused.len(), 1, "{events:#?}");
            assert_eq!(paused[0].level, tracing::Level::WARN, "{:?}", paused[0]);
            assert_eq!(
                paused[0].field("keepalive.peer"),
                Some(busy_addr.to_string().as_str())
            );
            assert_eq!(paused[0].field("keepalive.policy"), Some(policy));
            eprintln!(
                "vanished: probing from {unanswered} of {limit_probes}, dead after {seconds:.2} s (bound {:.1} s), {} events",
                bound.as_secs_f64(),
                events.len()
            );
            drop(clients);
        },
    );
}

#[test]
fn a_poll_without_changes_allocates_nothing() {
    let (_client, server) = support::pair();
    let watch = Watch::new();
    let _watched = watch.watch(server, Loopback::policy()).unwrap();
    let recorder = DebuggingRecorder::new();
    let collect = Collect::default();
    let mut exporter = Exporter::new();
    tracing::subscriber::with_default(collect.clone(), || {
        metrics::with_local_recorder(&recorder, || {
            // The first poll registers the handles and reports the first phase.
            let counts = exporter.poll(&watch);
            assert_eq!(counts.get(Phase::Idle), 1, "{counts}");
            let n = crate::runtime_alloc::allocations_during(|| {
                let counts = exporter.poll(&watch);
                assert_eq!(counts.get(Phase::Idle), 1, "{counts}");
            });
            assert_eq!(n, 0, "allocations in a poll with nothing new");
        })
    });
    assert!(!keepalive_events(&collect).is_empty());
}

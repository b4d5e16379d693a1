//! Arbitrary `Policy` values, every knob up to `Duration::MAX` and `retries` up to
//! `u32::MAX`, on or off, fed to every public function and method that takes a policy:
//! `Status::forecast` on statuses read from real sockets (open, half-closed, listening),
//! `read_back`, `apply`, `apply_best_effort`, `apply_unchecked` and `connect_with` on real
//! loopback sockets, `Policy`'s own methods, the rules, `PolicyOverride::apply_*`, and
//! the `Display` of everything they return. None may panic: each gives a value or a
//! typed error.

use crate::support::{apply, apply_best_effort, connect_with};
use std::net::{TcpListener, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use keepalive_core::{PLATFORMS, rules};
use keepalive_runtime::config::format_duration;
use keepalive_runtime::platform::{Knob, KnobValue, TARGET};
use keepalive_runtime::rules::Enforcement;
use keepalive_runtime::status::{Cause, Status, read_back};
use keepalive_runtime::{
    ApplyAt, KeepAlivePolicy, Policy, PolicyOverride, apply_unchecked, status,
};
use proptest::prelude::*;

/// A type with every rule a change can break: `max_detect`, idle and in flight.
#[keepalive_runtime::keepalive(
    timeout = "30s",
    interval = "5s",
    retries = 4,
    user_timeout = "50s",
    max_detect = "1m"
)]
struct Bounded;

/// Durations at the edges (zero, a nanosecond, whole seconds near `u64::MAX`,
/// `Duration::MAX`) and in between.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_nanos(1)),
        Just(Duration::new(u64::MAX, 0)),
        (0u64..100_000).prop_map(Duration::from_millis),
        (0u64..100_000).prop_map(Duration::from_secs),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn count() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), Just(u32::MAX), 0u32..200, any::<u32>()]
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        any::<bool>(),
        proptest::option::of(duration()),
        proptest::option::of(duration()),
        proptest::option::of(count()),
        proptest::option::of(duration()),
    )
        .prop_map(|(enabled, timeout, interval, retries, user_timeout)| {
            let mut p = if enabled {
                Policy::new()
            } else {
                Policy::disabled()
            };
            // The builders on a disabled policy: what a caller can write.
            if let Some(t) = timeout {
                p = p.with_timeout(t);
            }
            if let Some(i) = interval {
                p = p.with_interval(i);
            }
            if let Some(r) = retries {
                p = p.with_retries(r);
            }
            if let Some(u) = user_timeout {
                p = p.with_user_timeout(u);
            }
            p
        })
}

fn change() -> impl Strategy<Value = PolicyOverride> {
    (
        proptest::option::of(any::<bool>()),
        proptest::option::of(duration()),
        proptest::option::of(duration()),
        proptest::option::of(count()),
        proptest::option::of(duration()),
    )
        .prop_map(|(enabled, timeout, interval, retries, user_timeout)| {
            let mut c = PolicyOverride::new();
            if let Some(e) = enabled {
                c = c.with_enabled(e);
            }
            if let Some(t) = timeout {
                c = c.with_timeout(t);
            }
            if let Some(i) = interval {
                c = c.with_interval(i);
            }
            if let Some(r) = retries {
                c = c.with_retries(r);
            }
            if let Some(u) = user_timeout {
                c = c.with_user_timeout(u);
            }
            c
        })
}

/// Real sockets, made once: a connected pair, a half-closed one and a listener, with the
/// statuses read from them.
struct Sockets {
    listener: TcpListener,
    client: TcpStream,
    _server: TcpStream,
    statuses: Vec<Status>,
}

fn sockets() -> &'static Sockets {
    static SOCKETS: OnceLock<Sockets> = OnceLock::new();
    SOCKETS.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let closing = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        drop(listener.accept().unwrap());
        std::thread::sleep(Duration::from_millis(50));
        let statuses = [status(&client), status(&closing), status(&listener)]
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        Sockets {
            listener,
            client,
            _server: server,
            statuses,
        }
    })
}

/// Everything a policy's own methods and the rules give, printed.
fn exercise_policy(p: &Policy) -> String {
    let mut out = String::new();
    out += &format!("{p:?} {}", p.is_enabled());
    for knob in Knob::ALL {
        out += &format!("{:?}", p.get(knob));
        if let Some(v) = p.get(knob) {
            let _ = p.with(knob, v);
            if let KnobValue::Time(d) = v {
                out += &format_duration(d).to_string();
            }
        }
        let _ = p.without(knob);
    }
    match p.worst_case_detection() {
        Ok(d) => out += &format_duration(d).to_string(),
        Err(e) => out += &e.to_string(),
    }
    match p.probe_sequence_end() {
        Ok(d) => out += &format_duration(d).to_string(),
        Err(e) => out += &e.to_string(),
    }
    for platform in PLATFORMS.iter().copied().map(Some).chain([None]) {
        if let Some(platform) = platform {
            out += &format!("{:?}", p.detection_on(platform));
        }
        if let Err(violations) = rules::validate(p, platform) {
            for v in violations {
                out += &v.to_string();
            }
        }
        for enforcement in [
            Enforcement::new(),
            Enforcement::new().with_best_effort(true),
            Enforcement::new().with_max_detect(Duration::from_secs(60)),
            Enforcement::new()
                .with_max_detect(Duration::MAX)
                .with_detect_idle_only(true),
        ] {
            for v in rules::check(p, platform, &enforcement).iter() {
                out += &v.to_string();
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_policy_of_any_values_panics_nowhere(p in policy(), c in change()) {
        let s = sockets();
        let text = exercise_policy(&p);
        prop_assert!(!text.is_empty());

        for now in &s.statuses {
            let forecast = now.forecast(&p);
            let _ = forecast.to_string();
            let _ = forecast.outlook().to_string();
            let _ = forecast.dead_within();
            let _ = now.to_string();
            let error = std::io::Error::from(std::io::ErrorKind::TimedOut);
            let _ = Cause::of(&error, Some(now)).to_string();
        }

        match read_back(&s.client, &p) {
            Ok(report) => {
                let _ = (report.to_string(), report.all_match(), report.unreadable().count());
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
        // On the connected socket and on the listener: a value or a typed error.
        for result in [
            apply(&s.client, &p).map(|a| a.to_string()),
            apply_best_effort(&s.client, &p)
                .map(|b| format!("{b} {:?}", b.effective(&p))),
            apply_unchecked(&s.client, &p).map(|a| a.to_string()),
            apply(&s.listener, &p).map(|a| a.to_string()),
        ] {
            match result {
                Ok(text) => prop_assert!(!text.is_empty() || !p.is_enabled()),
                Err(e) => {
                    let _ = e.to_string();
                    let _ = std::io::Error::from(e).to_string();
                }
            }
        }

        // Through a type: its rules and the target's.
        match Bounded::policy_with(&c) {
            Ok(q) => {
                let _ = exercise_policy(&q);
            }
            Err(e) => {
                let _ = (e.to_string(), std::io::Error::from(e).kind());
            }
        }
        for base in [p, Policy::new(), Policy::disabled()] {
            for platform in [None, TARGET] {
                match c.apply_to(base, platform) {
                    Ok(q) => {
                        let _ = exercise_policy(&q);
                    }
                    Err(e) => {
                        let _ = e.to_string();
                    }
                }
                let enforced = Enforcement::new().with_max_detect(Duration::from_secs(3600));
                if let Err(e) = c.apply_enforced(base, platform, &enforced) {
                    let _ = e.to_string();
                }
            }
        }
    }

    /// `connect_with` applies the policy before or after connecting: a connection or a
    /// typed error, whatever the values.
    #[test]
    fn connect_with_any_policy_panics_nowhere(p in policy(), after in any::<bool>()) {
        let s = sockets();
        let at = if after { ApplyAt::AfterConnect } else { ApplyAt::BeforeConnect };
        match connect_with(s.listener.local_addr().unwrap(), &p, at) {
            Ok(stream) => {
                let (accepted, _) = s.listener.accept().unwrap();
                drop((stream, accepted));
            }
            Err(e) => {
                let _ = e.to_string();
                let _ = std::io::Error::from(e).kind();
            }
        }
    }
}

/// The inputs that panicked before: a forecast under a policy whose knobs reach
/// `Duration::MAX`, and the largest retry count.
#[test]
fn the_largest_values_forecast_without_overflow() {
    let s = sockets();
    let max = Policy::new().with_timeout(Duration::MAX);
    let all_max = max
        .with_interval(Duration::MAX)
        .with_retries(u32::MAX)
        .with_user_timeout(Duration::MAX);
    for now in &s.statuses {
        for p in [max, all_max, all_max.without(Knob::UserTimeout)] {
            let forecast = now.forecast(&p);
            println!("{now} => {forecast}");
            assert!(!forecast.to_string().is_empty());
        }
    }
    assert!(!s.statuses.is_empty() || cfg!(not(target_os = "linux")));
}

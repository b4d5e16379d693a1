//! A connection knows the policy it was given: made with `P::policy_with(..)` (the
//! README's `DbConn` pattern), its `keepalive_status()` and `keepalive_report()` describe
//! what the kernel holds (read here with raw getsockopt), not the type's default; and a
//! socket holding a policy the type's rules refuse reports the rule it breaks.
#![cfg(target_os = "linux")]

use crate::support;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use keepalive_runtime::status::{Outlook, State, Value};
use keepalive_runtime::{ApplyAt, Error, KeepAlive, KeepAlivePolicy, PolicyOverride, keepalive};

// The README's library type: idle dead peers found within 2 h 10 s by default.
#[keepalive(
    timeout = "2h",
    interval = "1s",
    retries = 10,
    max_detect = "3h",
    detect_idle_only = true
)]
struct DbConn {
    stream: TcpStream,
}

impl DbConn {
    fn connect(addr: SocketAddr, overrides: &PolicyOverride) -> Result<DbConn, Error> {
        let policy = Self::policy_with(overrides)?;
        let socket = support::connect_with(addr, &policy, ApplyAt::BeforeConnect)?;
        Ok(DbConn { stream: socket })
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_30s_override_is_what_status_and_report_describe() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let change = PolicyOverride::new().with_timeout(secs(30)).with_retries(4);
    let conn = DbConn::connect(server.local_addr().unwrap(), &change).expect("connect");
    let _accepted = server.accept().unwrap();

    let kernel = support::kernel(&conn.stream);
    assert_eq!(
        (kernel.keepalive, kernel.idle_s, kernel.intvl_s, kernel.cnt),
        (true, 30, 1, 4),
        "the kernel holds the override"
    );

    let forecast = conn.keepalive_status().expect("status");
    let text = forecast.to_string();
    println!("{text}");
    let Outlook::Idle {
        timeout,
        dead_within: Some(bound),
        ..
    } = *forecast.outlook()
    else {
        panic!("not idle: {text}");
    };
    assert_eq!(timeout, Some(secs(30)), "{text}");
    // The schedule, 30 s + 4 × 1 s from the last segment, and the timers' slack (an
    // eighth of the armed 30 s and of the 34 s to run, 20 ms for each of 5 timers): 42.1 s
    // at most, nowhere near the type's 2 h 10 s.
    let most = secs(34) + (secs(30) + secs(34)) / 8 + Duration::from_millis(100);
    assert!(bound >= secs(33) && bound <= most, "{bound:?}: {text}");
    assert!(
        text.starts_with("idle 0.0 s of 30s before the first probe"),
        "{text}"
    );

    let report = conn.keepalive_report().expect("report");
    println!("{report}");
    assert!(report.all_match(), "{report}");
    assert_eq!(report.broken_rule(), None);
    assert_eq!(
        report
            .knob(keepalive_runtime::platform::Knob::Timeout)
            .state,
        State::Matches(Value::Time(secs(30)))
    );
    assert_eq!(
        report
            .knob(keepalive_runtime::platform::Knob::Retries)
            .state,
        State::Matches(Value::Count(4))
    );
}

/// A socket set past the type's `max_detect` (by a path that checks nothing): the report
/// compares with the type's policy, is no match, and names the rule; the status still
/// forecasts what the kernel holds.
#[test]
fn a_held_policy_past_the_types_bound_names_the_rule() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(server.local_addr().unwrap()).unwrap();
    let _accepted = server.accept().unwrap();
    let four_hours = DbConn::POLICY.with_timeout(secs(4 * 3600));
    keepalive_runtime::apply_unchecked(&stream, &four_hours).expect("apply");
    assert_eq!(support::kernel(&stream).idle_s, 4 * 3600);
    let conn = DbConn { stream };

    let report = conn.keepalive_report().expect("report");
    let text = report.to_string();
    println!("{text}");
    assert!(!report.all_match(), "{text}");
    let rule = report.broken_rule().expect("a broken rule").to_string();
    assert!(rule.contains("max_detect"), "{rule}");
    assert!(
        matches!(
            report.knob(keepalive_runtime::platform::Knob::Timeout).state,
            State::Differs {
                expected: Value::Time(e),
                actual: Value::Time(a),
            } if e == secs(7200) && a == secs(4 * 3600)
        ),
        "{text}"
    );
    assert!(
        text.contains("the socket holds a policy the type's rules refuse"),
        "{text}"
    );

    let forecast = conn.keepalive_status().expect("status");
    assert!(
        forecast.to_string().starts_with("idle 0.0 s of 4h before"),
        "{forecast}"
    );
}

/// Keep-alive switched off on the socket: the status says so, whatever the type says.
#[test]
fn keepalive_off_on_the_socket_is_forecast_as_off() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let change = PolicyOverride::new().with_timeout(secs(30));
    let conn = DbConn::connect(server.local_addr().unwrap(), &change).expect("connect");
    let _accepted = server.accept().unwrap();
    socket2::SockRef::from(&conn.stream)
        .set_keepalive(false)
        .unwrap();
    assert!(!support::kernel(&conn.stream).keepalive);
    let forecast = conn.keepalive_status().expect("status");
    assert_eq!(*forecast.outlook(), Outlook::Off, "{forecast}");
    let report = conn.keepalive_report().expect("report");
    assert!(!report.all_match(), "{report}");
    assert!(report.broken_rule().is_some(), "{report}");
    // The type's own policy, as given, still matches a socket that holds it.
    let plain = DbConn::POLICY;
    let stream =
        support::connect_with(server.local_addr().unwrap(), &plain, ApplyAt::BeforeConnect)
            .unwrap();
    let conn = DbConn { stream };
    assert!(conn.keepalive_report().unwrap().all_match());
}

/// A knob the type leaves to the OS and the override sets: Linux holds no user timeout
/// (0) until one is set, so a user timeout the kernel holds is the one given.
#[test]
fn an_overridden_user_timeout_the_type_leaves_out_is_reported() {
    #[keepalive(timeout = "30s", interval = "5s", retries = 4)]
    struct Api {
        stream: TcpStream,
    }
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let change = PolicyOverride::new().with_user_timeout(secs(50));
    let policy = Api::policy_with(&change).expect("a valid change");
    let stream = support::connect_with(
        server.local_addr().unwrap(),
        &policy,
        ApplyAt::BeforeConnect,
    )
    .unwrap();
    let _accepted = server.accept().unwrap();
    assert_eq!(support::kernel(&stream).user_timeout_ms, 50_000);
    let conn = Api { stream };
    let report = conn.keepalive_report().expect("report");
    assert!(report.all_match(), "{report}");
    assert_eq!(
        report
            .knob(keepalive_runtime::platform::Knob::UserTimeout)
            .state,
        State::Matches(Value::Time(secs(50)))
    );
    // A socket of the type as declared: the OS's 0, left to the OS.
    let plain = keepalive_runtime::connect(server.local_addr().unwrap(), Api::policy())
        .unwrap()
        .stream;
    let _accepted = server.accept().unwrap();
    let report = Api { stream: plain }.keepalive_report().unwrap();
    assert!(report.all_match(), "{report}");
    assert!(matches!(
        report
            .knob(keepalive_runtime::platform::Knob::UserTimeout)
            .state,
        State::NotSet(_)
    ));
}

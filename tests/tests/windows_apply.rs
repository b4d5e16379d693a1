//! The Windows branch on a real Windows socket stack: run under Wine by `.ci/wine-tests`
//! (Wine maps Winsock onto the Linux kernel's sockets), or on Windows itself.
//!
//! Wine 8 answers WSAENOPROTOOPT to TCP_KEEPCNT and TCP_MAXRT, as Windows before
//! 10.0.15063 does to TCP_KEEPCNT; these tests expect that refusal to be handled exactly as
//! on such a Windows, and accept a build that has the options.
#![cfg(windows)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::support::{apply, apply_best_effort};
use keepalive_runtime::platform::Knob;
use keepalive_runtime::status::{State, read_back};
use keepalive_runtime::{Error, Policy};
use socket2::SockRef;

use crate::support::pair;

/// WSAENOPROTOOPT: "an unknown, invalid or unsupported option".
const WSAENOPROTOOPT: i32 = 10042;

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn keepalive_on(s: &TcpStream) -> bool {
    SockRef::from(s).keepalive().unwrap()
}

fn assert_usable(client: &TcpStream, server: &TcpStream) {
    (&*client).write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    (&*server).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
}

#[test]
fn policy_applies_and_reads_back_through_the_crate() {
    let (client, server) = pair();
    let policy = Policy::new().with_timeout(secs(37)).with_interval(secs(7));
    let done = apply(&client, &policy).unwrap();
    assert!(done.contains(Knob::Timeout) && done.contains(Knob::Interval));
    assert!(!done.set().defaulted(Knob::Timeout) && !done.set().defaulted(Knob::Interval));
    assert_eq!(done.keepalive(), Some(true));
    println!("applied: {done}");

    let report = read_back(&client, &policy).unwrap();
    println!("{report}");
    println!(
        "note: Windows 10 1709 and later set and read the times through TCP_KEEPIDLE / \
         TCP_KEEPINTVL; a build without those (WSAENOPROTOOPT) gets SIO_KEEPALIVE_VALS, which \
         is write-only, and shows them as not readable. The Linux-side check \
         (tests/windows/ss-timer.sh) reads the kernel's timer instead."
    );
    assert_eq!(
        report.keepalive().state,
        State::Matches(keepalive_runtime::status::Value::Flag(true))
    );
    for knob in [Knob::Timeout, Knob::Interval] {
        let entry = report.knob(knob);
        assert_eq!(entry.option, option_of(knob));
        assert!(
            matches!(entry.state, State::Matches(_) | State::Unreadable),
            "{knob}: {:?}",
            entry.state
        );
    }
    // Read and equal where Windows can read it; a build that took SIO_KEEPALIVE_VALS
    // (write-only) leaves the times unreadable, which is not a match.
    assert_eq!(
        report.all_match(),
        report.unreadable().next().is_none(),
        "{report}"
    );
    assert_usable(&client, &server);
}

fn option_of(knob: Knob) -> &'static str {
    match knob {
        Knob::Timeout => "TCP_KEEPIDLE",
        _ => "TCP_KEEPINTVL",
    }
}

#[test]
fn a_bare_policy_is_so_keepalive_alone() {
    let (client, _server) = pair();
    let done = apply(&client, &Policy::new()).unwrap();
    println!("bare: {done}");
    assert_eq!(done.knobs().count(), 0, "{done}");
    assert_eq!(done.keepalive(), Some(true));
    assert!(keepalive_on(&client));
}

#[test]
fn a_single_time_takes_its_own_option_or_the_fallback_is_marked() {
    let (client, _server) = pair();
    let done = apply(&client, &Policy::new().with_timeout(secs(30))).unwrap();
    println!("timeout alone: {done}");
    assert!(done.contains(Knob::Timeout) && !done.set().defaulted(Knob::Timeout));
    if done.set().defaulted(Knob::Interval) {
        // A build without TCP_KEEPIDLE: SIO_KEEPALIVE_VALS carried the interval's default.
        assert_eq!(done.set().option_of(Knob::Interval), "SIO_KEEPALIVE_VALS");
        assert!(
            done.to_string()
                .contains("SIO_KEEPALIVE_VALS (interval) [OS default sent]"),
            "{done}"
        );
    } else {
        assert!(!done.contains(Knob::Interval), "{done}");
    }
    assert!(keepalive_on(&client));
    // A sub-second time has no option of its own: SIO_KEEPALIVE_VALS, always marked.
    let done = apply(
        &client,
        &Policy::new().with_interval(Duration::from_millis(1500)),
    )
    .unwrap();
    println!("interval 1.5 s alone: {done}");
    assert!(done.contains(Knob::Interval) && !done.set().defaulted(Knob::Interval));
    assert!(done.set().defaulted(Knob::Timeout), "{done}");
    assert_eq!(done.set().option_of(Knob::Timeout), "SIO_KEEPALIVE_VALS");
}

#[test]
fn keepcnt_refusal_is_a_typed_error_with_nothing_set() {
    let (client, server) = pair();
    let policy = Policy::new()
        .with_timeout(secs(30))
        .with_interval(secs(5))
        .with_retries(4);
    match apply(&client, &policy) {
        Ok(done) => {
            // Windows 10.0.15063 and later: the count is set and reads back.
            println!("this Windows build has TCP_KEEPCNT: {done}");
            assert!(done.contains(Knob::Retries));
            let report = read_back(&client, &policy).unwrap();
            assert!(report.all_match(), "{report}");
        }
        Err(err) => {
            println!("refused as on Windows before 10.0.15063: {err}");
            assert!(
                matches!(
                    err,
                    Error::Unavailable {
                        knob: Knob::Retries,
                        option: "TCP_KEEPCNT",
                        ..
                    }
                ),
                "{err:?}"
            );
            assert_eq!(err.io_error().unwrap().raw_os_error(), Some(WSAENOPROTOOPT));
            assert!(err.already_set().is_empty(), "{err}");
            assert!(err.to_string().contains("always sends 10 probes"), "{err}");
            // Nothing half-set: keep-alive is still off, the connection still works.
            assert!(!keepalive_on(&client));
        }
    }
    assert_usable(&client, &server);
}

#[test]
fn best_effort_leaves_out_keepcnt_and_says_what_windows_does_instead() {
    let (client, server) = pair();
    let policy = Policy::new()
        .with_timeout(secs(30))
        .with_interval(secs(5))
        .with_retries(4);
    let done = apply_best_effort(&client, &policy).unwrap();
    println!("best effort: {done}");
    let applied = done.set();
    assert!(applied.contains(Knob::Timeout) && applied.contains(Knob::Interval));
    assert_eq!(applied.keepalive(), Some(true));
    assert!(keepalive_on(&client));
    match done.left_out_of(Knob::Retries) {
        None => assert!(applied.contains(Knob::Retries) && done.is_complete()),
        Some(left_out) => {
            assert!(!applied.contains(Knob::Retries));
            assert_eq!(left_out.option, "TCP_KEEPCNT");
            assert_eq!(left_out.os_error, Some(WSAENOPROTOOPT));
            assert!(left_out.instead.unwrap().contains("10 probes"));
            let text = done.to_string();
            assert!(
                text.contains("retries: TCP_KEEPCNT refused (WSAENOPROTOOPT, os error 10042)"),
                "{text}"
            );
            assert_eq!(done.effective(&policy).retries(), None);
            assert_eq!(done.effective(&policy).timeout(), Some(secs(30)));
        }
    }
    assert_usable(&client, &server);
}

#[test]
fn a_user_timeout_the_build_lacks_is_refused_or_left_out() {
    let (client, _server) = pair();
    let policy = Policy::new()
        .with_timeout(secs(10))
        .with_interval(secs(1))
        .with_user_timeout(secs(20));
    match apply(&client, &policy) {
        Ok(done) => assert!(done.contains(Knob::UserTimeout)),
        Err(err) => {
            println!("TCP_MAXRT: {err}");
            assert!(
                matches!(
                    err,
                    Error::Unavailable {
                        knob: Knob::UserTimeout,
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(!keepalive_on(&client));
            let done = apply_best_effort(&client, &policy).unwrap();
            println!("best effort: {done}");
            assert_eq!(
                done.left_out_of(Knob::UserTimeout).unwrap().option,
                "TCP_MAXRT"
            );
            assert!(keepalive_on(&client));
        }
    }
}

#[test]
fn a_disabled_policy_turns_keepalive_off() {
    let (client, _server) = pair();
    apply(&client, &Policy::new().with_timeout(secs(30))).unwrap();
    assert!(keepalive_on(&client));
    let done = apply(&client, &Policy::disabled()).unwrap();
    assert_eq!(done.keepalive(), Some(false));
    assert!(!keepalive_on(&client));
}

#[test]
fn out_of_range_values_are_refused_before_any_system_call() {
    let (client, _server) = pair();
    let err = apply(&client, &Policy::new().with_retries(300)).unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("255"), "{err}");
    // Best effort relaxes only what the OS lacks, never a range.
    let err = apply_best_effort(&client, &Policy::new().with_retries(300)).unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    assert!(!keepalive_on(&client));
}

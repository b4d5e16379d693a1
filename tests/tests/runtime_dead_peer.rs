//! A vanished peer is detected within the policy's worst case: inside a private network
//! namespace (`unshare -n`), a loopback connection whose `lo` is then set down.
//!
//! Each test re-runs itself, alone, in a child process started by `unshare -n`, so the
//! namespace (and `ip link set lo down`) touches nothing outside. Without the privilege
//! for that it prints why it skipped, unless `CI=true`, where it fails instead.
#![cfg(target_os = "linux")]

use crate::support;
use crate::support::apply;

use std::io::{ErrorKind, Read};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use keepalive_runtime::Policy;
use support::netns::{in_private_netns, ip_link_lo};

/// Connects over loopback, applies `policy`, cuts the path and blocks on a read until the
/// kernel gives up. Returns the time from apply to the error, and the error.
fn vanish(policy: &Policy) -> (Duration, std::io::Error) {
    vanish_with(policy, |client, policy| apply(client, policy).map(drop))
}

fn vanish_with(
    policy: &Policy,
    apply: fn(&TcpStream, &Policy) -> Result<(), keepalive_runtime::Error>,
) -> (Duration, std::io::Error) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    // A guard against hanging forever; it must not be what ends the read.
    client
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    apply(&client, policy).unwrap();
    let start = Instant::now();
    ip_link_lo("down");
    let mut buf = [0u8; 16];
    let err = client
        .read(&mut buf)
        .expect_err("a read on a connection whose peer vanished must fail");
    let elapsed = start.elapsed();
    drop(server);
    (elapsed, err)
}

fn assert_detected_within_bound(policy: &Policy, what: &str) {
    let bound = policy.worst_case_detection().unwrap();
    let (elapsed, err) = vanish(policy);
    let upper = bound.mul_f64(1.25) + Duration::from_millis(500);
    println!(
        "{what}: dead peer detected after {:.3} s (worst case {:.3} s, allowed up to {:.3} s): {err}",
        elapsed.as_secs_f64(),
        bound.as_secs_f64(),
        upper.as_secs_f64()
    );
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err:?}");
    assert_eq!(err.raw_os_error(), Some(libc::ETIMEDOUT));
    assert!(
        elapsed >= bound,
        "{what}: detected after {elapsed:?}, before the bound {bound:?}"
    );
    assert!(
        elapsed <= upper,
        "{what}: detected after {elapsed:?}, later than {upper:?}"
    );
}

#[test]
fn dead_peer_detected_within_timeout_plus_interval_times_retries() {
    in_private_netns(
        module_path!(),
        "dead_peer_detected_within_timeout_plus_interval_times_retries",
        || {
            let policy = Policy::new()
                .with_timeout(Duration::from_secs(1))
                .with_interval(Duration::from_secs(1))
                .with_retries(3);
            assert_eq!(policy.worst_case_detection(), Ok(Duration::from_secs(4)));
            assert_detected_within_bound(&policy, "timeout 1s, interval 1s, retries 3");
        },
    );
}

#[test]
fn user_timeout_ends_the_connection() {
    in_private_netns(module_path!(), "user_timeout_ends_the_connection", || {
        // No retries: TCP_USER_TIMEOUT alone ends it, at the first probe past 2.5 s.
        let policy = Policy::new()
            .with_timeout(Duration::from_secs(1))
            .with_interval(Duration::from_secs(1))
            .with_user_timeout(Duration::from_millis(2500));
        assert_eq!(policy.worst_case_detection(), Ok(Duration::from_secs(3)));
        assert_detected_within_bound(&policy, "timeout 1s, interval 1s, user_timeout 2.5s");
    });
}

#[test]
fn a_longer_user_timeout_keeps_probing_past_retries() {
    in_private_netns(
        module_path!(),
        "a_longer_user_timeout_keeps_probing_past_retries",
        || {
            // retries 3 alone would end at 4 s; TCP_USER_TIMEOUT 6.5 s replaces the count and
            // the connection ends at the first probe past it, 7 s. The rules refuse this
            // disagreement, so it goes to the kernel unchecked.
            let policy = Policy::new()
                .with_timeout(Duration::from_secs(1))
                .with_interval(Duration::from_secs(1))
                .with_retries(3)
                .with_user_timeout(Duration::from_millis(6500));
            assert!(keepalive_core::rules::validate(&policy, keepalive_core::TARGET).is_err());
            let bound = policy.worst_case_detection().unwrap();
            assert_eq!(bound, Duration::from_secs(7));
            let (elapsed, err) = vanish_with(&policy, |client, policy| {
                keepalive_runtime::apply_unchecked(client, policy).map(drop)
            });
            let upper = bound.mul_f64(1.25) + Duration::from_millis(500);
            println!(
                "retries 3 with user_timeout 6.5s: dead peer detected after {:.3} s (4 s without the user timeout, worst case {:.3} s): {err}",
                elapsed.as_secs_f64(),
                bound.as_secs_f64()
            );
            assert_eq!(err.raw_os_error(), Some(libc::ETIMEDOUT));
            assert!(elapsed >= bound && elapsed <= upper, "{elapsed:?}");
        },
    );
}

//! A connection's keep-alive status while its peer vanishes, against the kernel's own
//! verdict: inside private network namespaces (see `support::netns`), the status is polled
//! every 100 ms until a blocking read fails, and then the cause is named from that error.
//!
//! - idle, peer cut: unanswered probes rise one per interval, and each prediction of the
//!   time to death is a bound the connection never outlives, within a quarter + 0.3 s of
//!   the measured time;
//! - cut mid-write: keep-alive paused with unacknowledged data, no probe; with a user
//!   timeout the connection dies within the bound the status gave;
//! - causes: probes unanswered, data unacknowledged, reset by the peer, unreachable;
//! - a live, healthy connection shows no probes.
#![cfg(target_os = "linux")]

use crate::support;
use crate::support::apply;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use keepalive_runtime::status::{Cause, Outlook, Status};
use keepalive_runtime::{Policy, status};
use support::netns::{Peer, in_private_netns};

const POLL: Duration = Duration::from_millis(100);

/// 1 s idle, 1 s between probes, 3 probes: dead 4 s after an idle peer falls silent.
const QUICK_PROBES: Policy = Policy::new()
    .with_timeout(Duration::from_secs(1))
    .with_interval(Duration::from_secs(1))
    .with_retries(3);

/// [`QUICK_PROBES`] with the matching user timeout (timeout + interval × retries, as the
/// rules require), which also ends a connection with data in flight.
const QUICK_PROBES_AND_USER_TIMEOUT: Policy =
    QUICK_PROBES.with_user_timeout(Duration::from_secs(4));

/// One poll: when, what the kernel reported, what the forecast said.
struct Sample {
    at: Instant,
    status: Status,
    outlook: Outlook,
    text: String,
}

/// The end of a watch: every sample, when the read failed and how, and the status read
/// right after the failure.
struct Death {
    samples: Vec<Sample>,
    at: Instant,
    error: std::io::Error,
    after: Status,
}

impl Death {
    /// The cause named from the read's error and the status right after it.
    fn cause(&self) -> Cause {
        Cause::of(&self.error, Some(&self.after))
    }
}

/// A connection from this namespace to a listener in the peer's, with `policy` applied.
fn connect(peer: &Peer, policy: &Policy) -> (TcpStream, TcpStream) {
    let listener = peer.listen();
    let client = TcpStream::connect(listener.local_addr().unwrap()).expect("connect to the peer");
    let (server, _) = listener.accept().expect("accept");
    apply(&client, policy).expect("apply");
    (client, server)
}

/// Polls the status of `stream` every 100 ms while a blocking read on it waits, until the
/// read fails or `limit` passes.
fn watch(stream: &TcpStream, policy: &Policy, limit: Duration) -> Result<Death, Vec<Sample>> {
    let mut reader = stream.try_clone().unwrap();
    reader.set_read_timeout(Some(limit)).unwrap();
    let (done, failed) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let outcome = reader.read(&mut buf);
        let _ = done.send((Instant::now(), outcome));
    });
    let mut samples = Vec::new();
    loop {
        let at = Instant::now();
        let now = status(stream).expect("status");
        let forecast = now.forecast(policy);
        // Once the kernel has declared the connection dead, a sample predicts nothing: wait
        // for the reader, which wakes with the error an instant later.
        let wait = if let Outlook::NotOpen { .. } = forecast.outlook() {
            limit
        } else {
            samples.push(Sample {
                at,
                status: now,
                outlook: *forecast.outlook(),
                text: forecast.to_string(),
            });
            POLL
        };
        match failed.recv_timeout(wait) {
            Ok((at, Err(error))) => {
                if error.kind() == std::io::ErrorKind::WouldBlock {
                    print_samples(&samples, samples[0].at);
                    return Err(samples);
                }
                let after = status(stream).expect("status after the failure");
                return Ok(Death {
                    samples,
                    at,
                    error,
                    after,
                });
            }
            Ok((_, Ok(n))) => panic!("the read returned {n} bytes"),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(e) => panic!("{e}"),
        }
    }
}

/// [`watch`] that must end in a failed read.
fn watch_until_death(stream: &TcpStream, policy: &Policy, limit: Duration) -> Death {
    watch(stream, policy, limit)
        .unwrap_or_else(|_| panic!("the connection outlived the {limit:?} watch"))
}

/// [`watch`] that must not end in a failed read: the samples of the whole `limit`.
fn watch_while_alive(stream: &TcpStream, policy: &Policy, limit: Duration) -> Vec<Sample> {
    watch(stream, policy, limit)
        .err()
        .unwrap_or_else(|| panic!("the connection died within the {limit:?} watch"))
}

/// Writes data the vanished peer will never acknowledge.
fn write_unacknowledged(client: &mut TcpStream) {
    client.write_all(&[7u8; 1000]).expect("write");
}

/// Prints how far the farthest prediction of the time to death was from the measured
/// one, then asserts that every prediction is a bound: the connection never outlived it
/// (the forecast includes the kernel's timer slack), and it is no looser than a quarter of
/// the measured time plus 0.3 s (the slack allowed is an eighth of the timers still to run
/// and 20 ms each, PLATFORMS.md S-Slack), and with data in flight before the first
/// retransmission, one retransmission timeout more.
fn assert_predictions_close(death: &Death, start: Instant) {
    let worst = death
        .samples
        .iter()
        .map(|s| {
            let predicted = s.outlook.dead_within().unwrap_or(Duration::MAX);
            predicted.abs_diff(death.at - s.at)
        })
        .max()
        .unwrap();
    println!(
        "{} predictions; the farthest from the measured time to death was off by {:.3} s",
        death.samples.len(),
        worst.as_secs_f64()
    );
    for s in &death.samples {
        let predicted = s.outlook.dead_within().expect("a bound");
        let measured = death.at - s.at;
        // With data in flight and no retransmission yet, the status cannot tell a tail-loss
        // probe from the application's own send, so the bound allows one more timeout.
        let unseen_probe = match s.outlook {
            Outlook::Paused {
                retransmits: Some(0),
                ..
            } => s.status.rto().unwrap_or_default(),
            _ => Duration::ZERO,
        };
        let loose = measured / 4 + Duration::from_millis(300) + unseen_probe;
        assert!(
            measured <= predicted && predicted - measured <= loose,
            "at {:.2} s: bound {predicted:?}, measured {measured:?} ({})",
            (s.at - start).as_secs_f64(),
            s.text
        );
    }
}

fn print_samples(samples: &[Sample], start: Instant) {
    for s in samples {
        println!(
            "{:6.2} s  {}  => {}",
            (s.at - start).as_secs_f64(),
            s.status,
            s.text
        );
    }
}

#[test]
fn idle_peer_cut_probes_rise_and_death_is_predicted() {
    in_private_netns(
        module_path!(),
        "idle_peer_cut_probes_rise_and_death_is_predicted",
        || {
            let policy = Policy::new()
                .with_timeout(Duration::from_secs(2))
                .with_interval(Duration::from_secs(1))
                .with_retries(4);
            let peer = Peer::new();
            // The kernel counts the idle time from the last segment received, the handshake:
            // between `connected` and `start`.
            let connected = Instant::now();
            let (client, _server) = connect(&peer, &policy);
            let start = Instant::now();
            peer.vanish();
            let death = watch_until_death(&client, &policy, Duration::from_secs(30));
            print_samples(&death.samples, start);
            let lived = death.at - start;
            println!(
                "dead after {:.3} s: {} -> {}",
                lived.as_secs_f64(),
                death.error,
                death.cause()
            );
            println!("status after: {}", death.after);

            // Unanswered probes rise one per interval: 1 at 2 s, ..., 4 at 5 s.
            for k in 1..=4u32 {
                let first = death
                    .samples
                    .iter()
                    .find(|s| s.status.probes() == Some(k))
                    .unwrap_or_else(|| panic!("no sample showed {k} unanswered probes"));
                let expected = Duration::from_secs(2) + Duration::from_secs(1) * (k - 1);
                let (earliest, latest) = (first.at - connected, first.at - start);
                assert!(
                    earliest >= expected && latest <= expected + POLL + Duration::from_millis(200),
                    "probe {k} first seen {latest:?} after the cut, expected {expected:?}"
                );
                assert!(
                    matches!(first.outlook, Outlook::Probing { unanswered: Some(n), of: Some(4), .. } if n == k),
                    "{}",
                    first.text
                );
            }
            // Never more than `retries`, never a step down while the peer is silent.
            let counts: Vec<u32> = death
                .samples
                .iter()
                .map(|s| s.status.probes().unwrap())
                .collect();
            assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
            assert!(counts.iter().all(|n| *n <= 4), "{counts:?}");

            assert_predictions_close(&death, start);
            assert_eq!(death.error.raw_os_error(), Some(libc::ETIMEDOUT));
            assert_eq!(
                death.cause(),
                Cause::KeepAliveUnanswered { probes: Some(4) }
            );
        },
    );
}

#[test]
fn cut_mid_write_shows_keepalive_paused_until_the_user_timeout() {
    in_private_netns(
        module_path!(),
        "cut_mid_write_shows_keepalive_paused_until_the_user_timeout",
        || {
            let policy = QUICK_PROBES_AND_USER_TIMEOUT;
            let peer = Peer::new();
            let (mut client, _server) = connect(&peer, &policy);
            let start = Instant::now();
            peer.vanish();
            write_unacknowledged(&mut client);
            let death = watch_until_death(&client, &policy, Duration::from_secs(30));
            print_samples(&death.samples, start);
            let lived = death.at - start;
            let cause = death.cause();
            println!(
                "dead after {:.3} s: {} -> {cause}; status after: {}",
                lived.as_secs_f64(),
                death.error,
                death.after
            );
            for s in &death.samples {
                assert_eq!(s.status.probes(), Some(0), "a probe with data in flight");
                assert!(s.status.unacked_segments().unwrap() > 0, "{}", s.status);
                let Outlook::Paused {
                    unacked_segments,
                    user_timeout,
                    dead_within: Some(_),
                    ..
                } = s.outlook
                else {
                    panic!("not paused: {}", s.text);
                };
                assert!(unacked_segments > 0);
                assert_eq!(user_timeout, Some(Duration::from_secs(4)));
            }
            assert_predictions_close(&death, start);
            assert!(
                death.samples[0]
                    .text
                    .starts_with("keep-alive paused: 1 segment unacknowledged")
            );
            assert_eq!(death.error.raw_os_error(), Some(libc::ETIMEDOUT));
            assert!(
                matches!(cause, Cause::DataUnacknowledged { retransmits: Some(n) } if n > 0),
                "{cause:?}"
            );
        },
    );
}

#[test]
fn cut_mid_write_without_user_timeout_is_unbounded() {
    in_private_netns(
        module_path!(),
        "cut_mid_write_without_user_timeout_is_unbounded",
        || {
            let policy = QUICK_PROBES;
            let peer = Peer::new();
            let (mut client, _server) = connect(&peer, &policy);
            let start = Instant::now();
            peer.vanish();
            write_unacknowledged(&mut client);
            // Twice the idle connection's worst case: no probe, no death.
            let samples = watch_while_alive(&client, &policy, Duration::from_secs(8));
            for sample in &samples {
                assert_eq!(sample.status.probes(), Some(0), "{}", sample.status);
                assert!(
                    matches!(
                        sample.outlook,
                        Outlook::Paused {
                            dead_within: None,
                            ..
                        }
                    ),
                    "{}",
                    sample.text
                );
            }
            let now = status(&client).unwrap();
            let forecast = now.forecast(&policy);
            println!(
                "after {:.1} s: {now} => {forecast}",
                start.elapsed().as_secs_f64()
            );
            assert_eq!(now.probes(), Some(0));
            assert!(now.retransmits().unwrap() > 0, "{now}");
            assert_eq!(forecast.dead_within(), None);
            assert!(
                forecast
                    .to_string()
                    .contains("nothing bounds this: no user_timeout"),
                "{forecast}"
            );
        },
    );
}

#[test]
fn a_peer_reset_is_named() {
    in_private_netns(module_path!(), "a_peer_reset_is_named", || {
        let policy = QUICK_PROBES;
        let peer = Peer::new();
        let (client, server) = connect(&peer, &policy);
        // SO_LINGER 0: close sends RST.
        socket2::SockRef::from(&server)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(server);
        let death = watch_until_death(&client, &policy, Duration::from_secs(10));
        let cause = death.cause();
        println!("{} -> {cause}; status after: {}", death.error, death.after);
        assert_eq!(death.error.raw_os_error(), Some(libc::ECONNRESET));
        assert_eq!(cause, Cause::Reset);
    });
}

#[test]
fn a_host_gone_from_the_link_is_unreachable() {
    in_private_netns(
        module_path!(),
        "a_host_gone_from_the_link_is_unreachable",
        || {
            let policy = QUICK_PROBES_AND_USER_TIMEOUT;
            let peer = Peer::new();
            let (mut client, _server) = connect(&peer, &policy);
            // The peer's host is gone from the link: it answers nothing, ARP included, and
            // this side has forgotten its address. The kernel's ARP gives up after three
            // probes and reports the host unreachable to the connection (a soft error); the
            // user timeout ends the connection with it.
            peer.vanish();
            support::netns::run(&["ip", "neigh", "flush", "dev", "ka-near"]);
            write_unacknowledged(&mut client);
            let death = watch_until_death(&client, &policy, Duration::from_secs(30));
            let cause = death.cause();
            println!("{} -> {cause}; status after: {}", death.error, death.after);
            assert!(
                matches!(
                    death.error.raw_os_error(),
                    Some(libc::EHOSTUNREACH | libc::ENETUNREACH)
                ),
                "{:?}",
                death.error
            );
            assert_eq!(cause, Cause::Unreachable);
        },
    );
}

#[test]
fn a_live_connection_shows_no_probes() {
    in_private_netns(module_path!(), "a_live_connection_shows_no_probes", || {
        let policy = QUICK_PROBES;
        let peer = Peer::new();
        let (client, _server) = connect(&peer, &policy);
        // Past two idle times and the whole worst case: probes go out and are answered.
        let samples = watch_while_alive(&client, &policy, Duration::from_secs(5));
        for sample in &samples {
            assert_eq!(sample.status.probes(), Some(0), "{}", sample.status);
            assert!(
                matches!(sample.outlook, Outlook::Idle { .. }),
                "{}",
                sample.text
            );
        }
        let now = status(&client).unwrap();
        println!("{now} => {}", now.forecast(&policy));
        assert_eq!(now.probes(), Some(0));
        assert_eq!(now.unacked_segments(), Some(0));
        assert!(
            now.since_last_received().unwrap() < Duration::from_millis(1_300),
            "{now}"
        );
    });
}

/// Data written to a peer that vanished after the connection sat idle: the last ACK is
/// as old as the idle time, the data is fresh. The status names each figure as what it is
/// and never calls the time since the last ACK the time the data has waited.
#[test]
fn paused_keepalive_says_which_figure_is_the_last_ack() {
    in_private_netns(
        module_path!(),
        "paused_keepalive_says_which_figure_is_the_last_ack",
        || {
            let policy = QUICK_PROBES_AND_USER_TIMEOUT.with_timeout(Duration::from_secs(3));
            let policy = policy.with_user_timeout(Duration::from_secs(6));
            let peer = Peer::new();
            let (mut client, _server) = connect(&peer, &policy);
            std::thread::sleep(Duration::from_millis(1_500));
            peer.vanish();
            write_unacknowledged(&mut client);
            let now = status(&client).expect("status");
            let forecast = now.forecast(&policy);
            let text = forecast.to_string();
            println!("{now} => {text}");
            let since_ack = now
                .since_ack_received()
                .expect("Linux reports the last ACK");
            let since_sent = now.since_data_sent().expect("Linux reports the last send");
            assert!(since_ack >= Duration::from_millis(1_400), "{now}");
            assert!(since_sent < Duration::from_millis(300), "{now}");
            assert!(!text.contains("unacknowledged for"), "{text}");
            assert!(
            text.starts_with(&format!(
                "keep-alive paused: 1 segment unacknowledged, data last sent {:.1} s ago, last ACK received {:.1} s ago",
                since_sent.as_secs_f64(),
                since_ack.as_secs_f64()
            )),
            "{text}"
        );
            let Outlook::Paused {
                since_ack_received,
                since_data_sent,
                ..
            } = *forecast.outlook()
            else {
                panic!("not paused: {text}");
            };
            assert_eq!(since_ack_received, Some(since_ack));
            assert_eq!(since_data_sent, Some(since_sent));
        },
    );
}

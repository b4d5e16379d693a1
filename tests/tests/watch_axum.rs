//! The watch over an axum server's connections, inside private network namespaces: 1 000
//! connections accepted by `integrations::axum::Listener::watched`, 100 of them from a
//! second namespace whose peer then vanishes (`Peer::vanish`). The watch must report those
//! 100, and only those, probing and then dead of unanswered keep-alive probes within the
//! policy's bound + 10 %, the 900 others idle; a peer's reset as "reset"; and no entry
//! once every connection has closed.
#![cfg(target_os = "linux")]

use crate::support;

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use keepalive_runtime::integrations::axum::Listener;
use keepalive_runtime::prelude::*;
use keepalive_runtime::status::Cause;
use keepalive_runtime::watch::{Change, Phase, Watch};
use support::netns::{Peer, in_private_netns};

const KEPT: usize = 900;
const CUT: usize = 100;

#[keepalive(
    timeout = "1s",
    interval = "1s",
    retries = 3,
    max_detect = "4s",
    detect_idle_only = true
)]
struct Clients;

/// Serves `app` on every address at a free port, on a thread of its own; returns the port.
fn serve(watch: &Watch) -> u16 {
    let watch = watch.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = Listener::bind((Ipv4Addr::UNSPECIFIED, 0), Clients::policy())
                .await
                .unwrap();
            tx.send(listener.local_addr().unwrap().port()).unwrap();
            let app = axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
            axum::serve(listener.watched(&watch), app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// Polls every 50 ms until `done` says so or `limit` passes, collecting every change.
fn poll_until(
    watch: &Watch,
    limit: Duration,
    changes: &mut Vec<(Instant, Change)>,
    mut done: impl FnMut(&[(Instant, Change)]) -> bool,
) {
    let deadline = Instant::now() + limit;
    while !done(changes) && Instant::now() < deadline {
        watch.poll(|change| changes.push((Instant::now(), *change)));
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn wait_len(watch: &Watch, want: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while watch.len() != want {
        assert!(
            Instant::now() < deadline,
            "{} connections watched, not {want}",
            watch.len()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn cut_peers_die_of_unanswered_probes_the_rest_stay_idle() {
    in_private_netns(
        module_path!(),
        "cut_peers_die_of_unanswered_probes_the_rest_stay_idle",
        || {
            crate::load_dead_peers::raise_nofile(4 * (KEPT + CUT) as u64 + 64);
            let peer = Peer::new();
            let watch = Watch::new();
            let port = serve(&watch);
            let mut changes = Vec::new();

            // A reset peer first.
            let reset = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
            let reset_addr = reset.local_addr().unwrap();
            wait_len(&watch, 1);
            socket2::SockRef::from(&reset)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(reset);
            poll_until(&watch, Duration::from_secs(5), &mut changes, |c| {
                c.iter().any(|(_, c)| c.peer == Some(reset_addr))
            });
            let death = changes
                .iter()
                .find(|(_, c)| c.peer == Some(reset_addr) && c.to == Phase::Dead)
                .unwrap_or_else(|| panic!("no death for the reset peer: {changes:?}"));
            assert_eq!(death.1.cause, Some(Cause::Reset), "{}", death.1);
            wait_len(&watch, 0);
            changes.clear();

            let kept: Vec<TcpStream> = (0..KEPT)
                .map(|_| TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap())
                .collect();
            let cut: Vec<TcpStream> = peer.within(move || {
                (0..CUT)
                    .map(|_| TcpStream::connect((Peer::NEAR, port)).unwrap())
                    .collect()
            });
            let kept_addrs: HashSet<SocketAddr> =
                kept.iter().map(|s| s.local_addr().unwrap()).collect();
            let cut_addrs: HashSet<SocketAddr> =
                cut.iter().map(|s| s.local_addr().unwrap()).collect();
            wait_len(&watch, KEPT + CUT);
            let counts = watch.poll(|change| changes.push((Instant::now(), *change)));
            assert_eq!(counts.get(Phase::Idle), KEPT + CUT, "{counts}");

            peer.vanish();
            let bound = Clients::POLICY.worst_case_detection().unwrap();
            let limit = bound + bound / 10;
            poll_until(&watch, limit + Duration::from_secs(2), &mut changes, |c| {
                c.iter().filter(|(_, c)| c.to == Phase::Dead).count() >= CUT
            });

            let mut probing = HashSet::new();
            let mut dead = HashMap::new();
            for (_, change) in &changes {
                let peer_addr = change.peer.expect("the peer address");
                assert!(
                    change.policy_type.ends_with("Clients"),
                    "{}",
                    change.policy_type
                );
                if kept_addrs.contains(&peer_addr) {
                    // A probe on loopback is answered within microseconds; a poll may
                    // catch one in flight, never two.
                    match change.to {
                        Phase::Idle => {}
                        Phase::Probing {
                            unanswered: Some(1),
                            ..
                        } => {}
                        other => panic!("a kept connection went {other}: {change}"),
                    }
                    continue;
                }
                assert!(cut_addrs.contains(&peer_addr), "{change}");
                match change.to {
                    Phase::Probing { .. } => {
                        probing.insert(peer_addr);
                    }
                    Phase::Dead => {
                        assert!(
                            dead.insert(peer_addr, *change).is_none(),
                            "a death reported twice: {change}"
                        );
                    }
                    _ => {}
                }
            }
            assert_eq!(dead.len(), CUT, "deaths seen");
            assert_eq!(probing.len(), CUT, "cut connections seen probing");
            let mut slowest = Duration::ZERO;
            for change in dead.values() {
                assert!(
                    matches!(change.cause, Some(Cause::KeepAliveUnanswered { .. })),
                    "{change}"
                );
                let detection = change.detection.expect("a detection time");
                slowest = slowest.max(detection);
                assert!(detection <= limit, "{change}: bound + 10 % is {limit:?}");
                assert_eq!(change.bound, Some(bound));
            }
            eprintln!(
                "{CUT} deaths of unanswered probes, slowest {:.2} s after the last segment (bound {:.1} s)",
                slowest.as_secs_f64(),
                bound.as_secs_f64()
            );

            // The others are idle (or caught with one probe in flight).
            let counts = watch.poll(|_| {});
            assert_eq!(
                counts.get(Phase::Idle)
                    + counts.get(Phase::Probing {
                        unanswered: None,
                        of: None
                    }),
                KEPT,
                "{counts}"
            );

            drop(kept);
            drop(cut);
            wait_len(&watch, 0);
        },
    );
}

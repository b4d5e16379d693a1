//! A reply in flight is `Phase::Active`, not a pause: in a private network namespace, data
//! written to a peer that then vanishes reads as active at once (sent, no retransmission
//! yet), and as paused, unbounded, once the kernel's first retransmission has gone out.
#![cfg(target_os = "linux")]

use crate::support;

use std::io::Write;
use std::net::{Ipv4Addr, TcpStream};
use std::time::{Duration, Instant};

use keepalive_runtime::prelude::*;
use keepalive_runtime::watch::{Phase, Watch};
use support::netns::{Peer, in_private_netns};

#[keepalive(timeout = "30s", interval = "5s", retries = 3)]
struct Replies;

/// The phase a lone watched connection is in at the next poll.
fn phase(watch: &Watch) -> Phase {
    let mut phase = None;
    watch.poll(|_| {});
    watch.for_each(|_, p| phase = p);
    phase.expect("one connection watched")
}

#[test]
fn data_in_flight_is_active_until_a_retransmission_then_paused() {
    in_private_netns(
        module_path!(),
        "data_in_flight_is_active_until_a_retransmission_then_paused",
        || {
            let peer = Peer::new();
            let listener =
                keepalive_runtime::Listener::bind((Ipv4Addr::UNSPECIFIED, 0), Replies::policy())
                    .unwrap();
            let port = listener.local_addr().unwrap().port();
            let _client = peer.within(move || TcpStream::connect((Peer::NEAR, port)).unwrap());
            let watch = Watch::new();
            let (mut server, _) = watch.accept(&listener).unwrap();
            assert_eq!(phase(&watch), Phase::Idle);

            peer.vanish();
            server.get_mut().write_all(&[7; 1024]).unwrap();
            let written = Instant::now();
            // The first retransmission waits for the RTO, at least 200 ms (TCP_RTO_MIN).
            assert_eq!(phase(&watch), Phase::Active);
            let deadline = written + Duration::from_secs(5);
            let paused = loop {
                match phase(&watch) {
                    Phase::Active if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    other => break other,
                }
            };
            assert_eq!(paused, Phase::Paused { bounded: false });
            let after = written.elapsed();
            println!(
                "active, then paused {:.2} s after the write",
                after.as_secs_f64()
            );
            assert!(after >= Duration::from_millis(200), "{after:?}");
        },
    );
}

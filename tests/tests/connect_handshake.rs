//! A handshake the peer never answers, against a connect path with a `user_timeout`: with
//! `apply = "before_connect"` Linux applies TCP_USER_TIMEOUT to the SYN's retransmissions
//! too, so the connect fails after the user timeout, whatever the connect timeout, and the
//! error says the user timeout ended it; with `after_connect` the connect timeout does.
//! The peer is cut on its own side in a private namespace (`support::netns::Peer`).
#![cfg(target_os = "linux")]

use crate::support;

use std::time::{Duration, Instant};

use keepalive_runtime::prelude::*;
use keepalive_runtime::{Error, connect_timeout};
use support::netns::{Peer, in_private_netns};

#[keepalive(timeout = "1s", interval = "1s", retries = 1, user_timeout = "2s")]
struct Before;

#[keepalive(
    timeout = "1s",
    interval = "1s",
    retries = 1,
    user_timeout = "2s",
    apply = "after_connect"
)]
struct After;

/// The one attempt and how long the connect took, against a peer that answers nothing.
fn unanswered<P: keepalive_runtime::socket::ConnectPolicy>(
    policy: keepalive_runtime::CheckedPolicy<P>,
    timeout: Duration,
) -> (Duration, keepalive_runtime::error::Attempt) {
    let peer = Peer::new();
    let listener = peer.listen();
    // The peer's link-layer address pinned: once it vanishes it answers no neighbour
    // solicitation either, and the connect would end in EHOSTUNREACH (once a cached entry
    // went stale) instead of waiting on the SYN.
    let link = peer
        .command("ip")
        .args(["-o", "link", "show", "ka-far"])
        .output()
        .unwrap();
    let link = String::from_utf8_lossy(&link.stdout);
    let mac = link
        .split_whitespace()
        .skip_while(|w| *w != "link/ether")
        .nth(1)
        .unwrap_or_else(|| panic!("no link/ether in {link}"));
    support::netns::run(&[
        "ip",
        "neigh",
        "replace",
        "10.77.0.2",
        "lladdr",
        mac,
        "dev",
        "ka-near",
        "nud",
        "permanent",
    ]);
    peer.vanish();
    let start = Instant::now();
    let err = connect_timeout(listener.local_addr().unwrap(), policy, timeout).unwrap_err();
    let elapsed = start.elapsed();
    let Error::Connect { mut attempts } = err else {
        panic!("{err:?}")
    };
    (elapsed, attempts.remove(0))
}

#[test]
fn before_connect_the_user_timeout_ends_an_unanswered_handshake_and_says_so() {
    in_private_netns(
        module_path!(),
        "before_connect_the_user_timeout_ends_an_unanswered_handshake_and_says_so",
        || {
            let (elapsed, attempt) = unanswered(Before::policy(), Duration::from_secs(20));
            let error = attempt.to_string();
            println!(
                "before_connect: {error} after {:.2} s",
                elapsed.as_secs_f64()
            );
            assert!(
                error.contains("no handshake within the policy's user timeout of 2s"),
                "{error}"
            );
            assert!(
                elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(10),
                "{elapsed:?}"
            );
            // The OS's own ETIMEDOUT is kept, and survives `?` into an io::Error.
            assert!(
                matches!(attempt.error, Error::Handshake { .. }),
                "{:?}",
                attempt.error
            );
            let os = std::io::Error::from(attempt.error);
            assert_eq!(os.raw_os_error(), Some(libc::ETIMEDOUT), "{os:?}");
        },
    );
}

#[test]
fn after_connect_the_connect_timeout_ends_it() {
    in_private_netns(
        module_path!(),
        "after_connect_the_connect_timeout_ends_it",
        || {
            let (elapsed, attempt) = unanswered(After::policy(), Duration::from_secs(4));
            let error = attempt.to_string();
            println!(
                "after_connect: {error} after {:.2} s",
                elapsed.as_secs_f64()
            );
            assert!(
                error.contains("no handshake within the connect timeout of 4s"),
                "{error}"
            );
            // socket2 polls for the rest of the timeout in whole milliseconds, rounded
            // down (`poll_connect` in socket2 0.6's src/sys/unix.rs), so the connect may
            // end up to a millisecond early.
            assert!(
                elapsed >= Duration::from_millis(3_999) && elapsed < Duration::from_secs(10),
                "{elapsed:?}"
            );
        },
    );
}

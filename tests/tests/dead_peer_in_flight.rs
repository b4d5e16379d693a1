//! A peer that vanishes on its own side, idle and in the middle of a write: two private
//! network namespaces joined by a veth pair, and `tc qdisc ... pfifo limit 0` on the peer's
//! device, so the peer drops everything it would send while this side's link stays up
//! (PLATFORMS.md L6: setting `lo` down instead fails the sender's own transmissions locally, with
//! EHOSTUNREACH, and never exercises retransmission).
//!
//! What each case gets on Linux, which `Policy::detection_on` states and `max_detect`
//! enforces: idle, the probe sequence; data in flight, nothing from keep-alive (it does not
//! probe while sent data is unacknowledged) and the user timeout alone.
#![cfg(target_os = "linux")]

use crate::support;
use crate::support::apply;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use keepalive_core::LINUX;
use keepalive_runtime::Policy;
use support::netns::{Peer, in_private_netns};

const fn s(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// 1 s idle, 1 s between probes, 3 probes: 4 s when idle.
const PROBES: Policy = Policy::new()
    .with_timeout(s(1))
    .with_interval(s(1))
    .with_retries(3);

/// The kernel's current retransmission timeout of `stream` (TCP_INFO `tcpi_rto`, µs).
fn rto(stream: &TcpStream) -> Duration {
    let (info, _) =
        support::sockopt::get::<libc::tcp_info>(stream, libc::IPPROTO_TCP, libc::TCP_INFO)
            .expect("TCP_INFO");
    Duration::from_micros(u64::from(info.tcpi_rto))
}

/// Connects to a listener in the peer's namespace and applies `policy`; the accepted side
/// is returned too, so it stays open (the peer never says goodbye).
fn connect(peer: &Peer, policy: &Policy) -> (TcpStream, TcpStream) {
    let listener = peer.listen();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    apply(&client, policy).unwrap();
    (client, server)
}

/// Blocks on a read until the kernel gives up or `guard` passes; the time taken and the
/// error.
fn wait_for_death(
    client: &mut TcpStream,
    start: Instant,
    guard: Duration,
) -> (Duration, std::io::Error) {
    client.set_read_timeout(Some(guard)).unwrap();
    let mut buf = [0u8; 16];
    let err = client
        .read(&mut buf)
        .expect_err("the peer sends nothing, so the read can only fail");
    (start.elapsed(), err)
}

#[test]
fn an_idle_peer_cut_on_its_side_dies_at_the_end_of_the_probes() {
    in_private_netns(
        module_path!(),
        "an_idle_peer_cut_on_its_side_dies_at_the_end_of_the_probes",
        || {
            let peer = Peer::new();
            let (mut client, _server) = connect(&peer, &PROBES);
            let bound = PROBES.detection_on(&LINUX).unwrap().idle;
            let start = Instant::now();
            peer.vanish();
            let (elapsed, err) = wait_for_death(&mut client, start, s(30));
            println!(
                "idle, 1 s + 3 × 1 s: {err} after {:.2} s (bound {:.2} s)",
                elapsed.as_secs_f64(),
                bound.as_secs_f64()
            );
            assert_eq!(err.raw_os_error(), Some(libc::ETIMEDOUT), "{err:?}");
            assert!(elapsed <= bound.mul_f64(1.25) + Duration::from_millis(500));
        },
    );
}

#[test]
fn a_peer_cut_mid_write_is_not_bounded_by_keepalive() {
    in_private_netns(
        module_path!(),
        "a_peer_cut_mid_write_is_not_bounded_by_keepalive",
        || {
            // What the crate says: nothing bounds this case without a user timeout, which is
            // why max_detect requires one on Linux.
            assert_eq!(PROBES.detection_on(&LINUX).unwrap().in_flight, None);
            let peer = Peer::new();
            let (mut client, _server) = connect(&peer, &PROBES);
            peer.vanish();
            let start = Instant::now();
            client.write_all(&[7u8; 1024]).unwrap();
            let guard = s(15);
            let (elapsed, err) = wait_for_death(&mut client, start, guard);
            println!(
                "data in flight, 1 s + 3 × 1 s, no user timeout: {err} after {:.2} s (keep-alive would have ended it after 4 s)",
                elapsed.as_secs_f64()
            );
            // The read timeout ended the wait (EAGAIN), not the kernel (ETIMEDOUT).
            assert_eq!(err.kind(), ErrorKind::WouldBlock, "{err:?}");
            assert!(elapsed >= guard);
        },
    );
}

#[test]
fn a_peer_cut_mid_write_dies_at_the_user_timeout() {
    in_private_netns(
        module_path!(),
        "a_peer_cut_mid_write_dies_at_the_user_timeout",
        || {
            let policy = PROBES.with_user_timeout(s(4));
            let bound = policy.detection_on(&LINUX).unwrap().in_flight.unwrap();
            let peer = Peer::new();
            let (mut client, _server) = connect(&peer, &policy);
            peer.vanish();
            let start = Instant::now();
            client.write_all(&[7u8; 1024]).unwrap();
            let first_rto = rto(&client);
            let (elapsed, err) = wait_for_death(&mut client, start, s(60));
            println!(
                "data in flight, user_timeout 4 s: {err} after {:.2} s (bound {:.2} s; first retransmission timeout {:.2} s)",
                elapsed.as_secs_f64(),
                bound.as_secs_f64(),
                first_rto.as_secs_f64()
            );
            assert_eq!(err.raw_os_error(), Some(libc::ETIMEDOUT), "{err:?}");
            assert!(elapsed >= bound.mul_f64(0.95), "{elapsed:?}");
            // Linux checks the user timeout when the retransmission timer fires, so the end
            // lands after it: a retransmission timeout or so on a quiet host (4.42 s measured
            // with a 0.2 s timeout), seconds later on a loaded one, whose timeouts grow. The
            // bound here is the contrast with the case above, where nothing ended the
            // connection within 15 s.
            assert!(elapsed < s(15), "{elapsed:?}");
        },
    );
}

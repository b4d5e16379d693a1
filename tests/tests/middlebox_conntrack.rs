//! A middlebox stand-in: in a private network namespace, Linux conntrack with its
//! established-TCP timeout set to 5 s, loose pickup off and `ct state invalid drop`, so a
//! flow idle for more than 5 s loses its entry and every later segment is dropped, as a
//! NAT or load balancer drops a flow it has forgotten. A policy the crate accepts through
//! `idle_limit("5s")` keeps its connection alive; one it refuses loses it to keep-alive's
//! own timeout, its probes dropped. Needs `nft` (Debian package nftables); without it, or
//! without the privilege for a namespace, the test prints why it skipped, unless
//! `CI=true`, where it fails.
#![cfg(target_os = "linux")]

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use keepalive_runtime::prelude::*;
use keepalive_runtime::rules::middlebox::{idle_limit, largest_timeout_within};
use keepalive_runtime::{Bounds, CheckedPolicy, Policy, connect};

use crate::support::netns::in_private_netns;

const PATH: Bounds = Bounds::new("keepalive-tests", "PATH").through(idle_limit("5s"));

/// The largest timeout that holds through a 5 s box (4 s: fired by 4.52 s at the latest).
#[keepalive(timeout = "4s", interval = "1s", retries = 2, bounds = PATH)]
struct Through;

fn sh(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().expect(program);
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_flow_idle_past_the_box_s_limit_is_lost_unless_the_policy_holds() {
    if let Err(e) = Command::new("nft").arg("--version").output() {
        let msg = format!("SKIPPED: needs `nft` (Debian package nftables): {e}");
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{msg}; CI=true, so this is a failure"
        );
        eprintln!("\n*** {msg} ***\n");
        return;
    }
    in_private_netns(
        module_path!(),
        "a_flow_idle_past_the_box_s_limit_is_lost_unless_the_policy_holds",
        in_the_namespace,
    );
}

fn in_the_namespace() {
    sh(
        "sysctl",
        &[
            "-q",
            "-w",
            "net.netfilter.nf_conntrack_tcp_timeout_established=5",
        ],
    );
    sh(
        "sysctl",
        &["-q", "-w", "net.netfilter.nf_conntrack_tcp_loose=0"],
    );
    sh("nft", &["add", "table", "inet", "box"]);
    sh(
        "nft",
        &[
            "add",
            "chain",
            "inet",
            "box",
            "in",
            "{ type filter hook input priority 0; }",
        ],
    );
    sh(
        "nft",
        &[
            "add", "rule", "inet", "box", "in", "ct", "state", "invalid", "drop",
        ],
    );

    assert_eq!(
        largest_timeout_within(Duration::from_secs(5)),
        Some(Duration::from_secs(4))
    );
    // 8 s is refused through the box: the crate will not apply it, so it is set by hand.
    let refused = Policy::new()
        .with_timeout(Duration::from_secs(8))
        .with_interval(Duration::from_secs(1))
        .with_retries(2);
    let why = CheckedPolicy::<Through>::new(refused)
        .unwrap_err()
        .to_string();
    assert!(why.contains("write at most `timeout = \"4s\"`"), "{why}");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut kept = connect(addr, Through::policy()).unwrap().stream;
    let (mut kept_peer, _) = listener.accept().unwrap();
    let mut lost = TcpStream::connect(addr).unwrap();
    let (_lost_peer, _) = listener.accept().unwrap();
    let sock = socket2::SockRef::from(&lost);
    sock.set_tcp_keepalive(
        &socket2::TcpKeepalive::new()
            .with_time(Duration::from_secs(8))
            .with_interval(Duration::from_secs(1))
            .with_retries(2),
    )
    .unwrap();
    sock.set_keepalive(true).unwrap();

    let start = Instant::now();
    let watch = std::thread::spawn(move || {
        lost.set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let err = lost.read(&mut [0; 1]).unwrap_err();
        (start.elapsed(), err)
    });
    // Three times the box's limit, idle but for the probes.
    kept.set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let idle = kept.read(&mut [0; 1]).unwrap_err();
    assert!(
        matches!(idle.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{idle}"
    );
    // Still through the box: data goes both ways.
    kept.write_all(b"x").unwrap();
    let mut got = [0; 1];
    kept_peer
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    kept_peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"x");

    let (after, err) = watch.join().unwrap();
    // Its first probe at 8 s finds the entry gone, and the two probes after it are
    // dropped too: ETIMEDOUT at about 10 s.
    assert_eq!(err.raw_os_error(), Some(libc::ETIMEDOUT), "{err}");
    assert!(
        after > Duration::from_secs(9) && after < Duration::from_secs(13),
        "{after:?}"
    );
    eprintln!("kept alive for 15 s; refused policy lost after {after:?}");
}

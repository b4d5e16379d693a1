//! Load: 10 000 connections accepted from a listener configured through `#[keepalive]`.
//! Every accepted socket is checked from the kernel (raw `getsockopt`: keep-alive on and
//! the listener's four timings inherited), the run must finish within a deadline, and the
//! process holds as many descriptors after closing everything as before.
//!
//! Connections are kept open 1 000 at a time (fewer if the descriptor limit is low), and
//! each batch is closed server side first, so TIME_WAIT stays on the listener's port and
//! does not use up the client's ephemeral ports. The test runs alone in a child process
//! (`support::alone`): the descriptor count is the whole process's.
#![cfg(target_os = "linux")]

use crate::support;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use keepalive_runtime::Listener;
use keepalive_runtime::prelude::*;
use support::Kernel;

const CONNECTIONS: usize = 10_000;
const BATCH: usize = 1_000;
/// Far above what it takes here (0.3 s in a debug build on 2 cores).
const DEADLINE: Duration = Duration::from_secs(30);

/// Values no kernel default has, so inheriting them is visible.
#[keepalive(timeout = "17s", interval = "3s", retries = 6, user_timeout = "35s")]
struct Server {
    #[keepalive(socket)]
    listener: Listener<Server>,
}

const EXPECTED: Kernel = Kernel {
    keepalive: true,
    idle_s: 17,
    intvl_s: 3,
    cnt: 6,
    user_timeout_ms: 35_000,
};

fn open_descriptors() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("read /proc/self/fd")
        .count()
}

/// Raises the soft RLIMIT_NOFILE towards `want` (at most the hard limit); returns the
/// soft limit in force.
fn raise_nofile(want: u64) -> u64 {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a live, writable rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) }, 0);
    if rl.rlim_cur < want {
        rl.rlim_cur = want.min(rl.rlim_max);
        // SAFETY: `rl` is a valid rlimit whose soft limit does not exceed its hard limit.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) }, 0);
    }
    rl.rlim_cur
}

#[test]
fn ten_thousand_accepted_connections_inherit_the_listener_policy() {
    support::alone(
        module_path!(),
        "ten_thousand_accepted_connections_inherit_the_listener_policy",
        &[],
        ten_thousand,
    );
}

fn ten_thousand() {
    let start = Instant::now();
    let baseline = open_descriptors();
    let limit = raise_nofile(2 * BATCH as u64 + 256);
    let batch = BATCH.min((limit as usize).saturating_sub(baseline + 64) / 2);
    assert!(
        batch >= 100,
        "RLIMIT_NOFILE {limit} is too low for this test"
    );

    let server = Server {
        listener: Listener::bind("127.0.0.1:0", Server::policy()).expect("bind loopback"),
    };
    assert_eq!(support::kernel(server.listener.as_std()), EXPECTED);
    assert_ne!(
        support::defaults_on(),
        EXPECTED,
        "the policy must differ from the defaults"
    );
    let addr = server.listener.local_addr().unwrap();

    let mut verified = 0;
    while verified < CONNECTIONS {
        let n = batch.min(CONNECTIONS - verified);
        let mut open: Vec<(TcpStream, TcpStream)> = Vec::with_capacity(n);
        for _ in 0..n {
            // One connect, one accept: the backlog never fills, so no SYN is retried.
            let client = TcpStream::connect(addr).expect("connect");
            let (accepted, _) = server.listener.accept().expect("accept");
            let held = support::kernel(&accepted);
            assert_eq!(
                held, EXPECTED,
                "connection {verified}: the accepted socket does not hold the listener's policy"
            );
            verified += 1;
            open.push((accepted, client));
        }
        // Server side first: TIME_WAIT lands on the listener's port.
        let (accepted, clients): (Vec<_>, Vec<_>) = open.into_iter().unzip();
        drop(accepted);
        drop(clients);
        assert!(
            start.elapsed() < DEADLINE,
            "{verified} connections after {:?}, past the deadline of {DEADLINE:?}",
            start.elapsed()
        );
    }
    drop(server);
    let elapsed = start.elapsed();
    assert_eq!(verified, CONNECTIONS);
    assert_eq!(
        open_descriptors(),
        baseline,
        "descriptors left open after closing every connection and the listener"
    );
    println!(
        "{CONNECTIONS} connections accepted and checked from the kernel in {:.2} s \
         ({batch} open at a time; deadline {} s); descriptors back to {baseline}",
        elapsed.as_secs_f64(),
        DEADLINE.as_secs()
    );
}

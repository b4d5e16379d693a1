//! Windows-side halves of the Linux-side checks in tests/windows/: ignored in a normal run,
//! started by `ss-timer.sh` and `dead-peer.sh` with `--ignored --exact <name>`. Each prints
//! one machine-read line (`HOLDING ...`, `READY ...`) and the shell script checks what the
//! Linux kernel under Wine holds.
#![cfg(windows)]

use std::io::{BufRead, Read};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{apply, apply_best_effort};
use keepalive_runtime::Policy;
use keepalive_runtime::platform::Knob;

/// Windows before 10.0.15063 (and Wine 8) refuse TCP_KEEPCNT and always send this many
/// probes; the platform table's fallback text says so, and the test checks it does.
const FIXED_PROBES: u32 = 10;

/// Applies a policy to a loopback connection, prints its local port and holds it open until
/// stdin closes (or 60 s), so that `ss` can read the kernel's timer. `KEEPALIVE_HOLD`
/// picks the policy: `both` (default: timeout 37 s, interval 7 s), `timeout` (37 s alone)
/// or `bare` (`#[keepalive]` alone: keep-alive on, every time left to the OS).
#[test]
#[ignore = "run by tests/windows/ss-timer.sh"]
fn wine_hold_for_ss() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (_server, _) = listener.accept().unwrap();
    let mode = std::env::var("KEEPALIVE_HOLD").unwrap_or_else(|_| "both".into());
    let policy = match mode.as_str() {
        "both" => Policy::new()
            .with_timeout(Duration::from_secs(37))
            .with_interval(Duration::from_secs(7)),
        "timeout" => Policy::new().with_timeout(Duration::from_secs(37)),
        "bare" => Policy::new(),
        other => panic!("KEEPALIVE_HOLD={other}: expected both, timeout or bare"),
    };
    let done = apply(&client, &policy).unwrap();
    println!("applied ({mode}): {done}");
    if mode == "bare" {
        assert!(done.knobs().next().is_none(), "{done}");
    }
    if mode == "timeout" {
        // Its own option where the build has it; else SIO_KEEPALIVE_VALS with the interval
        // at its documented default, which the outcome must say.
        let via = if done.set().defaulted(Knob::Interval) {
            "SIO_KEEPALIVE_VALS (TCP_KEEPIDLE refused; interval sent at its 1 s default)"
        } else {
            "TCP_KEEPIDLE alone (interval left to the OS)"
        };
        println!("timeout set through {via}");
    }
    println!("HOLDING port={}", client.local_addr().unwrap().port());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        let _ = tx.send(());
    });
    let _ = rx.recv_timeout(Duration::from_secs(60));
    drop(client);
}

/// Inside a private network namespace: applies timeout 1 s, interval 2 s, retries 3 with
/// the best-effort opt-in, prints `READY`, and blocks on a read until the stack gives up
/// once the script has set `lo` down. The bound is the policy's worst case, with the
/// fixed 10 probes where TCP_KEEPCNT was left out.
#[test]
#[ignore = "run by tests/windows/dead-peer.sh inside unshare -n"]
fn wine_dead_peer() {
    let policy = Policy::new()
        .with_timeout(Duration::from_secs(1))
        .with_interval(Duration::from_secs(2))
        .with_retries(3);
    // Before connect: the idle time runs from the last segment received (the handshake).
    let start = Instant::now();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    // A guard against hanging forever; it must not be what ends the read.
    client
        .set_read_timeout(Some(Duration::from_secs(90)))
        .unwrap();
    let done = apply_best_effort(&client, &policy).unwrap();
    println!("best effort: {done}");
    let probes = match done.left_out_of(Knob::Retries) {
        Some(left_out) => {
            let instead = left_out.instead.unwrap_or("");
            assert!(instead.contains("10 probes"), "{instead}");
            FIXED_PROBES
        }
        None => 3,
    };
    let bound = policy.with_retries(probes).worst_case_detection().unwrap();
    println!(
        "READY port={} probes={probes} bound_ms={}",
        client.local_addr().unwrap().port(),
        bound.as_millis()
    );
    let mut buf = [0u8; 16];
    let err = client
        .read(&mut buf)
        .expect_err("a read on a connection whose peer vanished must fail");
    let elapsed = start.elapsed();
    drop(server);
    let upper = bound.mul_f64(1.25) + Duration::from_secs(1);
    println!(
        "DETECTED elapsed_ms={} bound_ms={} upper_ms={} error={err} ({:?})",
        elapsed.as_millis(),
        bound.as_millis(),
        upper.as_millis(),
        err.kind()
    );
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut, "{err:?}");
    assert!(
        elapsed >= bound,
        "detected after {elapsed:?}, before {bound:?}"
    );
    assert!(
        elapsed <= upper,
        "detected after {elapsed:?}, later than {upper:?}"
    );
}
